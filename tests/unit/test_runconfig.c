/* Unit tests for host/runconfig.c: round trips through the guest parser, and host-side checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include "abi.h"
#include "config.h"
#include "runconfig.h"

/* Build rc, parse it back; returns the blob (free it after config_free). */
static void *round_trip(const struct runconfig *rc, struct config *cfg)
{
	void *blob = NULL;
	size_t len = 0;
	struct sb_error err = {0};
	int r = runconfig_build(rc, &blob, &len, &err);
	if (r < 0)
		fail_msg("runconfig_build: %s", err.msg);
	assert_true(len <= ABI_CONFIG_MAX_BYTES);
	assert_int_equal(fdt_totalsize(blob), len);
	r = config_parse(blob, len, cfg, &err);
	if (r < 0)
		fail_msg("config_parse: %s", err.msg);
	return blob;
}

static void build_fails(const struct runconfig *rc, const char *want)
{
	void *blob = NULL;
	size_t len = 0;
	struct sb_error err = {0};
	int r = runconfig_build(rc, &blob, &len, &err);
	if (r == 0 || !strstr(err.msg, want))
		fail_msg("want failure with \"%s\", got r=%d msg=\"%s\"", want, r, err.msg);
	assert_null(blob);
}

static void test_full_round_trip(void **state)
{
	(void)state;
	char *argv[] = {"/bin/sh", "-c", "echo \"$A\"", "", NULL};
	char *env[] = {"A=1", "B=x=y", "EMPTY=", NULL};
	struct runconfig rc = {
	    .argv = argv,
	    .env = env,
	    .cwd = "/work dir",
	    .user = "app:staff",
	    .hostname = "h1",
	    .time_ns = 1700000000123456789ull,
	    .tty = true,
	    .rows = 51,
	    .cols = 203,
	    .limits = {.memory_max = 256ull << 20,
		       .pids_max = 100,
		       .cpu_quota_us = 50000,
		       .cpu_period_us = 200000},
	};
	struct config cfg;
	void *blob = round_trip(&rc, &cfg);
	assert_int_equal(cfg.argc, 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(cfg.argv[i], argv[i]);
	assert_null(cfg.argv[4]);
	assert_int_equal(cfg.envc, 3);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(cfg.env[i], env[i]);
	assert_string_equal(cfg.cwd, "/work dir");
	assert_string_equal(cfg.user, "app:staff");
	assert_string_equal(cfg.hostname, "h1");
	assert_true(cfg.has_time);
	assert_true(cfg.time_ns == 1700000000123456789ull);
	assert_true(cfg.tty);
	assert_int_equal(cfg.rows, 51);
	assert_int_equal(cfg.cols, 203);
	assert_true(cfg.limits.memory_max == 256ull << 20);
	assert_int_equal(cfg.limits.pids_max, 100);
	assert_int_equal(cfg.limits.cpu_quota_us, 50000);
	assert_int_equal(cfg.limits.cpu_period_us, 200000);
	config_free(&cfg);
	free(blob);
}

static void test_defaults_round_trip(void **state)
{
	(void)state;
	char *argv[] = {"true", NULL};
	struct runconfig rc = {.argv = argv, .limits = {.cpu_quota_us = 150000}};
	struct config cfg;
	void *blob = round_trip(&rc, &cfg);
	assert_int_equal(cfg.argc, 1);
	assert_int_equal(cfg.envc, 0);
	assert_string_equal(cfg.cwd, "/");
	assert_string_equal(cfg.user, "");
	assert_string_equal(cfg.hostname, "sandbox");
	assert_false(cfg.has_time); /* time_ns 0: leave the guest clock alone */
	assert_false(cfg.tty);
	assert_int_equal(cfg.rows + cfg.cols, 0);
	assert_int_equal(cfg.limits.memory_max, 0);
	assert_int_equal(cfg.limits.cpu_quota_us, 150000);
	assert_int_equal(cfg.limits.cpu_period_us, ABI_CPU_PERIOD_DEFAULT);
	config_free(&cfg);
	free(blob);
}

/* A config needing several buffer doublings, and the ABI's maximum counts. */
static void test_large(void **state)
{
	(void)state;
	size_t n = ABI_MAX_ARGS;
	char **argv = calloc(n + 1, sizeof(char *));
	char *big = malloc(100);
	memset(big, 'x', 99);
	big[99] = '\0';
	for (size_t i = 0; i < n; i++)
		argv[i] = big;
	char **env = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		env[i] = "K=v";
	struct runconfig rc = {.argv = argv, .env = env};
	struct config cfg;
	void *blob = round_trip(&rc, &cfg);
	assert_int_equal(cfg.argc, n);
	assert_int_equal(cfg.envc, n);
	assert_string_equal(cfg.argv[n - 1], big);
	config_free(&cfg);
	free(blob);

	argv[n] = big; /* one too many */
	build_fails(&rc, "argv");
	argv[n] = NULL;
	env[n] = "K=v";
	build_fails(&rc, "env");
	free(env);
	free(argv);
	free(big);

	/* Over ABI_CONFIG_MAX_BYTES in total. */
	static char huge[ABI_CONFIG_MAX_BYTES + 1];
	memset(huge, 'y', ABI_CONFIG_MAX_BYTES);
	char *hargv[] = {huge, NULL};
	struct runconfig hrc = {.argv = hargv};
	build_fails(&hrc, "argv"); /* the list alone is too big */
	huge[ABI_CONFIG_MAX_BYTES - 1] = '\0';
	build_fails(&hrc, "more than 1048576 bytes"); /* the list fits, the tree does not */
}

/* The window size: both sides or none, only with a tty, 16-bit sides survive. */
static void test_winsize(void **state)
{
	(void)state;
	char *argv[] = {"sh", NULL};
	struct runconfig rc = {.argv = argv, .rows = 24, .cols = 80};
	build_fails(&rc, "without a tty");
	rc.tty = true;
	rc.cols = 0;
	build_fails(&rc, "24x0 has a zero side");
	rc.rows = 0;
	rc.cols = 80;
	build_fails(&rc, "0x80 has a zero side");
	rc.rows = 65535;
	rc.cols = 65535;
	struct config cfg;
	void *blob = round_trip(&rc, &cfg);
	assert_true(cfg.tty);
	assert_int_equal(cfg.rows, 65535);
	assert_int_equal(cfg.cols, 65535);
	config_free(&cfg);
	free(blob);
	rc.rows = rc.cols = 0; /* unknown: no property, the guest keeps 0x0 */
	blob = round_trip(&rc, &cfg);
	assert_true(cfg.tty);
	assert_int_equal(cfg.rows + cfg.cols, 0);
	config_free(&cfg);
	free(blob);
}

static void test_host_checks(void **state)
{
	(void)state;
	char *argv[] = {"ls", NULL};
	char *empty0[] = {"", "x", NULL};
	char *none[] = {NULL};
	char *bad_env[] = {"A=1", "JUSTNAME", NULL};
	char *eq_env[] = {"=v", NULL};
	struct runconfig rc = {.argv = NULL};
	build_fails(&rc, "no command");
	rc.argv = none;
	build_fails(&rc, "no command");
	rc.argv = empty0;
	build_fails(&rc, "no command");
	rc.argv = argv;
	rc.env = bad_env;
	build_fails(&rc, "`JUSTNAME` is not NAME=VALUE");
	rc.env = eq_env;
	build_fails(&rc, "not NAME=VALUE");
	rc.env = NULL;
	rc.cwd = "relative";
	build_fails(&rc, "not an absolute path");
	rc.cwd = NULL;
	rc.hostname = "0123456789012345678901234567890123456789012345678901234567890123456789";
	build_fails(&rc, "hostname");
	rc.hostname = NULL;
	rc.limits.cpu_period_us = 100000;
	build_fails(&rc, "cpu period without");
	rc.limits.cpu_quota_us = 10;
	build_fails(&rc, "cpu quota 10");
	rc.limits.cpu_quota_us = 20000;
	rc.limits.cpu_period_us = 2000000;
	build_fails(&rc, "cpu period 2000000");
	rc.limits.cpu_period_us = 1000;
	struct config cfg;
	void *blob = round_trip(&rc, &cfg);
	assert_int_equal(cfg.limits.cpu_period_us, 1000);
	config_free(&cfg);
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_round_trip), cmocka_unit_test(test_defaults_round_trip),
	    cmocka_unit_test(test_large),	    cmocka_unit_test(test_host_checks),
	    cmocka_unit_test(test_winsize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
