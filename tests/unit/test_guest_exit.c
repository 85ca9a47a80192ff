/* Unit tests for guest-init/status.c: wait status -> docker exit status, exec failures. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "status.h"

/* A real wait status: a child that exits with code, or dies of sig. */
static int real_status(int code, int sig)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (sig) {
			signal(sig, SIG_DFL);
			raise(sig);
		}
		_exit(code);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void test_exit_codes(void **state)
{
	(void)state;
	bool oom = true;
	const int codes[] = {0, 1, 2, 42, 125, 126, 127, 128, 255};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		assert_int_equal(status_from_wait(real_status(codes[i], 0), 0, &oom), codes[i]);
		assert_false(oom);
	}
	/* A normal exit 137 is not an OOM kill even if the cgroup saw one. */
	assert_int_equal(status_from_wait(real_status(137, 0), 5, &oom), 137);
	assert_false(oom);
}

static void test_signals(void **state)
{
	(void)state;
	bool oom = true;
	assert_int_equal(status_from_wait(real_status(0, SIGTERM), 0, &oom), 128 + SIGTERM);
	assert_false(oom);
	assert_int_equal(status_from_wait(real_status(0, SIGINT), 0, &oom), 130);
	assert_int_equal(status_from_wait(real_status(0, SIGSEGV), 0, &oom), 139);
	assert_int_equal(status_from_wait(real_status(0, SIGKILL), 0, &oom), 137);
	assert_false(oom); /* SIGKILL without an OOM kill: someone killed it */
	assert_int_equal(status_from_wait(real_status(0, SIGKILL), 1, &oom), 137);
	assert_true(oom);
	assert_int_equal(status_from_wait(real_status(0, SIGTERM), 1, &oom), 143);
	assert_false(oom); /* OOM only explains a SIGKILL */
}

static void test_exec_failures(void **state)
{
	(void)state;
	char msg[256];
	assert_int_equal(status_exec_failure("nosuch", ENOENT, true, msg, sizeof(msg)), 127);
	assert_string_equal(msg, "exec: \"nosuch\": executable file not found in $PATH");
	assert_int_equal(status_exec_failure("/bin/nosuch", ENOENT, false, msg, sizeof(msg)), 127);
	assert_string_equal(msg, "exec: \"/bin/nosuch\": no such file or directory");
	assert_int_equal(status_exec_failure("/etc/passwd", EACCES, false, msg, sizeof(msg)), 126);
	assert_string_equal(msg, "exec: \"/etc/passwd\": permission denied");
	assert_int_equal(status_exec_failure("./x", ENOEXEC, false, msg, sizeof(msg)), 126);
	assert_string_equal(msg, "exec: \"./x\": exec format error");
	assert_int_equal(status_exec_failure("/a/b", ENOTDIR, false, msg, sizeof(msg)), 127);
	/* Truncation stays a terminated string. */
	char small[16];
	assert_int_equal(
	    status_exec_failure("a-very-long-name", ENOENT, true, small, sizeof(small)), 127);
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

static void test_oom_note(void **state)
{
	(void)state;
	char line[160];
	size_t n = status_oom_note(33554432, line, sizeof(line));
	assert_string_equal(
	    line, "sandbox: workload killed: out of memory (memory limit 33554432 bytes; "
		  "raise it with --memory)\n");
	assert_int_equal(n, strlen(line));
	/* No -m: the VM's memory ran out, there is no limit to name. */
	n = status_oom_note(0, line, sizeof(line));
	assert_string_equal(line, "sandbox: workload killed: out of memory (the VM's memory; "
				  "raise it with --memory)\n");
	assert_int_equal(n, strlen(line));
	n = status_oom_note(UINT64_MAX, line, sizeof(line));
	assert_non_null(strstr(line, "(memory limit 18446744073709551615 bytes; "));
	char small[10];
	n = status_oom_note(1, small, sizeof(small));
	assert_int_equal(n, sizeof(small) - 1);
	assert_int_equal(strlen(small), n);
	assert_int_equal(status_oom_note(1, small, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exit_codes),
	    cmocka_unit_test(test_signals),
	    cmocka_unit_test(test_exec_failures),
	    cmocka_unit_test(test_oom_note),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
