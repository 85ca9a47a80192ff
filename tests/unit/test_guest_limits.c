/* Unit tests for guest-init/cglimits.c (cgroup value formatting) and cgroup.c on a fake cgroup
 * tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroup.h"
#include "cglimits.h"

static void test_format(void **state)
{
	(void)state;
	char buf[CGLIMITS_BUF];
	assert_string_equal(cglimits_format_max(0, buf), "max");
	assert_string_equal(cglimits_format_max(6291456, buf), "6291456");
	assert_string_equal(cglimits_format_max(UINT64_MAX, buf), "18446744073709551615");
	assert_string_equal(cglimits_format_cpu_max(50000, 100000, buf), "50000 100000");
	assert_string_equal(cglimits_format_cpu_max(1000, 1000, buf), "1000 1000");
	assert_string_equal(cglimits_format_cpu_max(0, 100000, buf), "max");
	assert_string_equal(cglimits_format_cpu_max(UINT64_MAX, UINT64_MAX, buf),
			    "18446744073709551615 18446744073709551615");
	assert_string_equal(cglimits_format_swap_max(1 << 20), "0");
	assert_string_equal(cglimits_format_swap_max(0), "max");
}

static void test_oom_kills(void **state)
{
	(void)state;
	assert_int_equal(cglimits_oom_kills("low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\n"
					    "oom_group_kill 0\n"),
			 2);
	assert_int_equal(cglimits_oom_kills("oom_group_kill 4\n"), 0);
	assert_int_equal(cglimits_oom_kills("oom 1\noom_kill 7"), 7);
	assert_int_equal(cglimits_oom_kills("oom_kill x\n"), 0);
	assert_int_equal(cglimits_oom_kills("oom_kill 12x\n"), 0);
	assert_int_equal(cglimits_oom_kills(""), 0);
	assert_int_equal(cglimits_oom_kills(NULL), 0);
	assert_true(cglimits_oom_kills("oom_kill 99999999999999999999999\n") == UINT64_MAX);
}

static char root[64];

static void put_file(const char *rel, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void expect_file(const char *rel, const char *want)
{
	char path[256], buf[256] = "";
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_string_equal(buf, want);
}

/* A fake cgroup2 root: controllers list and the workload files pre-created. */
static int setup_tree(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_guest_cgroup.XXXXXX");
	assert_non_null(mkdtemp(root));
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", root, CGROUP_WORKLOAD);
	assert_int_equal(mkdir(path, 0755), 0);
	put_file("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
	const char *files[] = {"cgroup.subtree_control",   "workload/memory.max",
			       "workload/memory.swap.max", "workload/pids.max",
			       "workload/cpu.max",	   "workload/cgroup.procs",
			       "workload/cgroup.kill"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		put_file(files[i], "untouched");
	return 0;
}

static int teardown_tree(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

static void test_setup_limits(void **state)
{
	(void)state;
	struct config_limits l = {
	    .memory_max = 64 << 20, .pids_max = 32, .cpu_quota_us = 50000, .cpu_period_us = 100000};
	struct sb_error err = {0};
	assert_int_equal(cgroup_setup(root, &l, &err), 0);
	expect_file("cgroup.subtree_control", "+memory +pids +cpu");
	expect_file("workload/memory.max", "67108864");
	expect_file("workload/memory.swap.max", "0");
	expect_file("workload/pids.max", "32");
	expect_file("workload/cpu.max", "50000 100000");
	assert_int_equal(cgroup_join(root), 0);
	expect_file("workload/cgroup.procs", "0");
	assert_int_equal(cgroup_kill(root), 0);
	expect_file("workload/cgroup.kill", "1");
	put_file("workload/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
	assert_int_equal(cgroup_oom_kills(root), 1);
}

static void test_setup_unlimited(void **state)
{
	(void)state;
	struct config_limits none = {0};
	struct sb_error err = {0};
	assert_int_equal(cgroup_setup(root, &none, &err), 0);
	expect_file("cgroup.subtree_control", "+memory +pids +cpu");
	expect_file("workload/memory.max", "untouched"); /* nothing written when unset */
	expect_file("workload/cpu.max", "untouched");
	assert_int_equal(cgroup_oom_kills(root), 0); /* no memory.events */
}

static void test_missing_controller(void **state)
{
	(void)state;
	put_file("cgroup.controllers", "cpu io\n");
	struct config_limits none = {0}, mem = {.memory_max = 1 << 20};
	struct sb_error err = {0};
	assert_int_equal(cgroup_setup(root, &none, &err), 0);
	expect_file("cgroup.subtree_control", "+cpu");
	assert_true(cgroup_setup(root, &mem, &err) < 0);
	assert_non_null(strstr(err.msg, "no memory controller"));
	put_file("cgroup.controllers", "memory pids_extra cpuset\n"); /* words, not substrings */
	struct config_limits pids = {.pids_max = 5};
	assert_true(cgroup_setup(root, &pids, &err) < 0);
	assert_non_null(strstr(err.msg, "no pids controller"));
	/* No swap file in the kernel: fine. */
	put_file("cgroup.controllers", "memory\n");
	char path[256];
	snprintf(path, sizeof(path), "%s/workload/memory.swap.max", root);
	unlink(path);
	assert_int_equal(cgroup_setup(root, &mem, &err), 0);
	expect_file("workload/memory.max", "1048576");
}

/* cgroup_hold: later calls with that root work beneath the held fd, not by
 * path: with a (fake) read-only bind over the path they must not resolve it
 * again; here the directory is renamed away and a decoy put in its place. */
static void test_hold(void **state)
{
	(void)state;
	char moved[300], decoy[256];
	assert_true(cgroup_hold(root) >= 0); /* 1 as root: a detached copy */
	snprintf(moved, sizeof(moved), "%s.moved", root);
	assert_int_equal(rename(root, moved), 0);
	assert_int_equal(mkdir(root, 0755), 0); /* the decoy: no workload/ in it */
	assert_int_equal(cgroup_kill(root), 0);
	snprintf(decoy, sizeof(decoy), "%s/workload", root);
	assert_int_equal(access(decoy, F_OK), -1);
	assert_int_equal(rmdir(root), 0);
	assert_int_equal(rename(moved, root), 0);
	expect_file("workload/cgroup.kill", "1");
	/* another root is still reached by its path */
	assert_int_equal(cgroup_kill("/nonexistent/cgroup"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_oom_kills),
	    cmocka_unit_test_setup_teardown(test_setup_limits, setup_tree, teardown_tree),
	    cmocka_unit_test_setup_teardown(test_setup_unlimited, setup_tree, teardown_tree),
	    cmocka_unit_test_setup_teardown(test_missing_controller, setup_tree, teardown_tree),
	    cmocka_unit_test_setup_teardown(test_hold, setup_tree, teardown_tree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
