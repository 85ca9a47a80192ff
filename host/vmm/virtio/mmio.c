/* The virtio-mmio transport (version 2): registers, feature negotiation, queue setup, interrupts.
 */
#include <endian.h>
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <stdio.h>
#include <string.h>

#include "mmio.h"
#include "snapstate.h"

#define MAGIC 0x74726976u  /* "virt" */
#define VENDOR 0x786f6273u /* "sbox" */

/* QueueNumMax of queue i (< num_queues). */
static uint16_t queue_max(const struct virtio_dev_ops *ops, unsigned i)
{
	return ops->queue_sizes ? ops->queue_sizes[i] : ops->queue_size;
}

int virtio_mmio_check_ops(const struct virtio_dev_ops *ops)
{
	if (!ops->name || !ops->device_id || !ops->queue_notify || !ops->num_queues ||
	    ops->num_queues > VIRTIO_MAX_QUEUES ||
	    ops->config_size > VIRTIO_MMIO_WINDOW - VIRTIO_MMIO_CONFIG ||
	    (ops->config_size && !ops->read_config) || (ops->features & VIRTIO_FEATURE_VERSION_1))
		return -EINVAL;
	for (unsigned i = 0; i < ops->num_queues; i++) {
		uint16_t qs = queue_max(ops, i);
		if (!qs || qs > VIRTQ_MAX_SIZE || (qs & (qs - 1)))
			return -EINVAL;
	}
	return 0;
}

static void reset(struct virtio_mmio *t)
{
	t->status = 0;
	t->dev_features_sel = t->drv_features_sel = t->queue_sel = 0;
	t->drv_features = 0;
	t->isr = 0;
	t->broken = 0;
	t->broken_reason[0] = '\0';
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++)
		virtq_reset(&t->vq[i], i < t->ops->num_queues ? queue_max(t->ops, i) : 0);
	if (t->ops->reset)
		t->ops->reset(t->dev);
}

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_dev_ops *ops, void *dev,
		      const struct vm_mem *mem, struct runstate *rs)
{
	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->dev = dev;
	t->mem = mem;
	t->rs = rs;
	pthread_mutex_init(&t->lock, NULL);
	reset(t);
}

void virtio_mmio_destroy(struct virtio_mmio *t)
{
	pthread_mutex_destroy(&t->lock);
}

void virtio_mmio_set_irq(struct virtio_mmio *t, void (*irq)(void *ctx), void *ctx)
{
	t->irq = irq;
	t->irq_ctx = ctx;
}

static void interrupt(struct virtio_mmio *t, uint32_t bits)
{
	t->isr |= bits;
	if (t->irq)
		t->irq(t->irq_ctx);
}

void virtio_mmio_fail(struct virtio_mmio *t, const char *why)
{
	if (t->broken)
		return;
	t->broken = 1;
	snprintf(t->broken_reason, sizeof(t->broken_reason), "%s", why);
	if (t->ops->broken_ends_vm && t->rs) {
		runstate_fail(t->rs, "virtio-%s: guest broke the device: %s", t->ops->name, why);
		return;
	}
	t->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	interrupt(t, VIRTIO_INT_CONFIG);
}

int virtio_mmio_has_feature(const struct virtio_mmio *t, unsigned bit)
{
	return bit < 64 && (t->drv_features >> bit) & 1;
}

struct virtq *virtio_mmio_queue(struct virtio_mmio *t, unsigned q)
{
	if (t->broken || q >= t->ops->num_queues || !t->vq[q].ready)
		return NULL;
	return &t->vq[q];
}

void virtio_mmio_used(struct virtio_mmio *t, struct virtq *q)
{
	if (virtq_want_interrupt(q))
		interrupt(t, VIRTIO_INT_VRING);
}

/* Called with the lock held. */
static void notify(struct virtio_mmio *t, uint32_t q)
{
	if (!virtio_mmio_queue(t, q))
		return;
	if (t->ops->queue_notify(t->dev, q) < 0)
		virtio_mmio_fail(t, t->vq[q].error ? t->vq[q].error : "queue error");
}

void virtio_mmio_notify(struct virtio_mmio *t, unsigned q)
{
	pthread_mutex_lock(&t->lock);
	notify(t, q);
	pthread_mutex_unlock(&t->lock);
}

static uint64_t offered(const struct virtio_mmio *t)
{
	return t->ops->features | VIRTIO_FEATURE_VERSION_1;
}

