/* LZ4 legacy stream writer: magic, then [le32 size][block] of <= 8 MiB input, then a
 * zero size. A pipeline: the caller fills block k while LZ4LEGACY_WORKERS threads
 * compress the blocks before it; blocks are written to fd in order by the
 * caller's thread, each before its slot (k % nslots) is filled again. With
 * hold, the newest full blocks stay with the caller (uncompressed, patchable)
 * until later ones are full; each takes one more slot.
 *
 * Why the zero end mark: the kernel's unlz4 reads block sizes until its input
 * ends, and an initramfs is several archives back to back: without a zero
 * size it would read the next archive as one more LZ4 block. The lz4 CLI
 * (1.9.4) takes the zero as a block size too, fails to decode an empty block
 * and exits with "Error 54 : Decoding Failed" (exit 54), after writing every
 * earlier block: `lz4 -dc F >out` holds the whole cpio. Nothing else ends a
 * legacy stream for both readers (a second legacy magic, which the CLI takes
 * as a new stream, makes the kernel skip it and read on), so the kernel wins.
 * For the CLI, leave the end mark out: the stream is stream_size bytes (the
 * cache's .meta), `head -c $((stream_size - 4)) F | lz4 -dc` exits 0.
 */
#include "lz4legacy.h"

#include <errno.h>
#include <lz4.h>
#include <lz4hc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LZ4LEGACY_SLOTS 3 /* without hold: one filling, two compressing */
#define LZ4LEGACY_MAX_SLOTS (LZ4LEGACY_SLOTS + LZ4LEGACY_MAX_HOLD)
#define LZ4LEGACY_WORKERS 2

enum { SLOT_FREE, SLOT_QUEUED, SLOT_DONE };

struct slot {
	uint8_t *in, *out; /* out holds the le32 size then the compressed bytes */
	size_t fill;
	int out_len; /* compressed size, < 0 on failure */
	int state;
};

struct lz4legacy {
	int fd, level;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th[LZ4LEGACY_WORKERS];
	int nthreads, quit;
	int hold;   /* full blocks kept unqueued (lz4legacy_hold) */
	int nslots; /* LZ4LEGACY_SLOTS + hold */
	struct slot s[LZ4LEGACY_MAX_SLOTS];
	uint64_t filling; /* the block being filled */
	uint64_t queued;  /* blocks before this one are handed to the workers */
	uint64_t next;	  /* the next queued block a worker takes */
	uint64_t flushed; /* blocks written to fd */
	uint64_t written; /* bytes written to fd */
	uint64_t input;	  /* bytes put into the stream (uncompressed) */
};

static int write_all(struct lz4legacy *z, const void *buf, size_t len, struct sb_error *err)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t n = write(z->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error_set(err, n < 0 ? errno : EIO, "lz4: write");
		p += n;
		len -= (size_t)n;
		z->written += (uint64_t)n;
	}
	return 0;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void compress_block(struct slot *b, int level)
{
	int cap = LZ4_compressBound(LZ4LEGACY_BLOCK);
	if (level <= 1)
		b->out_len = LZ4_compress_default((const char *)b->in, (char *)b->out + 4,
						  (int)b->fill, cap);
	else
		b->out_len = LZ4_compress_HC((const char *)b->in, (char *)b->out + 4, (int)b->fill,
					     cap, level);
	if (b->out_len <= 0)
		b->out_len = -1;
	else
		put_le32(b->out, (uint32_t)b->out_len);
}

static void *worker(void *arg)
{
	struct lz4legacy *z = arg;
	pthread_mutex_lock(&z->mu);
	for (;;) {
		while (!z->quit && z->next == z->queued)
			pthread_cond_wait(&z->cv, &z->mu);
		if (z->quit)
			break;
		struct slot *b = &z->s[z->next++ % z->nslots];
		pthread_mutex_unlock(&z->mu);
		compress_block(b, z->level);
		pthread_mutex_lock(&z->mu);
		b->state = SLOT_DONE;
		pthread_cond_broadcast(&z->cv);
	}
	pthread_mutex_unlock(&z->mu);
	return NULL;
}

/* Hand blocks [queued, upto) to the workers (or compress them here without any). */
static void queue_upto(struct lz4legacy *z, uint64_t upto)
{
	if (!z->nthreads) {
		for (; z->queued < upto; z->queued++, z->next++) {
			struct slot *b = &z->s[z->queued % z->nslots];
			compress_block(b, z->level);
			b->state = SLOT_DONE;
		}
		return;
	}
	pthread_mutex_lock(&z->mu);
	for (; z->queued < upto; z->queued++)
		z->s[z->queued % z->nslots].state = SLOT_QUEUED;
	pthread_cond_broadcast(&z->cv);
	pthread_mutex_unlock(&z->mu);
}

/* The block being filled is complete: queue it, or with hold the one that
 * many blocks before it. */
static void submit(struct lz4legacy *z)
{
	z->filling++;
	if (z->filling > (uint64_t)z->hold)
		queue_upto(z, z->filling - (uint64_t)z->hold);
}

