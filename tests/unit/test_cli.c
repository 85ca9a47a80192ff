/* Unit tests for host/cli.c: sizes, counts, cpus, env merging, argv composition. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"

static void test_parse_size(void **state)
{
	(void)state;
	struct sb_error err = {0};
	uint64_t v;
	assert_int_equal(cli_parse_size("512", "x", &v, &err), 0);
	assert_int_equal(v, 512);
	assert_int_equal(cli_parse_size("64m", "x", &v, &err), 0);
	assert_int_equal(v, 64ull << 20);
	assert_int_equal(cli_parse_size("1G", "x", &v, &err), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(cli_parse_size("1.5g", "x", &v, &err), 0);
	assert_int_equal(v, 3ull << 29);
	assert_int_equal(cli_parse_size("2kb", "x", &v, &err), 0);
	assert_int_equal(v, 2048);
	const char *bad[] = {"", "m", "-1", "12q", "1gg", "nan", "inf", "99999999999t", " 1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		err.msg[0] = '\0';
		assert_true(cli_parse_size(bad[i], "--memory", &v, &err) < 0);
		assert_non_null(strstr(err.msg, "--memory"));
	}
}

static void test_parse_memory(void **state)
{
	(void)state;
	struct sb_error err = {0};
	uint64_t v = 0;
	assert_int_equal(cli_parse_memory("6m", 1ull << 30, &v, &err), 0);
	assert_int_equal(v, CLI_MEMORY_MIN);
	assert_int_equal(cli_parse_memory("1g", 1ull << 30, &v, &err), 0);
	assert_int_equal(v, 1ull << 30);
	assert_true(cli_parse_memory("6291455", 1ull << 30, &v, &err) < 0);
	assert_string_equal(err.msg, "invalid --memory `6291455`: the minimum is 6m");
	assert_true(cli_parse_memory("0", 1ull << 30, &v, &err) < 0);
	assert_non_null(strstr(err.msg, "the minimum is 6m"));
	assert_true(cli_parse_memory("1025m", 1ull << 30, &v, &err) < 0);
	assert_string_equal(err.msg, "invalid --memory `1025m`: the maximum is 1g (the VM also "
				     "holds the guest kernel and the image)");
	assert_true(cli_parse_memory("2g", 1536ull << 20, &v, &err) < 0);
	assert_non_null(strstr(err.msg, "the maximum is 1536m "));
	assert_true(cli_parse_memory("lots", 1ull << 30, &v, &err) < 0);
	assert_non_null(strstr(err.msg, "--memory"));
}

static void test_parse_uint_and_cpus(void **state)
{
	(void)state;
	struct sb_error err = {0};
	uint64_t v;
	assert_int_equal(cli_parse_uint("10", "n", 1, 10, &v, &err), 0);
	assert_int_equal(v, 10);
	assert_true(cli_parse_uint("11", "n", 1, 10, &v, &err) < 0);
	assert_true(cli_parse_uint("0", "n", 1, 10, &v, &err) < 0);
	assert_true(cli_parse_uint("-1", "n", 0, 10, &v, &err) < 0);
	assert_true(cli_parse_uint("1x", "n", 0, 10, &v, &err) < 0);
	assert_true(cli_parse_uint("99999999999999999999999", "n", 0, UINT64_MAX, &v, &err) < 0);
	assert_int_equal(cli_parse_cpus("1.5", &v, &err), 0);
	assert_int_equal(v, 1500);
	assert_int_equal(cli_parse_cpus("2", &v, &err), 0);
	assert_int_equal(v, 2000);
	assert_true(cli_parse_cpus("0", &v, &err) < 0);
	assert_true(cli_parse_cpus("0.0001", &v, &err) < 0);
	assert_true(cli_parse_cpus("0.009", &v, &err) < 0);
	assert_int_equal(cli_parse_cpus("0.01", &v, &err), 0);
	assert_int_equal(v, 10);
	assert_true(cli_parse_cpus("2000", &v, &err) < 0);
	assert_true(cli_parse_cpus("abc", &v, &err) < 0);
}

static char *fake_lookup(const char *key)
{
	return strcmp(key, "HOSTVAR") == 0 ? "fromhost" : NULL;
}

static void test_env_set(void **state)
{
	(void)state;
	struct sb_error err = {0};
	struct strv env = {0};
	assert_int_equal(strv_push(&env, "PATH=/bin"), 0);
	assert_int_equal(strv_push(&env, "A=1"), 0);
	assert_int_equal(cli_env_set(&env, "A=2", fake_lookup, &err), 0);
	assert_int_equal(cli_env_set(&env, "AB=3", fake_lookup, &err), 0);
	assert_int_equal(cli_env_set(&env, "HOSTVAR", fake_lookup, &err), 0);
	assert_int_equal(cli_env_set(&env, "UNSETVAR", fake_lookup, &err), 0);
	assert_int_equal(cli_env_set(&env, "EMPTY=", fake_lookup, &err), 0);
	assert_true(cli_env_set(&env, "=x", fake_lookup, &err) < 0);
	assert_int_equal(env.n, 5);
	assert_string_equal(env.v[0], "PATH=/bin");
	assert_string_equal(env.v[1], "A=2");
	assert_string_equal(env.v[2], "AB=3");
	assert_string_equal(env.v[3], "HOSTVAR=fromhost");
	assert_string_equal(env.v[4], "EMPTY=");
	assert_null(env.v[5]);
	strv_free(&env);
}

static void test_compose_argv(void **state)
{
	(void)state;
	struct sb_error err = {0};
	char *ep[] = {"/entry", "--flag", NULL}, *cmd[] = {"default", NULL};
	char *args[] = {"user", "arg", NULL}, *none[] = {NULL};
	struct strv a = {0};

	assert_int_equal(cli_compose_argv(&a, NULL, ep, none, cmd, &err), 0);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.v[2], "default");
	strv_free(&a);

	assert_int_equal(cli_compose_argv(&a, NULL, ep, args, cmd, &err), 0);
	assert_int_equal(a.n, 4);
	assert_string_equal(a.v[2], "user");
	strv_free(&a);

	/* --entrypoint drops the image's Entrypoint and Cmd */
	assert_int_equal(cli_compose_argv(&a, "/other", ep, none, cmd, &err), 0);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.v[0], "/other");
	strv_free(&a);

	assert_int_equal(cli_compose_argv(&a, NULL, NULL, args, NULL, &err), 0);
	assert_int_equal(a.n, 2);
	strv_free(&a);

	assert_true(cli_compose_argv(&a, NULL, NULL, none, NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "no command"));
	strv_free(&a);
	assert_true(cli_compose_argv(&a, "", ep, none, cmd, &err) < 0);
	strv_free(&a);
}

