/* Unit tests for host/registry/mirrors.c: daemon.json's registry-mirrors and
 * $SANDBOX_REGISTRY_MIRROR. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mirrors.h"

static int parse(const char *json, struct mirrors *m, struct sb_error *err)
{
	memset(err, 0, sizeof(*err));
	return mirrors_parse(json, strlen(json), m, err);
}

static void test_list(void **state)
{
	(void)state;
	struct mirrors m;
	struct sb_error err;
	assert_int_equal(parse("{\"debug\":true,\"registry-mirrors\":[\"https://m.example/\","
			       "\"http://10.0.0.5:5000\",\"https://[::1]:443\"]}",
			       &m, &err),
			 0);
	assert_int_equal(m.n, 3);
	assert_string_equal(m.url[0], "https://m.example");
	assert_string_equal(m.url[1], "http://10.0.0.5:5000");
	assert_string_equal(m.url[2], "https://[::1]:443");
	/* no key, an empty list: no mirror */
	assert_int_equal(parse("{\"log-level\":\"warn\"}", &m, &err), 0);
	assert_int_equal(m.n, 0);
	assert_int_equal(parse("{\"registry-mirrors\":[]}", &m, &err), 0);
	assert_int_equal(m.n, 0);
}

static void test_bad(void **state)
{
	(void)state;
	struct mirrors m;
	struct sb_error err;
	static const char *const bad_entry[] = {
	    "{\"registry-mirrors\":[\"m.example\"]}",		  /* no scheme */
	    "{\"registry-mirrors\":[\"ftp://m.example\"]}",	  /* another scheme */
	    "{\"registry-mirrors\":[\"https://m.example/v2\"]}",  /* a path */
	    "{\"registry-mirrors\":[\"https://u:p@m.example\"]}", /* credentials */
	    "{\"registry-mirrors\":[\"https://\"]}",		  /* no host */
	    "{\"registry-mirrors\":[\"https://m.example?x\"]}",	  /* a query */
	    "{\"registry-mirrors\":[\"https://m ex\"]}",	  /* a space */
	    "{\"registry-mirrors\":[5]}",			  /* not a string */
	};
	for (size_t i = 0; i < sizeof(bad_entry) / sizeof(bad_entry[0]); i++) {
		if (parse(bad_entry[i], &m, &err) != -EINVAL)
			fail_msg("%s was taken", bad_entry[i]);
		assert_string_equal(err.msg,
				    "\"registry-mirrors\" entry 1 is not http(s)://HOST[:PORT]");
		assert_int_equal(m.n, 0);
	}
	assert_int_equal(parse("{\"registry-mirrors\":\"https://m.example\"}", &m, &err), -EINVAL);
	assert_string_equal(err.msg, "\"registry-mirrors\" is not a list");
	assert_int_equal(parse("[1,2]", &m, &err), -EINVAL);
	assert_int_equal(parse("{not json", &m, &err), -EINVAL);
	char many[1024] = "{\"registry-mirrors\":[";
	for (int i = 0; i <= MIRRORS_MAX; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s\"http://m%d\"",
			 i ? "," : "", i);
	strcat(many, "]}");
	assert_int_equal(parse(many, &m, &err), -EINVAL);
	assert_int_equal(m.n, 0);
}

static void test_insecure(void **state)
{
	(void)state;
	struct mirrors m;
	struct sb_error err;
	assert_int_equal(parse("{\"insecure-registries\":[\"reg.lan:5000\",\"10.0.0.0/8\","
			       "\"192.168.1.7\",\"0.0.0.0/0\"]}",
			       &m, &err),
			 0);
	assert_int_equal(m.ninsecure, 4);
	assert_true(mirrors_insecure(&m, "reg.lan:5000"));
	assert_false(mirrors_insecure(&m, "reg.lan"));
	assert_false(mirrors_insecure(&m, "reg.lan:5001"));
	assert_true(mirrors_insecure(&m, "10.1.2.3:5000"));
	assert_true(mirrors_insecure(&m, "192.168.1.7"));
	assert_true(mirrors_insecure(&m, "8.8.8.8")); /* 0.0.0.0/0 */
	assert_int_equal(parse("{\"insecure-registries\":[\"10.0.0.0/8\"]}", &m, &err), 0);
	assert_false(mirrors_insecure(&m, "11.0.0.1:5000"));
	assert_false(mirrors_insecure(&m, "10.example:5000")); /* a name is no address */
	static const char *const bad[] = {
	    "{\"insecure-registries\":[\"http://reg.lan\"]}",
	    "{\"insecure-registries\":[\"reg.lan/x\"]}",
	    "{\"insecure-registries\":[\"10.0.0.0/33\"]}",
	    "{\"insecure-registries\":[\"10.0.0/8\"]}",
	    "{\"insecure-registries\":[\"\"]}",
	    "{\"insecure-registries\":[\"a b\"]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &m, &err) != -EINVAL)
			fail_msg("%s was taken", bad[i]);
		assert_int_equal(m.ninsecure, 0);
	}
	assert_string_equal(err.msg,
			    "\"insecure-registries\" entry 1 is not HOST[:PORT] or an IPv4 CIDR");
}

static void test_variable_wins(void **state)
{
	(void)state;
	struct mirrors m;
	struct sb_error err = {0};
	setenv("SANDBOX_REGISTRY_MIRROR", "http://127.0.0.1:5000/", 1);
	assert_int_equal(mirrors_load(&m, &err), 0);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.url[0], "http://127.0.0.1:5000");
	assert_string_equal(m.source, "SANDBOX_REGISTRY_MIRROR");
	setenv("SANDBOX_REGISTRY_MIRROR", "127.0.0.1:5000", 1);
	assert_int_equal(mirrors_load(&m, &err), -EINVAL);
	unsetenv("SANDBOX_REGISTRY_MIRROR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_list),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_insecure),
	    cmocka_unit_test(test_variable_wins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
