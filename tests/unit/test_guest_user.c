/* Unit tests for guest-init/user.c: docker -u resolution against passwd/group text. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "user.h"

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "# a comment line\n"
			     "\n"
			     "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
			     "broken line without colons\n"
			     "badid:x:12a:1::/nowhere:/bin/sh\n"
			     "badgid:x:77:-1::/nowhere:/bin/sh\n"
			     "app:x:1000:1000:App,,,:/home/app:/bin/bash\r\n"
			     "short:x:1001:1001\n"
			     "nohome:x:1002:1002:::/bin/sh\n"
			     "1234:x:4321:4321::/home/numeric:/bin/sh\n"
			     "dup:x:2000:2000::/first:/bin/sh\n"
			     "dup:x:2001:2001::/second:/bin/sh\n"
			     "member:x:3000:3000::/:/bin/sh";

static const char group[] = "root:x:0:\n"
			    "daemon:x:1:app\n"
			    "staff:x:50:other,app,more\n"
			    "apps:x:1000:\n"
			    "docker:x:999:appx,xapp\n"
			    "video:x:44:app\n"
			    "bad:x:zz:app\n"
			    "nomembers:x:60\n"
			    "dupgrp:x:70:\n"
			    "dupgrp:x:71:\n"
			    "mine:x:3000:member\n"
			    "others:x:51:member\n";

static struct user_ids ids;

/* ids.groups is exactly the n gids given. */
static void expect_groups(size_t n, ...)
{
	va_list ap;
	va_start(ap, n);
	assert_int_equal(ids.ngroups, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ids.groups[i], va_arg(ap, unsigned));
	va_end(ap);
}

static void resolve_ok(const char *spec)
{
	struct sb_error err = {0};
	if (user_resolve(spec, passwd, group, &ids, &err) < 0)
		fail_msg("user_resolve(\"%s\"): %s", spec, err.msg);
}

static void resolve_fails(const char *spec, const char *pw, const char *gr, int code,
			  const char *want)
{
	struct sb_error err = {0};
	int r = user_resolve(spec, pw, gr, &ids, &err);
	if (r != code || strcmp(err.msg, want) != 0)
		fail_msg("user_resolve(\"%s\"): want %d \"%s\", got %d \"%s\"", spec, code, want, r,
			 err.msg);
}

static void test_names(void **state)
{
	(void)state;
	resolve_ok("app");
	assert_int_equal(ids.uid, 1000);
	assert_int_equal(ids.gid, 1000);
	assert_string_equal(ids.home, "/home/app");
	/* gid first (as docker passes it), then member of daemon, staff and video;
	 * not docker ("appx", "xapp" are other names). */
	expect_groups(4, 1000, 1, 50, 44);

	resolve_ok("root");
	assert_int_equal(ids.uid, 0);
	assert_string_equal(ids.home, "/root");
	expect_groups(1, 0);

	resolve_ok("member"); /* listed in its own primary group: once */
	expect_groups(2, 3000, 51);

	resolve_ok("dup"); /* first match wins */
	assert_int_equal(ids.uid, 2000);
	assert_string_equal(ids.home, "/first");

	resolve_ok("nohome");
	assert_string_equal(ids.home, "/");
	resolve_ok("short");
	assert_int_equal(ids.gid, 1001);
	assert_string_equal(ids.home, "/");
}

static void test_numeric(void **state)
{
	(void)state;
	resolve_ok("1000"); /* a uid with an entry takes its gid, home, groups */
	assert_int_equal(ids.uid, 1000);
	assert_int_equal(ids.gid, 1000);
	assert_string_equal(ids.home, "/home/app");
	expect_groups(4, 1000, 1, 50, 44);

	resolve_ok("4242"); /* no entry: fine, gid 0, home / */
	assert_int_equal(ids.uid, 4242);
	assert_int_equal(ids.gid, 0);
	assert_string_equal(ids.home, "/");
	expect_groups(1, 0);

	resolve_ok("1234"); /* a name that looks numeric matches by name first */
	assert_int_equal(ids.uid, 4321);

	resolve_ok("");
	assert_int_equal(ids.uid, 0);
	assert_int_equal(ids.gid, 0);
	assert_string_equal(ids.home, "/root");

	resolve_ok("2147483647");
	assert_int_equal(ids.uid, 2147483647u);
	resolve_fails("2147483648", passwd, group, -EINVAL,
		      "uids and gids must be in range 0-2147483647");
	resolve_fails("0:99999999999999999999", passwd, group, -EINVAL,
		      "uids and gids must be in range 0-2147483647");
	resolve_ok("0:2147483647");
	assert_int_equal(ids.gid, 2147483647u);
}

static void test_groups(void **state)
{
	(void)state;
	resolve_ok("app:staff"); /* explicit group: it is the only supplementary group */
	assert_int_equal(ids.uid, 1000);
	assert_int_equal(ids.gid, 50);
	expect_groups(1, 50);
	assert_string_equal(ids.home, "/home/app");

	resolve_ok("app:777");
	assert_int_equal(ids.gid, 777);
	expect_groups(1, 777);
	resolve_ok("4242:44");
	assert_int_equal(ids.uid, 4242);
	assert_int_equal(ids.gid, 44);
	resolve_ok(":video");
	assert_int_equal(ids.uid, 0);
	assert_int_equal(ids.gid, 44);
	resolve_ok("app:"); /* empty group part = implicit */
	assert_int_equal(ids.gid, 1000);
	expect_groups(4, 1000, 1, 50, 44);
	resolve_ok("root:dupgrp");
	assert_int_equal(ids.gid, 70);
	resolve_ok("root:nomembers"); /* three fields are enough for a group */
	assert_int_equal(ids.gid, 60);
}

