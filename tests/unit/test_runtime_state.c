/* sandbox-runtime's state directories (host/runtime/state.c): ids, state.json, the
 * status rules (a reused pid is not the container), pid files, removal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime.h"

struct rt_globals rt_g; /* main.c's, which this test does not link */

static char root[64];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_rt_state.XXXXXX");
	assert_non_null(mkdtemp(root));
	rt_g.root = root;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	struct sb_error err;
	rt_state_remove(root, &err);
	return 0;
}

static void test_ids(void **state)
{
	(void)state;
	struct sb_error err;
	assert_int_equal(rt_id_check("abc-DEF_1.2+3", &err), 0);
	const char *bad[] = {"", ".", "..", "a/b", "a b", "a\nb", "caf\xc3\xa9", "x;rm"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(rt_id_check(bad[i], &err) < 0);
		assert_non_null(strstr(err.msg, "invalid container id"));
	}
	char longid[RT_ID_MAX + 2];
	memset(longid, 'a', sizeof(longid) - 1);
	longid[RT_ID_MAX + 1] = 0;
	assert_true(rt_id_check(longid, &err) < 0);
	longid[RT_ID_MAX] = 0;
	assert_int_equal(rt_id_check(longid, &err), 0);
	assert_string_equal(rt_root(), root);
}

/* A state for id whose VMM is pid. */
static void make_state(const char *id, pid_t pid, struct rt_state *s)
{
	struct sb_error err = {0};
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", id);
	assert_int_equal(rt_state_dir(id, s->dir, sizeof(s->dir), &err), 0);
	assert_int_equal(mkdir(s->dir, 0700), 0);
	snprintf(s->bundle, sizeof(s->bundle), "/some/bundle");
	snprintf(s->root, sizeof(s->root), "/some/bundle/rootfs");
	s->pid = pid;
	s->start_ticks = rt_proc_start(pid);
	s->created_ns = 1234567890123456789;
	s->annotations = strdup("{\"k\":\"v\"}");
	assert_int_equal(rt_state_save(s, &err), 0);
}

static void test_round_trip_and_status(void **state)
{
	(void)state;
	struct rt_state s, l;
	struct sb_error err = {0};
	assert_true(rt_proc_start(getpid()) > 0);
	make_state("c1", getpid(), &s);
	assert_int_equal(rt_state_load("c1", &l, &err), 0);
	assert_string_equal(l.bundle, "/some/bundle");
	assert_string_equal(l.root, "/some/bundle/rootfs");
	assert_int_equal(l.pid, getpid());
	assert_int_equal(l.start_ticks, s.start_ticks);
	assert_int_equal(l.created_ns, 1234567890123456789);
	assert_string_equal(l.annotations, "{\"k\":\"v\"}");
	/* alive, not started: created; with the mark: running */
	assert_int_equal(rt_state_status(&l), RT_CREATED);
	char mark[4200];
	snprintf(mark, sizeof(mark), "%s/" RT_STARTED_MARK, l.dir);
	close(open(mark, O_WRONLY | O_CREAT, 0600));
	assert_int_equal(rt_state_status(&l), RT_RUNNING);
	assert_string_equal(rt_status_name(RT_RUNNING), "running");
	/* the same pid with another start time is somebody else: stopped */
	l.start_ticks++;
	assert_int_equal(rt_state_status(&l), RT_STOPPED);
	rt_state_free(&s);
	rt_state_free(&l);
}

static void test_zombie_is_stopped(void **state)
{
	(void)state;
	pid_t pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	struct rt_state s;
	make_state("c2", pid, &s);
	assert_true(rt_state_alive(&s));
	assert_int_equal(rt_state_status(&s), RT_CREATED);
	kill(pid, SIGKILL);
	for (int i = 0; i < 500 && rt_state_alive(&s); i++)
		usleep(10000);
	/* exited, not yet reaped by its parent (us): stopped already */
	assert_false(rt_state_alive(&s));
	assert_int_equal(rt_state_status(&s), RT_STOPPED);
	waitpid(pid, NULL, 0);
	rt_state_free(&s);
}

static void test_load_errors(void **state)
{
	(void)state;
	struct rt_state l;
	struct sb_error err = {0};
	assert_int_equal(rt_state_load("nobody", &l, &err), -ENOENT);
	assert_string_equal(err.msg, "container does not exist");
	assert_int_equal(err.code, ENOENT);
	/* a directory whose create has not finished (no state.json) does not exist yet */
	char dir[4096];
	assert_int_equal(rt_state_dir("half", dir, sizeof(dir), &err), 0);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(rt_state_load("half", &l, &err), -ENOENT);
	/* a damaged one is an error, not a crash */
	char path[4200];
	snprintf(path, sizeof(path), "%s/" RT_STATE_FILE, dir);
	FILE *f = fopen(path, "w");
	fputs("{\"bundle\": 3, \"pid\": -1}", f);
	fclose(f);
	assert_true(rt_state_load("half", &l, &err) < 0);
	assert_non_null(strstr(err.msg, "damaged"));
	f = fopen(path, "w");
	fputs("{not json", f);
	fclose(f);
	assert_true(rt_state_load("half", &l, &err) < 0);
	assert_true(rt_state_load("../escape", &l, &err) < 0);
	assert_non_null(strstr(err.msg, "invalid container id"));
}

static void test_pid_file(void **state)
{
	(void)state;
	struct sb_error err = {0};
	char path[128];
	snprintf(path, sizeof(path), "%s/pidfile", root);
	assert_int_equal(rt_write_pid_file(path, 4242, &err), 0);
	char buf[32] = {0};
	int fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 4);
	close(fd);
	assert_string_equal(buf, "4242"); /* digits only: no newline */
	char tmp[160];
	snprintf(tmp, sizeof(tmp), "%s/.pidfile.tmp", root);
	assert_int_equal(access(tmp, F_OK), -1);
	snprintf(path, sizeof(path), "%s/no-such-dir/pidfile", root);
	assert_true(rt_write_pid_file(path, 1, &err) < 0);
}

/* Removal takes nested directories and never follows a symlink out. */
static void test_remove(void **state)
{
	(void)state;
	struct sb_error err = {0};
	char outside[64] = "/tmp/test_rt_outside.XXXXXX";
	assert_non_null(mkdtemp(outside));
	char p[4200];
	snprintf(p, sizeof(p), "%s/keep", outside);
	close(open(p, O_WRONLY | O_CREAT, 0600));
	char dir[4096];
	assert_int_equal(rt_state_dir("gone", dir, sizeof(dir), &err), 0);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(p, sizeof(p), "%s/a", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/a/b", dir);
	mkdir(p, 0500);
	snprintf(p, sizeof(p), "%s/link", dir);
	assert_int_equal(symlink(outside, p), 0);
	assert_int_equal(rt_state_remove(dir, &err), 0);
	assert_int_equal(access(dir, F_OK), -1);
	snprintf(p, sizeof(p), "%s/keep", outside);
	assert_int_equal(access(p, F_OK), 0);
	unlink(p);
	rmdir(outside);
	assert_int_equal(rt_state_remove(dir, &err), 0); /* already gone: fine */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ids),
	    cmocka_unit_test(test_round_trip_and_status),
	    cmocka_unit_test(test_zombie_is_stopped),
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_pid_file),
	    cmocka_unit_test(test_remove),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
