/* Layer streaming, consumer side: the tar bytes from the producer thread
 * (layer_read.c) -> (hash: diff_id) -> libarchive tar reader -> layer_entry.c.
 * One pass, bounded: the producer runs at most FEED_SLOTS buffers ahead. On 2
 * cores the producer's work (read, blob hash, inflate) overlaps with this
 * thread's (diff_id hash, tar parsing, spilling file contents). */
#include "layer_int.h"

#include <archive.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int layer_tar_error(struct layer_stream *s, const char *what, struct sb_error *err)
{
	if (s->feed_failed) {
		if (err)
			*err = s->feed_err;
		return -(s->feed_err.code ? s->feed_err.code : EINVAL);
	}
	return error_set(err, s->bomb ? EFBIG : EINVAL, "%s: %s", what,
			 archive_error_string(s->inner) ? archive_error_string(s->inner)
							: "read error");
}

/* Pulls the tar stream from the feed (zero copy), hashing it (diff_id) and
 * counting it against the unpacked-bytes budget. */
static la_ssize_t tar_read(struct archive *a, void *arg, const void **buf)
{
	struct layer_stream *s = arg;
	ssize_t n = feed_next(s->feed, buf, &s->feed_err);
	if (n < 0) {
		s->feed_failed = 1;
		archive_set_error(a, EIO, "%s", s->feed_err.msg);
		return -1;
	}
	if ((uint64_t)n > s->budget->bytes_left) {
		s->bomb = 1;
		archive_set_error(a, EFBIG, "unpacked size limit reached (--max-unpacked)");
		return -1;
	}
	s->budget->bytes_left -= (uint64_t)n;
	if (s->comp != LAYER_PLAIN)
		digest_update(&s->diff_hash, *buf, (size_t)n);
	s->tar_bytes += (uint64_t)n;
	return n;
}

/* The compression from the blob's first bytes (what libarchive's bidders
 * look at): gzip and zstd magic, anything else is read as a plain tar. */
static int sniff(struct layer_stream *s, struct sb_error *err)
{
	uint8_t m[4] = {0};
	size_t want = s->src->size < sizeof(m) ? (size_t)s->src->size : sizeof(m);
	ssize_t n;
	do
		n = want ? pread(s->src->fd, m, want, (off_t)s->src->off) : 0;
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return error_set(err, errno, "read blob");
	if (n == 0)
		return error_set(err, EINVAL, "unreadable layer: empty blob");
	s->comp = n >= 2 && m[0] == 0x1f && m[1] == 0x8b	? LAYER_GZIP
		  : n == 4 && !memcmp(m, "\x28\xb5\x2f\xfd", 4) ? LAYER_ZSTD
								: LAYER_PLAIN;
	return 0;
}

static int open_inner(struct layer_stream *s, struct sb_error *err)
{
	s->inner = archive_read_new();
	if (!s->inner)
		return error_set(err, ENOMEM, "out of memory");
	archive_read_support_format_tar(s->inner);
	if (archive_read_open(s->inner, s, NULL, tar_read, NULL) != ARCHIVE_OK)
		return layer_tar_error(s, "bad tar", err);
	return 0;
}

/* Read what the tar reader left (end blocks, padding, bytes after them), so
 * that the diff_id covers everything; the producer hashes the rest of the blob
 * before it ends. */
static int drain(struct layer_stream *s, struct sb_error *err)
{
	const void *buf;
	la_ssize_t n;
	while ((n = tar_read(s->inner, s, &buf)) > 0)
		;
	return n < 0 ? layer_tar_error(s, "bad tar", err) : 0;
}

static int verify(struct layer_stream *s, const struct layer_source *src, struct sb_error *err)
{
	char hex[DIGEST_HEX_LEN + 1];
	if (s->blob_bytes != src->size)
		return error_set(err, EINVAL, "blob truncated: %llu of %llu bytes",
				 (unsigned long long)s->blob_bytes, (unsigned long long)src->size);
	if (src->digest && strcmp(s->blob_hex, src->digest))
		return error_set(err, EINVAL,
				 "content does not match its digest (got sha256:%s, %llu bytes)",
				 s->blob_hex, (unsigned long long)s->blob_bytes);
	/* An uncompressed blob is its own tar: one hash serves as both digests. */
	if (s->comp == LAYER_PLAIN)
		memcpy(hex, s->blob_hex, sizeof(hex));
	else
		digest_final(&s->diff_hash, hex);
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
	feed_stop(s->feed); /* joins the producer: its state is ours again */
	if (s->outer)
		archive_read_free(s->outer);
	digest_free(&s->blob_hash);
	digest_free(&s->diff_hash);
	free(s);
}

static int apply(struct layer_stream *s, const struct layer_source *src, struct sb_error *err)
{
	int r;
	if ((r = sniff(s, err)) < 0 || (r = digest_init(&s->blob_hash, err)) < 0 ||
	    (r = digest_init(&s->diff_hash, err)) < 0 || (r = layer_read_start(s, err)) < 0 ||
	    (r = open_inner(s, err)) < 0)
		return r;
	if ((r = layer_entries(s, err)) < 0 || (r = drain(s, err)) < 0)
		return r;
	feed_stop(s->feed);
	s->feed = NULL;
	return verify(s, src, err);
}

static int run(struct layer_stream *s, uint32_t index, const struct layer_source *src,
	       struct sb_error *err)
{
	int r = apply(s, src, err);
	int fallback = s->fallback;
	stream_close(s);
	if (fallback)
		return LAYER_FALLBACK;
	if (r < 0)
		error_prefix(err, "layer %u (sha256:%.64s)", index,
			     src->digest ? src->digest : "?");
	return r;
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
	return run(s, index, src, err);
}

int layer_stream(uint32_t index, const struct layer_source *src, const struct layer_out *out,
		 struct layer_budget *b, struct sb_error *err)
{
	struct layer_stream *s = calloc(1, sizeof(*s));
	if (!s)
		return error_set(err, ENOMEM, "out of memory");
	s->src = src;
	s->out = out;
	s->budget = b;
	return run(s, index, src, err);
}
