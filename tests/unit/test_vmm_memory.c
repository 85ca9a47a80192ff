/* Unit tests for guest RAM layout and the checked accessor gpa_to_hva. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "memory.h"
#include "vmm.h"

#define MIB (1ull << 20)
#define GIB (1ull << 30)

/* A layout with a fake base: only address arithmetic, never dereferenced. */
static struct vm_mem fake(uint64_t size)
{
	struct vm_mem m = {.base = (uint8_t *)(uintptr_t)0x100000000000ull};
	mem_layout(&m, size);
	return m;
}

static void test_small_guest(void **state)
{
	(void)state;
	struct vm_mem m = fake(128 * MIB);

	assert_int_equal(m.low_size, 128 * MIB);
	assert_ptr_equal(gpa_to_hva(&m, 0, 1), m.base);
	assert_ptr_equal(gpa_to_hva(&m, 128 * MIB - 1, 1), m.base + 128 * MIB - 1);
	assert_ptr_equal(gpa_to_hva(&m, 0, 128 * MIB), m.base);
	assert_null(gpa_to_hva(&m, 128 * MIB - 1, 2));
	assert_null(gpa_to_hva(&m, 128 * MIB, 1));
	assert_null(gpa_to_hva(&m, 128 * MIB, 0));
	assert_non_null(gpa_to_hva(&m, 128 * MIB - 1, 0));
	assert_null(gpa_to_hva(&m, 4 * GIB, 1));
}

static void test_overflow(void **state)
{
	(void)state;
	struct vm_mem m = fake(5 * GIB);

	assert_null(gpa_to_hva(&m, UINT64_MAX, 1));
	assert_null(gpa_to_hva(&m, 1, UINT64_MAX));
	assert_null(gpa_to_hva(&m, 4 * GIB, UINT64_MAX - 4 * GIB + 1));
	assert_null(gpa_to_hva(&m, UINT64_MAX - 10, 20));
}

static void test_hole(void **state)
{
	(void)state;
	struct vm_mem m = fake(5 * GIB); /* 3 GiB low, 2 GiB from 4 GiB */

	assert_int_equal(m.low_size, 3 * GIB);
	assert_int_equal(mem_low_end(&m), 3 * GIB);
	assert_ptr_equal(gpa_to_hva(&m, 3 * GIB - 4, 4), m.base + 3 * GIB - 4);
	assert_null(gpa_to_hva(&m, 3 * GIB - 4, 8)); /* runs into the hole */
	assert_null(gpa_to_hva(&m, 3 * GIB, 1));
	assert_null(gpa_to_hva(&m, 0xfee00000, 4));  /* LAPIC */
	assert_null(gpa_to_hva(&m, 4 * GIB - 1, 2)); /* straddles into high RAM */
	assert_ptr_equal(gpa_to_hva(&m, 4 * GIB, 1), m.base + 3 * GIB);
	assert_ptr_equal(gpa_to_hva(&m, 6 * GIB - 1, 1), m.base + 5 * GIB - 1);
	assert_null(gpa_to_hva(&m, 6 * GIB - 1, 2));
	assert_null(gpa_to_hva(&m, 6 * GIB, 0));
}

static void test_exactly_3g_and_4g(void **state)
{
	(void)state;
	struct vm_mem m = fake(3 * GIB);
	assert_int_equal(m.low_size, 3 * GIB);
	assert_null(gpa_to_hva(&m, 4 * GIB, 1));

	m = fake(4 * GIB);
	assert_int_equal(m.low_size, 3 * GIB);
	assert_non_null(gpa_to_hva(&m, 5 * GIB - 1, 1));
	assert_null(gpa_to_hva(&m, 5 * GIB, 1));
}

/* The VmFlags line of the mapping that starts at base in /proc/self/smaps
 * (a mapping's first line is "START-END perms ...", its fields "Name: ..."). */
static void vm_flags(const void *base, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0;
	out[0] = '\0';
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		size_t tok = strcspn(line, " \t");
		unsigned long start;
		if (tok && line[tok - 1] != ':' && sscanf(line, "%lx-", &start) == 1)
			in = start == (unsigned long)(uintptr_t)base;
		else if (in && !strncmp(line, "VmFlags:", 8)) {
			snprintf(out, len, "%s", line);
			break;
		}
	}
	fclose(f);
}

static void test_create(void **state)
{
	(void)state;
	struct vm_mem m;
	struct sb_error err = {0};

	assert_int_equal(mem_create(&m, VMM_MIN_MEM - 4096, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "multiple of 4 KiB"));
	assert_int_equal(mem_create(&m, 64 * MIB + 1, &err), -EINVAL);
	assert_int_equal(mem_create(&m, VMM_MAX_MEM + 4096, &err), -EINVAL);
	assert_null(gpa_to_hva(&m, 0, 1));
	assert_int_equal(mem_create(&m, 64 * MIB, &err), 0);
	uint8_t *p = gpa_to_hva(&m, 64 * MIB - 1, 1);
	assert_non_null(p);
	*p = 0x5a; /* really mapped and writable */
	assert_int_equal(m.base[64 * MIB - 1], 0x5a);
	char flags[512];
	vm_flags(m.base, flags, sizeof(flags));
	if (!strstr(flags, " dd")) /* MADV_DONTDUMP: no guest RAM in a core dump */
		fail_msg("guest memory's VmFlags lack dd: [%s]", flags);
	mem_destroy(&m);
	assert_null(gpa_to_hva(&m, 0, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_small_guest), cmocka_unit_test(test_overflow),
	    cmocka_unit_test(test_hole),	cmocka_unit_test(test_exactly_3g_and_4g),
	    cmocka_unit_test(test_create),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
