/* Split virtqueues, device side: every chain the guest offers is bounded and checked before use. */
#include <endian.h>
#include <errno.h>
#include <linux/virtio_ring.h>
#include <string.h>

#include "virtq.h"

#define DESC_BYTES 16u
#define AVAIL_RING 4u /* flags, idx, then ring[] */
#define USED_RING 4u
#define USED_ELEM 8u

/* A descriptor as the guest laid it out (little-endian). */
struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

void virtq_reset(struct virtq *q, uint16_t max_num)
{
	memset(q, 0, sizeof(*q));
	q->num = max_num;
}

static int bad(struct virtq *q, const char *why)
{
	q->error = why;
	return -EIO;
}

int virtq_enable(struct virtq *q, const struct vm_mem *mem, uint16_t max_num)
{
	uint16_t n = q->num;

	q->ready = 0;
	if (!n || n > max_num || (n & (n - 1)))
		return bad(q, "queue size is not a power of two within QueueNumMax"), -EINVAL;
	if (q->desc_gpa % 16 || q->avail_gpa % 2 || q->used_gpa % 4)
		return bad(q, "misaligned ring address"), -EINVAL;
	uint64_t event = q->event_idx ? 2 : 0; /* used_event, avail_event after the rings */
	q->desc = gpa_to_hva(mem, q->desc_gpa, (uint64_t)n * DESC_BYTES);
	q->avail = gpa_to_hva(mem, q->avail_gpa, AVAIL_RING + (uint64_t)n * 2 + event);
	q->used = gpa_to_hva(mem, q->used_gpa, USED_RING + (uint64_t)n * USED_ELEM + event);
	if (!q->desc || !q->avail || !q->used)
		return bad(q, "ring outside guest RAM"), -EINVAL;
	q->mem = mem;
	q->size = n;
	q->last_avail = q->used_idx = q->signalled_used = 0;
	q->error = NULL;
	q->ready = 1;
	return 0;
}

static uint16_t load16(const uint8_t *p, int order)
{
	return le16toh(__atomic_load_n((const uint16_t *)(const void *)p, order));
}

static void read_desc(const struct virtq *q, uint16_t i, struct desc *d)
{
	memcpy(d, q->desc + (size_t)i * DESC_BYTES, sizeof(*d)); /* one snapshot, then checks */
	d->addr = le64toh(d->addr);
	d->len = le32toh(d->len);
	d->flags = le16toh(d->flags);
	d->next = le16toh(d->next);
}

static void store16(uint8_t *p, uint16_t v, int order)
{
	__atomic_store_n((uint16_t *)(void *)p, htole16(v), order);
}

/* Chains the driver made available that we have not taken, or -EIO. */
static int pending(struct virtq *q)
{
	uint16_t idx = load16(q->avail + 2, __ATOMIC_ACQUIRE);
	uint16_t n = (uint16_t)(idx - q->last_avail);
	if (n > q->size)
		return bad(q, "available index moved by more than the queue size");
	return n;
}

