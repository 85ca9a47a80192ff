/* Unit tests for host/run_signals.c: which frame a signal becomes, and the thread end to end. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "run_signals.h"

static void first_stop_forwards_second_ends(void **state)
{
	(void)state;
	unsigned stops = 0;
	struct ctl_frame f = run_signals_frame(&stops, SIGUSR1);
	assert_int_equal(f.type, ABI_CTL_SIGNAL);
	assert_int_equal(f.value, SIGUSR1);
	f = run_signals_frame(&stops, SIGHUP);
	assert_int_equal(f.type, ABI_CTL_SIGNAL);
	assert_int_equal(stops, 0);
	f = run_signals_frame(&stops, SIGINT);
	assert_int_equal(f.type, ABI_CTL_SIGNAL);
	assert_int_equal(f.value, SIGINT);
	f = run_signals_frame(&stops, SIGQUIT); /* not a stop signal */
	assert_int_equal(f.type, ABI_CTL_SIGNAL);
	f = run_signals_frame(&stops, SIGTERM); /* any mix of INT/TERM counts */
	assert_int_equal(f.type, ABI_CTL_EXIT);
	assert_int_equal(f.value, 128 + SIGTERM);
	/* and the frame is one the VMM accepts */
	uint8_t b[ABI_CTL_FRAME_SIZE];
	struct ctl_frame back;
	ctlproto_encode(&f, b);
	assert_int_equal(ctlproto_decode(b, &back), 0);
}

static struct ctl_frame read_frame(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 5000), 1);
	uint8_t b[ABI_CTL_FRAME_SIZE];
	assert_int_equal(read(fd, b, sizeof(b)), (ssize_t)sizeof(b));
	struct ctl_frame f;
	assert_int_equal(ctlproto_decode(b, &f), 0);
	return f;
}

static void thread_turns_signals_into_frames(void **state)
{
	(void)state;
	struct run_signals s;
	struct sb_error err = {0};
	assert_int_equal(run_signals_start(&s, &err), 0);
	assert_true(s.rfd > 0);
	kill(getpid(), SIGUSR2);
	struct ctl_frame f = read_frame(s.rfd);
	assert_int_equal(f.type, ABI_CTL_SIGNAL);
	assert_int_equal(f.value, SIGUSR2);
	kill(getpid(), SIGTERM);
	f = read_frame(s.rfd);
	assert_int_equal(f.value, SIGTERM);
	kill(getpid(), SIGINT);
	f = read_frame(s.rfd);
	assert_int_equal(f.type, ABI_CTL_EXIT);
	assert_int_equal(f.value, 128 + SIGINT);
	assert_int_equal(atomic_load(&s.forced), SIGINT);
	run_signals_stop(&s);
	assert_int_equal(s.rfd, -1);
	/* the mask is back: SIGUSR2 is no longer blocked */
	sigset_t now;
	pthread_sigmask(SIG_SETMASK, NULL, &now);
	assert_false(sigismember(&now, SIGUSR2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(first_stop_forwards_second_ends),
	    cmocka_unit_test(thread_turns_signals_into_frames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
