/* Layer streaming: blob fd -> (hash) -> libarchive filter (gzip/zstd/none) ->
 * (hash: diff_id) -> libarchive tar reader -> layer_entry.c. One pass, bounded.
 * (Decompressing on a second thread was measured: no faster on 2 busy cores.) */
#include "layer_int.h"

#include <archive.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Outer archive: pulls the compressed blob ([off, off + size) of fd), hashing it. */
static la_ssize_t blob_read(struct archive *a, void *arg, const void **buf)
{
	struct layer_stream *s = arg;
	const struct layer_source *src = s->src;
	uint64_t left = src->size - s->blob_bytes;
	size_t want = left < sizeof(s->inbuf) ? (size_t)left : sizeof(s->inbuf);
	for (;;) {
		ssize_t n =
		    want ? pread(src->fd, s->inbuf, want, (off_t)(src->off + s->blob_bytes)) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			archive_set_error(a, errno, "read blob");
			return -1;
		}
		digest_update(&s->blob_hash, s->inbuf, (size_t)n);
		s->blob_bytes += (uint64_t)n;
		if (src->progress && n > 0)
			src->progress(src->progress_ctx, (uint64_t)n);
		*buf = s->inbuf;
		return n;
	}
}

/* Inner archive: pulls the decompressed tar stream, hashing it (diff_id) and
 * counting it against the unpacked-bytes budget. */
static la_ssize_t tar_read(struct archive *a, void *arg, const void **buf)
{
	struct layer_stream *s = arg;
	la_ssize_t n = archive_read_data(s->outer, s->rawbuf, sizeof(s->rawbuf));
	if (n < 0) {
		archive_set_error(a, EIO, "%s", archive_error_string(s->outer));
		return -1;
	}
	if ((uint64_t)n > s->budget->bytes_left) {
		s->bomb = 1;
		archive_set_error(a, EFBIG, "unpacked size limit reached (--max-unpacked)");
		return -1;
	}
	s->budget->bytes_left -= (uint64_t)n;
	if (!s->plain)
		digest_update(&s->diff_hash, s->rawbuf, (size_t)n);
	s->tar_bytes += (uint64_t)n;
	*buf = s->rawbuf;
	return n;
}

static int open_outer(struct layer_stream *s, struct sb_error *err)
{
	s->outer = archive_read_new();
	if (!s->outer)
		return error_set(err, ENOMEM, "out of memory");
	archive_read_support_filter_gzip(s->outer);
	archive_read_support_filter_zstd(s->outer);
	archive_read_support_format_raw(s->outer);
	struct archive_entry *ae;
	if (archive_read_open(s->outer, s, NULL, blob_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(s->outer, &ae) != ARCHIVE_OK)
		return error_set(err, EINVAL, "unreadable layer: %s",
				 archive_error_string(s->outer) ? archive_error_string(s->outer)
								: "empty blob");
	/* An uncompressed blob is its own tar: one hash serves as both digests. */
	s->plain = archive_filter_code(s->outer, 0) == ARCHIVE_FILTER_NONE;
	return 0;
}

static int open_inner(struct layer_stream *s, struct sb_error *err)
{
	s->inner = archive_read_new();
	if (!s->inner)
		return error_set(err, ENOMEM, "out of memory");
	archive_read_support_format_tar(s->inner);
	if (archive_read_open(s->inner, s, NULL, tar_read, NULL) != ARCHIVE_OK)
		return error_set(err, s->bomb ? EFBIG : EINVAL, "bad tar: %s",
				 archive_error_string(s->inner));
	return 0;
}

/* Read what the tar reader left (end blocks, padding) and what the
 * decompressor left (trailing bytes), so that both digests cover everything. */
static int drain(struct layer_stream *s, struct sb_error *err)
{
	const void *buf;
	la_ssize_t n;
	while ((n = tar_read(s->inner, s, &buf)) > 0)
		;
	if (n < 0)
		return error_set(err, s->bomb ? EFBIG : EINVAL, "%s",
				 archive_error_string(s->inner));
	while ((n = blob_read(s->outer, s, &buf)) > 0)
		;
	return n < 0 ? error_set(err, errno, "read blob") : 0;
}

static int verify(struct layer_stream *s, const struct layer_source *src, struct sb_error *err)
{
	char hex[DIGEST_HEX_LEN + 1], blob_hex[DIGEST_HEX_LEN + 1];
	digest_final(&s->blob_hash, hex);
	memcpy(blob_hex, hex, sizeof(hex));
	if (s->blob_bytes != src->size)
		return error_set(err, EINVAL, "blob truncated: %llu of %llu bytes",
				 (unsigned long long)s->blob_bytes, (unsigned long long)src->size);
	if (src->digest && strcmp(hex, src->digest))
		return error_set(err, EINVAL,
				 "content does not match its digest (got sha256:%s, %llu bytes)",
				 hex, (unsigned long long)s->blob_bytes);
	digest_final(&s->diff_hash, hex);
	if (s->plain)
		memcpy(hex, blob_hex, sizeof(hex));
	if (src->diff_id && strcmp(hex, src->diff_id))
		return error_set(err, EINVAL,
				 "uncompressed tar has sha256:%s, config diff_id says sha256:%s",
				 hex, src->diff_id);
	return 0;
}

static void stream_close(struct layer_stream *s)
{
	if (s->inner)
		archive_read_free(s->inner);
	if (s->outer)
		archive_read_free(s->outer);
	digest_free(&s->blob_hash);
	digest_free(&s->diff_hash);
	free(s);
}

static int apply(struct layer_stream *s, const struct layer_source *src, struct sb_error *err)
{
	int r;
	if ((r = digest_init(&s->blob_hash, err)) < 0 ||
	    (r = digest_init(&s->diff_hash, err)) < 0 || (r = open_outer(s, err)) < 0 ||
	    (r = open_inner(s, err)) < 0)
		return r;
	if ((r = layer_entries(s, err)) < 0 || (r = drain(s, err)) < 0)
		return r;
	return verify(s, src, err);
}

int layer_apply(struct tree *t, uint32_t index, const struct layer_source *src,
		struct layer_spill *spill, struct layer_budget *b, struct sb_error *err)
{
	struct layer_stream *s = calloc(1, sizeof(*s));
	if (!s)
		return error_set(err, ENOMEM, "out of memory");
	s->src = src;
	s->tree = t;
	s->spill = spill;
	s->budget = b;
	tree_set_layer(t, index);
	int r = apply(s, src, err);
	stream_close(s);
	if (r < 0)
		error_prefix(err, "layer %u (sha256:%.64s)", index,
			     src->digest ? src->digest : "?");
	return r;
}
