/* Unit tests for guest-init/spawn.c: PATH search and real fork/exec runs (no privileges needed). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "spawn.h"

static char dir[64];

static void make_file(const char *rel, mode_t mode, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
}

static int setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_guest_spawn.XXXXXX");
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof(path), "%s/a", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/b", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/b/tool", dir); /* a directory named like the tool */
	mkdir(path, 0755);
	make_file("a/tool", 0644, "#!/bin/sh\n"); /* not executable */
	make_file("tool", 0755, "#!/bin/sh\necho tool\n");
	make_file("a/only", 0755, "#!/bin/sh\nexit 0\n");
	make_file("noexec", 0644, "echo hi\n");
	make_file("badinterp", 0755, "#!/nonexistent/interp\n");
	return 0;
}

static int teardown_dir(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void test_lookpath(void **state)
{
	(void)state;
	char path[512], out[512], want[512];
	/* a/tool is not executable, b/tool is a directory, so the search goes on. */
	snprintf(path, sizeof(path), "%s/a:%s/b:%s", dir, dir, dir);
	assert_int_equal(spawn_lookpath("tool", path, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s/tool", dir);
	assert_string_equal(out, want);
	assert_int_equal(spawn_lookpath("only", path, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s/a/only", dir);
	assert_string_equal(out, want);
	assert_int_equal(spawn_lookpath("nothing", path, out, sizeof(out)), -ENOENT);
	assert_int_equal(spawn_lookpath("noexec", dir, out, sizeof(out)), -ENOENT);
	/* An empty element is the current directory. */
	char cwd[512];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(spawn_lookpath("tool", "/nonexistent::/x", out, sizeof(out)), 0);
	assert_string_equal(out, "./tool");
	assert_int_equal(chdir(cwd), 0);
	/* Too long for out: skipped, not truncated. */
	assert_int_equal(spawn_lookpath("tool", dir, out, 8), -ENOENT);
	/* NULL path: docker's default PATH. */
	assert_int_equal(spawn_lookpath("sh", NULL, out, sizeof(out)), 0);
}

struct run {
	int exec_status, wstatus;
	char out[256], err[256];
	char msg[1024];
};

static void drain(int fd, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;
	while ((r = read(fd, buf + n, size - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	close(fd);
}

static int run(char *const *argv, const char *cwd, struct run *res)
{
	int out[2], err[2];
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(err, O_CLOEXEC), 0);
	char pathvar[128];
	snprintf(pathvar, sizeof(pathvar), "PATH=%s:/bin:/usr/bin", dir);
	char *env[] = {pathvar, "GREETING=hello", NULL};
	struct spawn_request rq = {
	    .argv = argv, .env = env, .cwd = cwd, .out_fd = out[1], .err_fd = err[1]};
	struct spawn_result sr;
	struct sb_error e = {0};
	int r = spawn_start(&rq, &sr, &e);
	close(out[1]);
	close(err[1]);
	drain(out[0], res->out, sizeof(res->out));
	drain(err[0], res->err, sizeof(res->err));
	if (r < 0) {
		snprintf(res->msg, sizeof(res->msg), "%s", e.msg);
		waitpid(sr.pid, &res->wstatus, 0);
		return r;
	}
	assert_int_equal(waitpid(sr.pid, &res->wstatus, 0), sr.pid);
	res->exec_status = sr.exec_status;
	snprintf(res->msg, sizeof(res->msg), "%s", sr.msg);
	return 0;
}

static void test_spawn_runs(void **state)
{
	(void)state;
	struct run res;
	char *sh[] = {"sh", "-c",
		      "echo \"$GREETING\"; pwd; echo oops >&2; read x; echo \"[$x]\"; "
		      "umask; exit 7",
		      NULL};
	assert_int_equal(run(sh, "/", &res), 0);
	assert_int_equal(res.exec_status, 0);
	assert_true(WIFEXITED(res.wstatus));
	assert_int_equal(WEXITSTATUS(res.wstatus), 7);
	assert_string_equal(res.out, "hello\n/\n[]\n0022\n"); /* stdin is /dev/null */
	assert_string_equal(res.err, "oops\n");

	char *tool[] = {"tool", NULL}; /* found through the env's PATH */
	assert_int_equal(run(tool, "/", &res), 0);
	assert_string_equal(res.out, "tool\n");
}

static void test_spawn_failures(void **state)
{
	(void)state;
	struct run res;
	char *missing[] = {"no-such-tool", NULL};
	assert_int_equal(run(missing, "/", &res), 0);
	assert_int_equal(res.exec_status, 127);
	assert_int_equal(WEXITSTATUS(res.wstatus), 127);
	assert_string_equal(res.msg, "exec: \"no-such-tool\": executable file not found in $PATH");

	char path[256];
	snprintf(path, sizeof(path), "%s/noexec", dir);
	char *noexec[] = {path, NULL};
	assert_int_equal(run(noexec, "/", &res), 0);
	assert_int_equal(res.exec_status, 126);
	assert_int_equal(WEXITSTATUS(res.wstatus), 126);
	assert_non_null(strstr(res.msg, "permission denied"));

	char bad[256];
	snprintf(bad, sizeof(bad), "%s/badinterp", dir);
	char *badinterp[] = {bad, NULL};
	assert_int_equal(run(badinterp, "/", &res), 0);
	assert_int_equal(res.exec_status, 127);
	assert_non_null(strstr(res.msg, "no such file or directory"));
}

static void test_spawn_cwd(void **state)
{
	(void)state;
	struct run res;
	char cwd[256];
	snprintf(cwd, sizeof(cwd), "%s/new/deep/dir", dir); /* created like docker does */
	char *pwd[] = {"sh", "-c", "pwd", NULL};
	assert_int_equal(run(pwd, cwd, &res), 0);
	char want[300];
	snprintf(want, sizeof(want), "%s\n", cwd);
	assert_string_equal(res.out, want);

	snprintf(cwd, sizeof(cwd), "%s/tool/sub", dir); /* under a file: a sandbox failure */
	assert_true(run(pwd, cwd, &res) < 0);
	assert_non_null(strstr(res.msg, "working directory"));
	assert_int_equal(WEXITSTATUS(res.wstatus), 125);
}

/* With a pty: it is the controlling terminal and fds 0-2, output comes out of the master. */
static void test_spawn_tty(void **state)
{
	(void)state;
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	char name[64];
	assert_int_equal(ptsname_r(master, name, sizeof(name)), 0);
	int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(slave >= 0);
	char *argv[] = {"sh", "-c", "test -t 0 && test -t 2 && echo tty:$(tty)", NULL};
	char *env[] = {"PATH=/bin:/usr/bin", NULL};
	struct spawn_request rq = {.argv = argv,
				   .env = env,
				   .cwd = "/",
				   .in_fd = slave,
				   .out_fd = slave,
				   .err_fd = slave,
				   .ctty = true};
	struct spawn_result sr;
	struct sb_error e = {0};
	assert_int_equal(spawn_start(&rq, &sr, &e), 0);
	close(slave);
	int st;
	assert_int_equal(waitpid(sr.pid, &st, 0), sr.pid);
	assert_int_equal(WEXITSTATUS(st), 0);
	char buf[256];
	size_t n = 0;
	ssize_t r;
	while ((r = read(master, buf + n, sizeof(buf) - 1 - n)) > 0) /* EIO once drained */
		n += (size_t)r;
	buf[n] = '\0';
	char want[128];
	snprintf(want, sizeof(want), "tty:%s\r\n", name); /* the tty's ONLCR */
	assert_string_equal(buf, want);
	close(master);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_lookpath, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_spawn_runs, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_spawn_failures, setup_dir, teardown_dir),
	    cmocka_unit_test_setup_teardown(test_spawn_cwd, setup_dir, teardown_dir),
	    cmocka_unit_test(test_spawn_tty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
