/* PID 1's exec sessions: extra processes in the running sandbox, over the exec port
 * (host/vmm/virtio/execproto.h frames). */
#include "execd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "abi.h"
#include "execd_spawn.h"
#include "execd_stdin.h"
#include "status.h"

/* One read of the port: a virtio-console buffer. Bounding it bounds the
 * replies one read can cause (below). */
#define PORT_READ 4096u
/* Above this many unsent bytes, execd reads neither outputs nor the port. */
#define OUT_HIGH (2 * EXEC_DATA_MAX)
#define SMALL_FRAME (EXEC_HDR_SIZE + 4)
/* What can be queued beyond OUT_HIGH: one output frame, or the replies to
 * one PORT_READ (every frame there at least a header, each answered by at
 * most one STARTED or EXIT with text); then one CREDIT and one EXIT per
 * session. So a reply never finds the buffer full. */
#define OUT_CAP                                                                                    \
	(OUT_HIGH + EXEC_HDR_SIZE + EXEC_DATA_MAX +                                                \
	 (PORT_READ / EXEC_HDR_SIZE + 1) * (SMALL_FRAME + EXEC_MSG_MAX) +                          \
	 2 * EXEC_MAX_SESSIONS * SMALL_FRAME)

struct session {
	uint32_t id; /* 0: a free slot */
	pid_t pid;
	bool tty;
	bool exited; /* reaped: draining its output until deadline */
	int wstatus;
	int64_t deadline;
	struct procio io; /* out/err read, tty resized; in moved to stdin */
	uint32_t credit;  /* output bytes the host still takes */
	struct execd_stdin in;
};

