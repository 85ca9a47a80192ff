/* The bounded frame queue between the virtio-net device and a network backend (two threads). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "framering.h"

/* Where one queued frame's bytes start in the byte ring, and how many. */
struct framering_rec {
	size_t off, len;
};

/* eventfd helpers: a full counter (EAGAIN) or an empty one are both fine. */
static void fd_signal(int fd)
{
	uint64_t one = 1;
	ssize_t n = write(fd, &one, sizeof(one));
	(void)n;
}

static void fd_drain(int fd)
{
	uint64_t v;
	ssize_t n = read(fd, &v, sizeof(v));
	(void)n;
}

/* Free what init made (fds -1 and pointers NULL are skipped). */
static void release(struct framering *r)
{
	if (r->ready_fd >= 0)
		close(r->ready_fd);
	if (r->space_fd >= 0)
		close(r->space_fd);
	free(r->rec);
	free(r->data);
	r->rec = NULL;
	r->data = NULL;
	r->ready_fd = r->space_fd = -1;
	r->count = 0;
}

int framering_init(struct framering *r, unsigned slots, size_t bytes)
{
	memset(r, 0, sizeof(*r));
	r->ready_fd = r->space_fd = -1;
	if (!slots || bytes < FRAMERING_FRAME_MAX)
		return -EINVAL;
	r->slots = slots;
	r->bytes = bytes;
	r->rec = calloc(slots, sizeof(*r->rec));
	r->data = malloc(bytes);
	r->ready_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r->space_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int e = !r->rec || !r->data ? ENOMEM : 0;
	if (!e && (r->ready_fd < 0 || r->space_fd < 0))
		e = errno;
	if (e) {
		release(r);
		return -e;
	}
	pthread_mutex_init(&r->lock, NULL);
	return 0;
}

/* Only after a successful init; a second call does nothing. */
void framering_destroy(struct framering *r)
{
	if (!r->rec)
		return;
	pthread_mutex_destroy(&r->lock);
	release(r);
}

/* Copy len bytes between the byte ring at pos (wrapping) and p. */
static void ring_copy(struct framering *r, size_t pos, uint8_t *p, size_t len, int into_ring)
{
	size_t first = r->bytes - pos < len ? r->bytes - pos : len;

	if (into_ring) {
		memcpy(r->data + pos, p, first);
		memcpy(r->data, p + first, len - first);
	} else {
		memcpy(p, r->data + pos, first);
		memcpy(p + first, r->data, len - first);
	}
}

int framering_push(struct framering *r, const struct iovec *iov, int iovcnt, size_t len)
{
	if (!len || len > FRAMERING_FRAME_MAX || iovcnt < 0)
		return -EINVAL;
	size_t have = 0;
	for (int i = 0; i < iovcnt && have < len; i++)
		have += iov[i].iov_len;
	if (have < len)
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	if (r->count == r->slots || r->bytes - r->used < len) {
		r->want_space = 1;
		r->dropped++;
		pthread_mutex_unlock(&r->lock);
		return -ENOSPC;
	}
	size_t pos = r->wpos, left = len;
	for (int i = 0; left; i++) {
		size_t k = iov[i].iov_len < left ? iov[i].iov_len : left;
		ring_copy(r, pos, iov[i].iov_base, k, 1);
		pos = (pos + k) % r->bytes;
		left -= k;
	}
	r->rec[(r->head + r->count) % r->slots] =
	    (struct framering_rec){.off = r->wpos, .len = len};
	r->wpos = pos;
	r->used += len;
	if (r->count++ == 0)
		fd_signal(r->ready_fd); /* readable while frames are queued */
	pthread_mutex_unlock(&r->lock);
	return 0;
}

size_t framering_peek(struct framering *r)
{
	pthread_mutex_lock(&r->lock);
	size_t len = r->count ? r->rec[r->head].len : 0;
	pthread_mutex_unlock(&r->lock);
	return len;
}

/* Remove the head frame (lock held): the fds follow the new state. */
static void take(struct framering *r)
{
	struct framering_rec *e = &r->rec[r->head];

	r->rpos = (e->off + e->len) % r->bytes;
	r->used -= e->len;
	r->head = (r->head + 1) % r->slots;
	if (--r->count == 0) {
		fd_drain(r->ready_fd);
		r->wpos = r->rpos = 0; /* empty: start over, no wrap needed */
	}
	if (r->want_space) {
		r->want_space = 0;
		fd_signal(r->space_fd);
	}
}

ssize_t framering_popv(struct framering *r, const struct iovec *iov, int iovcnt)
{
	size_t cap = 0;

	for (int i = 0; i < iovcnt && cap < FRAMERING_FRAME_MAX; i++)
		cap += iov[i].iov_len;
	pthread_mutex_lock(&r->lock);
	if (!r->count) {
		pthread_mutex_unlock(&r->lock);
		return 0;
	}
	struct framering_rec e = r->rec[r->head];
	if (cap < e.len) {
		pthread_mutex_unlock(&r->lock);
		return -EMSGSIZE;
	}
	size_t pos = e.off, left = e.len;
	for (int i = 0; left; i++) {
		size_t k = iov[i].iov_len < left ? iov[i].iov_len : left;
		ring_copy(r, pos, iov[i].iov_base, k, 0);
		pos = (pos + k) % r->bytes;
		left -= k;
	}
	take(r);
	pthread_mutex_unlock(&r->lock);
	return (ssize_t)e.len;
}

ssize_t framering_pop(struct framering *r, void *buf, size_t cap)
{
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	return framering_popv(r, &iov, 1);
}

void framering_discard(struct framering *r)
{
	pthread_mutex_lock(&r->lock);
	if (r->count)
		take(r);
	pthread_mutex_unlock(&r->lock);
}

void framering_ack_ready(struct framering *r)
{
	pthread_mutex_lock(&r->lock);
	if (!r->count)
		fd_drain(r->ready_fd); /* else it stays readable: frames are queued */
	pthread_mutex_unlock(&r->lock);
}

void framering_ack_space(struct framering *r)
{
	fd_drain(r->space_fd);
}
