/* PID 1's loop: relay the workload's output, reap every child, forward signals, drain at the end.
 */
#include "supervise.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "portio.h"

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
		portio_write(stream, buf, (size_t)n);
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
		}
	}
}

static bool forwarded(int sig)
{
	return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT ||
	       sig == SIGUSR1 || sig == SIGUSR2 || sig == SIGWINCH;
}

static void take_signals(struct supervise *s, bool *done, int *wstatus)
{
	struct signalfd_siginfo si[16];
	ssize_t n = read(s->sfd, si, sizeof(si));
	for (ssize_t i = 0; n > 0 && i < n / (ssize_t)sizeof(si[0]); i++) {
		int sig = (int)si[i].ssi_signo;
		if (forwarded(sig) && !*done)
			kill(s->child, sig);
	}
	reap(s, done, wstatus); /* SIGCHLD or not: cheap, and SIGCHLDs coalesce */
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

int supervise_run(struct supervise *s)
{
	bool done = false, killed = false;
	int wstatus = 0;
	int64_t deadline = 0;
	while (!done || s->out_fd >= 0 || s->err_fd >= 0) {
		struct pollfd fds[3] = {
		    {.fd = s->sfd, .events = POLLIN},
		    {.fd = s->out_fd, .events = POLLIN},
		    {.fd = s->err_fd, .events = POLLIN},
		};
		int timeout = killed ? (int)(deadline - now_ms()) : -1;
		if (killed && timeout <= 0)
			break;
		int n = poll(fds, 3, timeout);
		if (n < 0 && errno != EINTR) { /* cannot happen; do not spin or lie */
			if (!done && waitpid(s->child, &wstatus, 0) == s->child)
				done = true;
			kill_rest(s);
			break;
		}
		if (n > 0 && fds[1].revents)
			relay(&s->out_fd, PORTIO_STDOUT);
		if (n > 0 && fds[2].revents)
			relay(&s->err_fd, PORTIO_STDERR);
		if (n > 0 && fds[0].revents)
			take_signals(s, &done, &wstatus);
		if (done && !killed) {
			kill_rest(s);
			killed = true;
			deadline = now_ms() + SUPERVISE_DRAIN_MS;
		}
	}
	if (s->out_fd >= 0)
		close(s->out_fd);
	if (s->err_fd >= 0)
		close(s->err_fd);
	s->out_fd = s->err_fd = -1;
	reap(s, &done, &wstatus);
	return wstatus;
}
