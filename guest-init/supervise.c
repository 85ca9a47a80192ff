/* PID 1's loop: relay the workload's output, reap every child, forward signals, drain at the end.
 */
#include "supervise.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "abi.h"
#include "cgroup.h"
#include "channel.h"

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Move one chunk from *fd to the host; close it on EOF or error. */
static void relay(int *fd, enum portio_stream stream)
{
	char buf[4096];
	ssize_t n = read(*fd, buf, sizeof(buf));
	if (n > 0) {
		channel_write(stream, buf, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	close(*fd);
	*fd = -1;
}

/* Reap every zombie (orphans included); note the workload's status. */
static void reap(struct supervise *s, bool *done, int *wstatus)
{
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == s->child) {
			*wstatus = st;
			*done = true;
		} else if (s->execd) {
			execd_reaped(s->execd, pid, st);
		}
	}
}

static bool forwarded(int sig)
{
	return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT ||
	       sig == SIGUSR1 || sig == SIGUSR2 || sig == SIGWINCH;
}

/* What PID 1 passes on to the workload, from its own signals or the host's frames. */
static void forward(struct supervise *s, bool done, int sig)
{
	if (forwarded(sig) && !done)
		kill(s->child, sig);
}

static void take_signals(struct supervise *s, bool *done, int *wstatus)
{
	struct signalfd_siginfo si[16];
	ssize_t n = read(s->sfd, si, sizeof(si));
	for (ssize_t i = 0; n > 0 && i < n / (ssize_t)sizeof(si[0]); i++)
		forward(s, *done, (int)si[i].ssi_signo);
	reap(s, done, wstatus); /* SIGCHLD or not: cheap, and SIGCHLDs coalesce */
}

struct frame_ctx {
	struct supervise *s;
	bool done;
};

/* The host terminal's new size onto the workload's pty; the kernel then
 * sends SIGWINCH to the pty's foreground process group. */
static void resize(struct supervise *s, uint32_t value)
{
	struct winsize ws = {.ws_row = (unsigned short)(value >> 16),
			     .ws_col = (unsigned short)(value & 0xffff)};
	if (s->tty_fd >= 0 && ws.ws_row && ws.ws_col)
		ioctl(s->tty_fd, TIOCSWINSZ, &ws);
}

static void on_frame(void *ctx, const struct ctl_frame *f)
{
	struct frame_ctx *fc = ctx;
	if (f->type == ABI_CTL_SIGNAL && !fc->done) /* any signal the host names: KILL too */
		kill(fc->s->child, (int)f->value);
	else if (f->type == ABI_CTL_WINSIZE)
		resize(fc->s, f->value);
}

/* Frames from the host on the control port; stop watching it when it fails. */
static void take_frames(struct supervise *s, struct ctlproto_rx *rx, bool done, bool *ctl_live)
{
	uint8_t buf[64];
	ssize_t n = read(s->ctl_fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		*ctl_live = false;
		return;
	}
	struct frame_ctx fc = {s, done};
	channel_feed(rx, buf, (size_t)n, on_frame, &fc);
}

/* The workload is gone: docker stops the whole container with it. */
static void kill_rest(struct supervise *s)
{
	if (s->cgroup_root)
		cgroup_kill(s->cgroup_root);
	if (s->pid1)
		kill(-1, SIGKILL); /* everything but PID 1, also escapees from the cgroup */
	else
		kill(-s->child, SIGKILL); /* debug run: only the workload's session group */
}

enum { P_SIG, P_OUT, P_ERR, P_IN_SRC, P_IN_DST, P_CTL, P_COUNT };

static void fill_poll(struct supervise *s, bool done, bool ctl_live, struct pollfd *fds)
{
	fds[P_SIG] = (struct pollfd){.fd = s->sfd, .events = POLLIN};
	fds[P_OUT] = (struct pollfd){.fd = s->out_fd, .events = POLLIN};
	fds[P_ERR] = (struct pollfd){.fd = s->err_fd, .events = POLLIN};
	fds[P_IN_SRC] =
	    (struct pollfd){.fd = pump_want_read(s->in) ? s->in->src : -1, .events = POLLIN};
	fds[P_IN_DST] =
	    (struct pollfd){.fd = pump_want_write(s->in) ? s->in->dst : -1, .events = POLLOUT};
	fds[P_CTL] = (struct pollfd){.fd = ctl_live && !done ? s->ctl_fd : -1, .events = POLLIN};
}

/* The poll timeout: the final drain's deadline, or an exec session's. */
static int poll_timeout(struct supervise *s, bool killed, int64_t deadline)
{
	int t = killed ? (int)(deadline - now_ms()) : -1;
	int te = s->execd ? execd_timeout(s->execd) : -1;
	if (te >= 0 && (t < 0 || te < t))
		t = te;
	return t;
}

int supervise_run(struct supervise *s)
{
	bool done = false, killed = false, ctl_live = s->ctl_fd >= 0;
	int wstatus = 0;
	int64_t deadline = 0;
	struct ctlproto_rx rx;
	ctlproto_rx_init(&rx);
	while (!done || s->out_fd >= 0 || s->err_fd >= 0) {
		struct pollfd fds[P_COUNT + EXECD_POLL_MAX];
		fill_poll(s, done, ctl_live, fds);
		int nex = s->execd ? execd_fill_poll(s->execd, fds + P_COUNT) : 0;
		if (killed && deadline - now_ms() <= 0)
			break;
		int n = poll(fds, (nfds_t)(P_COUNT + nex), poll_timeout(s, killed, deadline));
		if (n < 0 && errno != EINTR) { /* cannot happen; do not spin or lie */
			if (!done && waitpid(s->child, &wstatus, 0) == s->child)
				done = true;
			kill_rest(s);
			break;
		}
		if (n > 0 && fds[P_OUT].revents)
			relay(&s->out_fd, PORTIO_STDOUT);
		if (n > 0 && fds[P_ERR].revents)
			relay(&s->err_fd, PORTIO_STDERR);
		if (n > 0 && fds[P_IN_DST].revents)
			pump_write(s->in);
		if (n > 0 && fds[P_IN_SRC].revents)
			pump_read(s->in);
		if (n > 0 && fds[P_CTL].revents)
			take_frames(s, &rx, done, &ctl_live);
		if (n > 0 && fds[P_SIG].revents)
			take_signals(s, &done, &wstatus);
		if (nex) /* after the reaping: exited sessions finish at once */
			execd_handle(s->execd, fds + P_COUNT);
		if (done && !killed) {
			pump_close(s->in); /* nobody left to read it */
			if (s->execd)
				execd_workload_ended(s->execd);
			kill_rest(s);
			killed = true;
			deadline = now_ms() + SUPERVISE_DRAIN_MS;
		}
	}
	pump_close(s->in);
	if (s->out_fd >= 0)
		close(s->out_fd);
	if (s->err_fd >= 0)
		close(s->err_fd);
	s->out_fd = s->err_fd = -1;
	reap(s, &done, &wstatus);
	return wstatus;
}
