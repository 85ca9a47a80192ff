/* Unit tests for the virtio-mmio transport: identity registers, features, queue setup, reset,
 * interrupts, config space, and virtio-rng on top of it. */
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_vmm_vdrv.h"
#include "virtio/rng.h"

/* A dummy device: counts notifies and resets, 8 bytes of config. */
struct dummy {
	struct virtio_mmio mmio;
	unsigned notified[4], resets;
	uint8_t config[8];
};

static void dummy_read_config(void *dev, uint32_t off, uint8_t *buf, uint32_t len)
{
	memcpy(buf, ((struct dummy *)dev)->config + off, len);
}

static void dummy_write_config(void *dev, uint32_t off, const uint8_t *buf, uint32_t len)
{
	memcpy(((struct dummy *)dev)->config + off, buf, len);
}

static int dummy_notify(void *dev, unsigned q)
{
	struct dummy *d = dev;
	struct virtq_chain c;
	d->notified[q]++;
	int r = virtq_pop(&d->mmio.vq[q], &c);
	if (r == 1) {
		virtq_push(&d->mmio.vq[q], c.head, 0);
		virtio_mmio_used(&d->mmio, &d->mmio.vq[q]);
	}
	return r < 0 ? r : 0;
}

static void dummy_reset(void *dev)
{
	((struct dummy *)dev)->resets++;
}

static const struct virtio_dev_ops dummy_ops = {
    .name = "dummy",
    .device_id = 42,
    .features = 1ull << 3 | 1ull << 40,
    .num_queues = 2,
    .queue_size = 16,
    .config_size = 8,
    .read_config = dummy_read_config,
    .write_config = dummy_write_config,
    .queue_notify = dummy_notify,
    .reset = dummy_reset,
};

struct fx {
	struct vm_mem mem;
	struct runstate rs;
	struct dummy d;
	struct rng rng;
	unsigned irqs;
};

static void count_irq(void *ctx)
{
	((struct fx *)ctx)->irqs++;
}

static int setup(void **state)
{
	static struct fx f;
	memset(&f, 0, sizeof(f));
	if (mem_create(&f.mem, VDRV_MEM, NULL) < 0)
		return -1;
	runstate_init(&f.rs, NULL, NULL);
	assert_int_equal(virtio_mmio_check_ops(&dummy_ops), 0);
	virtio_mmio_init(&f.d.mmio, &dummy_ops, &f.d, &f.mem, &f.rs);
	virtio_mmio_set_irq(&f.d.mmio, count_irq, &f);
	rng_init(&f.rng, &f.mem, &f.rs);
	virtio_mmio_set_irq(&f.rng.mmio, count_irq, &f);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	virtio_mmio_destroy(&f->d.mmio);
	rng_destroy(&f->rng);
	runstate_destroy(&f->rs);
	mem_destroy(&f->mem);
	return 0;
}

