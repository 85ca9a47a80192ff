/* The bounded frame queue between the virtio-net device and a network backend (framering.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "net/framering.h"

/* One queued frame: where it starts in the byte ring and how long it is. */
struct framering_rec {
	size_t off, len;
};

/* One producer, one consumer: each side reserves under the lock, copies its
 * frame outside it (the other side never touches those bytes until the
 * commit), then commits under the lock. The lock is held for a few loads and
 * stores, never across a 64 KiB copy. */

static void fd_poke(int fd)
{
	uint64_t one = 1;
	ssize_t n = write(fd, &one, sizeof(one));
	(void)n; /* EAGAIN: the counter is already non-zero, which is all we need */
}

static void fd_drain(int fd)
{
	uint64_t v;
	ssize_t n = read(fd, &v, sizeof(v));
	(void)n; /* EAGAIN: nothing to drain */
}

int framering_init(struct framering *r, unsigned slots, size_t bytes)
{
	memset(r, 0, sizeof(*r));
	r->ready_fd = r->space_fd = -1;
	if (slots < 1 || bytes < FRAMERING_FRAME_MAX)
		return -EINVAL;
	int e = pthread_mutex_init(&r->lock, NULL);
	if (e)
		return -e;
	r->slots = slots; /* from here on framering_destroy undoes everything */
	r->bytes = bytes;
	r->ready_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->ready_fd >= 0)
		r->space_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	e = r->space_fd < 0 ? errno : ENOMEM;
	if (r->space_fd >= 0) {
		r->rec = calloc(slots, sizeof(*r->rec));
		r->data = malloc(bytes);
	}
	if (!r->rec || !r->data) {
		framering_destroy(r);
		return -e;
	}
	return 0;
}

void framering_destroy(struct framering *r)
{
	if (r->slots)
		pthread_mutex_destroy(&r->lock);
	if (r->ready_fd >= 0)
		close(r->ready_fd);
	if (r->space_fd >= 0)
		close(r->space_fd);
	free(r->rec);
	free(r->data);
	r->rec = NULL;
	r->data = NULL;
	r->ready_fd = r->space_fd = -1;
	r->slots = 0;
}

/* Copy len bytes of iov into the byte ring at off, wrapping at the end. */
static void ring_write(struct framering *r, size_t off, const struct iovec *iov, int iovcnt,
		       size_t len)
{
	for (int i = 0; i < iovcnt && len; i++) {
		const uint8_t *src = iov[i].iov_base;
		size_t n = iov[i].iov_len < len ? iov[i].iov_len : len;
		len -= n;
		while (n) {
			size_t chunk = r->bytes - off < n ? r->bytes - off : n;
			memcpy(r->data + off, src, chunk);
			src += chunk;
			n -= chunk;
			off = (off + chunk) % r->bytes;
		}
	}
}

/* Copy len bytes out of the byte ring at off into iov, wrapping at the end. */
static void ring_read(const struct framering *r, size_t off, const struct iovec *iov, int iovcnt,
		      size_t len)
{
	for (int i = 0; i < iovcnt && len; i++) {
		uint8_t *dst = iov[i].iov_base;
		size_t n = iov[i].iov_len < len ? iov[i].iov_len : len;
		len -= n;
		while (n) {
			size_t chunk = r->bytes - off < n ? r->bytes - off : n;
			memcpy(dst, r->data + off, chunk);
			dst += chunk;
			n -= chunk;
			off = (off + chunk) % r->bytes;
		}
	}
}

static size_t iov_total(const struct iovec *iov, int iovcnt)
{
	size_t t = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > SIZE_MAX - t)
			return SIZE_MAX;
		t += iov[i].iov_len;
	}
	return t;
}

int framering_push(struct framering *r, const struct iovec *iov, int iovcnt, size_t len)
{
	if (len < 1 || len > FRAMERING_FRAME_MAX || iovcnt < 0 || iov_total(iov, iovcnt) < len)
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	if (r->count == r->slots || r->bytes - r->used < len) {
		r->want_space = 1;
		r->dropped++;
		pthread_mutex_unlock(&r->lock);
		return -ENOSPC;
	}
	size_t off = r->wpos;
	pthread_mutex_unlock(&r->lock);

	ring_write(r, off, iov, iovcnt, len);

	pthread_mutex_lock(&r->lock);
	r->rec[(r->head + r->count) % r->slots] = (struct framering_rec){off, len};
	int was_empty = r->count++ == 0;
	r->used += len;
	r->wpos = (off + len) % r->bytes;
	pthread_mutex_unlock(&r->lock);
	if (was_empty)
		fd_poke(r->ready_fd);
	return 0;
}

size_t framering_peek(struct framering *r)
{
	pthread_mutex_lock(&r->lock);
	size_t len = r->count ? r->rec[r->head].len : 0;
	pthread_mutex_unlock(&r->lock);
	return len;
}

/* Remove the head record (its bytes were copied out, or are dropped). */
static void commit_pop(struct framering *r)
{
	pthread_mutex_lock(&r->lock);
	struct framering_rec h = r->rec[r->head];
	r->head = (r->head + 1) % r->slots;
	r->count--;
	r->used -= h.len;
	r->rpos = (h.off + h.len) % r->bytes;
	int wake = r->want_space;
	r->want_space = 0;
	pthread_mutex_unlock(&r->lock);
	if (wake)
		fd_poke(r->space_fd);
}

ssize_t framering_popv(struct framering *r, const struct iovec *iov, int iovcnt)
{
	pthread_mutex_lock(&r->lock);
	if (!r->count) {
		pthread_mutex_unlock(&r->lock);
		return 0;
	}
	struct framering_rec h = r->rec[r->head];
	pthread_mutex_unlock(&r->lock);

	if (iovcnt < 0 || iov_total(iov, iovcnt) < h.len)
		return -EMSGSIZE;
	ring_read(r, h.off, iov, iovcnt, h.len);
	commit_pop(r);
	return (ssize_t)h.len;
}

ssize_t framering_pop(struct framering *r, void *buf, size_t cap)
{
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	return framering_popv(r, &iov, 1);
}

void framering_discard(struct framering *r)
{
	pthread_mutex_lock(&r->lock);
	int have = r->count > 0;
	pthread_mutex_unlock(&r->lock);
	if (have)
		commit_pop(r);
}

/* Drain, then re-arm if frames are still queued: the fd stays level-correct
 * even for a consumer that stops popping before the ring is empty. */
void framering_ack_ready(struct framering *r)
{
	fd_drain(r->ready_fd);
	pthread_mutex_lock(&r->lock);
	int more = r->count > 0;
	pthread_mutex_unlock(&r->lock);
	if (more)
		fd_poke(r->ready_fd);
}

void framering_ack_space(struct framering *r)
{
	fd_drain(r->space_fd);
}