static void test_parse_duration(void **state)
{
	(void)state;
	struct sb_error err = {0};
	uint64_t ms = 0;
	static const struct {
		const char *s;
		uint64_t ms;
	} good[] = {{"10", 10000},    {"10s", 10000},	{"1.5m", 90000}, {"2h", 7200000},
		    {"1d", 86400000}, {"500ms", 500}, {"0.0001", 1},	 {".5", 500}};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(cli_parse_duration(good[i].s, "--timeout", &ms, &err), 0);
		assert_int_equal(ms, good[i].ms);
	}
	static const char *bad[] = {"", "0", "0s", "-1", "1x", "s", "1 s", "nan", "inf",
				    "101d", "1e300", "10S"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		assert_true(cli_parse_duration(bad[i], "--timeout", &ms, &err) < 0);
		assert_non_null(strstr(err.msg, "--timeout"));
	}
}

static void test_env_file(void **state)
{
	(void)state;
	struct sb_error err = {0};
	struct strv v = {0};
	static const char text[] = "# comment\nA=1\n\n   B=two words  \r\n\tC\nD=\nE=x=y";
	assert_int_equal(cli_env_file_parse(text, sizeof(text) - 1, "f", &v, &err), 0);
	assert_int_equal(v.n, 5);
	assert_string_equal(v.v[0], "A=1");
	assert_string_equal(v.v[1], "B=two words  ");
	assert_string_equal(v.v[2], "C");
	assert_string_equal(v.v[3], "D=");
	assert_string_equal(v.v[4], "E=x=y");
	assert_null(v.v[5]);
	strv_free(&v);

	assert_true(cli_env_file_parse("A=1\n=2\n", 7, "f", &v, &err) < 0);
	assert_non_null(strstr(err.msg, "line 2"));
	strv_free(&v);
	assert_true(cli_env_file_parse("A=1\0B", 6, "f", &v, &err) < 0);
	assert_non_null(strstr(err.msg, "NUL"));
	strv_free(&v);
	size_t big = 70000;
	char *long_line = malloc(big);
	assert_non_null(long_line);
	memset(long_line, 'x', big);
	long_line[0] = 'K';
	long_line[1] = '=';
	assert_true(cli_env_file_parse(long_line, big, "f", &v, &err) < 0);
	assert_non_null(strstr(err.msg, "too long"));
	free(long_line);
	strv_free(&v);
	assert_int_equal(cli_env_file_parse("", 0, "f", &v, &err), 0);
	assert_int_equal(v.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_size),
	    cmocka_unit_test(test_parse_memory),
	    cmocka_unit_test(test_parse_uint_and_cpus),
	    cmocka_unit_test(test_env_set),
	    cmocka_unit_test(test_compose_argv),
	    cmocka_unit_test(test_parse_duration),
	    cmocka_unit_test(test_env_file),
	};
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
