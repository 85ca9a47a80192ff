/* virtio-rng: every writable guest buffer gets up to RNG_REQUEST_MAX bytes from getrandom(). */
#include <errno.h>
#include <linux/virtio_ids.h>
#include <sys/random.h>

#include "rng.h"

/* Fill one chain's writable buffers (bounded); returns the bytes written. */
static uint32_t fill(const struct virtq_chain *c)
{
	uint32_t done = 0;

	for (unsigned i = c->n_out; i < c->n_out + c->n_in && done < RNG_REQUEST_MAX; i++) {
		size_t want = c->iov[i].iov_len;
		if (want > RNG_REQUEST_MAX - done)
			want = RNG_REQUEST_MAX - done;
		size_t got = 0;
		while (got < want) {
			ssize_t n = getrandom((char *)c->iov[i].iov_base + got, want - got, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return done + (uint32_t)got;
			got += (size_t)n;
		}
		done += (uint32_t)got;
	}
	return done;
}

static int rng_notify(void *dev, unsigned qi)
{
	struct rng *r = dev;
	struct virtq *q = virtio_mmio_queue(&r->mmio, qi);
	struct virtq_chain c;
	int pushed = 0, ret = 0;

	/* At most one queue's worth per kick: a guest refilling as fast as we
	 * serve kicks again for the rest. */
	for (unsigned n = 0; q && n < q->size; n++) {
		ret = virtq_pop(q, &c);
		if (ret <= 0)
			break;
		uint32_t len = fill(&c);
		r->served += len;
		virtq_push(q, c.head, len);
		pushed = 1;
	}
	if (pushed)
		virtio_mmio_used(&r->mmio, q);
	return q && ret < 0 ? -EIO : 0;
}

const struct virtio_dev_ops rng_ops = {
    .name = "rng",
    .device_id = VIRTIO_ID_RNG,
    .num_queues = 1,
    .queue_size = 64,
    .queue_notify = rng_notify,
};

void rng_init(struct rng *r, const struct vm_mem *mem, struct runstate *rs)
{
	r->served = 0;
	virtio_mmio_init(&r->mmio, &rng_ops, r, mem, rs);
}

void rng_destroy(struct rng *r)
{
	virtio_mmio_destroy(&r->mmio);
}
