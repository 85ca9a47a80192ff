/* Tar member index: scan headers once with libarchive (data skipped by seeking),
 * keep name -> (offset, size) sorted, resolve in-archive links on lookup. */
#include "tarindex.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "tree.h"

#define MAX_NAME_BYTES (16u << 20) /* all member names and link targets together */

enum kind { M_REG, M_SYMLINK, M_HARDLINK, M_DIR, M_OTHER };

struct tmember {
	char *name, *link;
	enum kind kind;
	uint64_t off, size;
};

struct tarindex {
	struct tmember *m;
	size_t n, cap;
	uint64_t name_bytes, file_size;
	int fd;
	char buf[64 << 10];
};

static la_ssize_t scan_read(struct archive *a, void *arg, const void **out)
{
	struct tarindex *ti = arg;
	for (;;) {
		ssize_t n = read(ti->fd, ti->buf, sizeof(ti->buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			archive_set_error(a, errno, "read");
		*out = ti->buf;
		return n;
	}
}

static la_int64_t scan_skip(struct archive *a, void *arg, la_int64_t len)
{
	struct tarindex *ti = arg;
	(void)a;
	off_t cur = lseek(ti->fd, 0, SEEK_CUR);
	if (cur < 0 || len < 0 || (uint64_t)cur + (uint64_t)len > ti->file_size)
		return 0; /* let libarchive read (and find the truncation) */
	return lseek(ti->fd, len, SEEK_CUR) < 0 ? 0 : len;
}

void tarindex_free(struct tarindex *ti)
{
	if (!ti)
		return;
	for (size_t i = 0; i < ti->n; i++) {
		free(ti->m[i].name);
		free(ti->m[i].link);
	}
	free(ti->m);
	free(ti);
}

static int add(struct tarindex *ti, struct archive *a, struct archive_entry *ae, const char *where,
	       struct sb_error *err)
{
	char name[TREE_PATH_MAX + 1];
	const char *raw = archive_entry_pathname(ae);
	if (!raw || tree_path_normalize(raw, name, TREE_PATH_MAX, err) < 0)
		return error_set(err, 0, "`%s`: member with a bad name", where);
	if (!name[0])
		return 0; /* "./": the archive root */
	if (ti->n == TARINDEX_MAX_MEMBERS)
		return error_set(err, 0, "`%s`: more than %d members", where, TARINDEX_MAX_MEMBERS);
	struct tmember m = {0};
	const char *hl = archive_entry_hardlink(ae);
	mode_t type = archive_entry_filetype(ae);
	m.kind = hl		    ? M_HARDLINK
		 : type == AE_IFREG ? M_REG
		 : type == AE_IFLNK ? M_SYMLINK
		 : type == AE_IFDIR ? M_DIR
				    : M_OTHER;
	const char *link = hl ? hl : m.kind == M_SYMLINK ? archive_entry_symlink(ae) : NULL;
	if (m.kind == M_REG && archive_entry_sparse_count(ae) > 0)
		m.kind = M_OTHER; /* a sparse member's bytes are not contiguous */
	if (m.kind == M_REG) {
		la_int64_t off = archive_filter_bytes(a, 0), size = archive_entry_size(ae);
		if (off < 0 || size < 0 || (uint64_t)off + (uint64_t)size > ti->file_size)
			return error_set(err, 0, "`%s`: truncated at member `%.200s`", where, name);
		m.off = (uint64_t)off;
		m.size = (uint64_t)size;
	}
	ti->name_bytes += strlen(name) + (link ? strlen(link) : 0);
	if (ti->name_bytes > MAX_NAME_BYTES)
		return error_set(err, 0, "`%s`: member names too long in all", where);
	if (ti->n == ti->cap) {
		size_t cap = ti->cap ? ti->cap * 2 : 64;
		struct tmember *p = realloc(ti->m, cap * sizeof(*p));
		if (!p)
			return error_set(err, ENOMEM, "out of memory");
		ti->m = p;
		ti->cap = cap;
	}
	m.name = strdup(name);
	m.link = link ? strdup(link) : NULL;
	if (!m.name || (link && !m.link)) {
		free(m.name);
		free(m.link);
		return error_set(err, ENOMEM, "out of memory");
	}
	ti->m[ti->n++] = m;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct tmember *)a)->name, ((const struct tmember *)b)->name);
}

static int scan(struct tarindex *ti, const char *where, struct sb_error *err)
{
	struct archive *a = archive_read_new();
	if (!a)
		return error_set(err, ENOMEM, "out of memory");
	archive_read_support_format_tar(a);
	archive_read_set_callback_data(a, ti);
	archive_read_set_read_callback(a, scan_read);
	archive_read_set_skip_callback(a, scan_skip);
	int r = archive_read_open1(a);
	struct archive_entry *ae;
	while (r == ARCHIVE_OK) {
		r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_OK || r == ARCHIVE_WARN) {
			int e = add(ti, a, ae, where, err);
			if (e < 0) {
				archive_read_free(a);
				return e;
			}
			r = ARCHIVE_OK;
		}
	}
	if (r != ARCHIVE_EOF)
		r = error_set(err, 0, "`%s` is not a readable tar: %s", where,
			      archive_error_string(a) ? archive_error_string(a) : "?");
	else
		r = 0;
	archive_read_free(a);
	return r;
}

