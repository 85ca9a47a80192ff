/* Unit tests for host/run_signals.c: which frame a signal becomes, and the thread end to end. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
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
	assert_int_equal(run_signals_start(&s, NULL, &err), 0);
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

/* Nothing on fd within ms. */
static void no_frame(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	assert_int_equal(poll(&p, 1, ms), 0);
}

static int fake_rows = 33, fake_cols = 101;

static int fake_size(struct tty_size *sz)
{
	if (fake_rows < 0)
		return -ENOTTY;
	sz->rows = (uint16_t)fake_rows;
	sz->cols = (uint16_t)fake_cols;
	return 0;
}

static void winch_becomes_winsize(void **state)
{
	(void)state;
	struct run_signals s;
	struct sb_error err = {0};
	const struct run_signals_opts opts = {.winsize = fake_size};
	assert_int_equal(run_signals_start(&s, &opts, &err), 0);
	kill(getpid(), SIGWINCH);
	struct ctl_frame f = read_frame(s.rfd);
	assert_int_equal(f.type, ABI_CTL_WINSIZE);
	assert_int_equal(f.value, 33u << 16 | 101);
	fake_rows = 7;
	fake_cols = 65535;
	kill(getpid(), SIGWINCH);
	f = read_frame(s.rfd);
	assert_int_equal(f.value, 7u << 16 | 65535);
	fake_rows = -1; /* the size is unknown now: no frame */
	kill(getpid(), SIGWINCH);
	no_frame(s.rfd, 300);
	kill(getpid(), SIGWINCH);
	kill(getpid(), SIGINT); /* still a stop signal, not counted by WINCH */
	f = read_frame(s.rfd);
	assert_int_equal(f.type, ABI_CTL_SIGNAL);
	assert_int_equal(f.value, SIGINT);
	run_signals_stop(&s);

	/* Without -t, SIGWINCH is not ours (its default: ignored). */
	assert_int_equal(run_signals_start(&s, NULL, &err), 0);
	sigset_t now;
	pthread_sigmask(SIG_SETMASK, NULL, &now);
	assert_false(sigismember(&now, SIGWINCH));
	assert_true(sigismember(&now, SIGHUP));
	kill(getpid(), SIGWINCH);
	no_frame(s.rfd, 300);
	run_signals_stop(&s);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void timeout_ends_the_vm(void **state)
{
	(void)state;
	struct run_signals s;
	struct sb_error err = {0};
	const struct run_signals_opts opts = {.timeout_ms = 450};
	uint64_t t0 = mono_ms();
	assert_int_equal(run_signals_start(&s, &opts, &err), 0);
	kill(getpid(), SIGUSR1); /* signals still pass before it */
	struct ctl_frame f = read_frame(s.rfd);
	assert_int_equal(f.value, SIGUSR1);
	assert_int_equal(atomic_load(&s.timed_out), 0);
	f = read_frame(s.rfd);
	uint64_t took = mono_ms() - t0;
	assert_int_equal(f.type, ABI_CTL_EXIT);
	assert_int_equal(f.value, RUN_TIMEOUT_STATUS);
	assert_int_equal(atomic_load(&s.timed_out), 1);
	assert_true(took >= 450);
	assert_true(took < 450 + 1000);
	no_frame(s.rfd, 300); /* once */
	run_signals_stop(&s);

	/* The VM already ended by a second ^C: no timeout frame after. */
	const struct run_signals_opts soon = {.timeout_ms = 300};
	assert_int_equal(run_signals_start(&s, &soon, &err), 0);
	kill(getpid(), SIGINT);
	f = read_frame(s.rfd); /* (two pending SIGINTs would merge into one) */
	assert_int_equal(f.type, ABI_CTL_SIGNAL);
	kill(getpid(), SIGINT);
	f = read_frame(s.rfd);
	assert_int_equal(f.type, ABI_CTL_EXIT);
	assert_int_equal(f.value, 128 + SIGINT);
	no_frame(s.rfd, 600);
	assert_int_equal(atomic_load(&s.timed_out), 0);
	run_signals_stop(&s);
}

static atomic_int abandoned = -1;
static atomic_ullong abandoned_at;
static void record_abandon(int status)
{
	atomic_store(&abandoned_at, mono_ms());
	atomic_store(&abandoned, status);
}

/* A VM that does not stop after its exit frame is abandoned after the grace
 * time (timeout), or at once on a third ^C. */
static void a_stuck_vm_is_abandoned(void **state)
{
	(void)state;
	struct run_signals s;
	struct sb_error err = {0};
	const struct run_signals_opts opts = {
	    .timeout_ms = 100, .abandon = record_abandon, .grace_ms = 400};
	uint64_t t0 = mono_ms();
	assert_int_equal(run_signals_start(&s, &opts, &err), 0);
	struct ctl_frame f = read_frame(s.rfd);
	assert_int_equal(f.value, RUN_TIMEOUT_STATUS);
	assert_int_equal(atomic_load(&abandoned), -1); /* not yet: the grace time runs */
	while (atomic_load(&abandoned) < 0 && mono_ms() - t0 < 3000)
		usleep(10000);
	assert_int_equal(atomic_load(&abandoned), RUN_TIMEOUT_STATUS);
	assert_true(atomic_load(&abandoned_at) - t0 >= 500);
	run_signals_stop(&s);

	atomic_store(&abandoned, -1);
	const struct run_signals_opts slow = {.abandon = record_abandon, .grace_ms = 60000};
	assert_int_equal(run_signals_start(&s, &slow, &err), 0);
	for (int i = 0; i < 2; i++) {
		kill(getpid(), SIGTERM);
		f = read_frame(s.rfd);
	}
	assert_int_equal(f.type, ABI_CTL_EXIT);
	no_frame(s.rfd, 200);
	assert_int_equal(atomic_load(&abandoned), -1);
	kill(getpid(), SIGINT);
	t0 = mono_ms();
	while (atomic_load(&abandoned) < 0 && mono_ms() - t0 < 3000)
		usleep(10000);
	assert_int_equal(atomic_load(&abandoned), 128 + SIGTERM);
	run_signals_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(first_stop_forwards_second_ends),
	    cmocka_unit_test(thread_turns_signals_into_frames),
	    cmocka_unit_test(winch_becomes_winsize),
	    cmocka_unit_test(timeout_ends_the_vm),
	    cmocka_unit_test(a_stuck_vm_is_abandoned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
