/* Unit tests for the MP table: checksums, pointers and entries per vCPU, parsed back like Linux
 * does. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86_64/layout.h"
#include "arch/x86_64/mptable.h"

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

struct counts {
	unsigned cpus, bsp, bus, ioapic, intsrc, lint;
	uint8_t ioapic_id;
};

/* Walk the config table the way Linux's mpparse does. */
static struct counts walk(const uint8_t *buf, uint64_t gpa)
{
	struct counts c = {0};
	assert_memory_equal(buf, "_MP_", 4);
	assert_int_equal(buf[8], 1);
	assert_int_equal(buf[9], 4);
	assert_int_equal(sum(buf, 16), 0);
	uint32_t phys = rd32(buf + 4);
	assert_true(phys >= gpa && phys < gpa + 0x10000);
	const uint8_t *h = buf + (phys - gpa);
	assert_memory_equal(h, "PCMP", 4);
	uint16_t len = rd16(h + 4);
	assert_int_equal(sum(h, len), 0);
	assert_int_equal(rd32(h + 36), LAYOUT_LAPIC);
	const uint8_t *p = h + 44, *end = h + len;
	unsigned n = 0;
	while (p < end) {
		n++;
		switch (p[0]) {
		case 0:
			assert_int_equal(p[1], c.cpus); /* APIC ids 0..n-1 in order */
			assert_true(p[3] & 1);
			c.bsp += !!(p[3] & 2);
			c.cpus++;
			p += 20;
			break;
		case 1:
			assert_memory_equal(p + 2, "ISA   ", 6);
			c.bus++;
			p += 8;
			break;
		case 2:
			assert_int_equal(rd32(p + 4), LAYOUT_IOAPIC);
			c.ioapic_id = p[1];
			c.ioapic++;
			p += 8;
			break;
		case 3:
			assert_int_equal(p[5], p[7]); /* ISA IRQ n -> IOAPIC pin n */
			assert_int_equal(p[6], c.ioapic_id);
			c.intsrc++;
			p += 8;
			break;
		case 4:
			assert_int_equal(p[6], 0xff);
			c.lint++;
			p += 8;
			break;
		default:
			fail_msg("unknown entry type %u", p[0]);
		}
	}
	assert_ptr_equal(p, end);
	assert_int_equal(rd16(h + 34), n);
	return c;
}

static void check(unsigned ncpus)
{
	static uint8_t buf[0x10000];
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(mptable_build(buf, sizeof(buf), LAYOUT_MPTABLE, ncpus, NULL), 0);
	struct counts c = walk(buf, LAYOUT_MPTABLE);
	assert_int_equal(c.cpus, ncpus);
	assert_int_equal(c.bsp, 1);
	assert_int_equal(c.bus, 1);
	assert_int_equal(c.ioapic, 1);
	assert_true(c.ioapic_id >= ncpus); /* does not collide with an APIC id */
	assert_int_equal(c.intsrc, 16);
	assert_int_equal(c.lint, 2);
}

static void test_counts(void **state)
{
	(void)state;
	check(1);
	check(2);
	check(7);
	check(64);
	check(MPTABLE_MAX_CPUS);
}

static void test_limits(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct sb_error err = {0};

	assert_int_equal(mptable_build(buf, sizeof(buf), LAYOUT_MPTABLE, 0, &err), -EINVAL);
	assert_int_equal(
	    mptable_build(buf, sizeof(buf), LAYOUT_MPTABLE, MPTABLE_MAX_CPUS + 1, &err), -EINVAL);
	assert_true(mptable_size(20) > sizeof(buf));
	assert_int_equal(mptable_build(buf, sizeof(buf), LAYOUT_MPTABLE, 20, &err), -ENOSPC);
	assert_int_equal(mptable_build(buf, sizeof(buf), LAYOUT_MPTABLE, 2, &err), 0);
	assert_int_equal(mptable_build(buf, sizeof(buf), 0xfffffff0, 2, &err), -ENOSPC);
}

static void test_in_guest_memory(void **state)
{
	(void)state;
	struct vm_mem m;
	assert_int_equal(mem_create(&m, 32 << 20, NULL), 0);
	assert_int_equal(mptable_write(&m, 4, NULL), 0);
	struct counts c = walk(gpa_to_hva(&m, LAYOUT_MPTABLE, 0x10000), LAYOUT_MPTABLE);
	assert_int_equal(c.cpus, 4);
	mem_destroy(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counts),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_in_guest_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
