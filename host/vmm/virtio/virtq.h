/* Split virtqueues (virtio 1.x), device side: descriptor chains in, used elements out. */
#ifndef SB_VMM_VIRTQ_H
#define SB_VMM_VIRTQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "memory.h"

#define VIRTQ_MAX_SIZE 256u /* largest QueueNum any of our devices offers */
/* Buffers (non-empty descriptors) per chain we accept. Linux's virtio-net
 * sends a frame as header, linear part and up to MAX_SKB_FRAGS (17) page
 * fragments without indirect descriptors: up to 19. Its virtio-fs driver
 * fills a whole request queue with one chain (a write of queue size - 4
 * pages plus four headers): virtio-fs' queue size (FS_QUEUE_SIZE, 128). */
#define VIRTQ_MAX_IOV 128u

/* One queue. The driver fills num and the three addresses through the
 * transport, then virtq_enable() checks and maps them once: guest RAM never
 * moves, so the ring pointers stay valid until the VM ends. */
struct virtq {
	uint16_t num; /* QueueNum as written by the driver */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	/* VIRTIO_RING_F_EVENT_IDX negotiated: set by the transport before
	 * virtq_enable. Then the driver's used_event decides interrupts, and
	 * the device writes avail_event whenever it finds the queue empty: a
	 * device using it must pop until virtq_pop says 0 (or come back by
	 * itself), since the driver kicks only when avail passes avail_event. */
	int event_idx;
	int ready;
	/* Valid while ready: */
	uint16_t size;		 /* == num */
	uint8_t *desc;		 /* size * 16 bytes */
	uint8_t *avail;		 /* 4 + size * 2 bytes */
	uint8_t *used;		 /* 4 + size * 8 bytes */
	uint16_t last_avail;	 /* next avail ring slot to consume */
	uint16_t used_idx;	 /* our copy of used->idx */
	uint16_t signalled_used; /* used_idx at the last virtq_want_interrupt */
	const struct vm_mem *mem;
	const char *error; /* why the last call failed with -EIO (static string) */
};

/* A popped chain: iov[0, n_out) is readable by the device, iov[n_out,
 * n_out + n_in) writable. Every iov lies inside guest RAM. */
struct virtq_chain {
	uint16_t head;
	unsigned n_out, n_in;
	uint64_t out_len, in_len;
	struct iovec iov[VIRTQ_MAX_IOV];
};

/* Forget everything (device reset): not ready, addresses 0, num = max_num. */
void virtq_reset(struct virtq *q, uint16_t max_num);
/* Check and map the configured ring (num a power of two in 1..max_num, rings
 * aligned and inside RAM, with used_event/avail_event when event_idx). 0, or
 * -EINVAL with q->error set. */
int virtq_enable(struct virtq *q, const struct vm_mem *mem, uint16_t max_num);
/* Take the next available chain. 1 with *c filled, 0 when none is
 * available, -EIO when the guest broke the queue (q->error says how; the
 * queue must not be used again until reset). */
int virtq_pop(struct virtq *q, struct virtq_chain *c);
/* Give back the chain just popped (not yet pushed), e.g. when there was
 * nothing to put into it after all. Once per chain: k calls give back the
 * last k popped, none of them pushed yet. */
void virtq_unpop(struct virtq *q);
/* 1 when a chain is available, 0 when not, -EIO as virtq_pop. With
 * event_idx, a 0 also asks the driver to kick on its next buffer. */
int virtq_has_avail(struct virtq *q);
/* Return chain head to the driver with len bytes written into it. */
void virtq_push(struct virtq *q, uint16_t head, uint32_t len);
/* After pushing: 1 when the driver wants an interrupt, else 0. Without
 * event_idx: no VRING_AVAIL_F_NO_INTERRUPT. With it: used_event lies among
 * the elements pushed since the previous call (vring_need_event). */
int virtq_want_interrupt(struct virtq *q);

/* Copy up to len bytes from the chain's readable buffers, starting at byte
 * off of them. Returns bytes copied. */
size_t virtq_chain_read(const struct virtq_chain *c, uint64_t off, void *buf, size_t len);
/* Copy up to len bytes into the chain's writable buffers, starting at byte
 * off of them. Returns bytes copied. */
size_t virtq_chain_write(const struct virtq_chain *c, uint64_t off, const void *buf, size_t len);

#endif
