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
	assert_int_equal(setup_n(f, 64), 0);
	for (uint16_t i = 0; i < 64; i++)
		vdrv_desc(&f->d, i, VDRV_BUF + i, 1, i < 63 ? VRING_DESC_F_NEXT : 0, i + 1);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
