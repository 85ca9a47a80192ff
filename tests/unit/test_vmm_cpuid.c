/* Unit tests for CPUID filtering: a fake supported table in, per-vCPU topology and masks out. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86_64/cpuid.h"

static void add(struct cpuid_table *t, uint32_t fn, uint32_t idx, uint32_t flags, uint32_t eax,
		uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	struct kvm_cpuid_entry2 *e = &t->entries[t->head.nent++];
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	e->flags = flags;
	e->eax = eax;
	e->ebx = ebx;
	e->ecx = ecx;
	e->edx = edx;
}

/* Something like what an Intel host's KVM reports. */
static void fake(struct cpuid_table *t)
{
	memset(t, 0, sizeof(*t));
	add(t, 0, 0, 0, 0x1f, 0x756e6547, 0x6c65746e, 0x49656e69);
	add(t, 1, 0, 0, 0x906ea, 0x00000800, 0x7ffafbbf,
	    0x0f8bfbff); /* MONITOR set, hypervisor clear */
	add(t, 4, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 0x1c004121, 0, 0, 0); /* L1d */
	add(t, 4, 3, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 0x3c07c163, 0, 0, 0); /* L3 */
	add(t, 5, 0, 0, 0x40, 0x40, 3, 0x11142120);
	add(t, 0xa, 0, 0, 0x07300404, 0, 0, 0x603);
	add(t, 0xb, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 1, 2, 0x100, 7);
	add(t, 0xb, 1, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 4, 8, 0x201, 7);
	add(t, 0x1f, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 1, 2, 0x100, 7);
	add(t, 0x40000000, 0, 0, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d);
	add(t, 0x40000001, 0, 0, 0x01007afb, 0, 0, 0);
	add(t, 0x80000008, 0, 0, 0x3027, 0, 0x7007, 0);
}

static void test_leaf1(void **state)
{
	(void)state;
	struct cpuid_table t;

	fake(&t);
	assert_int_equal(cpuid_filter(&t, 3, 4), 0);
	struct kvm_cpuid_entry2 *e = cpuid_find(&t, 1, 0);
	assert_non_null(e);
	assert_int_equal(e->ebx >> 24, 3);	    /* initial APIC id */
	assert_int_equal((e->ebx >> 16) & 0xff, 4); /* logical processors */
	assert_int_equal(e->ebx & 0xffff, 0x0800);  /* CLFLUSH size kept */
	assert_true(e->ecx & (1u << 31));	    /* hypervisor */
	assert_false(e->ecx & (1u << 3));	    /* no MONITOR */
	assert_true(e->edx & (1u << 28));	    /* HTT with > 1 CPU */
	assert_int_equal(e->eax, 0x906ea);

	fake(&t);
	assert_int_equal(cpuid_filter(&t, 0, 1), 0);
	e = cpuid_find(&t, 1, 0);
	assert_int_equal(e->ebx >> 24, 0);
	assert_false(e->edx & (1u << 28));
}

static void test_masked(void **state)
{
	(void)state;
	struct cpuid_table t;

	fake(&t);
	assert_int_equal(cpuid_filter(&t, 0, 2), 0);
	struct kvm_cpuid_entry2 *pmu = cpuid_find(&t, 0xa, 0), *mw = cpuid_find(&t, 5, 0);
	assert_int_equal(pmu->eax | pmu->ebx | pmu->ecx | pmu->edx, 0);
	assert_int_equal(mw->eax | mw->ebx | mw->ecx | mw->edx, 0);
	struct kvm_cpuid_entry2 *kvm = cpuid_find(&t, 0x40000000, 0);
	assert_non_null(kvm);
	assert_int_equal(kvm->ebx, 0x4b4d564b); /* "KVMK" signature kept */
	assert_non_null(cpuid_find(&t, 0x40000001, 0));
	assert_int_equal(cpuid_find(&t, 0x80000008, 0)->ecx & 0xf0ff, 1);
}

static void test_topology(void **state)
{
	(void)state;
	struct cpuid_table t;

	fake(&t);
	assert_int_equal(cpuid_filter(&t, 5, 6), 0);
	struct kvm_cpuid_entry2 *smt = cpuid_find(&t, 0xb, 0), *core = cpuid_find(&t, 0xb, 1),
				*end = cpuid_find(&t, 0xb, 2);
	assert_non_null(smt);
	assert_non_null(core);
	assert_non_null(end);
	assert_int_equal(smt->eax, 0);
	assert_int_equal(smt->ebx, 1);
	assert_int_equal((smt->ecx >> 8) & 0xff, 1);
	assert_int_equal(smt->edx, 5);
	assert_int_equal(core->eax, 3); /* 6 cores need 3 bits */
	assert_int_equal(core->ebx, 6);
	assert_int_equal((core->ecx >> 8) & 0xff, 2);
	assert_int_equal(core->edx, 5);
	assert_int_equal((end->ecx >> 8) & 0xff, 0);
	assert_int_equal(end->ecx & 0xff, 2);
	/* 0x1F rebuilt the same way (it was present), no stale entries left. */
	assert_int_equal(cpuid_find(&t, 0x1f, 1)->ebx, 6);
	unsigned nb = 0;
	for (unsigned i = 0; i < t.head.nent; i++)
		nb += t.entries[i].function == 0xb;
	assert_int_equal(nb, 3);
	/* Leaf 4: cores per package, L3 shared by all, L1 per core. */
	struct kvm_cpuid_entry2 *l1 = cpuid_find(&t, 4, 0), *l3 = cpuid_find(&t, 4, 3);
	assert_int_equal(l1->eax >> 26, 5);
	assert_int_equal((l1->eax >> 14) & 0xfff, 0);
	assert_int_equal(l1->eax & 0x3fff, 0x0121);
	assert_int_equal(l3->eax >> 26, 5);
	assert_int_equal((l3->eax >> 14) & 0xfff, 5);
}

static void test_bad_args_and_full_table(void **state)
{
	(void)state;
	struct cpuid_table t;

	fake(&t);
	assert_int_equal(cpuid_filter(&t, 2, 2), -EINVAL);
	assert_int_equal(cpuid_filter(&t, 0, 0), -EINVAL);
	t.head.nent = CPUID_MAX_ENTRIES + 1;
	assert_int_equal(cpuid_filter(&t, 0, 1), -EINVAL);
	/* 3 old 0xb/0x1f entries dropped, 6 new ones: needs 3 free slots. */
	fake(&t);
	while (t.head.nent < CPUID_MAX_ENTRIES - 3)
		add(&t, 0x80000000, 0, 0, 0, 0, 0, 0);
	assert_int_equal(cpuid_filter(&t, 0, 1), 0);
	assert_int_equal(t.head.nent, CPUID_MAX_ENTRIES);
	fake(&t);
	while (t.head.nent < CPUID_MAX_ENTRIES - 2)
		add(&t, 0x80000000, 0, 0, 0, 0, 0, 0);
	assert_int_equal(cpuid_filter(&t, 0, 1), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_leaf1),
	    cmocka_unit_test(test_masked),
	    cmocka_unit_test(test_topology),
	    cmocka_unit_test(test_bad_args_and_full_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
