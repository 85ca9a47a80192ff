/* Unit tests for the run config's mounts node: host writer -> guest parser round trips, the
 * checks on both sides, and the tmpfs mount data. */
#include <errno.h>
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
#include "volumes.h"

static char *argv_[] = {"/bin/true", NULL};

static void *round_trip(const struct runconfig *rc, struct config *cfg)
{
	void *blob = NULL;
	size_t len = 0;
	struct sb_error err = {0};
	if (runconfig_build(rc, &blob, &len, &err) < 0)
		fail_msg("runconfig_build: %s", err.msg);
	if (config_parse(blob, len, cfg, &err) < 0)
		fail_msg("config_parse: %s", err.msg);
	return blob;
}

static void test_round_trip(void **state)
{
	(void)state;
	const struct runconfig_mount m[] = {
	    {.type = RUNCONFIG_MOUNT_VIRTIOFS, .target = "/src", .tag = "vol0"},
	    {.type = RUNCONFIG_MOUNT_VIRTIOFS,
	     .target = "/etc/app.conf",
	     .tag = "vol1",
	     .file = "app.conf",
	     .readonly = true},
	    {.type = RUNCONFIG_MOUNT_TMPFS,
	     .target = "/run",
	     .size = 64ull << 20,
	     .mode = 0700,
	     .exec = true},
	};
	struct runconfig rc = {.argv = argv_, .mounts = {.m = m, .n = 3, .readonly_rootfs = true}};
	struct config cfg;
	void *blob = round_trip(&rc, &cfg);
	assert_true(cfg.mounts.readonly_rootfs);
	assert_int_equal(cfg.mounts.n, 3);
	assert_int_equal(cfg.mounts.m[0].type, CONFIG_MOUNT_VIRTIOFS);
	assert_string_equal(cfg.mounts.m[0].target, "/src");
	assert_string_equal(cfg.mounts.m[0].tag, "vol0");
	assert_null(cfg.mounts.m[0].file);
	assert_false(cfg.mounts.m[0].readonly);
	assert_string_equal(cfg.mounts.m[1].file, "app.conf");
	assert_true(cfg.mounts.m[1].readonly);
	assert_int_equal(cfg.mounts.m[2].type, CONFIG_MOUNT_TMPFS);
	assert_int_equal(cfg.mounts.m[2].size, 64ull << 20);
	assert_int_equal(cfg.mounts.m[2].mode, 0700);
	assert_true(cfg.mounts.m[2].exec);
	char data[64];
	volumes_tmpfs_data(&cfg.mounts.m[2], data, sizeof(data));
	assert_string_equal(data, "mode=700,size=67108864");
	config_free(&cfg);
	free(blob);

	/* No mounts, writable root: no node at all. */
	struct runconfig plain = {.argv = argv_};
	blob = round_trip(&plain, &cfg);
	assert_int_equal(cfg.mounts.n, 0);
	assert_false(cfg.mounts.readonly_rootfs);
	assert_int_equal(fdt_subnode_offset(blob, 0, ABI_NODE_MOUNTS), -FDT_ERR_NOTFOUND);
	config_free(&cfg);
	free(blob);
}

static void host_refuses(const struct runconfig_mount *m, const char *want)
{
	struct runconfig rc = {.argv = argv_, .mounts = {.m = m, .n = 1}};
	void *blob = NULL;
	size_t len;
	struct sb_error err = {0};
	assert_true(runconfig_build(&rc, &blob, &len, &err) < 0);
	if (!strstr(err.msg, want))
		fail_msg("`%s` lacks `%s`", err.msg, want);
	assert_null(blob);
}