struct execd {
	int port; /* -1: no longer serving */
	struct execd_env env;
	bool ended; /* the workload is gone: refuse new sessions */
	struct execproto_rx rx;
	uint8_t *rxbuf;		   /* EXEC_FRAME_MAX */
	uint8_t *out;		   /* OUT_CAP: whole frames for the port */
	size_t out_head, out_tail; /* unsent bytes are [head, tail) */
	struct session s[EXEC_MAX_SESSIONS];
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t unsent(const struct execd *e)
{
	return e->out_tail - e->out_head;
}

/* Room for n more bytes at the tail, or NULL (cannot happen within OUT_CAP's sum). */
static uint8_t *reserve(struct execd *e, size_t n)
{
	if (e->out_tail + n > OUT_CAP && e->out_head > 0) {
		memmove(e->out, e->out + e->out_head, unsent(e));
		e->out_tail -= e->out_head;
		e->out_head = 0;
	}
	return e->out_tail + n <= OUT_CAP ? e->out + e->out_tail : NULL;
}

static void send_u32(struct execd *e, uint8_t type, uint32_t id, uint32_t value)
{
	uint8_t *p = reserve(e, SMALL_FRAME);
	if (p)
		e->out_tail += execproto_put_u32(p, type, id, value);
}

/* The last frame of a session: status, and why it did not start. */
static void send_exit(struct execd *e, uint32_t id, uint32_t status, const char *msg)
{
	size_t n = msg ? strnlen(msg, EXEC_MSG_MAX) : 0;
	uint8_t *p = reserve(e, SMALL_FRAME + n);
	if (!p)
		return;
	execproto_put_u32(p, EXEC_EXIT, id, status);
	execproto_put_hdr(p, EXEC_EXIT, id, (uint32_t)(4 + n));
	memcpy(p + SMALL_FRAME, msg ? msg : "", n);
	e->out_tail += SMALL_FRAME + n;
}

static struct session *find(struct execd *e, uint32_t id)
{
	for (unsigned i = 0; i < EXEC_MAX_SESSIONS; i++)
		if (e->s[i].id == id)
			return &e->s[i];
	return NULL;
}

/* A free slot: no id, no fds. */
static void clear_session(struct session *s)
{
	memset(s, 0, sizeof(*s));
	s->io = (struct procio){-1, -1, -1, -1, -1, -1, -1};
	execd_stdin_init(&s->in, -1, false);
}

static void free_session(struct session *s)
{
	procio_close(&s->io);
	execd_stdin_close(&s->in);
	clear_session(s);
}

/* Kill and drop every session, without EXITs. */
static void drop_sessions(struct execd *e)
{
	for (unsigned i = 0; i < EXEC_MAX_SESSIONS; i++) {
		struct session *s = &e->s[i];
		if (s->id && !s->exited)
			kill(s->pid, SIGKILL);
		if (s->id)
			free_session(s);
	}
}

/* The stream is unusable (a bad header, the host gone): stop serving exec,
 * keep the workload running. */
static void stop(struct execd *e)
{
	drop_sessions(e);
	if (e->port >= 0)
		close(e->port);
	e->port = -1;
	e->out_head = e->out_tail = 0;
}

/* A failed EXEC_NEW: the host reports it as a failed `exec`. */
static void refuse(struct execd *e, uint32_t id, const char *msg)
{
	send_exit(e, id, ABI_EXIT_INIT_FAILED | STATUS_INIT_FAILED, msg);
}

static void start_session(struct execd *e, uint32_t id, const uint8_t *blob, uint32_t len)
{
	const char *why = NULL;
	struct session *s = NULL;
	if (e->ended)
		why = "exec: the container is not running";
	else if (find(e, id))
		why = "exec: session id in use";
	else if (!(s = find(e, 0)))
		why = "exec: too many exec sessions";
	struct sb_error err = {0};
	struct spawn_result res;
	bool tty;
	if (!why && execd_spawn(blob, len, &e->env, &s->io, &tty, &res, &err) < 0)
		why = err.msg;
	if (why) {
		refuse(e, id, why);
		return;
	}
	if (res.exec_status) { /* runc's `exec: "x": ...`: a failed exec call, no STARTED */
		send_exit(e, id, ABI_EXIT_INIT_FAILED | (uint32_t)res.exec_status, res.msg);
		return;
	}
	s->id = id;
	s->pid = res.pid;
	s->tty = tty;
	s->credit = EXEC_WINDOW;
	execd_stdin_init(&s->in, s->io.in, tty);
	s->io.in = -1;
	/* Read only after poll says so, but a PID 1 must never block on a read. */
	if (s->io.err >= 0)
		fcntl(s->io.err, F_SETFL, O_NONBLOCK);
	fcntl(s->io.out, F_SETFL, O_NONBLOCK);
	send_u32(e, EXEC_STARTED, id, (uint32_t)res.pid);
}

static void on_frame(void *ctx, const struct exec_hdr *h, const uint8_t *payload)
{
	struct execd *e = ctx;
	if (h->type == EXEC_NEW) {
		start_session(e, h->session, payload, h->len);
		return;
	}
	struct session *s = find(e, h->session);
	if (!s) /* a session that ended meanwhile (or never was) */
		return;
	uint32_t v = h->len == 4 ? execproto_u32(payload) : 0;
	switch (h->type) {
	case EXEC_STDIN: /* refused (over the window, after EOF): a protocol error, dropped */
		execd_stdin_take(&s->in, payload, h->len);
		break;
	case EXEC_STDIN_EOF:
		execd_stdin_eof(&s->in);
		break;
	case EXEC_SIGNAL:
		if (!s->exited) /* a reaped pid may be someone else's by now */
			kill(s->pid, (int)v);
		break;
	case EXEC_WINSIZE: {
		struct winsize ws = {.ws_row = (unsigned short)(v >> 16),
				     .ws_col = (unsigned short)(v & 0xffff)};
		if (s->io.tty >= 0 && ws.ws_row && ws.ws_col)
			ioctl(s->io.tty, TIOCSWINSZ, &ws);
		break;
	}
	case EXEC_CREDIT:
		if (s->credit + v <= EXEC_WINDOW) /* more than a window: a protocol error */
			s->credit += v;
		break;
	}
}

static void read_port(struct execd *e)
{
	uint8_t buf[PORT_READ];
	ssize_t n = read(e->port, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0 || execproto_feed(&e->rx, buf, (size_t)n, on_frame, NULL, e) < 0)
		stop(e);
}

static void flush(struct execd *e)
{
	while (e->port >= 0 && unsent(e) > 0) {
		ssize_t n = write(e->port, e->out + e->out_head, unsent(e));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			stop(e);
			return;
		}
		e->out_head += (size_t)n;
	}
	if (unsent(e) == 0)
		e->out_head = e->out_tail = 0;
}

