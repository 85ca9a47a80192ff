/* Unit tests for host/util/error.c: message formatting, errno suffix, prefixes, truncation. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"

static void test_set(void **state)
{
	(void)state;
	struct sb_error err = {0};
	assert_int_equal(error_set(&err, ENOENT, "open `%s`", "x"), -ENOENT);
	assert_string_equal(err.msg, "open `x`: No such file or directory");
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(error_set(&err, 0, "bad %d", 3), -EINVAL);
	assert_string_equal(err.msg, "bad 3");
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(error_set(NULL, EIO, "ignored"), -EIO);
}

static void test_prefix(void **state)
{
	(void)state;
	struct sb_error err = {0};
	error_set(&err, EACCES, "open `f`");
	assert_int_equal(error_prefix(&err, "image `%s`", "img"), -EACCES);
	assert_string_equal(err.msg, "image `img`: open `f`: Permission denied");
}

static void test_truncation(void **state)
{
	(void)state;
	struct sb_error err = {0};
	char big[3000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	error_set(&err, ENOENT, "%s", big);
	assert_int_equal(strlen(err.msg), sizeof(err.msg) - 1);
	error_prefix(&err, "%s", big);
	assert_int_equal(strlen(err.msg), sizeof(err.msg) - 1);
	assert_memory_equal(err.msg + 253, ": ", 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_set),
	    cmocka_unit_test(test_prefix),
	    cmocka_unit_test(test_truncation),
	};
	return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
