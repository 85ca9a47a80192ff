/* The VMM process's control socket, ROOT/ID/ctl.sock: `start`, `kill` and `exec` talk
 * to the container's VMM through it. One short line each way: "start", "signal N" or
 * "exec", then "ok" or "error: ...". After "exec" ... "ok" the connection carries that
 * exec session's frames (execmux.c). Only the socket's owner may connect (mode 0600 in
 * a 0700 directory). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "runtime.h"
#include "virtio/ctlproto.h"
#include "virtio/execproto.h"

#define CTL_LINE_MAX 64
#define CTL_CALL_TIMEOUT_MS 10000

struct rt_ctl {
	int listen_fd, frame_wfd;
	struct rt_execmux *mux; /* NULL: the VM has no exec port */
	char dir[4096];
	bool started;
	pthread_t thread;
};

static int sock_path(const char *dir, struct sockaddr_un *a, struct sb_error *err)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if ((size_t)snprintf(a->sun_path, sizeof(a->sun_path), "%s/" RT_CTL_SOCK, dir) >=
	    sizeof(a->sun_path))
		return error_set(err, ENAMETOOLONG,
				 "%s/" RT_CTL_SOCK ": longer than a socket path may be (use a "
				 "shorter --root)",
				 dir);
	return 0;
}

int rt_ctl_listen(const char *dir, struct sb_error *err)
{
	struct sockaddr_un a;
	int r = sock_path(dir, &a, err);
	if (r < 0)
		return r;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_set(err, errno, "control socket");
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || chmod(a.sun_path, 0600) < 0 ||
	    listen(fd, 8) < 0) {
		int e = errno;
		close(fd);
		return error_set(err, e, "control socket %s", a.sun_path);
	}
	return fd;
}

int rt_read_line(int fd, char *buf, size_t size, int timeout_ms)
{
	size_t have = 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	while (have + 1 < size) {
		int k = poll(&p, 1, timeout_ms);
		if (k < 0 && errno == EINTR)
			continue;
		if (k != 1)
			break;
		ssize_t n = read(fd, buf + have, size - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		if (memchr(buf, '\n', have))
			break;
	}
	buf[have] = 0;
	char *nl = strchr(buf, '\n');
	if (!nl)
		return 0;
	*nl = 0;
	return 1;
}

static void send_frame(struct rt_ctl *c, struct ctl_frame f)
{
	uint8_t buf[ABI_CTL_FRAME_SIZE];
	ctlproto_encode(&f, buf);
	ssize_t n = write(c->frame_wfd, buf, sizeof(buf)); /* < PIPE_BUF: whole or nothing */
	(void)n;
}

/* Before the start there is no workload: a signal that would end one ends the
 * VM as that workload's death would. */
static bool ends_unstarted(int sig)
{
	return sig == SIGKILL || sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT;
}

static const char *handle(struct rt_ctl *c, const char *line)
{
	if (!strcmp(line, "start")) {
		if (c->started)
			return "error: container already started";
		char mark[4200];
		snprintf(mark, sizeof(mark), "%s/" RT_STARTED_MARK, c->dir);
		int fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return "error: cannot mark the container started";
		close(fd);
		c->started = true;
		send_frame(c, ctlproto_start());
		return "ok";
	}
	if (!strncmp(line, "signal ", 7)) {
		char *end;
		long sig = strtol(line + 7, &end, 10);
		if (*end || sig < 1 || sig > (long)ABI_CTL_SIGNAL_MAX)
			return "error: bad signal";
		if (!c->started && ends_unstarted((int)sig))
			send_frame(c, ctlproto_exit((uint8_t)(128 + sig), 0));
		else if (c->started)
			send_frame(c, ctlproto_signal((unsigned)sig));
		return "ok";
	}
	return "error: unknown command";
}

static void reply(int fd, const char *text)
{
	char out[CTL_LINE_MAX + 2];
	int n = snprintf(out, sizeof(out), "%s\n", text);
	ssize_t w = send(fd, out, (size_t)n, MSG_NOSIGNAL);
	(void)w;
}

/* One connection: a command answered at once, or an exec session kept open. */
static void accept_one(struct rt_ctl *c)
{
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	char line[CTL_LINE_MAX + 1];
	if (!rt_read_line(fd, line, sizeof(line), 2000)) {
		reply(fd, "error: no command");
	} else if (strcmp(line, "exec") != 0) {
		reply(fd, handle(c, line));
	} else if (!c->mux) {
		reply(fd, "error: this container's VM has no exec port");
	} else {
		reply(fd, "ok");
		int r = rt_execmux_add(c->mux, fd);
		if (r == 0)
			return; /* the mux owns it now */
		/* The proxy reads this where it expects frames: it is not one. */
		reply(fd, r == -EBUSY ? "error: too many exec sessions" : "error: exec is over");
	}
	close(fd);
}

static void *serve(void *arg)
{
	struct rt_ctl *c = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals are the run's own thread's */
	for (;;) {
		struct pollfd fds[2 + EXEC_MAX_SESSIONS];
		fds[0] = (struct pollfd){.fd = c->listen_fd, .events = POLLIN};
		size_t n = 1 + (c->mux ? rt_execmux_fill_poll(c->mux, fds + 1) : 0);
		if (poll(fds, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (fds[0].revents & POLLIN)
			accept_one(c);
		if (c->mux)
			rt_execmux_handle(c->mux, fds + 1, n - 1);
	}
}

int rt_ctl_serve(struct rt_ctl **out, int listen_fd, const char *state_dir, int frame_wfd,
		 int exec_fd, struct sb_error *err)
{
	struct rt_ctl *c = calloc(1, sizeof(*c));
	if (!c)
		return error_set(err, ENOMEM, "control socket");
	c->listen_fd = listen_fd;
	c->frame_wfd = frame_wfd;
	snprintf(c->dir, sizeof(c->dir), "%s", state_dir);
	if (exec_fd >= 0 && !(c->mux = rt_execmux_new(exec_fd))) {
		free(c);
		return error_set(err, ENOMEM, "exec sessions");
	}
	int r = pthread_create(&c->thread, NULL, serve, c);
	if (r) {
		free(c);
		return error_set(err, r, "control thread");
	}
	pthread_detach(c->thread); /* lives as long as the VMM process */
	*out = c;
	return 0;
}

int rt_ctl_open(const char *state_dir, const char *cmd, struct sb_error *err)
{
	struct sockaddr_un a;
	int r = sock_path(state_dir, &a, err);
	if (r < 0)
		return r;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_set(err, errno, "control socket");
	char line[CTL_LINE_MAX + 2];
	int n = snprintf(line, sizeof(line), "%s\n", cmd);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    send(fd, line, (size_t)n, MSG_NOSIGNAL) != n) {
		close(fd);
		return error_set(err, 0, "container not running");
	}
	/* The reply is all the VMM sends before it hears from us again. */
	char reply[CTL_LINE_MAX + 1];
	int answered = rt_read_line(fd, reply, sizeof(reply), CTL_CALL_TIMEOUT_MS);
	if (answered && !strcmp(reply, "ok"))
		return fd;
	close(fd);
	if (!answered)
		return error_set(err, ETIMEDOUT, "the container's VMM did not answer");
	return error_set(err, EIO, "%s", !strncmp(reply, "error: ", 7) ? reply + 7 : reply);
}

int rt_ctl_call(const char *state_dir, const char *cmd, struct sb_error *err)
{
	int fd = rt_ctl_open(state_dir, cmd, err);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}
