/* `sandbox run` signal forwarding: our signals (and the --timeout clock) become control
 * frames for the VMM (vmm_config.ctl_fd). */
#include "run_signals.h"
#include "thread.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

struct ctl_frame run_signals_frame(unsigned *stops, int sig)
{
	if (sig == SIGINT || sig == SIGTERM) {
		if (++*stops >= 2)
			return ctlproto_exit((uint8_t)(128 + sig), 0);
	}
	return ctlproto_signal((unsigned)sig);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void send_frame(struct run_signals *s, const struct ctl_frame *f)
{
	uint8_t buf[ABI_CTL_FRAME_SIZE];
	ctlproto_encode(f, buf);
	/* A full pipe (the VMM is not reading) drops the frame; a frame is
	 * smaller than PIPE_BUF, so never half of one. */
	ssize_t n = write(s->wfd, buf, sizeof(buf));
	(void)n;
}

/* The VM was told to end with status: abandon it if it has not after the grace time. */
static void arm_grace(struct run_signals *s, int status)
{
	unsigned ms = s->opts.grace_ms ? s->opts.grace_ms : RUN_SIGNALS_GRACE_MS;
	s->end_status = status;
	s->grace_ns = now_ns() + ms * 1000000ull;
}

static void take_signal(struct run_signals *s, int sig)
{
	struct ctl_frame f;
	if (s->grace_ns && (sig == SIGINT || sig == SIGTERM) && s->opts.abandon) {
		s->opts.abandon(s->end_status); /* a third ^C: stop waiting */
		return;
	}
	if (sig == SIGWINCH) {
		struct tty_size sz;
		if (!s->opts.winsize || s->opts.winsize(&sz) < 0)
			return;
		f = ctlproto_winsize(sz.rows, sz.cols);
	} else {
		f = run_signals_frame(&s->stops, sig);
		if (f.type == ABI_CTL_EXIT) {
			atomic_store(&s->forced, sig);
			arm_grace(s, 128 + sig);
		}
	}
	send_frame(s, &f);
}

/* How long to wait for a signal: one tick, or less when the deadline is nearer. */
static struct timespec wait_time(const struct run_signals *s, uint64_t now)
{
	uint64_t ns = RUN_SIGNALS_POLL_MS * 1000000ull;
	if (s->deadline_ns && s->deadline_ns - now < ns)
		ns = s->deadline_ns - now;
	if (s->grace_ns && s->grace_ns > now && s->grace_ns - now < ns)
		ns = s->grace_ns - now;
	return (struct timespec){.tv_sec = 0, .tv_nsec = (long)ns};
}

static void *take(void *arg)
{
	struct run_signals *s = arg;

	while (!atomic_load(&s->stop)) {
		uint64_t now = now_ns();
		if (s->grace_ns && now >= s->grace_ns) {
			s->grace_ns = 0;
			if (s->opts.abandon)
				s->opts.abandon(s->end_status);
			continue;
		}
		if (s->deadline_ns && now >= s->deadline_ns) {
			s->deadline_ns = 0;
			if (!atomic_load(&s->forced)) {
				struct ctl_frame f = ctlproto_exit(RUN_TIMEOUT_STATUS, 0);
				atomic_store(&s->timed_out, 1);
				arm_grace(s, RUN_TIMEOUT_STATUS);
				send_frame(s, &f);
			}
			continue;
		}
		const struct timespec wait = wait_time(s, now);
		int sig = sigtimedwait(&s->set, NULL, &wait);
		if (sig > 0)
			take_signal(s, sig); /* else EAGAIN (the tick) or EINTR */
	}
	return NULL;
}

int run_signals_start(struct run_signals *s, const struct run_signals_opts *opts,
		      struct sb_error *err)
{
	int p[2];

	memset(s, 0, sizeof(*s));
	s->rfd = s->wfd = -1;
	if (opts)
		s->opts = *opts;
	if (s->opts.timeout_ms)
		s->deadline_ns = now_ns() + s->opts.timeout_ms * 1000000ull;
	sigemptyset(&s->set);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&s->set, forwarded[i]);
	if (s->opts.winsize)
		sigaddset(&s->set, SIGWINCH);
	if (pipe2(p, O_CLOEXEC) < 0)
		return error_set(err, errno, "signal pipe");
	s->rfd = p[0];
	s->wfd = p[1];
	if (fcntl(s->wfd, F_SETFL, O_NONBLOCK) < 0) {
		int r = error_set(err, errno, "signal pipe");
		run_signals_stop(s);
		return r;
	}
	pthread_sigmask(SIG_BLOCK, &s->set, &s->old);
	int e = thread_spawn(&s->thread, take, s);
	if (e) {
		pthread_sigmask(SIG_SETMASK, &s->old, NULL);
		run_signals_stop(s);
		return error_set(err, e, "create signal thread");
	}
	s->started = 1;
	return 0;
}

void run_signals_stop(struct run_signals *s)
{
	if (s->started) {
		atomic_store(&s->stop, 1);
		pthread_join(s->thread, NULL);
		const struct timespec now = {0, 0};
		while (sigtimedwait(&s->set, NULL, &now) > 0)
			; /* the VM is gone: nothing left to deliver them to */
		pthread_sigmask(SIG_SETMASK, &s->old, NULL);
		s->started = 0;
	}
	if (s->rfd >= 0)
		close(s->rfd);
	if (s->wfd >= 0)
		close(s->wfd);
	s->rfd = s->wfd = -1;
}
