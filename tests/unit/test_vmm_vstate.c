/* Unit tests for the snapshot's KVM state: MSR list rules, and damaged records refused without KVM.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86_64/vstate.h"

#define TSC 0x10u
#define TSC_DEADLINE 0x6e0u
/* Record numbers as vstate.c writes them: 1 TSC kHz, 2 MP_STATE, 3 REGS. */
#define VCPU_TSC_KHZ SNAP_TAG(SNAP_OWN_VCPU, 1)
#define VCPU_MP_STATE SNAP_TAG(SNAP_OWN_VCPU, 2)
#define VM_PIT2 SNAP_TAG(SNAP_OWN_VM, 1)

static void test_select(void **state)
{
	(void)state;
	uint32_t idx[] = {0x174, TSC_DEADLINE, 0x40000001, 0x10a, 0x480,
			  0x174, TSC,	       0x4b564d01, 0x48};
	const uint32_t features[] = {0x10a}; /* ARCH_CAPABILITIES */
	const uint32_t want[] = {0x174, TSC, 0x4b564d01, 0x48, TSC_DEADLINE};

	size_t n = vstate_msr_select(idx, sizeof(idx) / sizeof(idx[0]), features, 1);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	assert_memory_equal(idx, want, sizeof(want));
	/* No TSC_DEADLINE listed: none added. */
	uint32_t two[] = {TSC, 0x174};
	assert_int_equal(vstate_msr_select(two, 2, NULL, 0), 2);
	assert_int_equal(two[0], TSC);
	assert_int_equal(two[1], 0x174);
	assert_int_equal(vstate_msr_select(two, 0, NULL, 0), 0);
}

static void test_check(void **state)
{
	(void)state;
	struct kvm_msr_entry e[3];
	uint32_t bad;

	memset(e, 0, sizeof(e));
	e[0].index = 0x174;
	e[1].index = TSC;
	e[2].index = TSC_DEADLINE;
	assert_int_equal(vstate_msr_check(e, 3, &bad), 0);
	e[1].index = TSC_DEADLINE; /* twice */
	assert_int_equal(vstate_msr_check(e, 3, &bad), -EINVAL);
	assert_int_equal(bad, TSC_DEADLINE);
	e[1].index = TSC;
	e[2].reserved = 1;
	assert_int_equal(vstate_msr_check(e, 3, &bad), -EINVAL);
	e[2].reserved = 0;
	e[0].index = TSC_DEADLINE; /* before the TSC */
	e[2].index = 0x174;
	assert_int_equal(vstate_msr_check(e, 3, &bad), -EINVAL);
	assert_int_equal(bad, TSC_DEADLINE);
	assert_int_equal(vstate_msr_check(e, VSTATE_MSR_MAX + 1, &bad), -EINVAL);
}

static void test_fix_deadline(void **state)
{
	(void)state;
	struct kvm_msr_entry e[3];

	memset(e, 0, sizeof(e));
	e[0].index = TSC;
	e[0].data = 123456;
	e[1].index = TSC_DEADLINE;
	vstate_msr_fix_deadline(e, 2);
	assert_int_equal(e[1].data, 123456);
	e[1].data = 999; /* armed: kept */
	vstate_msr_fix_deadline(e, 2);
	assert_int_equal(e[1].data, 999);
	e[2].index = TSC_DEADLINE; /* no TSC saved: left alone */
	vstate_msr_fix_deadline(e + 2, 1);
	assert_int_equal(e[2].data, 0);
}

static void test_tsc_khz(void **state)
{
	(void)state;
	assert_true(vstate_tsc_khz_close(2000000, 2000000));
	assert_true(vstate_tsc_khz_close(2000000, 2000500)); /* 250 ppm */
	assert_true(vstate_tsc_khz_close(2000000, 1999500));
	assert_false(vstate_tsc_khz_close(2000000, 2000501));
	assert_false(vstate_tsc_khz_close(2000000, 2100000));
	assert_false(vstate_tsc_khz_close(UINT32_MAX, 0));
}

/* Restoring: a record of the wrong tag or size is refused before any ioctl;
 * a well-formed one reaches KVM (fd -1 here) and its error comes back. */
static void test_restore_damaged(void **state)
{
	(void)state;
	struct sb_error err = {0};
	struct snap_w w;
	struct snap_r r;
	struct vstate_tsc tsc = {0};

	snap_r_init(&r, "", 0, &err);
	assert_int_equal(vstate_restore_vcpu(-1, -1, &r, &tsc, &err), -EINVAL);
	assert_int_equal(err.code, EINVAL);

	snap_w_init(&w, &err);
	snap_put_u64(&w, VCPU_TSC_KHZ, 0);
	snap_put(&w, VCPU_MP_STATE, "abc", 3); /* kvm_mp_state is 4 bytes */
	snap_r_init(&r, w.buf, w.len, &err);
	assert_int_equal(vstate_restore_vcpu(-1, -1, &r, &tsc, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "bytes"));
	snap_w_free(&w);

	snap_w_init(&w, &err);
	snap_put_u64(&w, VCPU_TSC_KHZ, 0);
	snap_put(&w, VCPU_MP_STATE, "abcd", 4);
	snap_r_init(&r, w.buf, w.len, &err);
	assert_int_equal(vstate_restore_vcpu(-1, -1, &r, &tsc, &err), -EBADF);
	assert_non_null(strstr(err.msg, "KVM_SET_MP_STATE"));
	snap_w_free(&w);

	snap_w_init(&w, &err);
	snap_put_u64(&w, VCPU_TSC_KHZ, (uint64_t)1 << 40); /* no such TSC */
	snap_r_init(&r, w.buf, w.len, &err);
	assert_int_equal(vstate_restore_vcpu(-1, -1, &r, &tsc, &err), -EINVAL);
	snap_w_free(&w);

	snap_w_init(&w, &err);
	snap_put(&w, VM_PIT2, "x", 1);
	snap_r_init(&r, w.buf, w.len, &err);
	assert_int_equal(vstate_restore_vm(-1, &r, &err), -EINVAL);
	snap_w_free(&w);
}

static void test_save_without_kvm(void **state)
{
	(void)state;
	struct sb_error err = {0};
	struct snap_w w;

	snap_w_init(&w, &err);
	assert_int_equal(vstate_save_vcpu(-1, -1, &w, &err), -EBADF);
	assert_non_null(strstr(err.msg, "KVM_GET_MP_STATE"));
	snap_w_free(&w);
	snap_w_init(&w, &err);
	assert_int_equal(vstate_save_vm(-1, &w, &err), -EBADF);
	snap_w_free(&w);
}

static void test_host_id(void **state)
{
	(void)state;
	uint8_t a[VSTATE_HOST_ID_MAX], b[VSTATE_HOST_ID_MAX];

	size_t na = vstate_host_id(-1, -1, a, sizeof(a));
	size_t nb = vstate_host_id(-1, -1, b, sizeof(b));
	assert_true(na > 64 && na < sizeof(a)); /* all of it fits */
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na);
	assert_int_equal(vstate_host_id(-1, -1, b, 10), 10);
	assert_memory_equal(a, b, 10);
	assert_int_equal(vstate_host_id(-1, -1, b, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_select),	    cmocka_unit_test(test_check),
	    cmocka_unit_test(test_fix_deadline),    cmocka_unit_test(test_tsc_khz),
	    cmocka_unit_test(test_restore_damaged), cmocka_unit_test(test_save_without_kvm),
	    cmocka_unit_test(test_host_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
