/* Unit tests for guest-init/config.c (run-config FDT parsing, hostile blobs) and env.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include "abi.h"
#include "config.h"
#include "env.h"

#include "test_guest_fdt.h"

static const uint8_t be_one[4] = {0, 0, 0, 1};
static const uint8_t be_zero[4] = {0, 0, 0, 0};
static const uint8_t be_two[4] = {0, 0, 0, 2};
/* the version this init speaks, and the next one */
static const uint8_t be_abi[4] = {0, 0, 0, SANDBOX_ABI_VERSION};
static const uint8_t be_abi_next[4] = {0, 0, 0, SANDBOX_ABI_VERSION + 1};
static const uint8_t be64_zero[8] = {0};
static const uint8_t be64_4k[8] = {0, 0, 0, 0, 0, 0, 0x10, 0};
static const uint8_t be64_50ms[8] = {0, 0, 0, 0, 0, 0, 0xc3, 0x50}; /* 50000 */
static const uint8_t be64_time[8] = {0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78};
/* rlimits: NOFILE (7) 4096/8192, CORE (4) unlimited/unlimited */
static const uint8_t be_rlimits[48] = {
    0,	  0,	0,    0,    0,	  0,	0,    7,    0,	  0,	0,    0,    0,	  0,	0x10, 0,
    0,	  0,	0,    0,    0,	  0,	0x20, 0,    0,	  0,	0,    0,    0,	  0,	0,    4,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
/* soft above hard; then resource 16, past ABI_RLIMITS_MAX */
static const uint8_t be_rlimit_inverted[24] = {0, 0, 0,	   0, 0, 0, 0, 7, 0, 0, 0,    0,
					       0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0x10, 0};
static const uint8_t be_rlimit_res16[24] = {0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0,
					    0, 0, 0, 1, 0, 0, 0, 0,  0, 0, 0, 1};

#define P_COMPAT STR("compatible", ABI_FDT_COMPATIBLE)
#define P_VERSION RAW(ABI_PROP_VERSION, be_abi, 4)
#define P_ARGV STR(ABI_PROP_ARGV, "sh\0-c\0echo hi")

/* Parse and expect failure with want in the message. */
static void expect_fail(const struct prop *root, size_t nroot, const struct prop *limits,
			int nlimits, const char *extra_node, const char *want)
{
	size_t len;
	void *blob = build(root, nroot, limits, nlimits, extra_node, &len);
	struct config cfg;
	struct sb_error err = {0};
	int r = config_parse(blob, len, &cfg, &err);
	if (r == 0 || !strstr(err.msg, want))
		fail_msg("want failure with \"%s\", got r=%d msg=\"%s\"", want, r, err.msg);
	assert_null(cfg.argv);
	free(blob);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_minimal_defaults(void **state)
{
	(void)state;
	const struct prop root[] = {P_COMPAT, P_VERSION, P_ARGV};
	size_t len;
	void *blob = build(root, N(root), NULL, -1, NULL, &len);
	struct config cfg;
	struct sb_error err = {0};
	assert_int_equal(config_parse(blob, len, &cfg, &err), 0);
	assert_int_equal(cfg.argc, 3);
	assert_string_equal(cfg.argv[0], "sh");
	assert_string_equal(cfg.argv[1], "-c");
	assert_string_equal(cfg.argv[2], "echo hi");
	assert_null(cfg.argv[3]);
	assert_int_equal(cfg.envc, 0);
	assert_non_null(cfg.env);
	assert_null(cfg.env[0]);
	assert_string_equal(cfg.cwd, "/");
	assert_string_equal(cfg.user, "");
	assert_string_equal(cfg.hostname, "sandbox");
	assert_false(cfg.has_time);
	assert_false(cfg.tty);
	assert_false(cfg.hold); /* sandbox run: the workload starts at once */
	assert_false(cfg.pid_ns);
	assert_false(cfg.exec); /* no exec port unless the host says so */
	assert_int_equal(cfg.n_rlimits, 0);
	assert_int_equal(cfg.limits.memory_max, 0);
	assert_int_equal(cfg.limits.cpu_period_us, 0);
	config_free(&cfg);
	free(blob);
}

static void test_full(void **state)
{
	(void)state;
	const struct prop root[] = {
	    P_COMPAT,
	    P_VERSION,
	    P_ARGV,
	    STR(ABI_PROP_ENV, "A=1\0B=two=2\0EMPTY="),
	    STR(ABI_PROP_CWD, "/srv/app"),
	    STR(ABI_PROP_USER, "1000:50"),
	    STR(ABI_PROP_HOSTNAME, "box"),
	    RAW(ABI_PROP_TIME_NS, be64_time, 8),
	    RAW(ABI_PROP_TTY, be_one, 4),
	    RAW(ABI_PROP_HOLD, be_one, 4),
	    RAW(ABI_PROP_PID_NS, be_one, 4),
	    RAW(ABI_PROP_EXEC, be_one, 4),
	    RAW(ABI_PROP_RLIMITS, be_rlimits, 48),
	    RAW(ABI_PROP_GROUPS, be64_4k, 8), /* two cells: 0 and 4096 */
	};
	const struct prop limits[] = {
	    RAW(ABI_PROP_MEMORY_MAX, be64_4k, 8),
	    RAW(ABI_PROP_PIDS_MAX, be64_4k, 8),
	    RAW(ABI_PROP_CPU_QUOTA, be64_50ms, 8),
	};
	size_t len;
	void *blob = build(root, N(root), limits, N(limits), NULL, &len);
	struct config cfg;
	struct sb_error err = {0};
	assert_int_equal(config_parse(blob, len, &cfg, &err), 0);
	assert_int_equal(cfg.envc, 3);
	assert_string_equal(cfg.env[1], "B=two=2");
	assert_string_equal(cfg.env[2], "EMPTY=");
	assert_null(cfg.env[3]);
	assert_string_equal(cfg.cwd, "/srv/app");
	assert_string_equal(cfg.user, "1000:50");
	assert_string_equal(cfg.hostname, "box");
	assert_true(cfg.has_time);
	assert_int_equal(cfg.time_ns, 0x12345678);
	assert_true(cfg.tty);
	assert_true(cfg.hold);
	assert_true(cfg.pid_ns);
	assert_true(cfg.exec);
	assert_int_equal(cfg.n_groups, 2);
	assert_int_equal(cfg.groups[0], 0);
	assert_int_equal(cfg.groups[1], 4096);
	assert_int_equal(cfg.n_rlimits, 2);
	assert_int_equal(cfg.rlimits[0].resource, 7);
	assert_int_equal(cfg.rlimits[0].soft, 4096);
	assert_int_equal(cfg.rlimits[0].hard, 8192);
	assert_int_equal(cfg.rlimits[1].resource, 4);
	assert_true(cfg.rlimits[1].soft == UINT64_MAX && cfg.rlimits[1].hard == UINT64_MAX);
	assert_int_equal(cfg.limits.memory_max, 4096);
	assert_int_equal(cfg.limits.pids_max, 4096);
	assert_int_equal(cfg.limits.cpu_quota_us, 50000);
	assert_int_equal(cfg.limits.cpu_period_us, ABI_CPU_PERIOD_DEFAULT);
	config_free(&cfg);
	free(blob);
}

static void test_header_damage(void **state)
{
	(void)state;
	const struct prop root[] = {P_COMPAT, P_VERSION, P_ARGV};
	size_t len;
	char *blob = build(root, N(root), NULL, -1, NULL, &len);
	struct config cfg;
	struct sb_error err = {0};
	/* Every truncation fails cleanly (the buffer is exact: ASan checks reads). */
	for (size_t cut = 0; cut < len; cut++) {
		char *t = malloc(cut ? cut : 1);
		memcpy(t, blob, cut);
		assert_int_not_equal(config_parse(t, cut, &cfg, &err), 0);
		assert_null(cfg.argv);
		free(t);
	}
	/* Bad magic. */
	blob[0] ^= 0xff;
	assert_int_not_equal(config_parse(blob, len, &cfg, &err), 0);
	assert_non_null(strstr(err.msg, "invalid FDT"));
	blob[0] ^= 0xff;
	/* Other FDT versions (libfdt 1.6.1 crashes on some hostile old ones). */
	fdt_set_version(blob, 16);
	assert_int_not_equal(config_parse(blob, len, &cfg, &err), 0);
	assert_non_null(strstr(err.msg, "not a version 17"));
	fdt_set_version(blob, 17);
	/* totalsize larger than the buffer. */
	fdt_set_totalsize(blob, (uint32_t)len + 8);
	assert_int_not_equal(config_parse(blob, len, &cfg, &err), 0);
	fdt_set_totalsize(blob, (uint32_t)len);
	/* Oversized. */
	assert_int_not_equal(config_parse(blob, ABI_CONFIG_MAX_BYTES + 1, &cfg, &err), 0);
	assert_non_null(strstr(err.msg, "more than"));
	/* Misaligned. */
	char *un = malloc(len + 1);
	memcpy(un + 1, blob, len);
	assert_int_not_equal(config_parse(un + 1, len, &cfg, &err), 0);
	free(un);
	/* Still fine after the repairs. */
	assert_int_equal(config_parse(blob, len, &cfg, &err), 0);
	config_free(&cfg);
	free(blob);
}

/* Flip every byte of a full blob: parse must succeed or fail, never crash. */
static void test_byte_flips(void **state)
{
	(void)state;
	const struct prop root[] = {P_COMPAT,
				    P_VERSION,
				    P_ARGV,
				    STR(ABI_PROP_ENV, "A=1\0B=2"),
				    STR(ABI_PROP_CWD, "/w"),
				    RAW(ABI_PROP_TTY, be_zero, 4)};
	const struct prop limits[] = {RAW(ABI_PROP_MEMORY_MAX, be64_4k, 8)};
	size_t len;
	unsigned char *blob = build(root, N(root), limits, N(limits), NULL, &len);
	size_t failures = 0;
	for (size_t i = 0; i < len; i++) {
		for (unsigned v = 1; v < 256; v <<= 1) {
			blob[i] ^= (unsigned char)v;
			struct config cfg;
			struct sb_error err = {0};
			if (config_parse(blob, len, &cfg, &err) == 0) {
				assert_true(cfg.argc >= 1);
				assert_true(cfg.argv[0][0] != '\0');
				assert_true(cfg.cwd[0] == '/');
			} else {
				failures++;
				assert_true(err.msg[0] != '\0');
			}
			config_free(&cfg);
			blob[i] ^= (unsigned char)v;
		}
	}
	assert_true(failures > len); /* most flips must be caught */
	free(blob);
}

static void test_identity(void **state)
{
	(void)state;
	const struct prop wrong_compat[] = {STR("compatible", "sandbox,other"), P_VERSION, P_ARGV};
	expect_fail(wrong_compat, N(wrong_compat), NULL, -1, NULL, "compatible");
	const struct prop prefix_compat[] = {RAW("compatible", ABI_FDT_COMPATIBLE, 10), P_VERSION,
					     P_ARGV};
	expect_fail(prefix_compat, N(prefix_compat), NULL, -1, NULL, "compatible");
	const struct prop no_compat[] = {P_VERSION, P_ARGV};
	expect_fail(no_compat, N(no_compat), NULL, -1, NULL, "not a run config");
	char next[32];
	snprintf(next, sizeof(next), "version %d,", SANDBOX_ABI_VERSION + 1);
	const struct prop v_next[] = {P_COMPAT, RAW(ABI_PROP_VERSION, be_abi_next, 4), P_ARGV};
	expect_fail(v_next, N(v_next), NULL, -1, NULL, next);
	const struct prop v64[] = {P_COMPAT, RAW(ABI_PROP_VERSION, be64_zero, 8), P_ARGV};
	expect_fail(v64, N(v64), NULL, -1, NULL, "32-bit");
	const struct prop no_version[] = {P_COMPAT, P_ARGV};
	expect_fail(no_version, N(no_version), NULL, -1, NULL, "not a run config");
}

static void test_argv_env(void **state)
{
	(void)state;
	const struct prop no_argv[] = {P_COMPAT, P_VERSION};
	expect_fail(no_argv, N(no_argv), NULL, -1, NULL, "argv is missing or empty");
	const struct prop empty_argv[] = {P_COMPAT, P_VERSION, RAW(ABI_PROP_ARGV, "", 0)};
	expect_fail(empty_argv, N(empty_argv), NULL, -1, NULL, "argv is missing or empty");
	const struct prop empty_arg0[] = {P_COMPAT, P_VERSION, STR(ABI_PROP_ARGV, "\0x")};
	expect_fail(empty_arg0, N(empty_arg0), NULL, -1, NULL, "argv is missing or empty");
	const struct prop unterminated[] = {P_COMPAT, P_VERSION, RAW(ABI_PROP_ARGV, "sh\0ls", 5)};
	expect_fail(unterminated, N(unterminated), NULL, -1, NULL, "not NUL-terminated");
	const struct prop bad_env[] = {P_COMPAT, P_VERSION, P_ARGV, STR(ABI_PROP_ENV, "A=1\0NOEQ")};
	expect_fail(bad_env, N(bad_env), NULL, -1, NULL, "env entry 1");
	const struct prop eq_first[] = {P_COMPAT, P_VERSION, P_ARGV, STR(ABI_PROP_ENV, "=x")};
	expect_fail(eq_first, N(eq_first), NULL, -1, NULL, "env entry 0");
	const struct prop twice[] = {P_COMPAT, P_VERSION, P_ARGV, P_ARGV};
	expect_fail(twice, N(twice), NULL, -1, NULL, "twice");
	const struct prop unknown[] = {P_COMPAT, P_VERSION, P_ARGV, STR("argv0", "x")};
	expect_fail(unknown, N(unknown), NULL, -1, NULL, "unknown property `argv0`");
	const struct prop limit_at_root[] = {P_COMPAT, P_VERSION, P_ARGV,
					     RAW(ABI_PROP_MEMORY_MAX, be64_4k, 8)};
	expect_fail(limit_at_root, N(limit_at_root), NULL, -1, NULL, "unknown property");
}

/* ABI_MAX_ARGS entries pass, one more fails (without a huge allocation). */
static void test_counts(void **state)
{
	(void)state;
	size_t n = ABI_MAX_ARGS + 1;
	char *list = malloc(n * 2);
	for (size_t i = 0; i < n; i++) {
		list[2 * i] = 'a';
		list[2 * i + 1] = '\0';
	}
	const struct prop ok[] = {P_COMPAT, P_VERSION, RAW(ABI_PROP_ARGV, list, (int)(n - 1) * 2),
				  RAW(ABI_PROP_ENV, "", 0)};
	size_t len;
	void *blob = build(ok, N(ok), NULL, -1, NULL, &len);
	struct config cfg;
	struct sb_error err = {0};
	assert_int_equal(config_parse(blob, len, &cfg, &err), 0);
	assert_int_equal(cfg.argc, ABI_MAX_ARGS);
	assert_int_equal(cfg.envc, 0);
	config_free(&cfg);
	free(blob);
	const struct prop too_many[] = {P_COMPAT, P_VERSION, RAW(ABI_PROP_ARGV, list, (int)n * 2)};
	expect_fail(too_many, N(too_many), NULL, -1, NULL, "more than 4096 entries");
	const struct prop env_many[] = {P_COMPAT, P_VERSION, P_ARGV,
					RAW(ABI_PROP_ENV, list, (int)n * 2)};
	expect_fail(env_many, N(env_many), NULL, -1, NULL, "more than 4096 entries");
	free(list);
}

static void test_strings_and_cells(void **state)
{
	(void)state;
	const struct prop cwd_unterminated[] = {P_COMPAT, P_VERSION, P_ARGV,
						RAW(ABI_PROP_CWD, "/tmp", 4)};
	expect_fail(cwd_unterminated, N(cwd_unterminated), NULL, -1, NULL, "`cwd`: not a string");
	const struct prop cwd_embedded[] = {P_COMPAT, P_VERSION, P_ARGV,
					    STR(ABI_PROP_CWD, "/a\0/b")};
	expect_fail(cwd_embedded, N(cwd_embedded), NULL, -1, NULL, "`cwd`: not a string");
	const struct prop cwd_empty[] = {P_COMPAT, P_VERSION, P_ARGV, RAW(ABI_PROP_CWD, "", 0)};
	expect_fail(cwd_empty, N(cwd_empty), NULL, -1, NULL, "`cwd`: not a string");
	const struct prop cwd_rel[] = {P_COMPAT, P_VERSION, P_ARGV, STR(ABI_PROP_CWD, "srv")};
	expect_fail(cwd_rel, N(cwd_rel), NULL, -1, NULL, "not absolute");
	char host[ABI_HOSTNAME_MAX + 2];
	memset(host, 'h', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	const struct prop long_host[] = {P_COMPAT, P_VERSION, P_ARGV,
					 RAW(ABI_PROP_HOSTNAME, host, (int)sizeof(host))};
	expect_fail(long_host, N(long_host), NULL, -1, NULL, "`hostname`");
	const struct prop tty2[] = {P_COMPAT, P_VERSION, P_ARGV, RAW(ABI_PROP_TTY, be_two, 4)};
	expect_fail(tty2, N(tty2), NULL, -1, NULL, "not 0 or 1");
	const struct prop tty8[] = {P_COMPAT, P_VERSION, P_ARGV, RAW(ABI_PROP_TTY, be64_zero, 8)};
	expect_fail(tty8, N(tty8), NULL, -1, NULL, "32-bit");
	const struct prop hold2[] = {P_COMPAT, P_VERSION, P_ARGV, RAW(ABI_PROP_HOLD, be_two, 4)};
	expect_fail(hold2, N(hold2), NULL, -1, NULL, "not 0 or 1");
	const struct prop exec2[] = {P_COMPAT, P_VERSION, P_ARGV, RAW(ABI_PROP_EXEC, be_two, 4)};
	expect_fail(exec2, N(exec2), NULL, -1, NULL, "not 0 or 1");
	const struct prop exec_twice[] = {P_COMPAT, P_VERSION, P_ARGV,
					  RAW(ABI_PROP_EXEC, be_one, 4),
					  RAW(ABI_PROP_EXEC, be_zero, 4)};
	expect_fail(exec_twice, N(exec_twice), NULL, -1, NULL, "appears twice");
	const struct prop pidns2[] = {P_COMPAT, P_VERSION, P_ARGV, RAW(ABI_PROP_PID_NS, be_two, 4)};
	expect_fail(pidns2, N(pidns2), NULL, -1, NULL, "not 0 or 1");
	const struct prop rl_inv[] = {P_COMPAT, P_VERSION, P_ARGV,
				      RAW(ABI_PROP_RLIMITS, be_rlimit_inverted, 24)};
	expect_fail(rl_inv, N(rl_inv), NULL, -1, NULL, "soft <= hard");
	const struct prop rl_res[] = {P_COMPAT, P_VERSION, P_ARGV,
				      RAW(ABI_PROP_RLIMITS, be_rlimit_res16, 24)};
	expect_fail(rl_res, N(rl_res), NULL, -1, NULL, "soft <= hard");
	const struct prop rl_short[] = {P_COMPAT, P_VERSION, P_ARGV,
					RAW(ABI_PROP_RLIMITS, be_rlimits, 20)};
	expect_fail(rl_short, N(rl_short), NULL, -1, NULL, "triplets");
	const struct prop groups3[] = {P_COMPAT, P_VERSION, P_ARGV,
				       RAW(ABI_PROP_GROUPS, be64_4k, 3)};
	expect_fail(groups3, N(groups3), NULL, -1, NULL, "32-bit cells");
	const struct prop time4[] = {P_COMPAT, P_VERSION, P_ARGV, RAW(ABI_PROP_TIME_NS, be_one, 4)};
	expect_fail(time4, N(time4), NULL, -1, NULL, "64-bit");
	const struct prop user_unterminated[] = {P_COMPAT, P_VERSION, P_ARGV,
						 RAW(ABI_PROP_USER, "root", 4)};
	expect_fail(user_unterminated, N(user_unterminated), NULL, -1, NULL, "`user`");

	/* The longest hostname passes. */
	host[ABI_HOSTNAME_MAX] = '\0';
	const struct prop max_host[] = {P_COMPAT, P_VERSION, P_ARGV,
					RAW(ABI_PROP_HOSTNAME, host, ABI_HOSTNAME_MAX + 1)};
	size_t len;
	void *blob = build(max_host, N(max_host), NULL, -1, NULL, &len);
	struct config cfg;
	struct sb_error err = {0};
	assert_int_equal(config_parse(blob, len, &cfg, &err), 0);
	assert_int_equal(strlen(cfg.hostname), ABI_HOSTNAME_MAX);
	config_free(&cfg);
	free(blob);
}

static void test_limits(void **state)
{
	(void)state;
	const struct prop root[] = {P_COMPAT, P_VERSION, P_ARGV};
	const struct prop mem4[] = {RAW(ABI_PROP_MEMORY_MAX, be_one, 4)};
	expect_fail(root, N(root), mem4, N(mem4), NULL, "64-bit");
	const struct prop mem0[] = {RAW(ABI_PROP_MEMORY_MAX, be64_zero, 8)};
	expect_fail(root, N(root), mem0, N(mem0), NULL, "out of range");
	const struct prop pids0[] = {RAW(ABI_PROP_PIDS_MAX, be64_zero, 8)};
	expect_fail(root, N(root), pids0, N(pids0), NULL, "out of range");
	const struct prop period_only[] = {RAW(ABI_PROP_CPU_PERIOD, be64_50ms, 8)};
	expect_fail(root, N(root), period_only, N(period_only), NULL, "without");
	const struct prop tiny_quota[] = {RAW(ABI_PROP_CPU_QUOTA, be64_zero, 8)};
	expect_fail(root, N(root), tiny_quota, N(tiny_quota), NULL, "out of range");
	const struct prop long_period[] = {RAW(ABI_PROP_CPU_QUOTA, be64_50ms, 8),
					   RAW(ABI_PROP_CPU_PERIOD, be64_time, 8)};
	expect_fail(root, N(root), long_period, N(long_period), NULL, "out of range");
	const struct prop unknown[] = {RAW("swap-max", be64_4k, 8)};
	expect_fail(root, N(root), unknown, N(unknown), NULL, "unknown property `swap-max`");
	const struct prop root_prop_in_limits[] = {P_ARGV};
	expect_fail(root, N(root), root_prop_in_limits, 1, NULL, "unknown property `argv`");
	expect_fail(root, N(root), NULL, -1, "limitz", "unexpected node `limitz`");
	expect_fail(root, N(root), NULL, 0, ABI_NODE_LIMITS, "unexpected node `limits`");
	const struct prop limits_as_prop[] = {P_COMPAT, P_VERSION, P_ARGV,
					      RAW(ABI_NODE_LIMITS, be64_4k, 8)};
	expect_fail(limits_as_prop, N(limits_as_prop), NULL, -1, NULL, "unknown property `limits`");

	/* An empty limits node is fine: nothing limited. */
	size_t len;
	void *blob = build(root, N(root), NULL, 0, NULL, &len);
	struct config cfg;
	struct sb_error err = {0};
	assert_int_equal(config_parse(blob, len, &cfg, &err), 0);
	assert_int_equal(cfg.limits.memory_max + cfg.limits.pids_max + cfg.limits.cpu_quota_us, 0);
	config_free(&cfg);
	free(blob);
}

/* winsize = <rows cols>: the good shapes and the hostile ones. */
static void test_winsize(void **state)
{
	(void)state;
	static const uint8_t ws_24x80[8] = {0, 0, 0, 24, 0, 0, 0, 80};
	static const uint8_t ws_max[8] = {0, 0, 0xff, 0xff, 0, 0, 0xff, 0xff};
	static const uint8_t ws_rows0[8] = {0, 0, 0, 0, 0, 0, 0, 80};
	static const uint8_t ws_cols0[8] = {0, 0, 0, 24, 0, 0, 0, 0};
	static const uint8_t ws_big[8] = {0, 1, 0, 0, 0, 0, 0, 80}; /* 65536 rows */
	static const uint8_t ws_huge[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t ws_three[12] = {0, 0, 0, 24, 0, 0, 0, 80, 0, 0, 0, 1};
	struct config cfg;
	struct sb_error err = {0};
	size_t len;

	const struct prop good[] = {P_COMPAT, P_VERSION, P_ARGV, RAW(ABI_PROP_TTY, be_one, 4),
				    RAW(ABI_PROP_WINSIZE, ws_24x80, 8)};
	void *blob = build(good, N(good), NULL, -1, NULL, &len);
	assert_int_equal(config_parse(blob, len, &cfg, &err), 0);
	assert_true(cfg.tty);
	assert_int_equal(cfg.rows, 24);
	assert_int_equal(cfg.cols, 80);
	config_free(&cfg);
	free(blob);
	/* the order of properties does not matter, and 65535 is allowed */
	const struct prop max[] = {P_COMPAT, P_VERSION, RAW(ABI_PROP_WINSIZE, ws_max, 8), P_ARGV,
				   RAW(ABI_PROP_TTY, be_one, 4)};
	blob = build(max, N(max), NULL, -1, NULL, &len);
	assert_int_equal(config_parse(blob, len, &cfg, &err), 0);
	assert_int_equal(cfg.rows, 65535);
	assert_int_equal(cfg.cols, 65535);
	config_free(&cfg);
	free(blob);
	/* absent: 0x0 */
	const struct prop none[] = {P_COMPAT, P_VERSION, P_ARGV, RAW(ABI_PROP_TTY, be_one, 4)};
	blob = build(none, N(none), NULL, -1, NULL, &len);
	assert_int_equal(config_parse(blob, len, &cfg, &err), 0);
	assert_int_equal(cfg.rows + cfg.cols, 0);
	config_free(&cfg);
	free(blob);

	const struct prop no_tty[] = {P_COMPAT, P_VERSION, P_ARGV,
				      RAW(ABI_PROP_WINSIZE, ws_24x80, 8)};
	expect_fail(no_tty, N(no_tty), NULL, -1, NULL, "winsize without tty");
	const struct prop tty0[] = {P_COMPAT, P_VERSION, P_ARGV, RAW(ABI_PROP_TTY, be_zero, 4),
				    RAW(ABI_PROP_WINSIZE, ws_24x80, 8)};
	expect_fail(tty0, N(tty0), NULL, -1, NULL, "winsize without tty");
	const uint8_t *bad[] = {ws_rows0, ws_cols0, ws_big, ws_huge};
	for (size_t i = 0; i < N(bad); i++) {
		const struct prop p[] = {P_COMPAT, P_VERSION, P_ARGV, RAW(ABI_PROP_TTY, be_one, 4),
					 RAW(ABI_PROP_WINSIZE, bad[i], 8)};
		expect_fail(p, N(p), NULL, -1, NULL, "out of range");
	}
	const struct prop one_cell[] = {P_COMPAT, P_VERSION, P_ARGV, RAW(ABI_PROP_TTY, be_one, 4),
					RAW(ABI_PROP_WINSIZE, be_one, 4)};
	expect_fail(one_cell, N(one_cell), NULL, -1, NULL, "two 32-bit cells");
	const struct prop three[] = {P_COMPAT, P_VERSION, P_ARGV, RAW(ABI_PROP_TTY, be_one, 4),
				     RAW(ABI_PROP_WINSIZE, ws_three, 12)};
	expect_fail(three, N(three), NULL, -1, NULL, "two 32-bit cells");
	const struct prop empty[] = {P_COMPAT, P_VERSION, P_ARGV, RAW(ABI_PROP_TTY, be_one, 4),
				     RAW(ABI_PROP_WINSIZE, "", 0)};
	expect_fail(empty, N(empty), NULL, -1, NULL, "two 32-bit cells");
	const struct prop twice[] = {P_COMPAT,
				     P_VERSION,
				     P_ARGV,
				     RAW(ABI_PROP_TTY, be_one, 4),
				     RAW(ABI_PROP_WINSIZE, ws_24x80, 8),
				     RAW(ABI_PROP_WINSIZE, ws_24x80, 8)};
	expect_fail(twice, N(twice), NULL, -1, NULL, "appears twice");
	const struct prop in_limits[] = {RAW(ABI_PROP_WINSIZE, ws_24x80, 8)};
	expect_fail(good, N(good), in_limits, 1, NULL, "unknown property `winsize`");
}

/* capabilities: five 64-bit cells in abi.h's order; absent keeps them all;
 * capabilities-root-only and no-new-privileges are 0/1 cells. */
static void test_caps(void **state)
{
	(void)state;
	static const uint8_t sets[40] = {0,    0, 0, 0, 0xa8, 0x04, 0x25, 0xfb, /* bounding */
					 0,    0, 0, 0, 0,    0,    0x10, 0,	/* effective */
					 0,    0, 0, 0, 0,    0,    0x30, 0,	/* permitted */
					 0,    0, 0, 0, 0,    0,    0,	  1,	/* inheritable */
					 0x80, 0, 0, 0, 0,    0,    0,	  0};	/* ambient */
	struct config cfg;
	struct sb_error err = {0};
	size_t len;

	const struct prop good[] = {P_COMPAT,
				    P_VERSION,
				    P_ARGV,
				    RAW(ABI_PROP_CAPS, sets, 40),
				    RAW(ABI_PROP_CAPS_ROOT_ONLY, be_one, 4),
				    RAW(ABI_PROP_NO_NEW_PRIVS, be_one, 4)};
	void *blob = build(good, N(good), NULL, -1, NULL, &len);
	assert_int_equal(config_parse(blob, len, &cfg, &err), 0);
	assert_true(cfg.has_caps);
	assert_int_equal(cfg.caps[CAPS_BOUNDING], 0xa80425fbu);
	assert_int_equal(cfg.caps[CAPS_EFFECTIVE], 0x1000);
	assert_int_equal(cfg.caps[CAPS_PERMITTED], 0x3000);
	assert_int_equal(cfg.caps[CAPS_INHERITABLE], 1);
	assert_int_equal(cfg.caps[CAPS_AMBIENT], UINT64_C(0x8000000000000000));
	assert_true(cfg.caps_root_only);
	assert_true(cfg.no_new_privs);
	config_free(&cfg);
	free(blob);

	const struct prop none[] = {P_COMPAT, P_VERSION, P_ARGV};
	blob = build(none, N(none), NULL, -1, NULL, &len);
	assert_int_equal(config_parse(blob, len, &cfg, &err), 0);
	assert_false(cfg.has_caps || cfg.caps_root_only || cfg.no_new_privs);
	config_free(&cfg);
	free(blob);

	const struct prop short_[] = {P_COMPAT, P_VERSION, P_ARGV, RAW(ABI_PROP_CAPS, sets, 32)};
	expect_fail(short_, N(short_), NULL, -1, NULL, "want 5 64-bit cells");
	const struct prop nnp2[] = {P_COMPAT, P_VERSION, P_ARGV,
				    RAW(ABI_PROP_NO_NEW_PRIVS, be_two, 4)};
	expect_fail(nnp2, N(nnp2), NULL, -1, NULL, ABI_PROP_NO_NEW_PRIVS);
	const struct prop twice[] = {P_COMPAT, P_VERSION, P_ARGV, RAW(ABI_PROP_CAPS, sets, 40),
				     RAW(ABI_PROP_CAPS, sets, 40)};
	expect_fail(twice, N(twice), NULL, -1, NULL, "appears twice");
}

/* random-seed: ABI_SEED_MIN..ABI_SEED_MAX bytes, pointed to inside the blob;
 * absent: no seed. */
static void test_seed(void **state)
{
	(void)state;
	static uint8_t bytes[ABI_SEED_MAX + 1];
	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)(i * 7 + 1);
	struct config cfg;
	struct sb_error err = {0};
	size_t len;

	const size_t good_lens[] = {ABI_SEED_MIN, ABI_SEED_BYTES, ABI_SEED_MAX};
	for (size_t i = 0; i < N(good_lens); i++) {
		const struct prop good[] = {P_COMPAT, P_VERSION, P_ARGV,
					    RAW(ABI_PROP_SEED, bytes, good_lens[i])};
		void *blob = build(good, N(good), NULL, -1, NULL, &len);
		assert_int_equal(config_parse(blob, len, &cfg, &err), 0);
		assert_int_equal(cfg.seed_len, good_lens[i]);
		assert_memory_equal(cfg.seed, bytes, good_lens[i]);
		assert_true(cfg.seed > (uint8_t *)blob &&
			    cfg.seed + cfg.seed_len <= (uint8_t *)blob + len);
		config_free(&cfg);
		free(blob);
	}

	const struct prop none[] = {P_COMPAT, P_VERSION, P_ARGV};
	void *blob = build(none, N(none), NULL, -1, NULL, &len);
	assert_int_equal(config_parse(blob, len, &cfg, &err), 0);
	assert_null(cfg.seed);
	assert_int_equal(cfg.seed_len, 0);
	config_free(&cfg);
	free(blob);

	const struct prop short_[] = {P_COMPAT, P_VERSION, P_ARGV,
				      RAW(ABI_PROP_SEED, bytes, ABI_SEED_MIN - 1)};
	expect_fail(short_, N(short_), NULL, -1, NULL, "want 16 to 256");
	const struct prop long_[] = {P_COMPAT, P_VERSION, P_ARGV,
				     RAW(ABI_PROP_SEED, bytes, ABI_SEED_MAX + 1)};
	expect_fail(long_, N(long_), NULL, -1, NULL, "want 16 to 256");
	const struct prop twice[] = {P_COMPAT, P_VERSION, P_ARGV, RAW(ABI_PROP_SEED, bytes, 64),
				     RAW(ABI_PROP_SEED, bytes, 64)};
	expect_fail(twice, N(twice), NULL, -1, NULL, "appears twice");
}

/* masked-paths and readonly-paths: 1..ABI_MASKS_MAX absolute paths. */
static void test_mask_paths(void **state)
{
	(void)state;
	struct config cfg;
	struct sb_error err = {0};
	size_t len;
	const struct prop good[] = {P_COMPAT, P_VERSION, P_ARGV,
				    STR(ABI_PROP_MASKED_PATHS, "/proc/kcore\0/sys/firmware"),
				    STR(ABI_PROP_READONLY_PATHS, "/proc/sys")};
	void *blob = build(good, N(good), NULL, -1, NULL, &len);
	assert_int_equal(config_parse(blob, len, &cfg, &err), 0);
	assert_int_equal(cfg.n_masked, 2);
	assert_string_equal(cfg.masked[1], "/sys/firmware");
	assert_null(cfg.masked[2]);
	assert_int_equal(cfg.n_readonly, 1);
	assert_string_equal(cfg.readonly[0], "/proc/sys");
	config_free(&cfg);
	free(blob);

	const struct prop rel[] = {P_COMPAT, P_VERSION, P_ARGV,
				   STR(ABI_PROP_MASKED_PATHS, "/proc/kcore\0proc/keys")};
	expect_fail(rel, N(rel), NULL, -1, NULL, "entry 1 is not an absolute path");
	const struct prop empty[] = {P_COMPAT, P_VERSION, P_ARGV,
				     RAW(ABI_PROP_READONLY_PATHS, "", 0)};
	expect_fail(empty, N(empty), NULL, -1, NULL, "empty list");
	static char many[ABI_MASKS_MAX * 3 + 3];
	for (int i = 0; i <= ABI_MASKS_MAX; i++)
		memcpy(many + 3 * i, "/a", 3);
	const struct prop too_many[] = {P_COMPAT, P_VERSION, P_ARGV,
					RAW(ABI_PROP_MASKED_PATHS, many, sizeof(many))};
	expect_fail(too_many, N(too_many), NULL, -1, NULL, "more than 64 entries");
}

static void test_env_build(void **state)
{
	(void)state;
	char *vars[] = {"A=1", "HOME=/custom", NULL};
	struct config cfg = {.env = vars, .envc = 2, .hostname = "box", .tty = true};
	char **env = env_build(&cfg, "/home/u");
	assert_non_null(env);
	assert_string_equal(env[0], "A=1");
	assert_string_equal(env_get(env, "HOME"), "/custom"); /* the config wins */
	assert_string_equal(env_get(env, "PATH"), ENV_DEFAULT_PATH);
	assert_string_equal(env_get(env, "HOSTNAME"), "box");
	assert_string_equal(env_get(env, "TERM"), "xterm");
	assert_null(env_get(env, "HOM"));
	size_t n = 0;
	while (env[n])
		n++;
	assert_int_equal(n, 5);
	free(env);

	char *none[] = {NULL};
	struct config bare = {.env = none, .envc = 0, .hostname = "h"};
	env = env_build(&bare, "/root");
	assert_string_equal(env_get(env, "HOME"), "/root");
	assert_null(env_get(env, "TERM"));
	free(env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_minimal_defaults), cmocka_unit_test(test_full),
	    cmocka_unit_test(test_header_damage),    cmocka_unit_test(test_byte_flips),
	    cmocka_unit_test(test_identity),	     cmocka_unit_test(test_argv_env),
	    cmocka_unit_test(test_counts),	     cmocka_unit_test(test_strings_and_cells),
	    cmocka_unit_test(test_limits),	     cmocka_unit_test(test_env_build),
	    cmocka_unit_test(test_winsize),	     cmocka_unit_test(test_caps),
	    cmocka_unit_test(test_mask_paths),	     cmocka_unit_test(test_seed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
