/* The producer side of a layer: on its own thread, read the blob with pread,
 * hash it (blob digest) and turn it into tar bytes for the feed: gzip with
 * ISA-L's inflate (several times zlib's speed), zstd with libarchive's
 * filter, plain tars as they are. Bytes after the compressed stream are
 * hashed but not decompressed, as libarchive's filters do. */
#include "layer_int.h"

#include <archive.h>
#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The next chunk of the blob into buf, hashed. 0 at the end of the blob (or
 * of the file: a short file is caught by the size check in layer.c). */
static ssize_t blob_pull(struct layer_stream *s, uint8_t *buf, size_t cap, struct sb_error *err)
{
	const struct layer_source *src = s->src;
	uint64_t left = src->size - s->blob_bytes;
	size_t want = left < cap ? (size_t)left : cap;
	ssize_t n;
	do
		n = want ? pread(src->fd, buf, want, (off_t)(src->off + s->blob_bytes)) : 0;
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return error_set(err, errno, "read blob");
	digest_update(&s->blob_hash, buf, (size_t)n);
	s->blob_bytes += (uint64_t)n;
	if (src->progress && n > 0)
		src->progress(src->progress_ctx, (uint64_t)n);
	return n;
}

/* Hash what is left of the blob; then the producer is done. */
static int finish(struct layer_stream *s, struct sb_error *err)
{
	ssize_t n;
	while ((n = blob_pull(s, s->inbuf, sizeof(s->inbuf), err)) > 0)
		;
	if (n < 0)
		return (int)n;
	digest_final(&s->blob_hash, s->blob_hex);
	return 0;
}

static int produce_plain(struct feed *f, void *ctx, struct sb_error *err)
{
	struct layer_stream *s = ctx;
	for (;;) {
		uint8_t *b;
		if (feed_buffer(f, &b) < 0)
			return -ECANCELED;
		ssize_t n = blob_pull(s, b, FEED_SLOT_SIZE, err);
		if (n <= 0)
			return n < 0 ? (int)n : finish(s, err);
		feed_commit(f, (size_t)n);
	}
}

/* Make at least two input bytes available (the next gzip member's magic) if
 * the blob has them; returns how many are available, or a negative errno. */
static ssize_t gzip_peek2(struct layer_stream *s, struct inflate_state *st, struct sb_error *err)
{
	while (st->avail_in < 2) {
		memmove(s->inbuf, st->next_in, st->avail_in);
		ssize_t n =
		    blob_pull(s, s->inbuf + st->avail_in, sizeof(s->inbuf) - st->avail_in, err);
		st->next_in = s->inbuf;
		if (n <= 0)
			return n < 0 ? n : (ssize_t)st->avail_in;
		st->avail_in += (uint32_t)n;
	}
	return st->avail_in;
}

/* One step of inflate into out; *end set when the last member has ended. */
static int gzip_step(struct layer_stream *s, struct inflate_state *st, int *end,
		     struct sb_error *err)
{
	if (st->avail_in == 0) {
		ssize_t n = blob_pull(s, s->inbuf, sizeof(s->inbuf), err);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return error_set(err, 0, "truncated gzip data");
		st->next_in = s->inbuf;
		st->avail_in = (uint32_t)n;
	}
	uint32_t in = st->avail_in, out = st->avail_out;
	int r = isal_inflate(st);
	if (r < 0 || r == ISAL_NEED_DICT)
		return error_set(err, 0, "gzip data is corrupt (ISA-L error %d)", r);
	if (st->block_state == ISAL_BLOCK_FINISH) {
		ssize_t n = gzip_peek2(s, st, err);
		if (n < 0)
			return (int)n;
		if (n < 2 || st->next_in[0] != 0x1f || st->next_in[1] != 0x8b) {
			*end = 1; /* not another member: trailing bytes, hashed only */
			return 0;
		}
		uint8_t *next_in = st->next_in, *next_out = st->next_out;
		uint32_t avail_in = st->avail_in, avail_out = st->avail_out;
		isal_inflate_reset(st);
		st->crc_flag = ISAL_GZIP;
		st->next_in = next_in;
		st->avail_in = avail_in;
		st->next_out = next_out;
		st->avail_out = avail_out;
		return 0;
	}
	if (st->avail_in == in && st->avail_out == out && out)
		return error_set(err, 0, "gzip data is corrupt (no progress)");
	return 0;
}

static int produce_gzip(struct feed *f, void *ctx, struct sb_error *err)
{
	struct layer_stream *s = ctx;
	struct inflate_state *st = malloc(sizeof(*st));
	if (!st)
		return error_set(err, ENOMEM, "out of memory");
	isal_inflate_init(st);
	st->crc_flag = ISAL_GZIP;
	int r = 0, end = 0;
	while (r == 0 && !end) {
		uint8_t *b;
		if (feed_buffer(f, &b) < 0) {
			r = -ECANCELED;
			break;
		}
		st->next_out = b;
		st->avail_out = FEED_SLOT_SIZE;
		while (r == 0 && !end && st->avail_out)
			r = gzip_step(s, st, &end, err);
		if (r == 0)
			feed_commit(f, FEED_SLOT_SIZE - st->avail_out);
	}
	free(st);
	return r < 0 ? r : finish(s, err);
}

static la_ssize_t outer_read(struct archive *a, void *arg, const void **buf)
{
	struct layer_stream *s = arg;
	struct sb_error e;
	ssize_t n = blob_pull(s, s->inbuf, sizeof(s->inbuf), &e);
	if (n < 0)
		archive_set_error(a, -(int)n, "%s", e.msg);
	*buf = s->inbuf;
	return n;
}

static int produce_zstd(struct feed *f, void *ctx, struct sb_error *err)
{
	struct layer_stream *s = ctx;
	struct archive_entry *ae;
	if (!(s->outer = archive_read_new()))
		return error_set(err, ENOMEM, "out of memory");
	archive_read_support_filter_zstd(s->outer);
	archive_read_support_format_raw(s->outer);
	if (archive_read_open(s->outer, s, NULL, outer_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(s->outer, &ae) != ARCHIVE_OK)
		return error_set(err, 0, "unreadable zstd layer: %s",
				 archive_error_string(s->outer));
	for (;;) {
		uint8_t *b;
		if (feed_buffer(f, &b) < 0)
			return -ECANCELED;
		la_ssize_t n = archive_read_data(s->outer, b, FEED_SLOT_SIZE);
		if (n < 0)
			return error_set(err, 0, "zstd: %s", archive_error_string(s->outer));
		if (n == 0)
			return finish(s, err);
		feed_commit(f, (size_t)n);
	}
}

int layer_read_start(struct layer_stream *s, struct sb_error *err)
{
	static const feed_fn fns[] = {
	    [LAYER_PLAIN] = produce_plain,
	    [LAYER_GZIP] = produce_gzip,
	    [LAYER_ZSTD] = produce_zstd,
	};
	return feed_start(&s->feed, fns[s->comp], s, err);
}