static void test_host_checks(void **state)
{
	(void)state;
	const struct runconfig_mount bad[] = {
	    {.type = RUNCONFIG_MOUNT_VIRTIOFS, .target = "/a/../b", .tag = "v"},
	    {.type = RUNCONFIG_MOUNT_VIRTIOFS, .target = "/", .tag = "v"},
	    {.type = RUNCONFIG_MOUNT_VIRTIOFS, .target = "/a"},
	    {.type = RUNCONFIG_MOUNT_VIRTIOFS, .target = "/a", .tag = "v", .file = "x/y"},
	    {.type = RUNCONFIG_MOUNT_TMPFS, .target = "/a", .mode = 010000},
	};
	host_refuses(&bad[0], "clean absolute path");
	host_refuses(&bad[1], "clean absolute path");
	host_refuses(&bad[2], "tag");
	host_refuses(&bad[3], "not a file name");
	host_refuses(&bad[4], "bad tmpfs mount");
}

/* A hand-made blob with a mounts node built by fill(); the guest must refuse it. */
static void guest_refuses(void (*fill)(void *fdt), const char *want)
{
	static char buf[8192] __attribute__((aligned(8)));
	struct config cfg;
	struct sb_error err = {0};
	int r = fdt_create(buf, sizeof(buf));
	r = r ?: fdt_finish_reservemap(buf);
	r = r ?: fdt_begin_node(buf, "");
	r = r ?: fdt_property_string(buf, "compatible", ABI_FDT_COMPATIBLE);
	r = r ?: fdt_property_u32(buf, ABI_PROP_VERSION, SANDBOX_ABI_VERSION);
	r = r ?: fdt_property(buf, ABI_PROP_ARGV, "sh", 3);
	r = r ?: fdt_begin_node(buf, ABI_NODE_MOUNTS);
	assert_int_equal(r, 0);
	fill(buf);
	r = fdt_end_node(buf);
	r = r ?: fdt_end_node(buf);
	r = r ?: fdt_finish(buf);
	assert_int_equal(r, 0);
	assert_int_equal(config_parse(buf, fdt_totalsize(buf), &cfg, &err), -EINVAL);
	if (!strstr(err.msg, want))
		fail_msg("`%s` lacks `%s`", err.msg, want);
}

static void gap(void *f)
{
	fdt_begin_node(f, "m1");
	fdt_property_string(f, ABI_PROP_MNT_TYPE, ABI_MNT_TMPFS);
	fdt_property_string(f, ABI_PROP_MNT_TARGET, "/t");
	fdt_end_node(f);
}

static void mixed(void *f)
{
	fdt_begin_node(f, "m0");
	fdt_property_string(f, ABI_PROP_MNT_TYPE, ABI_MNT_TMPFS);
	fdt_property_string(f, ABI_PROP_MNT_TARGET, "/t");
	fdt_property_string(f, ABI_PROP_MNT_TAG, "vol0");
	fdt_end_node(f);
}

static void dotdot(void *f)
{
	fdt_begin_node(f, "m0");
	fdt_property_string(f, ABI_PROP_MNT_TYPE, ABI_MNT_VIRTIOFS);
	fdt_property_string(f, ABI_PROP_MNT_TARGET, "/a/../etc");
	fdt_property_string(f, ABI_PROP_MNT_TAG, "vol0");
	fdt_end_node(f);
}

static void slash_file(void *f)
{
	fdt_begin_node(f, "m0");
	fdt_property_string(f, ABI_PROP_MNT_TYPE, ABI_MNT_VIRTIOFS);
	fdt_property_string(f, ABI_PROP_MNT_TARGET, "/a");
	fdt_property_string(f, ABI_PROP_MNT_TAG, "vol0");
	fdt_property_string(f, ABI_PROP_MNT_FILE, "../x");
	fdt_end_node(f);
}

static void unknown(void *f)
{
	fdt_property_u32(f, "writable-everything", 1);
}

static void test_guest_checks(void **state)
{
	(void)state;
	guest_refuses(gap, "m0` missing");
	guest_refuses(mixed, "do not match its type");
	guest_refuses(dotdot, "clean absolute path");
	guest_refuses(slash_file, "not a file name");
	guest_refuses(unknown, "unexpected property");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_host_checks),
	    cmocka_unit_test(test_guest_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