static uint32_t read_reg(struct virtio_mmio *t, uint64_t off)
{
	struct virtq *q = t->queue_sel < t->ops->num_queues ? &t->vq[t->queue_sel] : NULL;

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return t->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return t->dev_features_sel < 2
			   ? (uint32_t)(offered(t) >> (32 * t->dev_features_sel))
			   : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q ? queue_max(t->ops, t->queue_sel) : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q ? (uint32_t)q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return t->isr;
	case VIRTIO_MMIO_STATUS:
		return t->status;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
		return 0xffffffffu; /* no shared memory regions */
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return t->config_generation;
	default:
		return 0;
	}
}

/* Status: 0 resets; FEATURES_OK sticks only for an acceptable feature set. */
static void write_status(struct virtio_mmio *t, uint32_t v)
{
	if (v == 0) {
		reset(t);
		return;
	}
	if (t->broken)
		return; /* only a reset gets out of NEEDS_RESET */
	v &= 0xff & ~(uint32_t)VIRTIO_CONFIG_S_NEEDS_RESET;
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && !(t->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		uint64_t f = t->drv_features;
		if ((f & ~offered(t)) || !(f & VIRTIO_FEATURE_VERSION_1))
			v &= ~(uint32_t)VIRTIO_CONFIG_S_FEATURES_OK;
	}
	t->status = v;
}

static void write_queue_ready(struct virtio_mmio *t, struct virtq *q, uint32_t v)
{
	if (!v) {
		q->ready = 0;
		return;
	}
	if (q->ready || t->broken)
		return;
	/* Only a device that offers it (ops->features) gets it. */
	q->event_idx = (t->ops->features & VIRTIO_FEATURE_EVENT_IDX) &&
		       virtio_mmio_has_feature(t, VIRTIO_RING_F_EVENT_IDX);
	if (virtq_enable(q, t->mem, queue_max(t->ops, (unsigned)(q - t->vq))) < 0)
		virtio_mmio_fail(t, q->error);
}

static void set_half(uint64_t *x, int high, uint32_t v)
{
	if (high)
		*x = (*x & 0xffffffffull) | (uint64_t)v << 32;
	else
		*x = (*x & ~0xffffffffull) | v;
}

/* Queue configuration registers; ignored while the queue is ready. */
static void write_queue_reg(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	if (t->queue_sel >= t->ops->num_queues)
		return;
	struct virtq *q = &t->vq[t->queue_sel];
	if (off == VIRTIO_MMIO_QUEUE_READY) {
		write_queue_ready(t, q, v);
		return;
	}
	if (q->ready)
		return;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		q->num = v > 0xffff ? 0 : (uint16_t)v;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&q->desc_gpa, off & 4, v);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		set_half(&q->avail_gpa, off & 4, v);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		set_half(&q->used_gpa, off & 4, v);
		break;
	}
}

static void write_reg(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->dev_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (t->drv_features_sel < 2 && !(t->status & VIRTIO_CONFIG_S_FEATURES_OK))
			set_half(&t->drv_features, t->drv_features_sel == 1, v);
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->drv_features_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		notify(t, v);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		t->isr &= ~v;
		break;
	case VIRTIO_MMIO_STATUS:
		write_status(t, v);
		break;
	default:
		write_queue_reg(t, off, v);
	}
}

static void config_access(struct virtio_mmio *t, uint64_t off, uint8_t *data, uint32_t size,
			  int is_write)
{
	uint64_t c = off - VIRTIO_MMIO_CONFIG;

	if (c >= t->ops->config_size || size > t->ops->config_size - c)
		return; /* reads stay all-ones */
	if (!is_write)
		t->ops->read_config(t->dev, (uint32_t)c, data, size);
	else if (t->ops->write_config) {
		t->ops->write_config(t->dev, (uint32_t)c, data, size);
		t->config_generation++;
	}
}

static void reg_access(struct virtio_mmio *t, uint64_t off, uint8_t *data, uint32_t size,
		       int is_write)
{
	pthread_mutex_lock(&t->lock);
	if (off >= VIRTIO_MMIO_CONFIG) {
		config_access(t, off, data, size, is_write);
	} else if (size == 4 && off % 4 == 0) { /* registers: aligned 32-bit only */
		uint32_t v;
		if (is_write) {
			memcpy(&v, data, 4);
			write_reg(t, off, le32toh(v));
		} else {
			v = htole32(read_reg(t, off));
			memcpy(data, &v, 4);
		}
	}
	pthread_mutex_unlock(&t->lock);
}