/* One read of a session's output into a frame, within its credit. */
static void read_output(struct execd *e, struct session *s, int *fd, uint8_t type)
{
	size_t want = s->credit < EXEC_DATA_MAX ? s->credit : EXEC_DATA_MAX;
	uint8_t *p = want ? reserve(e, EXEC_HDR_SIZE + want) : NULL;
	if (!p)
		return;
	ssize_t n = read(*fd, p + EXEC_HDR_SIZE, want);
	if (n > 0) {
		execproto_put_hdr(p, type, s->id, (uint32_t)n);
		e->out_tail += EXEC_HDR_SIZE + (size_t)n;
		s->credit -= (uint32_t)n;
		return;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	close(*fd); /* EOF; EIO: a pty whose other side is all closed */
	*fd = -1;
}

/* Process gone and output drained (or its deadline passed): the EXIT. */
static void finish_exited(struct execd *e, int64_t now)
{
	for (unsigned i = 0; i < EXEC_MAX_SESSIONS; i++) {
		struct session *s = &e->s[i];
		if (!s->id || !s->exited ||
		    ((s->io.out >= 0 || s->io.err >= 0) && now < s->deadline))
			continue;
		bool oom;
		uint32_t status = (uint32_t)status_from_wait(s->wstatus, 0, &oom);
		send_exit(e, s->id, status, NULL);
		free_session(s);
	}
}

/* What was written to (or dropped from) stdins, back to the host as credit. */
static void send_credits(struct execd *e)
{
	for (unsigned i = 0; i < EXEC_MAX_SESSIONS; i++) {
		struct session *s = &e->s[i];
		uint32_t n = s->id ? execd_stdin_credit(&s->in) : 0;
		if (n > 0)
			send_u32(e, EXEC_CREDIT, s->id, n);
	}
}

int execd_fill_poll(struct execd *e, struct pollfd *fds)
{
	if (e->port < 0)
		return 0;
	bool room = unsent(e) < OUT_HIGH;
	fds[0] = (struct pollfd){
	    .fd = e->port, .events = (short)((room ? POLLIN : 0) | (unsent(e) ? POLLOUT : 0))};
	for (unsigned i = 0; i < EXEC_MAX_SESSIONS; i++) {
		const struct session *s = &e->s[i];
		struct pollfd *f = &fds[1 + 3 * i];
		bool out = s->id && room && s->credit > 0; /* no credit: not even a POLLHUP */
		bool in = s->id && execd_stdin_want_write(&s->in);
		f[0] = (struct pollfd){.fd = out ? s->io.out : -1, .events = POLLIN};
		f[1] = (struct pollfd){.fd = out ? s->io.err : -1, .events = POLLIN};
		f[2] = (struct pollfd){.fd = in ? s->in.fd : -1, .events = POLLOUT};
	}
	return EXECD_POLL_MAX;
}

int execd_timeout(const struct execd *e)
{
	int64_t next = -1, now = now_ms();
	for (unsigned i = 0; i < EXEC_MAX_SESSIONS; i++) {
		const struct session *s = &e->s[i];
		if (s->id && s->exited && (next < 0 || s->deadline < next))
			next = s->deadline;
	}
	if (next < 0)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

void execd_handle(struct execd *e, const struct pollfd *fds)
{
	if (e->port < 0)
		return;
	/* Sessions first: a NEW below may reuse a slot polled as free. */
	for (unsigned i = 0; i < EXEC_MAX_SESSIONS; i++) {
		struct session *s = &e->s[i];
		const struct pollfd *f = &fds[1 + 3 * i];
		if (s->id && f[2].revents && f[2].fd == s->in.fd)
			execd_stdin_write(&s->in);
		if (s->id && f[0].revents && f[0].fd == s->io.out && unsent(e) < OUT_HIGH)
			read_output(e, s, &s->io.out, EXEC_STDOUT);
		if (s->id && f[1].revents && f[1].fd == s->io.err && unsent(e) < OUT_HIGH)
			read_output(e, s, &s->io.err, EXEC_STDERR);
	}
	short re = fds[0].fd == e->port ? fds[0].revents : 0;
	if ((re & POLLIN) && unsent(e) < OUT_HIGH)
		read_port(e);
	else if (re & (POLLHUP | POLLERR | POLLNVAL) && !(re & POLLIN))
		stop(e); /* the host closed the port: nobody will read the sessions */
	if (e->port < 0)
		return;
	finish_exited(e, now_ms());
	send_credits(e);
	flush(e);
}

bool execd_reaped(struct execd *e, pid_t pid, int wstatus)
{
	for (unsigned i = 0; i < EXEC_MAX_SESSIONS; i++) {
		struct session *s = &e->s[i];
		if (!s->id || s->exited || s->pid != pid)
			continue;
		s->exited = true;
		s->wstatus = wstatus;
		s->deadline = now_ms() + EXECD_DRAIN_MS;
		return true;
	}
	return false;
}

void execd_workload_ended(struct execd *e)
{
	e->ended = true;
	drop_sessions(e);
}

struct execd *execd_create(int port_fd, const char *cgroup_root, const char *hostname)
{
	struct execd *e = calloc(1, sizeof(*e));
	if (e) {
		e->port = -1;
		for (unsigned i = 0; i < EXEC_MAX_SESSIONS; i++)
			clear_session(&e->s[i]);
		e->rxbuf = malloc(EXEC_FRAME_MAX);
		e->out = malloc(OUT_CAP);
	}
	if (!e || !e->rxbuf || !e->out) {
		execd_destroy(e);
		close(port_fd);
		return NULL;
	}
	e->port = port_fd;
	e->env = (struct execd_env){cgroup_root, hostname};
	execproto_rx_init(&e->rx, EXEC_TO_GUEST, e->rxbuf);
	return e;
}

void execd_destroy(struct execd *e)
{
	if (!e)
		return;
	stop(e);
	free(e->rxbuf);
	free(e->out);
	free(e);
}
