/* A bounded queue of Ethernet frames between two threads: the virtio-net device and a network backend. */
#ifndef SB_NET_FRAMERING_H
#define SB_NET_FRAMERING_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* One producer thread, one consumer thread. Bounded twice: at most `slots`
 * frames and at most `bytes` bytes of frame data are queued at once, so a
 * producer that outruns its consumer (a guest flooding TX, a peer flooding
 * the guest that never reads RX) costs at most `bytes` of memory. A full
 * ring refuses the frame (-ENOSPC): the producer drops it, or stops taking
 * frames until the consumer makes room (back-pressure), as it chooses.
 *
 * Two eventfds, both non-blocking, both owned by the ring:
 *   ready_fd  readable while frames are queued (the consumer polls it);
 *   space_fd  readable once a pop made room after a push was refused (the
 *             producer polls it to resume after back-pressure).
 * A reader of either fd must call framering_ack_ready/_space, which drains the
 * counter; the fds are level-correct after that: consumers loop on pop until
 * it says empty, producers retry push. */
#define FRAMERING_FRAME_MAX 65550u /* largest frame: 14 + 65535 (+ slack), no vnet header */

/* The fields are the implementation's (host/net/framering.c); users call the
 * functions only. */
struct framering_rec;
struct framering {
	pthread_mutex_t lock;
	unsigned slots;		/* capacity in frames, >= 1 */
	size_t bytes;		/* capacity in bytes of frame data */
	unsigned head, count;	/* ring of frame records */
	size_t used;		/* bytes queued */
	struct framering_rec *rec; /* slots entries */
	uint8_t *data;		/* bytes, as a byte ring */
	size_t wpos, rpos;
	int want_space;		/* a push was refused since the last pop */
	uint64_t dropped;	/* pushes refused, for stats */
	int ready_fd, space_fd;
};

/* 0 or -errno. bytes >= FRAMERING_FRAME_MAX. */
int framering_init(struct framering *r, unsigned slots, size_t bytes);
void framering_destroy(struct framering *r);

/* Queue one frame gathered from iov (total len bytes, 1..FRAMERING_FRAME_MAX).
 * 0; -ENOSPC when full (counted in dropped; space_fd fires after the next
 * pop); -EINVAL for a bad length. */
int framering_push(struct framering *r, const struct iovec *iov, int iovcnt, size_t len);
/* Length of the next frame, 0 when empty. */
size_t framering_peek(struct framering *r);
/* Copy the next frame into buf (cap >= its length) and remove it. Returns its
 * length, 0 when empty, -EMSGSIZE (frame kept) when cap is too small. */
ssize_t framering_pop(struct framering *r, void *buf, size_t cap);
/* Same, scattering into iov (e.g. a guest's receive buffers). */
ssize_t framering_popv(struct framering *r, const struct iovec *iov, int iovcnt);
/* Drop the next frame (e.g. one no receive buffer could ever hold). */
void framering_discard(struct framering *r);

void framering_ack_ready(struct framering *r);
void framering_ack_space(struct framering *r);

#endif