/* Compressed archives would need a decompression pass per lookup: refuse them. */
static int check_magic(int fd, const char *where, struct sb_error *err)
{
	uint8_t b[6] = {0};
	if (pread(fd, b, sizeof(b), 0) < 0)
		return error_set(err, errno, "read `%s`", where);
	if ((b[0] == 0x1f && b[1] == 0x8b) || !memcmp(b, "\x28\xb5\x2f\xfd", 4) ||
	    !memcmp(b,
		    "\xfd"
		    "7zXZ",
		    5) ||
	    !memcmp(b, "BZh", 3))
		return error_set(err, 0, "`%s` is compressed: decompress it first", where);
	return 0;
}

int tarindex_open(int fd, const char *where, struct tarindex **out, struct sb_error *err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return error_set(err, errno, "stat %s", where);
	if (!S_ISREG(st.st_mode))
		return error_set(err, 0, "`%s` is not a regular file", where);
	int r = check_magic(fd, where, err);
	if (r < 0)
		return r;
	struct tarindex *ti = calloc(1, sizeof(*ti));
	if (!ti)
		return error_set(err, ENOMEM, "out of memory");
	ti->fd = fd;
	ti->file_size = (uint64_t)st.st_size;
	if (lseek(fd, 0, SEEK_SET) < 0)
		r = error_set(err, errno, "seek %s", where);
	if (r == 0)
		r = scan(ti, where, err);
	if (r == 0 && ti->n > 1) {
		qsort(ti->m, ti->n, sizeof(*ti->m), by_name);
		for (size_t i = 1; i < ti->n && r == 0; i++)
			if (!strcmp(ti->m[i - 1].name, ti->m[i].name) &&
			    (ti->m[i - 1].kind != M_DIR || ti->m[i].kind != M_DIR))
				r = error_set(err, 0, "`%s`: member `%.200s` appears twice", where,
					      ti->m[i].name);
	}
	if (r < 0) {
		tarindex_free(ti);
		return r;
	}
	*out = ti;
	return 0;
}

static const struct tmember *lookup(const struct tarindex *ti, const char *name)
{
	struct tmember key = {.name = (char *)name};
	return ti->n ? bsearch(&key, ti->m, ti->n, sizeof(*ti->m), by_name) : NULL;
}

int tarindex_has(const struct tarindex *ti, const char *name)
{
	char norm[TREE_PATH_MAX + 1];
	return tree_path_normalize(name, norm, TREE_PATH_MAX, NULL) == 0 && lookup(ti, norm);
}

uint64_t tarindex_count(const struct tarindex *ti)
{
	return ti->n;
}

/* The name a link member points to, normalized: hard links name members from
 * the archive root, symlinks are relative to their own directory. */
static int link_target(const struct tmember *m, char *out, struct sb_error *err)
{
	cleanup_free char *joined = NULL;
	const char *slash = strrchr(m->name, '/');
	if (m->kind == M_SYMLINK && m->link[0] != '/' && slash) {
		size_t dl = (size_t)(slash - m->name), ll = strlen(m->link);
		if (!(joined = malloc(dl + ll + 2)))
			return error_set(err, ENOMEM, "out of memory");
		memcpy(joined, m->name, dl);
		joined[dl] = '/';
		memcpy(joined + dl + 1, m->link, ll + 1);
	}
	int r = tree_path_normalize(joined ? joined : m->link, out, TREE_PATH_MAX, err);
	return r < 0 ? error_prefix(err, "link member `%.200s`", m->name) : 0;
}

int tarindex_find(const struct tarindex *ti, const char *name, struct tar_member *out,
		  struct sb_error *err)
{
	char cur[TREE_PATH_MAX + 1];
	int r = tree_path_normalize(name, cur, TREE_PATH_MAX, err);
	if (r < 0)
		return r;
	for (int hops = 0;; hops++) {
		const struct tmember *m = lookup(ti, cur);
		if (!m) {
			error_set(err, 0, "no member `%.200s` in the archive", cur);
			if (err)
				err->code = ENOENT;
			return -ENOENT;
		}
		if (m->kind == M_REG) {
			out->off = m->off;
			out->size = m->size;
			return 0;
		}
		if (m->kind != M_SYMLINK && m->kind != M_HARDLINK)
			return error_set(err, 0, "member `%.200s` is not a regular file", cur);
		if (hops == TARINDEX_MAX_HOPS)
			return error_set(err, ELOOP, "member `%.200s`: too many links", name);
		if ((r = link_target(m, cur, err)) < 0)
			return r;
	}
}
