/* A fake virtio driver for unit tests: guest RAM in a plain mapping, registers through the bus ops.
 */
#ifndef TEST_VMM_VDRV_H
#define TEST_VMM_VDRV_H

#include <stdint.h>

#include "memory.h"
#include "virtio/mmio.h"

#define VDRV_MEM (32ull << 20)
#define VDRV_BUF 0x100000ull /* scratch buffers from here */

/* One queue's rings in fake guest RAM, as a driver lays them out. */
struct vdrv_q {
	struct vm_mem *mem;
	uint16_t num;
	uint64_t desc, avail, used;
	uint16_t avail_idx, used_seen;
};

uint32_t vdrv_read(struct virtio_mmio *t, uint64_t off);
void vdrv_write(struct virtio_mmio *t, uint64_t off, uint32_t v);
/* ACKNOWLEDGE | DRIVER, driver features, FEATURES_OK; returns the status read back. */
uint32_t vdrv_negotiate(struct virtio_mmio *t, uint64_t features);
/* Rings for queue qi at a fixed per-queue place; returns QueueReady read back. */
uint32_t vdrv_queue(struct virtio_mmio *t, struct vdrv_q *q, struct vm_mem *mem, unsigned qi,
		    uint16_t num);
void vdrv_desc(struct vdrv_q *q, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
	       uint16_t next);
/* Put head into the avail ring and publish it. */
void vdrv_post(struct vdrv_q *q, uint16_t head);
/* Number of used elements not yet seen; the next one's id and len. */
uint16_t vdrv_used_pending(struct vdrv_q *q);
int vdrv_take_used(struct vdrv_q *q, uint32_t *id, uint32_t *len);
void *vdrv_hva(struct vm_mem *mem, uint64_t gpa);

#endif