int virtq_has_avail(struct virtq *q)
{
	if (!q->ready)
		return 0;
	int n = pending(q);
	if (n != 0 || !q->event_idx)
		return n < 0 ? n : n != 0;
	/* Empty: ask for a kick at the next buffer (avail_event), then look
	 * again, since the driver may have added one before it saw our store. */
	store16(q->used + USED_RING + (size_t)q->size * USED_ELEM, q->last_avail, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	n = pending(q);
	return n < 0 ? n : n != 0;
}

/* Add one descriptor's buffer to the chain. */
static int add_buffer(struct virtq *q, struct virtq_chain *c, const struct desc *d)
{
	int writable = !!(d->flags & VRING_DESC_F_WRITE);

	if (d->flags & VRING_DESC_F_INDIRECT)
		return bad(q, "indirect descriptor (not offered)");
	if (!writable && c->n_in)
		return bad(q, "readable descriptor after a writable one");
	if (!d->len)
		return 0;
	if (c->n_out + c->n_in == VIRTQ_MAX_IOV)
		return bad(q, "descriptor chain has too many buffers");
	void *p = gpa_to_hva(q->mem, d->addr, d->len);
	if (!p)
		return bad(q, "buffer outside guest RAM");
	c->iov[c->n_out + c->n_in] = (struct iovec){.iov_base = p, .iov_len = d->len};
	if (writable) {
		c->n_in++;
		c->in_len += d->len;
	} else {
		c->n_out++;
		c->out_len += d->len;
	}
	return 0;
}

int virtq_pop(struct virtq *q, struct virtq_chain *c)
{
	struct desc d;
	int r = virtq_has_avail(q);

	if (r <= 0)
		return r;
	uint16_t slot = q->last_avail & (uint16_t)(q->size - 1);
	uint16_t i = load16(q->avail + AVAIL_RING + (size_t)slot * 2, __ATOMIC_RELAXED);
	c->head = i;
	c->n_out = c->n_in = 0;
	c->out_len = c->in_len = 0;
	/* A chain visits at most size descriptors: longer means a loop. */
	for (unsigned seen = 0;; seen++) {
		if (i >= q->size)
			return bad(q, "descriptor index out of range");
		if (seen == q->size)
			return bad(q, "descriptor chain longer than the queue (loop)");
		read_desc(q, i, &d);
		r = add_buffer(q, c, &d);
		if (r < 0)
			return r;
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		i = d.next;
	}
	q->last_avail++;
	return 1;
}

void virtq_unpop(struct virtq *q)
{
	q->last_avail--;
}

void virtq_push(struct virtq *q, uint16_t head, uint32_t len)
{
	if (!q->ready)
		return;
	uint8_t *e = q->used + USED_RING + (size_t)(q->used_idx & (q->size - 1)) * USED_ELEM;
	uint32_t id = htole32(head), l = htole32(len);
	memcpy(e, &id, 4);
	memcpy(e + 4, &l, 4);
	q->used_idx++;
	/* The element must be visible before the index that publishes it. */
	store16(q->used + 2, q->used_idx, __ATOMIC_RELEASE);
}

int virtq_want_interrupt(struct virtq *q)
{
	if (!q->ready)
		return 0;
	/* Order our used->idx store before reading the driver's flags or used_event. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!q->event_idx)
		return !(load16(q->avail, __ATOMIC_RELAXED) & VRING_AVAIL_F_NO_INTERRUPT);
	/* Interrupt when used_event is among the indices [old, new) we
	 * published since the last call (the driver asks "tell me once
	 * element used_event is used"). */
	uint16_t old = q->signalled_used, now = q->used_idx;
	uint16_t event = load16(q->avail + AVAIL_RING + (size_t)q->size * 2, __ATOMIC_RELAXED);
	q->signalled_used = now;
	return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

/* Copy between buf and the iovs [first, first + n), skipping off bytes. */
static size_t copy_iov(const struct iovec *iov, unsigned n, uint64_t off, uint8_t *buf, size_t len,
		       int to_iov)
{
	size_t done = 0;

	for (unsigned i = 0; i < n && done < len; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		size_t k = iov[i].iov_len - (size_t)off;
		if (k > len - done)
			k = len - done;
		uint8_t *g = (uint8_t *)iov[i].iov_base + off;
		if (to_iov)
			memcpy(g, buf + done, k);
		else
			memcpy(buf + done, g, k);
		done += k;
		off = 0;
	}
	return done;
}

size_t virtq_chain_read(const struct virtq_chain *c, uint64_t off, void *buf, size_t len)
{
	return copy_iov(c->iov, c->n_out, off, buf, len, 0);
}

size_t virtq_chain_write(const struct virtq_chain *c, uint64_t off, const void *buf, size_t len)
{
	return copy_iov(c->iov + c->n_out, c->n_in, off, (uint8_t *)(uintptr_t)buf, len, 1);
}
