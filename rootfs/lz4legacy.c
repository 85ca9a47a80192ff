/* LZ4 legacy stream writer: magic, then [le32 size][block] of <= 8 MiB input, then a
 * zero size. Two input blocks are compressed in parallel (this thread and one more). */
#include "lz4legacy.h"

#include <errno.h>
#include <lz4.h>
#include <lz4hc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct block {
	uint8_t *in, *out; /* out holds the le32 size then the compressed bytes */
	size_t fill;
	int out_len; /* compressed size, < 0 on failure */
	int level;
};

struct lz4legacy {
	int fd;
	int cur; /* block being filled: 0 or 1 */
	struct block b[2];
	uint64_t written;
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

static void *compress_block(void *arg)
{
	struct block *b = arg;
	int cap = LZ4_compressBound(LZ4LEGACY_BLOCK);
	if (b->level <= 1)
		b->out_len = LZ4_compress_default((const char *)b->in, (char *)b->out + 4,
						  (int)b->fill, cap);
	else
		b->out_len = LZ4_compress_HC((const char *)b->in, (char *)b->out + 4, (int)b->fill,
					     cap, b->level);
	if (b->out_len <= 0)
		b->out_len = -1;
	else
		put_le32(b->out, (uint32_t)b->out_len);
	return NULL;
}

/* Compress the filled blocks (block 1 on a helper thread), write them in order. */
static int flush(struct lz4legacy *z, struct sb_error *err)
{
	int n = z->b[1].fill ? 2 : z->b[0].fill ? 1 : 0;
	pthread_t th;
	int threaded = n == 2 && pthread_create(&th, NULL, compress_block, &z->b[1]) == 0;
	compress_block(&z->b[0]);
	if (n == 2) {
		if (threaded)
			pthread_join(th, NULL);
		else
			compress_block(&z->b[1]);
	}
	for (int i = 0; i < n; i++) {
		if (z->b[i].out_len < 0)
			return error_set(err, EIO, "lz4: compression failed");
		int r = write_all(z, z->b[i].out, (size_t)z->b[i].out_len + 4, err);
		if (r < 0)
			return r;
		z->b[i].fill = 0;
	}
	z->cur = 0;
	return 0;
}

void lz4legacy_abort(struct lz4legacy *z)
{
	if (!z)
		return;
	for (int i = 0; i < 2; i++) {
		free(z->b[i].in);
		free(z->b[i].out);
	}
	free(z);
}

int lz4legacy_open(struct lz4legacy **out, int fd, int level, struct sb_error *err)
{
	struct lz4legacy *z = calloc(1, sizeof(*z));
	if (!z)
		return error_set(err, ENOMEM, "lz4: out of memory");
	z->fd = fd;
	for (int i = 0; i < 2; i++) {
		z->b[i].level = level;
		z->b[i].in = malloc(LZ4LEGACY_BLOCK);
		z->b[i].out = malloc((size_t)LZ4_compressBound(LZ4LEGACY_BLOCK) + 4);
		if (!z->b[i].in || !z->b[i].out) {
			lz4legacy_abort(z);
			return error_set(err, ENOMEM, "lz4: out of memory");
		}
	}
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

int lz4legacy_write(struct lz4legacy *z, const void *buf, size_t len, struct sb_error *err)
{
	const uint8_t *p = buf;
	while (len) {
		struct block *b = &z->b[z->cur];
		size_t n = LZ4LEGACY_BLOCK - b->fill;
		if (n > len)
			n = len;
		memcpy(b->in + b->fill, p, n);
		b->fill += n;
		p += n;
		len -= n;
		if (b->fill == LZ4LEGACY_BLOCK) {
			if (z->cur == 0) {
				z->cur = 1;
			} else {
				int r = flush(z, err);
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}

int lz4legacy_close(struct lz4legacy *z, uint64_t *total, struct sb_error *err)
{
	int r = flush(z, err);
	if (r == 0) {
		uint8_t end[4] = {0};
		r = write_all(z, end, sizeof(end), err);
	}
	if (total)
		*total = z->written;
	lz4legacy_abort(z);
	return r;
}