static void bus_read(void *dev, uint64_t off, uint8_t *data, uint32_t size)
{
	reg_access(dev, off, data, size, 0);
}

static void bus_write(void *dev, uint64_t off, const uint8_t *data, uint32_t size)
{
	uint8_t tmp[8];

	if (size > sizeof(tmp))
		return;
	memcpy(tmp, data, size);
	reg_access(dev, off, tmp, size, 1);
}

const struct bus_ops virtio_mmio_bus_ops = {
    .name = "virtio-mmio",
    .read = bus_read,
    .write = bus_write,
};

/* What a snapshot keeps of a transport: registers, then each queue's ring
 * addresses and indexes (its host pointers are derived again on restore). */
struct mmio_saved {
	uint32_t status, dev_features_sel, drv_features_sel, queue_sel;
	uint64_t drv_features;
	uint32_t isr, config_generation, broken, nq;
};

struct queue_saved {
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint16_t num, last_avail, used_idx, signalled_used;
	uint8_t ready, event_idx, pad[6];
};

void virtio_mmio_save(struct virtio_mmio *t, struct snap_w *w)
{
	struct mmio_saved s = {
	    .status = t->status,
	    .dev_features_sel = t->dev_features_sel,
	    .drv_features_sel = t->drv_features_sel,
	    .queue_sel = t->queue_sel,
	    .drv_features = t->drv_features,
	    .isr = t->isr,
	    .config_generation = t->config_generation,
	    .broken = (uint32_t)t->broken,
	    .nq = t->ops->num_queues,
	};
	snap_put(w, SNAP_TAG(SNAP_OWN_MMIO, 1), &s, sizeof(s));
	for (unsigned i = 0; i < t->ops->num_queues; i++) {
		const struct virtq *q = &t->vq[i];
		struct queue_saved qs = {
		    .desc_gpa = q->desc_gpa,
		    .avail_gpa = q->avail_gpa,
		    .used_gpa = q->used_gpa,
		    .num = q->num,
		    .last_avail = q->last_avail,
		    .used_idx = q->used_idx,
		    .signalled_used = q->signalled_used,
		    .ready = (uint8_t)q->ready,
		    .event_idx = (uint8_t)q->event_idx,
		};
		snap_put(w, SNAP_TAG(SNAP_OWN_MMIO, 2), &qs, sizeof(qs));
	}
}

int virtio_mmio_restore(struct virtio_mmio *t, struct snap_r *r)
{
	struct mmio_saved s;
	int e = snap_take(r, SNAP_TAG(SNAP_OWN_MMIO, 1), &s, sizeof(s));
	if (e < 0)
		return e;
	if (s.nq != t->ops->num_queues || s.broken || s.queue_sel >= VIRTIO_MAX_QUEUES)
		return error_set(r->err, EINVAL, "snapshot: %s device state does not fit",
				 t->ops->name);
	reset(t);
	t->status = s.status & 0xff;
	t->dev_features_sel = s.dev_features_sel;
	t->drv_features_sel = s.drv_features_sel;
	t->queue_sel = s.queue_sel;
	t->drv_features = s.drv_features & offered(t);
	t->isr = s.isr & (VIRTIO_INT_VRING | VIRTIO_INT_CONFIG);
	t->config_generation = s.config_generation;
	for (unsigned i = 0; i < t->ops->num_queues; i++) {
		struct queue_saved qs;
		struct virtq *q = &t->vq[i];
		if ((e = snap_take(r, SNAP_TAG(SNAP_OWN_MMIO, 2), &qs, sizeof(qs))) < 0)
			return e;
		q->desc_gpa = qs.desc_gpa;
		q->avail_gpa = qs.avail_gpa;
		q->used_gpa = qs.used_gpa;
		q->num = qs.num;
		q->event_idx = qs.event_idx != 0;
		if (!qs.ready)
			continue;
		if (virtq_enable(q, t->mem, queue_max(t->ops, i)) < 0)
			return error_set(r->err, EINVAL, "snapshot: %s queue %u: %s", t->ops->name,
					 i, q->error);
		q->last_avail = qs.last_avail;
		q->used_idx = qs.used_idx;
		q->signalled_used = qs.signalled_used;
	}
	return 0;
}
