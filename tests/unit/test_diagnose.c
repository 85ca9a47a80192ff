/* Unit tests for host/diagnose.c: kernel log tails -> what went wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "diagnose.h"

static enum diagnosis of(const char *log)
{
	return diagnose_log(log, strlen(log));
}

static void test_classify(void **state)
{
	(void)state;
	assert_int_equal(of("Initramfs unpacking failed: write error\nKernel panic - not syncing: "
			    "No working init found."),
			 DIAG_NO_MEMORY);
	assert_int_equal(of("[ 1.0] Out of memory: Killed process 1 (init)\n"), DIAG_NO_MEMORY);
	assert_int_equal(of("Kernel panic - not syncing: System is deadlocked on memory\n"),
			 DIAG_NO_MEMORY);
	assert_int_equal(of("Initramfs unpacking failed: broken padding\n"), DIAG_NO_INIT);
	assert_int_equal(of("Kernel panic - not syncing: No working init found.  Try passing"),
			 DIAG_NO_INIT);
	assert_int_equal(of("Kernel panic - not syncing: Attempted to kill init!"), DIAG_PANIC);
	assert_int_equal(of("all fine\n"), DIAG_UNKNOWN);
	assert_int_equal(of(""), DIAG_UNKNOWN);
	/* not NUL-terminated: only len bytes count */
	const char cut[] = "Kernel panic";
	assert_int_equal(diagnose_log(cut, 6), DIAG_UNKNOWN);
}

static void test_advice(void **state)
{
	(void)state;
	char buf[256];
	diagnose_advice(DIAG_NO_MEMORY, 326, 900, buf, sizeof(buf));
	assert_non_null(strstr(buf, "326 MiB"));
	assert_non_null(strstr(buf, "900 MiB"));
	assert_non_null(strstr(buf, "--memory"));
	assert_null(strchr(buf, '\n'));
	char tiny[8];
	diagnose_advice(DIAG_NO_INIT, 0, 0, tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_classify),
	    cmocka_unit_test(test_advice),
	};
	return cmocka_run_group_tests_name("diagnose", tests, NULL, NULL);
}
