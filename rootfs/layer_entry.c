/* Tar entries of one layer -> merged tree (path checks, whiteouts, spilled
 * contents), or, streaming, -> a layer_out (contents passed straight on). */
#include "layer_int.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpio.h"

#define WH ".wh."
#define WH_OPAQUE ".wh..wh..opq"

/* A layer_out's answer as this file's result: LAYER_FALLBACK stops the entry
 * loop with -ECANCELED (layer.c turns it back into LAYER_FALLBACK). */
static int out_result(struct layer_stream *s, int r)
{
	if (r != LAYER_FALLBACK)
		return r;
	s->fallback = 1;
	return -ECANCELED;
}

static int spill_write(struct layer_stream *s, const void *buf, size_t len, struct sb_error *err)
{
	if (s->out)
		return out_result(s, s->out->data(s->out->ctx, buf, len, err));
	const uint8_t *p = buf;
	while (len) {
		ssize_t n = write(s->spill->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error_set(err, n < 0 ? errno : EIO, "write spill file");
		p += n;
		len -= (size_t)n;
		s->spill->off += (uint64_t)n;
	}
	return 0;
}

/* Count n more content bytes against the budget and the cpio size limit. */
static int account(struct layer_stream *s, const char *path, uint64_t n, uint64_t *size,
		   struct sb_error *err)
{
	if (n > s->budget->spill_left)
		return error_set(err, EFBIG,
				 "`%.200s`: unpacked size limit reached (--max-unpacked)", path);
	s->budget->spill_left -= n;
	*size += n;
	if (*size > CPIO_MAX_FILE_SIZE)
		return error_set(err, EFBIG, "`%.200s`: file larger than 4 GiB", path);
	if (s->out && *size > s->declared) /* its cpio header is out already */
		return out_result(s, LAYER_FALLBACK);
	return 0;
}

/* Zeros for the holes of a sparse entry, up to offset `to`. */
static int fill_hole(struct layer_stream *s, const char *path, uint64_t to, uint64_t *size,
		     struct sb_error *err)
{
	static const uint8_t zeros[64 << 10];
	while (*size < to) {
		size_t n = to - *size < sizeof(zeros) ? (size_t)(to - *size) : sizeof(zeros);
		int r = account(s, path, n, size, err);
		if (r < 0 || (r = spill_write(s, zeros, n, err)) < 0)
			return r;
	}
	return 0;
}

/* Copy the entry's content to the spill file straight from libarchive's
 * buffers; holes of sparse entries become zeros, as archive_read_data would
 * make them. *size is what was copied. */
static int spill_content(struct layer_stream *s, const char *path, uint64_t *size,
			 struct sb_error *err)
{
	*size = 0;
	for (;;) {
		const void *buf;
		size_t n;
		la_int64_t at;
		int r = archive_read_data_block(s->inner, &buf, &n, &at);
		if (r == ARCHIVE_EOF)
			return at > 0 ? fill_hole(s, path, (uint64_t)at, size, err) : 0;
		if (r != ARCHIVE_OK) {
			char what[256];
			snprintf(what, sizeof(what), "`%.200s`", path);
			return layer_tar_error(s, what, err);
		}
		if (at < 0 || (uint64_t)at < *size)
			return error_set(err, EINVAL, "`%.200s`: sparse blocks out of order", path);
		if ((r = fill_hole(s, path, (uint64_t)at, size, err)) < 0 ||
		    (r = account(s, path, n, size, err)) < 0 ||
		    (r = spill_write(s, buf, n, err)) < 0)
			return r;
	}
}

/* Whiteout entries: returns 1 when handled, 0 when path is a normal entry. */
static int whiteout(struct layer_stream *s, char *path, struct sb_error *err)
{
	char *slash = strrchr(path, '/');
	char *base = slash ? slash + 1 : path;
	if (strncmp(base, WH, strlen(WH)))
		return 0;
	if (s->out) /* only a merge knows what it hides */
		return out_result(s, LAYER_FALLBACK);
	if (!strcmp(base, WH_OPAQUE)) {
		*base = '\0';
		if (slash)
			*slash = '\0';
		int r = tree_opaque(s->tree, path, err);
		return r < 0 ? r : 1;
	}
	if (!strncmp(base, WH WH, 2 * strlen(WH)))
		return 1; /* other aufs metadata (.wh..wh.plnk...): not part of the image */
	const char *name = base + strlen(WH);
	if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return error_set(err, EINVAL, "bad whiteout `%.200s`", path);
	memmove(base, name, strlen(name) + 1);
	int r = tree_whiteout(s->tree, path, err);
	return r < 0 ? r : 1;
}

static int decode(struct archive_entry *ae, struct tree_entry *e, const char *path,
		  struct sb_error *err)
{
	la_int64_t uid = archive_entry_uid(ae), gid = archive_entry_gid(ae);
	if (uid < 0 || uid > UINT32_MAX || gid < 0 || gid > UINT32_MAX)
		return error_set(err, EINVAL, "`%.200s`: bad uid/gid", path);
	memset(e, 0, sizeof(*e));
	e->mode = (uint32_t)archive_entry_filetype(ae) | (archive_entry_perm(ae) & 07777);
	e->uid = (uint32_t)uid;
	e->gid = (uint32_t)gid;
	e->mtime = archive_entry_mtime(ae);
	if (S_ISCHR(e->mode) || S_ISBLK(e->mode)) {
		e->rdev_major = (uint32_t)archive_entry_rdevmajor(ae);
		e->rdev_minor = (uint32_t)archive_entry_rdevminor(ae);
	}
	return 0;
}

/* Streaming a regular file: its header (with the size the tar declares) goes
 * out before its content, so a size the merge would refuse, or content that
 * turns out longer or shorter, means falling back to the merge. */
static int stream_file(struct layer_stream *s, struct archive_entry *ae, const char *path,
		       struct tree_entry *e, struct sb_error *err)
{
	la_int64_t size = archive_entry_size(ae);
	if (!archive_entry_size_is_set(ae) || size < 0 || (uint64_t)size > CPIO_MAX_FILE_SIZE ||
	    (uint64_t)size > s->budget->spill_left)
		return out_result(s, LAYER_FALLBACK);
	e->size = s->declared = (uint64_t)size;
	uint64_t got;
	int r = out_result(s, s->out->entry(s->out->ctx, path, e, err));
	if (r == 0)
		r = spill_content(s, path, &got, err);
	if (r == 0 && got != e->size)
		r = out_result(s, LAYER_FALLBACK);
	return r;
}

static int entry(struct layer_stream *s, struct archive_entry *ae, struct sb_error *err)
{
	char path[TREE_PATH_MAX + 1], target[TREE_PATH_MAX + 1];
	const char *name = archive_entry_pathname(ae);
	if (!name)
		return error_set(err, EINVAL, "entry without a name");
	int r = tree_path_normalize(name, path, s->budget->max_path, err);
	if (r < 0 || (r = whiteout(s, path, err)) != 0)
		return r < 0 ? r : 0;
	struct tree_entry e;
	if ((r = decode(ae, &e, path, err)) < 0)
		return r;
	const char *hl = archive_entry_hardlink(ae);
	if (hl) {
		if ((r = tree_path_normalize(hl, target, s->budget->max_path, err)) < 0)
			return error_prefix(err, "hard link `%.200s`", path);
		e.hardlink = 1;
		e.link = target;
	} else if (S_ISLNK(e.mode)) {
		e.link = archive_entry_symlink(ae);
		if (!e.link)
			return error_set(err, EINVAL, "`%.200s`: symlink without target", path);
	} else if (S_ISREG(e.mode) && s->out) {
		return stream_file(s, ae, path, &e, err);
	} else if (S_ISREG(e.mode)) {
		e.data_off = s->spill->off;
		if ((r = spill_content(s, path, &e.size, err)) < 0)
			return r;
	}
	if (s->out)
		return out_result(s, s->out->entry(s->out->ctx, path, &e, err));
	return tree_add(s->tree, path, &e, err);
}

int layer_entries(struct layer_stream *s, struct sb_error *err)
{
	struct archive_entry *ae;
	for (;;) {
		int r = archive_read_next_header(s->inner, &ae);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return layer_tar_error(s, "bad tar", err);
		if (s->budget->entries_left == 0)
			return error_set(err, E2BIG,
					 "too many entries in the image (--max-entries)");
		s->budget->entries_left--;
		if ((r = entry(s, ae, err)) < 0)
			return r;
	}
}
