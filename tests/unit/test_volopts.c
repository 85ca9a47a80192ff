/* Unit tests for the volume options: docker's -v, --mount and --tmpfs forms, and the refusals. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "volopts.h"

static struct volopts v;

static int setup(void **state)
{
	(void)state;
	volopts_init(&v);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	volopts_free(&v);
	return 0;
}

/* Parse s with fn; on failure the message must contain want. */
static void refused(int (*fn)(const char *, struct volopts *, struct sb_error *), const char *s,
		    const char *want)
{
	struct sb_error err = {0};
	unsigned n = v.n;
	assert_int_equal(fn(s, &v, &err), -EINVAL);
	if (!strstr(err.msg, want))
		fail_msg("`%s`: message `%s` lacks `%s`", s, err.msg, want);
	assert_null(strchr(err.msg, '\n'));
	assert_int_equal(v.n, n);
}

static void test_volume_forms(void **state)
{
	(void)state;
	struct sb_error err = {0};
	assert_int_equal(volopts_parse_volume("/srv/data:/data", &v, &err), 0);
	assert_int_equal(volopts_parse_volume("./src:/work//src/:ro", &v, &err), 0);
	assert_int_equal(volopts_parse_volume("/h:/c:rw,consistent", &v, &err), 0);
	assert_int_equal(volopts_parse_volume("../up:/up:cached,ro", &v, &err), 0);
	assert_int_equal(v.n, 4);
	assert_int_equal(v.nbind, 4);
	assert_string_equal(v.m[0].source, "/srv/data");
	assert_string_equal(v.m[0].target, "/data");
	assert_false(v.m[0].readonly);
	assert_true(v.m[0].create);
	assert_int_equal(v.m[0].cache, VOLOPTS_CACHE_AUTO);
	assert_string_equal(v.m[1].source, "./src");
	assert_string_equal(v.m[1].target, "/work/src");
	assert_true(v.m[1].readonly);
	assert_int_equal(v.m[2].cache, VOLOPTS_CACHE_STRICT);
	assert_false(v.m[2].readonly);
	assert_true(v.m[3].readonly);
	assert_int_equal(volopts_check(&v, &err), 0);
}

static void test_volume_refused(void **state)
{
	(void)state;
	refused(volopts_parse_volume, "data:/data", "named volumes are not supported");
	refused(volopts_parse_volume, "/data", "anonymous volumes are not supported");
	refused(volopts_parse_volume, ":/data", "named volumes");
	refused(volopts_parse_volume, "/h:relative", "must be absolute");
	refused(volopts_parse_volume, "/h:/", "not /");
	refused(volopts_parse_volume, "/h:/a/../b", "without `..`");
	refused(volopts_parse_volume, "/h:/proc/x", "/proc");
	refused(volopts_parse_volume, "/h:/sys", "/sys");
	refused(volopts_parse_volume, "/h:/.sandbox", "/.sandbox");
	refused(volopts_parse_volume, "/h:/c:z", "option `z` is not supported");
	refused(volopts_parse_volume, "/h:/c:ro,rw", "both ro and rw");
	refused(volopts_parse_volume, "/h:/c:ro:x", "expected HOSTPATH");
	refused(volopts_parse_volume, "/h:/c:ro\nx", "option `ro?x`");
}

static void test_mount_bind(void **state)
{
	(void)state;
	struct sb_error err = {0};
	assert_int_equal(volopts_parse_mount("type=bind,source=/h,target=/c,readonly", &v, &err),
			 0);
	assert_int_equal(volopts_parse_mount("type=bind,src=./h,dst=/d,ro=false,consistency="
					     "consistent",
					     &v, &err),
			 0);
	assert_int_equal(volopts_parse_mount("destination=/e,type=bind,source=/x,ro=1", &v, &err),
			 0);
	assert_true(v.m[0].readonly);
	assert_false(v.m[0].create); /* --mount: a missing source is an error */
	assert_string_equal(v.m[1].source, "./h");
	assert_false(v.m[1].readonly);
	assert_int_equal(v.m[1].cache, VOLOPTS_CACHE_STRICT);
	assert_string_equal(v.m[2].target, "/e");
	assert_true(v.m[2].readonly);
	refused(volopts_parse_mount, "source=/h,target=/c", "no type=");
	refused(volopts_parse_mount, "type=volume,source=v,target=/c", "named volumes");
	refused(volopts_parse_mount, "type=bind,target=/c", "no source=");
	refused(volopts_parse_mount, "type=bind,source=/h", "no target=");
	refused(volopts_parse_mount, "type=bind,source=/h,target=/c,bind-propagation=shared",
		"unexpected key `bind-propagation`");
	refused(volopts_parse_mount, "type=bind,source=/h,target=/c,tmpfs-size=1m",
		"unexpected key `tmpfs-size`");
	refused(volopts_parse_mount, "type=bind,source=/h,target=/c,readonly=maybe", "bad value");
	refused(volopts_parse_mount, "type=bind,source=/h,,target=/c", "empty field");
	refused(volopts_parse_mount, "type=npipe,source=/h,target=/c", "bind or tmpfs");
}