static void test_identity(void **state)
{
	struct fx *f = *state;
	struct virtio_mmio *t = &f->d.mmio;

	assert_int_equal(vdrv_read(t, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(vdrv_read(t, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(vdrv_read(t, VIRTIO_MMIO_DEVICE_ID), 42);
	assert_int_equal(vdrv_read(t, VIRTIO_MMIO_STATUS), 0);
	vdrv_write(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_int_equal(vdrv_read(t, VIRTIO_MMIO_DEVICE_FEATURES), 1u << 3);
	vdrv_write(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(vdrv_read(t, VIRTIO_MMIO_DEVICE_FEATURES), 1u << 0 | 1u << 8);
	vdrv_write(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 7);
	assert_int_equal(vdrv_read(t, VIRTIO_MMIO_DEVICE_FEATURES), 0);
	/* Unaligned or narrow register reads are not served. */
	uint16_t v = 0;
	virtio_mmio_bus_ops.read(t, VIRTIO_MMIO_MAGIC_VALUE, (uint8_t *)&v, 2);
	assert_int_equal(v, 0);
	assert_int_equal(vdrv_read(t, VIRTIO_MMIO_QUEUE_NUM_MAX), 16);
	vdrv_write(t, VIRTIO_MMIO_QUEUE_SEL, 2);
	assert_int_equal(vdrv_read(t, VIRTIO_MMIO_QUEUE_NUM_MAX), 0); /* no such queue */
}

static void test_features(void **state)
{
	struct fx *f = *state;
	struct virtio_mmio *t = &f->d.mmio;
	const uint32_t base = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	/* Without VERSION_1: refused. */
	assert_int_equal(vdrv_negotiate(t, 1ull << 3), base);
	/* Bits the device did not offer: refused. */
	assert_int_equal(vdrv_negotiate(t, VIRTIO_FEATURE_VERSION_1 | 1ull << 4), base);
	/* A subset with VERSION_1: accepted. */
	assert_int_equal(vdrv_negotiate(t, VIRTIO_FEATURE_VERSION_1 | 1ull << 40),
			 base | VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(virtio_mmio_has_feature(t, 40));
	assert_false(virtio_mmio_has_feature(t, 3));
	/* Features are frozen after FEATURES_OK. */
	vdrv_write(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vdrv_write(t, VIRTIO_MMIO_DRIVER_FEATURES, 1u << 3);
	assert_false(virtio_mmio_has_feature(t, 3));
}

static void test_queue_setup_and_notify(void **state)
{
	struct fx *f = *state;
	struct virtio_mmio *t = &f->d.mmio;
	struct vdrv_q q;

	vdrv_negotiate(t, VIRTIO_FEATURE_VERSION_1);
	assert_int_equal(vdrv_queue(t, &q, &f->mem, 1, 8), 1);
	/* Config writes to a ready queue are ignored. */
	vdrv_write(t, VIRTIO_MMIO_QUEUE_NUM, 4);
	assert_int_equal(t->vq[1].size, 8);
	vdrv_desc(&q, 0, VDRV_BUF, 4, VRING_DESC_F_WRITE, 0);
	vdrv_post(&q, 0);
	vdrv_write(t, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_int_equal(f->d.notified[1], 1);
	assert_int_equal(vdrv_used_pending(&q), 1);
	assert_int_equal(f->irqs, 1);
	assert_int_equal(vdrv_read(t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_VRING);
	vdrv_write(t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_VRING);
	assert_int_equal(vdrv_read(t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	/* Kicks of queues that are not ready or do not exist go nowhere. */
	vdrv_write(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	vdrv_write(t, VIRTIO_MMIO_QUEUE_NOTIFY, 1000);
	assert_int_equal(f->d.notified[0], 0);
}

static void test_bad_queue_setup(void **state)
{
	struct fx *f = *state;
	struct virtio_mmio *t = &f->d.mmio;
	struct vdrv_q q;

	vdrv_negotiate(t, VIRTIO_FEATURE_VERSION_1);
	assert_int_equal(vdrv_queue(t, &q, &f->mem, 0, 32), 0); /* > QueueNumMax */
	assert_true(vdrv_read(t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_true(vdrv_read(t, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_INT_CONFIG);
	assert_non_null(strstr(t->broken_reason, "power of two"));
	/* Broken: other status writes are ignored, a reset recovers. */
	vdrv_write(t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	assert_true(vdrv_read(t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	unsigned resets = f->d.resets;
	vdrv_write(t, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(f->d.resets, resets + 1);
	assert_int_equal(vdrv_read(t, VIRTIO_MMIO_STATUS), 0);
	vdrv_negotiate(t, VIRTIO_FEATURE_VERSION_1);
	assert_int_equal(vdrv_queue(t, &q, &f->mem, 0, 16), 1);
	assert_false(runstate_stopped(&f->rs));
}

/* Per-queue QueueNumMax: each queue offers and enforces its own. */
static void test_queue_sizes(void **state)
{
	struct fx *f = *state;
	static const uint16_t sizes[2] = {4, 64};
	struct virtio_dev_ops ops = dummy_ops;
	struct virtio_mmio t;
	struct vdrv_q q;

	ops.queue_sizes = sizes;
	assert_int_equal(virtio_mmio_check_ops(&ops), 0);
	virtio_mmio_init(&t, &ops, &f->d, &f->mem, &f->rs);
	assert_int_equal(vdrv_read(&t, VIRTIO_MMIO_QUEUE_NUM_MAX), 4);
	vdrv_write(&t, VIRTIO_MMIO_QUEUE_SEL, 1);
	assert_int_equal(vdrv_read(&t, VIRTIO_MMIO_QUEUE_NUM_MAX), 64);
	vdrv_negotiate(&t, VIRTIO_FEATURE_VERSION_1);
	assert_int_equal(vdrv_queue(&t, &q, &f->mem, 1, 64), 1);
	assert_int_equal(vdrv_queue(&t, &q, &f->mem, 0, 8), 0); /* over queue 0's 4 */
	assert_true(vdrv_read(&t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	virtio_mmio_destroy(&t);

	/* Every entry must be a power of two, 1..VIRTQ_MAX_SIZE. */
	static const uint16_t odd[2] = {4, 6}, zero[2] = {0, 4}, big[2] = {4, 512};
	ops.queue_sizes = odd;
	assert_int_equal(virtio_mmio_check_ops(&ops), -EINVAL);
	ops.queue_sizes = zero;
	assert_int_equal(virtio_mmio_check_ops(&ops), -EINVAL);
	ops.queue_sizes = big;
	assert_int_equal(virtio_mmio_check_ops(&ops), -EINVAL);
}

static void test_hostile_chain_breaks_device(void **state)
{
	struct fx *f = *state;
	struct virtio_mmio *t = &f->d.mmio;
	struct vdrv_q q;

	vdrv_negotiate(t, VIRTIO_FEATURE_VERSION_1);
	vdrv_queue(t, &q, &f->mem, 0, 4);
	vdrv_desc(&q, 0, 0, 0, VRING_DESC_F_NEXT, 0);
	vdrv_post(&q, 0);
	vdrv_write(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_true(vdrv_read(t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_non_null(strstr(t->broken_reason, "loop"));
	/* No more notifies reach the device until reset. */
	unsigned n = f->d.notified[0];
	vdrv_write(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(f->d.notified[0], n);
}

static void test_reset_clears_queues(void **state)
{
	struct fx *f = *state;
	struct virtio_mmio *t = &f->d.mmio;
	struct vdrv_q q;

	vdrv_negotiate(t, VIRTIO_FEATURE_VERSION_1);
	vdrv_queue(t, &q, &f->mem, 1, 8);
	vdrv_write(t, VIRTIO_MMIO_STATUS, 0);
	vdrv_write(t, VIRTIO_MMIO_QUEUE_SEL, 1);
	assert_int_equal(vdrv_read(t, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(t->vq[1].desc_gpa, 0);
	assert_int_equal(t->drv_features, 0);
}

static void test_config_space(void **state)
{
	struct fx *f = *state;
	struct virtio_mmio *t = &f->d.mmio;
	uint8_t b[8];

	memcpy(f->d.config, "ABCDEFGH", 8);
	memset(b, 0, sizeof(b));
	virtio_mmio_bus_ops.read(t, 0x102, b, 2);
	assert_memory_equal(b, "CD", 2);
	virtio_mmio_bus_ops.read(t, 0x100, b, 8);
	assert_memory_equal(b, "ABCDEFGH", 8);
	memset(b, 0x5a, sizeof(b));
	virtio_mmio_bus_ops.read(t, 0x106, b, 4); /* crosses the end: not served */
	assert_int_equal(b[0], 0x5a);
	uint32_t gen = vdrv_read(t, VIRTIO_MMIO_CONFIG_GENERATION);
	virtio_mmio_bus_ops.write(t, 0x107, (const uint8_t *)"z", 1);
	assert_int_equal(f->d.config[7], 'z');
	assert_int_not_equal(vdrv_read(t, VIRTIO_MMIO_CONFIG_GENERATION), gen);
	virtio_mmio_bus_ops.write(t, 0xfff, (const uint8_t *)"q", 1);
}

static void test_rng(void **state)
{
	struct fx *f = *state;
	struct virtio_mmio *t = &f->rng.mmio;
	struct vdrv_q q;
	uint32_t id, len;

	assert_int_equal(vdrv_read(t, VIRTIO_MMIO_DEVICE_ID), 4);
	vdrv_negotiate(t, VIRTIO_FEATURE_VERSION_1);
	assert_int_equal(vdrv_queue(t, &q, &f->mem, 0, 64), 1);
	uint8_t *buf = vdrv_hva(&f->mem, VDRV_BUF);
	memset(buf, 0, 3 * 4096);
	vdrv_desc(&q, 0, VDRV_BUF, 64, VRING_DESC_F_WRITE, 0);
	vdrv_desc(&q, 1, VDRV_BUF + 4096, 2 * 4096, VRING_DESC_F_WRITE, 0); /* over the bound */
	vdrv_post(&q, 0);
	vdrv_post(&q, 1);
	vdrv_write(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(vdrv_take_used(&q, &id, &len), 1);
	assert_int_equal(id, 0);
	assert_int_equal(len, 64);
	assert_int_equal(vdrv_take_used(&q, &id, &len), 1);
	assert_int_equal(id, 1);
	assert_int_equal(len, RNG_REQUEST_MAX);
	static const uint8_t zero[64];
	assert_memory_not_equal(buf, zero, 64);
	assert_memory_equal(buf + 4096 + RNG_REQUEST_MAX, zero, 64); /* untouched past the bound */
	assert_int_equal(f->rng.served, 64 + RNG_REQUEST_MAX);
	/* A read-only buffer gets nothing. */
	vdrv_desc(&q, 2, VDRV_BUF, 64, 0, 0);
	vdrv_post(&q, 2);
	vdrv_write(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(vdrv_take_used(&q, &id, &len), 1);
	assert_int_equal(len, 0);
}

/* EVENT_IDX: only for a device that offers it; then queues use used_event. */
static void test_event_idx(void **state)
{
	struct fx *f = *state;
	struct virtio_dev_ops ops = dummy_ops;
	struct vdrv_q q;
	const uint32_t ok =
	    VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK;
	const uint64_t ev = 1ull << VIRTIO_RING_F_EVENT_IDX;

	/* dummy_ops does not offer it: refused, and rng does not either. */
	assert_int_equal(vdrv_negotiate(&f->d.mmio, VIRTIO_FEATURE_VERSION_1 | ev), ok & ~8u);
	assert_int_equal(vdrv_negotiate(&f->rng.mmio, VIRTIO_FEATURE_VERSION_1 | ev), ok & ~8u);

	ops.features |= VIRTIO_FEATURE_EVENT_IDX;
	assert_int_equal(virtio_mmio_check_ops(&ops), 0);
	virtio_mmio_destroy(&f->d.mmio); /* dummy_notify uses d->mmio's queues */
	virtio_mmio_init(&f->d.mmio, &ops, &f->d, &f->mem, &f->rs);
	struct virtio_mmio *m = &f->d.mmio;
	virtio_mmio_set_irq(m, count_irq, f);
	vdrv_write(m, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_true(vdrv_read(m, VIRTIO_MMIO_DEVICE_FEATURES) & (1u << VIRTIO_RING_F_EVENT_IDX));
	/* Offered but not taken: the old NO_INTERRUPT rules. */
	assert_int_equal(vdrv_negotiate(m, VIRTIO_FEATURE_VERSION_1), ok);
	assert_int_equal(vdrv_queue(m, &q, &f->mem, 0, 8), 1);
	assert_int_equal(m->vq[0].event_idx, 0);
	/* Taken: the queue follows used_event. */
	assert_int_equal(vdrv_negotiate(m, VIRTIO_FEATURE_VERSION_1 | ev), ok);
	assert_int_equal(vdrv_queue(m, &q, &f->mem, 0, 8), 1);
	assert_int_equal(m->vq[0].event_idx, 1);
	uint16_t used_event = 1; /* interrupt once the second element is used */
	memcpy((uint8_t *)vdrv_hva(&f->mem, q.avail) + 4 + 2 * 8, &used_event, 2);
	unsigned irqs = f->irqs;
	for (uint16_t i = 0; i < 3; i++) {
		vdrv_desc(&q, i, VDRV_BUF, 4, VRING_DESC_F_WRITE, 0);
		vdrv_post(&q, i);
		vdrv_write(m, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		assert_int_equal(vdrv_used_pending(&q), i + 1);
		assert_int_equal(f->irqs, irqs + (i >= 1));
	}
	/* The dummy pops one chain per kick, never finding the queue empty:
	 * avail_event untouched. A kick with nothing new: it finds the queue
	 * empty and asks for a kick at the next buffer. */
	uint16_t avail_event;
	uint8_t *ae = (uint8_t *)vdrv_hva(&f->mem, q.used) + 4 + 8 * 8;
	memcpy(&avail_event, ae, 2);
	assert_int_equal(avail_event, 0);
	vdrv_write(m, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	memcpy(&avail_event, ae, 2);
	assert_int_equal(avail_event, 3);
	/* A reset forgets it. */
	vdrv_write(m, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(m->vq[0].event_idx, 0);
	virtio_mmio_destroy(m);
	virtio_mmio_init(&f->d.mmio, &dummy_ops, &f->d, &f->mem, &f->rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_features, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_queue_setup_and_notify, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_queue_setup, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_queue_sizes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_chain_breaks_device, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reset_clears_queues, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config_space, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rng, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_event_idx, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