/* Wait for the oldest unwritten block to be compressed, write it, free its slot. */
static int flush_one(struct lz4legacy *z, struct sb_error *err)
{
	struct slot *b = &z->s[z->flushed % z->nslots];
	pthread_mutex_lock(&z->mu);
	while (b->state != SLOT_DONE)
		pthread_cond_wait(&z->cv, &z->mu);
	pthread_mutex_unlock(&z->mu);
	if (b->out_len < 0)
		return error_set(err, EIO, "lz4: compression failed");
	int r = write_all(z, b->out, (size_t)b->out_len + 4, err);
	b->fill = 0;
	b->state = SLOT_FREE;
	z->flushed++;
	return r;
}

int lz4legacy_space(struct lz4legacy *z, uint8_t **buf, size_t *avail, struct sb_error *err)
{
	struct slot *b = &z->s[z->filling % z->nslots];
	while (z->flushed + (uint64_t)z->nslots <= z->filling) {
		int r = flush_one(z, err);
		if (r < 0)
			return r;
	}
	if (!b->in) { /* slots are allocated on first use: small archives need one */
		uint8_t *in = malloc(LZ4LEGACY_BLOCK);
		uint8_t *out = malloc((size_t)LZ4_compressBound(LZ4LEGACY_BLOCK) + 4);
		if (!in || !out) {
			free(in);
			free(out);
			return error_set(err, ENOMEM, "lz4: out of memory");
		}
		b->in = in;
		b->out = out;
	}
	*buf = b->in + b->fill;
	*avail = LZ4LEGACY_BLOCK - b->fill;
	return 0;
}

void lz4legacy_advance(struct lz4legacy *z, size_t n)
{
	struct slot *b = &z->s[z->filling % z->nslots];
	z->input += n;
	b->fill += n;
	if (b->fill == LZ4LEGACY_BLOCK)
		submit(z);
}

int lz4legacy_write(struct lz4legacy *z, const void *buf, size_t len, struct sb_error *err)
{
	const uint8_t *p = buf;
	while (len) {
		uint8_t *dst;
		size_t n;
		int r = lz4legacy_space(z, &dst, &n, err);
		if (r < 0)
			return r;
		if (n > len)
			n = len;
		memcpy(dst, p, n);
		p += n;
		len -= n;
		lz4legacy_advance(z, n);
	}
	return 0;
}

void lz4legacy_abort(struct lz4legacy *z)
{
	if (!z)
		return;
	pthread_mutex_lock(&z->mu);
	z->quit = 1;
	pthread_cond_broadcast(&z->cv);
	pthread_mutex_unlock(&z->mu);
	for (int i = 0; i < z->nthreads; i++)
		pthread_join(z->th[i], NULL);
	pthread_cond_destroy(&z->cv);
	pthread_mutex_destroy(&z->mu);
	for (int i = 0; i < LZ4LEGACY_MAX_SLOTS; i++) {
		free(z->s[i].in);
		free(z->s[i].out);
	}
	free(z);
}

int lz4legacy_open(struct lz4legacy **out, int fd, int level, struct sb_error *err)
{
	struct lz4legacy *z = calloc(1, sizeof(*z));
	if (!z)
		return error_set(err, ENOMEM, "lz4: out of memory");
	z->fd = fd;
	z->level = level;
	z->nslots = LZ4LEGACY_SLOTS;
	pthread_mutex_init(&z->mu, NULL);
	pthread_cond_init(&z->cv, NULL);
	/* Without threads (none could be started) blocks are compressed inline. */
	while (z->nthreads < LZ4LEGACY_WORKERS &&
	       pthread_create(&z->th[z->nthreads], NULL, worker, z) == 0)
		z->nthreads++;
	uint8_t magic[4];
	put_le32(magic, LZ4LEGACY_MAGIC);
	int r = write_all(z, magic, sizeof(magic), err);
	if (r < 0) {
		lz4legacy_abort(z);
		return r;
	}
	*out = z;
	return 0;
}

int lz4legacy_close(struct lz4legacy *z, uint64_t *total, struct sb_error *err)
{
	int r = 0;
	while (r == 0 && z->flushed + (uint64_t)z->nslots <= z->filling)
		r = flush_one(z, err); /* the slot after the last full block is free */
	if (r == 0 && z->s[z->filling % z->nslots].fill)
		z->filling++;
	if (r == 0)
		queue_upto(z, z->filling);
	while (r == 0 && z->flushed < z->filling)
		r = flush_one(z, err);
	if (r == 0) {
		uint8_t end[4] = {0};
		r = write_all(z, end, sizeof(end), err);
	}
	if (total)
		*total = z->written;
	lz4legacy_abort(z);
	return r;
}

void lz4legacy_hold(struct lz4legacy *z, int blocks)
{
	if (z->input == 0 && blocks >= 0 && blocks <= LZ4LEGACY_MAX_HOLD) {
		z->hold = blocks;
		z->nslots = LZ4LEGACY_SLOTS + blocks;
	}
}

int lz4legacy_patch(struct lz4legacy *z, uint64_t off, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	/* Only blocks not yet queued are ours: the held one and the current one. */
	if (off > z->input || len > z->input - off || off / LZ4LEGACY_BLOCK < z->queued)
		return -ERANGE;
	while (len) {
		uint64_t k = off / LZ4LEGACY_BLOCK;
		size_t at = (size_t)(off % LZ4LEGACY_BLOCK), n = LZ4LEGACY_BLOCK - at;
		if (n > len)
			n = len;
		memcpy(z->s[k % z->nslots].in + at, p, n);
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}