static void test_tmpfs(void **state)
{
	(void)state;
	struct sb_error err = {0};
	assert_int_equal(volopts_parse_tmpfs("/run", &v, &err), 0);
	assert_int_equal(volopts_parse_tmpfs("/scratch:size=64m,mode=0700,exec", &v, &err), 0);
	assert_int_equal(
	    volopts_parse_mount("type=tmpfs,target=/t,tmpfs-size=1g,tmpfs-mode=1770", &v, &err), 0);
	assert_int_equal(v.nbind, 0);
	assert_int_equal(v.m[0].type, VOLOPTS_TMPFS);
	assert_null(v.m[0].source);
	assert_int_equal(v.m[0].tmpfs_size, 0);
	assert_int_equal(v.m[0].tmpfs_mode, 01777);
	assert_false(v.m[0].tmpfs_exec);
	assert_int_equal(v.m[1].tmpfs_size, 64ull << 20);
	assert_int_equal(v.m[1].tmpfs_mode, 0700);
	assert_true(v.m[1].tmpfs_exec);
	assert_int_equal(v.m[2].tmpfs_size, 1ull << 30);
	assert_int_equal(v.m[2].tmpfs_mode, 01770);
	refused(volopts_parse_tmpfs, "/x:size=lots", "option `size=lots`");
	refused(volopts_parse_tmpfs, "/x:mode=999", "option `mode=999`");
	refused(volopts_parse_tmpfs, "/x:suid", "option `suid`");
	refused(volopts_parse_tmpfs, "x", "must be absolute");
	refused(volopts_parse_mount, "type=tmpfs,source=/h,target=/c", "unexpected key `source`");
	refused(volopts_parse_mount, "type=tmpfs,target=/c,tmpfs-mode=-1", "bad value");
	refused(volopts_parse_mount, "type=tmpfs,target=/c,consistency=cached",
		"unexpected key `consistency`");
}

static void test_duplicates_and_limits(void **state)
{
	(void)state;
	struct sb_error err = {0};
	char s[64];
	assert_int_equal(volopts_parse_volume("/a:/data", &v, &err), 0);
	assert_int_equal(volopts_parse_tmpfs("/data/", &v, &err), 0);
	assert_int_equal(volopts_check(&v, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "duplicate mount point /data"));
	volopts_free(&v);
	for (unsigned i = 0; i < VOLOPTS_MAX_BINDS; i++) {
		snprintf(s, sizeof(s), "/h%u:/c%u", i, i);
		assert_int_equal(volopts_parse_volume(s, &v, &err), 0);
	}
	refused(volopts_parse_volume, "/h:/c", "more than 8 volumes");
	assert_int_equal(volopts_parse_tmpfs("/t", &v, &err), 0);
}

static void test_guest_path(void **state)
{
	(void)state;
	char out[VOLOPTS_PATH_MAX];
	assert_int_equal(volopts_guest_path("//a/./b//c/", out), 0);
	assert_string_equal(out, "/a/b/c");
	assert_int_equal(volopts_guest_path("/dev/shm", out), 0);
	assert_int_equal(volopts_guest_path("/procfs", out), 0);
	assert_int_equal(volopts_guest_path("/dev", out), -EINVAL);
	assert_int_equal(volopts_guest_path("/./", out), -EINVAL);
	assert_int_equal(volopts_guest_path("/a/..", out), -EINVAL);
	assert_int_equal(volopts_guest_path("a/b", out), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_volume_forms, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_volume_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mount_bind, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tmpfs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_duplicates_and_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_guest_path, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
