/* Unit tests for host/tty.c on a pty of our own: raw mode, restore (also from a crash), sizes. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "tty.h"

struct pty {
	int master, slave;
};

static void pty_open(struct pty *p)
{
	char name[64];
	p->master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(p->master >= 0);
	assert_int_equal(grantpt(p->master), 0);
	assert_int_equal(unlockpt(p->master), 0);
	assert_int_equal(ptsname_r(p->master, name, sizeof(name)), 0);
	p->slave = open(name, O_RDWR | O_NOCTTY);
	assert_true(p->slave >= 0);
}

static void pty_close(struct pty *p)
{
	close(p->slave);
	close(p->master);
}

static int same(const struct termios *a, const struct termios *b)
{
	return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag && a->c_cflag == b->c_cflag &&
	       a->c_lflag == b->c_lflag && !memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc));
}

static void make_raw_is_dockers(void **state)
{
	(void)state;
	struct termios t;
	memset(&t, 0, sizeof(t));
	t.c_iflag = ICRNL | IXON | BRKINT | IUTF8;
	t.c_oflag = OPOST | ONLCR;
	t.c_cflag = CS7 | PARENB | CREAD;
	t.c_lflag = ECHO | ICANON | ISIG | IEXTEN | ECHOE;
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 5;
	t.c_cc[VINTR] = 3;
	tty_make_raw(&t);
	assert_int_equal(t.c_iflag, IUTF8);	    /* the others are input processing */
	assert_int_equal(t.c_oflag, OPOST | ONLCR); /* output processing stays */
	assert_int_equal(t.c_cflag, CS8 | CREAD);
	assert_int_equal(t.c_lflag, ECHOE); /* ECHOE does nothing without ICANON */
	assert_int_equal(t.c_cc[VMIN], 1);
	assert_int_equal(t.c_cc[VTIME], 0);
	assert_int_equal(t.c_cc[VINTR], 3);
	t.c_oflag = 0;
	tty_make_raw(&t);
	assert_int_equal(t.c_oflag, OPOST);
}

static void raw_then_restore(void **state)
{
	(void)state;
	struct pty p;
	struct termios before, during, after;
	struct sb_error err = {0};
	pty_open(&p);
	assert_int_equal(tcgetattr(p.slave, &before), 0);
	assert_true(before.c_lflag & ICANON); /* a fresh pty is cooked */
	assert_int_equal(tty_raw(p.slave, &err), 0);
	assert_int_equal(tcgetattr(p.slave, &during), 0);
	assert_false(during.c_lflag & (ICANON | ECHO | ISIG));
	assert_false(during.c_iflag & ICRNL);
	assert_true(during.c_oflag & OPOST);
	assert_int_equal(tty_raw(p.slave, &err), -EBUSY); /* one at a time */
	/* a crash handler is in while raw, and gone after */
	struct sigaction sa;
	sigaction(SIGABRT, NULL, &sa);
	assert_true(sa.sa_handler != SIG_DFL);
	tty_restore();
	assert_int_equal(tcgetattr(p.slave, &after), 0);
	assert_true(same(&before, &after));
	sigaction(SIGABRT, NULL, &sa);
	assert_true(sa.sa_handler == SIG_DFL);
	tty_restore();				     /* again: nothing */
	assert_int_equal(tty_raw(p.slave, &err), 0); /* and usable again */
	tty_restore();
	pty_close(&p);
}

static void not_a_terminal(void **state)
{
	(void)state;
	int fds[2];
	struct sb_error err = {0};
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(tty_raw(fds[0], &err), -ENOTTY);
	assert_non_null(strstr(err.msg, "terminal settings"));
	struct sigaction sa;
	sigaction(SIGABRT, NULL, &sa);
	assert_true(sa.sa_handler == SIG_DFL); /* nothing armed */
	struct tty_size sz;
	assert_int_equal(tty_get_size(fds[0], &sz), -ENOTTY);
	close(fds[0]);
	close(fds[1]);
}

/* A child goes raw and dies of sig: the terminal must come back. */
static void crash_restores(int sig)
{
	struct pty p;
	struct termios before, after;
	pty_open(&p);
	assert_int_equal(tcgetattr(p.slave, &before), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit none = {0, 0};
		setrlimit(RLIMIT_CORE, &none);
		struct sigaction dfl = {.sa_handler = SIG_DFL}; /* not the sanitizer's */
		sigaction(sig, &dfl, NULL);
		struct sb_error err = {0};
		if (tty_raw(p.slave, &err) < 0)
			_exit(3);
		if (sig == SIGABRT)
			abort();
		raise(sig);
		_exit(4);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), sig); /* still dies of it */
	assert_int_equal(tcgetattr(p.slave, &after), 0);
	assert_true(same(&before, &after));
	pty_close(&p);
}

static void fatal_signals_restore(void **state)
{
	(void)state;
	crash_restores(SIGABRT);
	crash_restores(SIGSEGV);
	crash_restores(SIGPIPE);
}

static void sizes(void **state)
{
	(void)state;
	struct pty p;
	struct tty_size sz = {0};
	pty_open(&p);
	struct winsize ws = {.ws_row = 0, .ws_col = 0};
	assert_int_equal(ioctl(p.master, TIOCSWINSZ, &ws), 0);
	assert_int_equal(tty_get_size(p.slave, &sz), -ENODATA); /* 0x0: unknown */
	ws = (struct winsize){.ws_row = 33, .ws_col = 101};
	assert_int_equal(ioctl(p.master, TIOCSWINSZ, &ws), 0);
	assert_int_equal(tty_get_size(p.slave, &sz), 0);
	assert_int_equal(sz.rows, 33);
	assert_int_equal(sz.cols, 101);

	/* tty_host_size: stdout first, then stdin. */
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	int save0 = dup(0), save1 = dup(1);
	dup2(p.slave, 1);
	dup2(fds[0], 0);
	struct tty_size out = {0}, in = {0}, none = {0};
	int r_out = tty_host_size(&out);
	dup2(fds[1], 1);
	dup2(p.slave, 0);
	int r_in = tty_host_size(&in);
	dup2(fds[0], 0);
	int r_none = tty_host_size(&none);
	dup2(save0, 0);
	dup2(save1, 1);
	close(save0);
	close(save1);
	close(fds[0]);
	close(fds[1]);
	assert_int_equal(r_out, 0);
	assert_int_equal(out.rows, 33);
	assert_int_equal(r_in, 0);
	assert_int_equal(in.cols, 101);
	assert_int_equal(r_none, -ENOTTY);
	pty_close(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(make_raw_is_dockers),
	    cmocka_unit_test(raw_then_restore),
	    cmocka_unit_test(not_a_terminal),
	    cmocka_unit_test(fatal_signals_restore),
	    cmocka_unit_test(sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
