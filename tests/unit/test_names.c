/* Unit tests for host/names.c: --name syntax and the flock'ed name files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "names.h"

static void test_check(void **state)
{
	(void)state;
	struct sb_error err = {0};
	static const char *good[] = {"a", "web-1", "x.y_z", "A9"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(names_check(good[i], &err), 0);
	char longname[NAMES_MAX_LEN + 2];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	static const char *bad[] = {"", "-a", ".a", "_a", "a/b", "..", "a b", "é", "a\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(names_check(bad[i], &err) < 0);
		assert_non_null(strstr(err.msg, "--name"));
	}
	assert_true(names_check(longname, &err) < 0);
	longname[NAMES_MAX_LEN] = '\0';
	assert_int_equal(names_check(longname, &err), 0);
}

static void test_claim(void **state)
{
	(void)state;
	struct sb_error err = {0};
	char dir[] = "/tmp/test_names.XXXXXX";
	assert_non_null(mkdtemp(dir));
	int a = -1, b = -1;
	assert_int_equal(names_claim(dir, "web", &a, &err), 0);
	assert_true(a >= 0);
	/* taken: the error names the holder */
	assert_int_equal(names_claim(dir, "web", &b, &err), -EEXIST);
	char pid[32];
	snprintf(pid, sizeof(pid), "pid %ld", (long)getpid());
	assert_non_null(strstr(err.msg, pid));
	assert_int_equal(b, -1);
	/* another name is free; closing frees the first */
	assert_int_equal(names_claim(dir, "db", &b, &err), 0);
	close(a);
	assert_int_equal(names_claim(dir, "web", &a, &err), 0);
	close(a);
	close(b);
	/* a symlink planted at the name's file is not followed */
	char link[256], path[256];
	snprintf(link, sizeof(link), "%s/names/evil", dir);
	snprintf(path, sizeof(path), "%s/target", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_true(names_claim(dir, "evil", &a, &err) < 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_true(names_claim(dir, "../x", &a, &err) < 0);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check),
	    cmocka_unit_test(test_claim),
	};
	return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
