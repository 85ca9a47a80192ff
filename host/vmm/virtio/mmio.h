/* The virtio-mmio transport (virtio 1.x, register layout version 2), shared by every device. */
#ifndef SB_VMM_VIRTIO_MMIO_H
#define SB_VMM_VIRTIO_MMIO_H

#include <linux/virtio_mmio.h> /* register offsets; config space at VIRTIO_MMIO_CONFIG */
#include <pthread.h>
#include <stdint.h>

#include "bus.h"
#include "memory.h"
#include "runstate.h"
#include "virtq.h"

#define VIRTIO_MMIO_WINDOW 0x1000u /* each device's MMIO window */
#define VIRTIO_MAX_QUEUES 16u
#define VIRTIO_FEATURE_VERSION_1 (1ull << 32)
/* VIRTIO_RING_F_EVENT_IDX: a device opts in by listing it in ops->features
 * (then see struct virtq's event_idx for what it must do). */
#define VIRTIO_FEATURE_EVENT_IDX (1ull << 29)

/* InterruptStatus bits. */
#define VIRTIO_INT_VRING 1u
#define VIRTIO_INT_CONFIG 2u

/* A device: a static ops table; its state is the dev pointer. Every callback
 * runs with the transport's lock held. */
struct virtio_dev_ops {
	const char *name;
	uint32_t device_id;
	uint64_t features;   /* device-specific bits; the transport adds VERSION_1 */
	uint16_t num_queues; /* 1..VIRTIO_MAX_QUEUES */
	uint16_t queue_size; /* QueueNumMax of every queue, power of two <= VIRTQ_MAX_SIZE */
	/* Or one QueueNumMax per queue (num_queues entries, same rules). Linux
	 * sizes a queue at its QueueNumMax, and some drivers fill a receive
	 * queue with a page per entry, a kick each, before any data exists. */
	const uint16_t *queue_sizes;
	uint32_t config_size; /* bytes of config space */
	int broken_ends_vm;   /* a broken queue ends the VM instead of NEEDS_RESET */
	/* off + len <= config_size is checked by the transport. */
	void (*read_config)(void *dev, uint32_t off, uint8_t *buf, uint32_t len);
	void (*write_config)(void *dev, uint32_t off, const uint8_t *buf, uint32_t len);
	/* The driver kicked queue q (ready, device not broken). Returns 0, or
	 * -EIO when the guest broke it (the queue's error says how). */
	int (*queue_notify)(void *dev, unsigned q);
	/* Back to the initial state (the transport already reset the queues). */
	void (*reset)(void *dev);
};

struct virtio_mmio {
	const struct virtio_dev_ops *ops;
	void *dev;
	const struct vm_mem *mem;
	struct runstate *rs;
	pthread_mutex_t lock; /* registers, queues and the device's own state */
	uint32_t status;
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	uint64_t drv_features;
	uint32_t isr;
	uint32_t config_generation;
	int broken;
	char broken_reason[160];
	struct virtq vq[VIRTIO_MAX_QUEUES];
	void (*irq)(void *ctx); /* raise the device's interrupt (edge) */
	void *irq_ctx;
};

/* bus ops for the device's VIRTIO_MMIO_WINDOW; the bus dev pointer is the
 * struct virtio_mmio. */
extern const struct bus_ops virtio_mmio_bus_ops;

/* ops must pass virtio_mmio_check_ops (the device manager checks). */
void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_dev_ops *ops, void *dev,
		      const struct vm_mem *mem, struct runstate *rs);
void virtio_mmio_destroy(struct virtio_mmio *t);
/* 0 when ops is usable, else -EINVAL. */
int virtio_mmio_check_ops(const struct virtio_dev_ops *ops);
void virtio_mmio_set_irq(struct virtio_mmio *t, void (*irq)(void *ctx), void *ctx);

/* A QueueNotify arriving outside the MMIO exit path (ioeventfd). */
void virtio_mmio_notify(struct virtio_mmio *t, unsigned q);

/* Snapshots (host/vmm/snapstate.h), with the VM paused: the registers
 * and every queue's addresses and indexes; restore maps the rings again
 * and fails (err via r) on state that does not fit this device. */
struct snap_w;
struct snap_r;
void virtio_mmio_save(struct virtio_mmio *t, struct snap_w *w);
int virtio_mmio_restore(struct virtio_mmio *t, struct snap_r *r);

/* For devices, with the lock held: */
/* Queue q when the device may use it (ready, not broken), else NULL. */
struct virtq *virtio_mmio_queue(struct virtio_mmio *t, unsigned q);
/* After pushing used elements on q: interrupt the driver if it wants one. */
void virtio_mmio_used(struct virtio_mmio *t, struct virtq *q);
/* The guest broke the device: NEEDS_RESET + config interrupt, or the end of
 * the VM when ops->broken_ends_vm. */
void virtio_mmio_fail(struct virtio_mmio *t, const char *why);
/* Negotiated feature bit (0..63). */
int virtio_mmio_has_feature(const struct virtio_mmio *t, unsigned bit);

#endif