static void test_missing(void **state)
{
	(void)state;
	resolve_fails("nobody", passwd, group, -EINVAL,
		      "unable to find user nobody: no matching entries in passwd file");
	resolve_fails("app:wheel", passwd, group, -EINVAL,
		      "unable to find group wheel: no matching entries in group file");
	resolve_fails("badid", passwd, group, -EINVAL, /* malformed lines never match */
		      "unable to find user badid: no matching entries in passwd file");
	resolve_fails("badgid", passwd, group, -EINVAL,
		      "unable to find user badgid: no matching entries in passwd file");
	resolve_fails("root:bad", passwd, group, -EINVAL,
		      "unable to find group bad: no matching entries in group file");
	resolve_fails("-1", passwd, group, -EINVAL,
		      "unable to find user -1: no matching entries in passwd file");
	/* No files at all: numeric ids only. */
	resolve_fails("app", NULL, NULL, -EINVAL,
		      "unable to find user app: no matching entries in passwd file");
	struct sb_error err = {0};
	assert_int_equal(user_resolve("5:6", NULL, NULL, &ids, &err), 0);
	assert_int_equal(ids.uid, 5);
	assert_int_equal(ids.gid, 6);
	assert_string_equal(ids.home, "/");
	expect_groups(1, 6);
}

/* Long lines and fields, and more supplementary groups than we keep. */
static void test_long_lines(void **state)
{
	(void)state;
	size_t home_len = 10000;
	char *pw = malloc(home_len + 200);
	int n = sprintf(pw, "long:x:7:7::/");
	memset(pw + n, 'h', home_len);
	sprintf(pw + n + home_len, ":/bin/sh\nafter:x:8:8::/ok:/bin/sh\n");
	resolve_ok("0"); /* baseline */
	struct sb_error err = {0};
	assert_int_equal(user_resolve("long", pw, NULL, &ids, &err), 0);
	assert_int_equal(ids.uid, 7);
	assert_string_equal(ids.home, "/"); /* a home over ABI_PATH_MAX is ignored */
	assert_int_equal(user_resolve("after", pw, NULL, &ids, &err), 0);
	assert_string_equal(ids.home, "/ok");
	free(pw);

	size_t ngroups = USER_MAX_GROUPS + 1;
	char *gr = malloc(ngroups * 32);
	size_t off = 0, last = 0, prev = 0;
	for (size_t i = 0; i < ngroups; i++) {
		prev = last;
		last = off;
		off += (size_t)sprintf(gr + off, "g%zu:x:%zu:x,app\n", i, 5000 + i);
	}
	assert_int_equal(user_resolve("app", passwd, gr, &ids, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "supplementary groups"));
	gr[last] = '\0'; /* without the last line: the gid + those = one over the maximum */
	assert_int_equal(user_resolve("app", passwd, gr, &ids, &err), -E2BIG);
	gr[prev] = '\0'; /* one line less: exactly the maximum */
	assert_int_equal(user_resolve("app", passwd, gr, &ids, &err), 0);
	assert_int_equal(ids.ngroups, USER_MAX_GROUPS);
	assert_int_equal(ids.groups[0], 1000);
	assert_int_equal(ids.groups[USER_MAX_GROUPS - 1], 5000 + USER_MAX_GROUPS - 2);
	free(gr);
}

static void test_read_db(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_guest_user.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/passwd", dir);
	char *text = (char *)1;
	struct sb_error err = {0};
	assert_int_equal(user_read_db(path, &text, &err), 0); /* missing: NULL, no error */
	assert_null(text);
	FILE *f = fopen(path, "w");
	for (int i = 0; i < 2000; i++) /* bigger than the first buffer */
		fprintf(f, "u%d:x:%d:%d::/home/u%d:/bin/sh\n", i, i, i, i);
	fclose(f);
	assert_int_equal(user_read_db(path, &text, &err), 0);
	assert_non_null(text);
	assert_int_equal(user_resolve("u1999", text, NULL, &ids, &err), 0);
	assert_int_equal(ids.uid, 1999);
	assert_string_equal(ids.home, "/home/u1999");
	free(text);
	/* Over the size bound. */
	f = fopen(path, "w");
	char chunk[4096];
	memset(chunk, '#', sizeof(chunk));
	for (size_t i = 0; i <= USER_DB_MAX_BYTES / sizeof(chunk); i++)
		fwrite(chunk, 1, sizeof(chunk), f);
	fclose(f);
	assert_true(user_read_db(path, &text, &err) < 0);
	assert_null(text);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),      cmocka_unit_test(test_numeric),
	    cmocka_unit_test(test_groups),     cmocka_unit_test(test_missing),
	    cmocka_unit_test(test_long_lines), cmocka_unit_test(test_read_db),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
