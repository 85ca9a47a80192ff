/* cpio "newc" writer (the format the kernel unpacks as initramfs). */
#include "cpio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const uint8_t zeros[4];

static size_t pad4(uint64_t off)
{
	return (size_t)((4 - (off & 3)) & 3);
}

void cpio_field(uint32_t v, char out[CPIO_FIELD_LEN])
{
	static const char hex[] = "0123456789ABCDEF";
	for (int i = CPIO_FIELD_LEN - 1; i >= 0; i--, v >>= 4)
		out[i] = hex[v & 15];
}

uint32_t cpio_mtime(int64_t t)
{
	return t < 0 ? 0 : t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

void cpio_writer_init(struct cpio_writer *w, cpio_sink_fn sink, void *ctx)
{
	memset(w, 0, sizeof(*w));
	w->sink = sink;
	w->ctx = ctx;
}

static int emit(struct cpio_writer *w, const void *buf, size_t len, struct sb_error *err)
{
	if (len == 0)
		return 0;
	int r = w->sink(w->ctx, buf, len, err);
	if (r < 0)
		return r;
	w->offset += len;
	return 0;
}

int cpio_write_header(struct cpio_writer *w, const struct cpio_entry *e, struct sb_error *err)
{
	if (w->pending)
		return error_set(err, EINVAL, "cpio: previous entry is missing %llu data bytes",
				 (unsigned long long)w->pending);
	size_t namesize = strlen(e->name) + 1;
	if (namesize > 0xffffffffu)
		return error_set(err, ENAMETOOLONG, "cpio: name too long");
	char hdr[CPIO_NEWC_HDR_LEN + 1];
	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 e->ino, e->mode, e->uid, e->gid, e->nlink, e->mtime, e->size, 0u, 0u,
		 e->rdev_major, e->rdev_minor, (unsigned)namesize, 0u);
	int r = emit(w, hdr, CPIO_NEWC_HDR_LEN, err);
	if (r == 0)
		r = emit(w, e->name, namesize, err);
	if (r == 0)
		r = emit(w, zeros, pad4(w->offset), err);
	if (r < 0)
		return r;
	w->pending = e->size;
	w->data_len = e->size;
	return 0;
}

int cpio_write_data(struct cpio_writer *w, const void *buf, size_t len, struct sb_error *err)
{
	if (len > w->pending)
		return error_set(err, EINVAL, "cpio: %zu bytes written, only %llu owed", len,
				 (unsigned long long)w->pending);
	int r = len ? w->sink(w->ctx, buf, len, err) : 0;
	return r < 0 ? r : cpio_note_data(w, len, err);
}

int cpio_note_data(struct cpio_writer *w, size_t len, struct sb_error *err)
{
	if (len > w->pending)
		return error_set(err, EINVAL, "cpio: %zu bytes written, only %llu owed", len,
				 (unsigned long long)w->pending);
	w->offset += len;
	w->pending -= len;
	if (w->pending == 0 && w->data_len)
		return emit(w, zeros, pad4(w->offset), err);
	return 0;
}

int cpio_write_trailer(struct cpio_writer *w, struct sb_error *err)
{
	struct cpio_entry e = {.name = "TRAILER!!!", .nlink = 1};
	return cpio_write_header(w, &e, err);
}

struct membuf {
	uint8_t *buf;
	size_t len, cap;
};

static int mem_sink(void *ctx, const void *buf, size_t len, struct sb_error *err)
{
	struct membuf *m = ctx;
	if (len > SIZE_MAX / 2 - m->len)
		return error_set(err, ENOMEM, "cpio: archive too large");
	if (m->len + len > m->cap) {
		size_t cap = m->cap ? m->cap : 4096;
		while (cap < m->len + len)
			cap *= 2;
		uint8_t *n = realloc(m->buf, cap);
		if (!n)
			return error_set(err, ENOMEM, "cpio: out of memory");
		m->buf = n;
		m->cap = cap;
	}
	memcpy(m->buf + m->len, buf, len);
	m->len += len;
	return 0;
}

static int build_entries(struct cpio_writer *w, const struct cpio_file *files, size_t n,
			 struct sb_error *err)
{
	for (size_t i = 0; i < n; i++) {
		const struct cpio_file *f = &files[i];
		const char *name = f->path;
		while (name && *name == '/')
			name++;
		if (!name || !name[0])
			return error_set(err, EINVAL, "cpio: entry %zu has no path", i);
		if (f->len > CPIO_MAX_FILE_SIZE || (f->len && !f->data))
			return error_set(err, EINVAL, "cpio: bad data for `%s`", f->path);
		if (S_ISDIR(f->mode) && f->len)
			return error_set(err, EINVAL, "cpio: directory `%s` has data", f->path);
		struct cpio_entry e = {
		    .name = name,
		    .ino = (uint32_t)(i + 1),
		    .mode = f->mode,
		    .nlink = S_ISDIR(f->mode) ? 2 : 1,
		    .size = (uint32_t)f->len,
		};
		int r = cpio_write_header(w, &e, err);
		if (r == 0)
			r = cpio_write_data(w, f->data, f->len, err);
		if (r < 0)
			return r;
	}
	return cpio_write_trailer(w, err);
}

int cpio_build(const struct cpio_file *files, size_t n, uint8_t **out, size_t *out_len,
	       struct sb_error *err)
{
	struct membuf m = {0};
	struct cpio_writer w;
	cpio_writer_init(&w, mem_sink, &m);
	int r = build_entries(&w, files, n, err);
	if (r < 0) {
		free(m.buf);
		return r;
	}
	*out = m.buf;
	*out_len = m.len;
	return 0;
}
