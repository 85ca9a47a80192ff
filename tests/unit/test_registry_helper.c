/* Unit tests for host/registry/helper.c's report line: what sandbox believes
 * of the registry client's "ok HEX" / "error ERRNO MESSAGE". */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "helper.h"

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static int parse(const char *line, char hex[DIGEST_HEX_LEN + 1], struct sb_error *err)
{
	memset(err, 0, sizeof(*err));
	hex[0] = '\0';
	return helper_report_parse(line, strlen(line), hex, err);
}

static void test_ok(void **state)
{
	(void)state;
	char hex[DIGEST_HEX_LEN + 1];
	struct sb_error err;
	assert_int_equal(parse("ok " HEX "\n", hex, &err), 0);
	assert_string_equal(hex, HEX);
}

static void test_error_passed_on(void **state)
{
	(void)state;
	char hex[DIGEST_HEX_LEN + 1];
	struct sb_error err;
	assert_int_equal(parse("error 2 registry r: manifest a:b: 404 not found\n", hex, &err),
			 -ENOENT);
	assert_int_equal(err.code, ENOENT);
	assert_string_equal(err.msg, "registry r: manifest a:b: 404 not found");
	assert_string_equal(hex, "");
	/* control characters cannot reach the terminal */
	assert_int_equal(parse("error 5 a\tb\x1b[2J\n", hex, &err), -EIO);
	assert_string_equal(err.msg, "a?b?[2J");
}

static void test_malformed(void **state)
{
	(void)state;
	char hex[DIGEST_HEX_LEN + 1];
	struct sb_error err;
	static const char *const bad[] = {
	    "",
	    "ok " HEX,			/* no newline */
	    "ok " HEX "\nok " HEX "\n", /* two lines */
	    "ok " HEX "0\n",		/* too long */
	    "ok 0123\n",		/* too short */
	    "ok 0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\n",
	    "ok zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
	    "error\n",
	    "error 0 no code\n",
	    "error -5 negative\n",
	    "error 99999 too big\n",
	    "error 5\n",  /* no message */
	    "error 5 \n", /* empty message */
	    "error x5 text\n",
	    "okay " HEX "\n",
	    "hello there\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse(bad[i], hex, &err);
		if (r != -EPROTO)
			fail_msg("[%s] gave %d", bad[i], r);
		assert_string_equal(err.msg, "the registry client's report is malformed");
		assert_string_equal(hex, "");
	}
	/* a NUL inside, and a report longer than the bound */
	assert_int_equal(helper_report_parse("ok \0x\n", 6, hex, &err), -EPROTO);
	char big[HELPER_REPORT_MAX + 2];
	memset(big, 'a', sizeof(big));
	memcpy(big, "error 5 ", 8);
	big[sizeof(big) - 1] = '\n';
	assert_int_equal(helper_report_parse(big, sizeof(big), hex, &err), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ok),
	    cmocka_unit_test(test_error_passed_on),
	    cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
