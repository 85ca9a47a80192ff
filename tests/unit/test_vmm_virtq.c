/* Unit tests for split virtqueues: well-formed chains, then every hostile shape we know of. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <linux/virtio_ring.h>

#include "test_vmm_vdrv.h"
#include "virtio/virtq.h"

struct fx {
	struct vm_mem mem;
	struct virtq q;
	struct vdrv_q d;
};

/* Rings at fixed places, configured straight into struct virtq (no transport). */
static int setup_n(struct fx *f, uint16_t num);

/* With VIRTIO_RING_F_EVENT_IDX (the transport sets event_idx before enable). */
static int setup_event_idx(struct fx *f, uint16_t num)
{
	int r = setup_n(f, num);
	f->q.event_idx = 1;
	return r ? r : virtq_enable(&f->q, &f->mem, 256);
}

static void set_used_event(struct fx *f, uint16_t v)
{
	memcpy((uint8_t *)vdrv_hva(&f->mem, f->d.avail) + 4 + 2u * f->d.num, &v, 2);
}

static uint16_t avail_event(struct fx *f)
{
	uint16_t v;
	memcpy(&v, (uint8_t *)vdrv_hva(&f->mem, f->d.used) + 4 + 8u * f->d.num, 2);
	return v;
}

static int setup_n(struct fx *f, uint16_t num)
{
	f->d = (struct vdrv_q){
	    .mem = &f->mem, .num = num, .desc = 0x10000, .avail = 0x11000, .used = 0x12000};
	virtq_reset(&f->q, 256);
	f->q.num = num;
	f->q.desc_gpa = f->d.desc;
	f->q.avail_gpa = f->d.avail;
	f->q.used_gpa = f->d.used;
	return virtq_enable(&f->q, &f->mem, 256);
}

static int setup(void **state)
{
	static struct fx f;
	memset(&f, 0, sizeof(f));
	if (mem_create(&f.mem, VDRV_MEM, NULL) < 0)
		return -1;
	if (setup_n(&f, 8) < 0)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	mem_destroy(&f->mem);
	return 0;
}

static void test_simple_chain(void **state)
{
	struct fx *f = *state;
	struct virtq_chain c;

	assert_int_equal(virtq_pop(&f->q, &c), 0);
	memcpy(vdrv_hva(&f->mem, VDRV_BUF), "hello", 5);
	vdrv_desc(&f->d, 3, VDRV_BUF, 5, VRING_DESC_F_NEXT, 5);
	vdrv_desc(&f->d, 5, VDRV_BUF + 0x1000, 100, VRING_DESC_F_WRITE, 0);
	vdrv_post(&f->d, 3);
	assert_int_equal(virtq_pop(&f->q, &c), 1);
	assert_int_equal(c.head, 3);
	assert_int_equal(c.n_out, 1);
	assert_int_equal(c.n_in, 1);
	assert_int_equal(c.out_len, 5);
	assert_int_equal(c.in_len, 100);
	char buf[8] = {0};
	assert_int_equal(virtq_chain_read(&c, 1, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "ello");
	assert_int_equal(virtq_chain_write(&c, 98, "xyz", 3), 2);
	assert_memory_equal(vdrv_hva(&f->mem, VDRV_BUF + 0x1000 + 98), "xy", 2);
	assert_int_equal(virtq_pop(&f->q, &c), 0);

	virtq_push(&f->q, c.head, 42);
	uint32_t id, len;
	assert_int_equal(vdrv_take_used(&f->d, &id, &len), 1);
	assert_int_equal(id, 3);
	assert_int_equal(len, 42);
	assert_int_equal(vdrv_take_used(&f->d, &id, &len), 0);
}

static void test_wraparound(void **state)
{
	struct fx *f = *state;
	struct virtq_chain c;

	/* 70000 round trips: both 16-bit indices wrap. */
	for (unsigned i = 0; i < 70000; i++) {
		uint16_t h = (uint16_t)(i % 8);
		vdrv_desc(&f->d, h, VDRV_BUF + h * 16u, 16, VRING_DESC_F_WRITE, 0);
		vdrv_post(&f->d, h);
		assert_int_equal(virtq_pop(&f->q, &c), 1);
		assert_int_equal(c.head, h);
		virtq_push(&f->q, c.head, 1);
		uint32_t id, len;
		assert_int_equal(vdrv_take_used(&f->d, &id, &len), 1);
		assert_int_equal(id, h);
	}
}

static void test_zero_length_and_unpop(void **state)
{
	struct fx *f = *state;
	struct virtq_chain c;

	vdrv_desc(&f->d, 0, 0, 0, VRING_DESC_F_NEXT, 1); /* empty: no iov, still legal */
	vdrv_desc(&f->d, 1, VDRV_BUF, 8, VRING_DESC_F_WRITE, 0);
	vdrv_post(&f->d, 0);
	assert_int_equal(virtq_pop(&f->q, &c), 1);
	assert_int_equal(c.n_out + c.n_in, 1);
	virtq_unpop(&f->q);
	assert_int_equal(virtq_has_avail(&f->q), 1);
	assert_int_equal(virtq_pop(&f->q, &c), 1);
	assert_int_equal(c.head, 0);
}

static void expect_broken(struct fx *f, const char *why)
{
	struct virtq_chain c;

	assert_int_equal(virtq_pop(&f->q, &c), -EIO);
	assert_non_null(f->q.error);
	assert_non_null(strstr(f->q.error, why));
}

static void test_loop(void **state)
{
	struct fx *f = *state;
	vdrv_desc(&f->d, 0, 0, 0, VRING_DESC_F_NEXT, 1);
	vdrv_desc(&f->d, 1, 0, 0, VRING_DESC_F_NEXT, 0); /* 0 -> 1 -> 0 ... */
	vdrv_post(&f->d, 0);
	expect_broken(f, "loop");
}

static void test_self_loop_with_data(void **state)
{
	struct fx *f = *state;
	vdrv_desc(&f->d, 2, VDRV_BUF, 4, VRING_DESC_F_NEXT, 2);
	vdrv_post(&f->d, 2);
	expect_broken(f, "loop");
}

static void test_too_many_buffers(void **state)
{
	struct fx *f = *state;
	const uint16_t n = VIRTQ_MAX_IOV + 1;
	assert_int_equal(setup_n(f, 2 * VIRTQ_MAX_IOV), 0);
	for (uint16_t i = 0; i < n; i++)
		vdrv_desc(&f->d, i, VDRV_BUF + i, 1, i < n - 1 ? VRING_DESC_F_NEXT : 0, i + 1);
	vdrv_post(&f->d, 0);
	expect_broken(f, "too many");
}

static void test_out_of_ram(void **state)
{
	struct fx *f = *state;
	vdrv_desc(&f->d, 0, VDRV_MEM - 4, 8, 0, 0); /* straddles the end of RAM */
	vdrv_post(&f->d, 0);
	expect_broken(f, "outside");
}

static void test_length_overflow(void **state)
{
	struct fx *f = *state;
	vdrv_desc(&f->d, 0, 0xfffffffffffff000ull, 0xffffffffu, 0, 0);
	vdrv_post(&f->d, 0);
	expect_broken(f, "outside");
}

static void test_hole_address(void **state)
{
	struct fx *f = *state;
	vdrv_desc(&f->d, 0, 0xd0000000ull, 16, VRING_DESC_F_WRITE, 0); /* MMIO hole, not RAM */
	vdrv_post(&f->d, 0);
	expect_broken(f, "outside");
}

static void test_bad_head_and_next(void **state)
{
	struct fx *f = *state;
	vdrv_post(&f->d, 8); /* == size */
	expect_broken(f, "out of range");
	assert_int_equal(setup_n(f, 8), 0);
	f->d.avail_idx = 0;
	vdrv_desc(&f->d, 0, VDRV_BUF, 1, VRING_DESC_F_NEXT, 0xffff);
	vdrv_post(&f->d, 0);
	expect_broken(f, "out of range");
}

static void test_avail_jump(void **state)
{
	struct fx *f = *state;
	uint16_t idx = 9; /* size 8: more than a queue's worth */
	memcpy((uint8_t *)vdrv_hva(&f->mem, f->d.avail) + 2, &idx, 2);
	expect_broken(f, "more than the queue size");
	assert_int_equal(virtq_has_avail(&f->q), -EIO);
}

static void test_indirect(void **state)
{
	struct fx *f = *state;
	vdrv_desc(&f->d, 0, VDRV_BUF, 16, VRING_DESC_F_INDIRECT, 0);
	vdrv_post(&f->d, 0);
	expect_broken(f, "indirect");
}

static void test_readable_after_writable(void **state)
{
	struct fx *f = *state;
	vdrv_desc(&f->d, 0, VDRV_BUF, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	vdrv_desc(&f->d, 1, VDRV_BUF, 16, 0, 0);
	vdrv_post(&f->d, 0);
	expect_broken(f, "after a writable");
}

static void test_enable_checks(void **state)
{
	struct fx *f = *state;
	assert_int_equal(setup_n(f, 0), -EINVAL);
	assert_int_equal(setup_n(f, 6), -EINVAL); /* not a power of two */
	assert_int_equal(f->q.ready, 0);
	virtq_reset(&f->q, 8);
	f->q.num = 16; /* above max */
	f->q.desc_gpa = 0x10000;
	f->q.avail_gpa = 0x11000;
	f->q.used_gpa = 0x12000;
	assert_int_equal(virtq_enable(&f->q, &f->mem, 8), -EINVAL);
	f->q.num = 8;
	f->q.desc_gpa = 0x10008; /* misaligned */
	assert_int_equal(virtq_enable(&f->q, &f->mem, 8), -EINVAL);
	f->q.desc_gpa = 0x10000;
	f->q.used_gpa = VDRV_MEM - 16; /* ring runs past RAM */
	assert_int_equal(virtq_enable(&f->q, &f->mem, 8), -EINVAL);
	f->q.used_gpa = 0x12000;
	assert_int_equal(virtq_enable(&f->q, &f->mem, 8), 0);
}

static void test_interrupt_suppression(void **state)
{
	struct fx *f = *state;
	uint16_t flags = VRING_AVAIL_F_NO_INTERRUPT;

	assert_int_equal(virtq_want_interrupt(&f->q), 1);
	memcpy(vdrv_hva(&f->mem, f->d.avail), &flags, 2);
	assert_int_equal(virtq_want_interrupt(&f->q), 0);
}

/* used_event: one interrupt when the element the driver names is used. */
static void test_event_idx_used_event(void **state)
{
	struct fx *f = *state;
	struct virtq_chain c;
	uint32_t id, len;

	assert_int_equal(setup_event_idx(f, 8), 0);
	assert_int_equal(virtq_want_interrupt(&f->q), 0); /* nothing pushed yet */
	set_used_event(f, 0);
	for (unsigned i = 0; i < 8; i++) {
		vdrv_desc(&f->d, (uint16_t)i, VDRV_BUF, 16, VRING_DESC_F_WRITE, 0);
		vdrv_post(&f->d, (uint16_t)i);
	}
	assert_int_equal(virtq_pop(&f->q, &c), 1);
	virtq_push(&f->q, c.head, 1); /* used idx 0 -> 1: element 0 is used_event */
	assert_int_equal(virtq_want_interrupt(&f->q), 1);
	assert_int_equal(virtq_want_interrupt(&f->q), 0); /* nothing new since */
	/* The driver wants to hear once element 4 is used: elements 1-3 pass silently. */
	set_used_event(f, 4);
	for (unsigned i = 1; i < 4; i++) {
		assert_int_equal(virtq_pop(&f->q, &c), 1);
		virtq_push(&f->q, c.head, 1);
		assert_int_equal(virtq_want_interrupt(&f->q), 0);
	}
	/* Two at once (4 and 5): used_event is among them. */
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(virtq_pop(&f->q, &c), 1);
		virtq_push(&f->q, c.head, 1);
	}
	assert_int_equal(virtq_want_interrupt(&f->q), 1);
	/* With event_idx the NO_INTERRUPT flag means nothing. */
	uint16_t flags = VRING_AVAIL_F_NO_INTERRUPT;
	memcpy(vdrv_hva(&f->mem, f->d.avail), &flags, 2);
	set_used_event(f, 6);
	assert_int_equal(virtq_pop(&f->q, &c), 1);
	virtq_push(&f->q, c.head, 1);
	assert_int_equal(virtq_want_interrupt(&f->q), 1);
	while (vdrv_take_used(&f->d, &id, &len))
		;
}

/* Across the 16-bit wrap of the used index. */
static void test_event_idx_wrap(void **state)
{
	struct fx *f = *state;
	struct virtq_chain c;
	unsigned irqs = 0;

	assert_int_equal(setup_event_idx(f, 8), 0);
	for (unsigned i = 0; i < 70000; i++) {
		/* The driver asks for an interrupt every 1000 elements. */
		set_used_event(f, (uint16_t)(i / 1000 * 1000 + 999));
		vdrv_desc(&f->d, (uint16_t)(i % 8), VDRV_BUF, 16, VRING_DESC_F_WRITE, 0);
		vdrv_post(&f->d, (uint16_t)(i % 8));
		assert_int_equal(virtq_pop(&f->q, &c), 1);
		virtq_push(&f->q, c.head, 1);
		int want = virtq_want_interrupt(&f->q);
		assert_int_equal(want, i % 1000 == 999);
		irqs += (unsigned)want;
		uint32_t id, len;
		assert_int_equal(vdrv_take_used(&f->d, &id, &len), 1);
	}
	assert_int_equal(irqs, 70);
}

/* avail_event: written when the device finds the queue empty. */
static void test_event_idx_avail_event(void **state)
{
	struct fx *f = *state;
	struct virtq_chain c;

	assert_int_equal(setup_event_idx(f, 8), 0);
	memset((uint8_t *)vdrv_hva(&f->mem, f->d.used) + 4 + 8u * 8, 0xff, 2);
	assert_int_equal(virtq_pop(&f->q, &c), 0);
	assert_int_equal(avail_event(f), 0); /* kick me at your first buffer */
	for (uint16_t i = 0; i < 3; i++) {
		vdrv_desc(&f->d, i, VDRV_BUF, 16, VRING_DESC_F_WRITE, 0);
		vdrv_post(&f->d, i);
	}
	assert_int_equal(virtq_pop(&f->q, &c), 1);
	assert_int_equal(avail_event(f), 0); /* not empty: untouched */
	assert_int_equal(virtq_pop(&f->q, &c), 1);
	assert_int_equal(virtq_pop(&f->q, &c), 1);
	assert_int_equal(virtq_has_avail(&f->q), 0);
	assert_int_equal(avail_event(f), 3);
	/* Without event_idx the used ring has no avail_event: nothing written there. */
	assert_int_equal(setup_n(f, 8), 0);
	memset(vdrv_hva(&f->mem, f->d.avail), 0, 4);
	memset((uint8_t *)vdrv_hva(&f->mem, f->d.used) + 4 + 8u * 8, 0xff, 2);
	assert_int_equal(virtq_pop(&f->q, &c), 0);
	assert_int_equal(avail_event(f), 0xffff);
}

/* The two event words are part of the rings: they must be in RAM too. */
static void test_event_idx_ring_bounds(void **state)
{
	struct fx *f = *state;

	virtq_reset(&f->q, 8);
	f->q.num = 8;
	f->q.desc_gpa = 0x10000;
	f->q.avail_gpa = 0x11000;
	f->q.used_gpa = VDRV_MEM - (4 + 8 * 8); /* ends exactly at the end of RAM */
	assert_int_equal(virtq_enable(&f->q, &f->mem, 8), 0);
	f->q.event_idx = 1;
	assert_int_equal(virtq_enable(&f->q, &f->mem, 8), -EINVAL);
	f->q.used_gpa = 0x12000;
	f->q.avail_gpa = VDRV_MEM - (4 + 2 * 8);
	assert_int_equal(virtq_enable(&f->q, &f->mem, 8), -EINVAL);
	f->q.avail_gpa = VDRV_MEM - (6 + 2 * 8);
	assert_int_equal(virtq_enable(&f->q, &f->mem, 8), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_simple_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wraparound, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_zero_length_and_unpop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_loop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_self_loop_with_data, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_too_many_buffers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_out_of_ram, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_length_overflow, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hole_address, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_head_and_next, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_avail_jump, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_indirect, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_readable_after_writable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_enable_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_interrupt_suppression, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_event_idx_used_event, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_event_idx_wrap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_event_idx_avail_event, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_event_idx_ring_bounds, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
