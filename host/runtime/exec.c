/* `exec`: a new process in a running container's VM. This process (or with --detach its
 * child, whose pid goes to --pid-file) is the proxy of that guest process: it sends the
 * process's config over ctl.sock, relays stdio and signals as exec frames
 * (host/vmm/virtio/execproto.h) and exits with the process's status. If the proxy dies,
 * its connection closes and the VMM kills the guest process. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "runconfig.h"
#include "runtime.h"
#include "spec.h"
#include "virtio/execproto.h"

#define EXEC_GONE_STATUS 137 /* the VM ended under the process: it was killed with it */

struct xproc {
	struct spec_process p;
	struct strv env;
	char user[32];
	struct runconfig_rlimit rlimits[ABI_RLIMITS_MAX];
};

/* The process to run: --process FILE, or the container's own process with the
 * command line's args and overrides (as runc builds it). */
static int build_process(struct xproc *x, const char *process, const struct rt_state *st,
			 char **args, int nargs, const struct rt_strs *env, const char *cwd,
			 const char *user, const struct rt_strs *gids, bool tty,
			 struct sb_error *err)
{
	int r;
	if (process) {
		if ((r = spec_load_process(process, &x->p, err)) < 0)
			return r;
	} else {
		if (nargs < 1)
			return error_set(err, 0, "exec: the command to run is missing");
		struct spec s;
		if ((r = spec_load(st->bundle, &s, err)) < 0)
			return r;
		x->p = s.process;
		memset(&s.process, 0, sizeof(s.process));
		spec_free(&s);
		for (char **a = x->p.args; a && *a; a++)
			free(*a);
		free(x->p.args);
		if (!(x->p.args = calloc((size_t)nargs + 1, sizeof(char *))))
			return error_set(err, ENOMEM, "args");
		for (int i = 0; i < nargs; i++)
			if (!(x->p.args[i] = strdup(args[i])))
				return error_set(err, ENOMEM, "args");
		x->p.terminal = tty;
		if (cwd && *cwd) {
			char *c = strdup(cwd);
			if (!c)
				return error_set(err, ENOMEM, "cwd");
			free(x->p.cwd);
			x->p.cwd = c;
		}
		if (user && *user) {
			unsigned long uid, gid = x->p.gid;
			char *end;
			uid = strtoul(user, &end, 10);
			if (*end == ':')
				gid = strtoul(end + 1, &end, 10);
			if (*end || end == user || uid > UINT32_MAX || gid > UINT32_MAX)
				return error_set(err, 0,
						 "exec: --user %s: UID[:GID] numbers needed", user);
			x->p.uid = (uint32_t)uid;
			x->p.gid = (uint32_t)gid;
		}
		for (size_t i = 0; gids && i < gids->n; i++) {
			char *end;
			unsigned long g = strtoul(gids->v[i], &end, 10);
			uint32_t *v = realloc(x->p.gids, (x->p.n_gids + 1) * sizeof(*v));
			if (*end || end == gids->v[i] || g > UINT32_MAX || !v) {
				if (v)
					x->p.gids = v;
				return error_set(err, 0, "exec: --additional-gids %s", gids->v[i]);
			}
			x->p.gids = v;
			x->p.gids[x->p.n_gids++] = (uint32_t)g;
		}
	}
	r = strv_push_all(&x->env, x->p.env);
	for (size_t i = 0; r == 0 && env && i < env->n; i++)
		r = cli_env_set(&x->env, env->v[i], getenv, err);
	if (r < 0)
		return err->msg[0] ? r : error_set(err, -r, "env");
	if (x->p.n_gids > ABI_GROUPS_MAX)
		return error_set(err, 0, "additionalGids: more than %u", ABI_GROUPS_MAX);
	snprintf(x->user, sizeof(x->user), "%u:%u", x->p.uid, x->p.gid);
	return rt_rlimits(&x->p, x->rlimits, err);
}

/* The guest run-config blob of the process (abi.h's format; the guest reads only
 * the process's part of it). */
static int process_blob(const struct xproc *x, void **blob, size_t *len, struct sb_error *err)
{
	uint64_t caps[SECOPTS_SETS];
	bool has_caps = rt_caps(&x->p, caps);
	const struct runconfig rc = {
	    .argv = x->p.args,
	    .env = x->env.v,
	    .cwd = x->p.cwd,
	    .user = x->user,
	    .tty = x->p.terminal,
	    .rlimits = x->rlimits,
	    .n_rlimits = x->p.n_rlimits,
	    .groups = x->p.gids,
	    .n_groups = x->p.n_gids,
	    .rows = x->p.terminal ? x->p.rows : 0,
	    .cols = x->p.terminal ? x->p.cols : 0,
	    .caps = has_caps ? caps : NULL,
	    .no_new_privs = x->p.no_new_privileges,
	};
	int r = runconfig_build(&rc, blob, len, err);
	if (r == 0 && *len > EXEC_SPEC_MAX) {
		free(*blob);
		return error_set(err, E2BIG, "exec: the process's config is larger than %u bytes",
				 EXEC_SPEC_MAX);
	}
	return r;
}

/* --- the relay ----------------------------------------------------------------- */

struct relay {
	int conn;
	int in_fd, out_fd, err_fd; /* a tty: the pty slave for all three */
	bool tty, in_done;
	uint32_t credit; /* stdin bytes the guest can take */
	int sfd;
	int status; /* from EXIT, -1 until then */
	bool started;
	pid_t guest_pid;
	char msg[EXEC_MSG_MAX + 1];
};

static int send_all(int fd, const void *p, size_t len)
{
	const uint8_t *b = p;
	while (len) {
		ssize_t n = send(fd, b, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void send_u32(struct relay *rl, uint8_t type, uint32_t v)
{
	uint8_t f[EXEC_HDR_SIZE + 4];
	send_all(rl->conn, f, execproto_put_u32(f, type, 1, v));
}

static void on_frame(void *ctx, const struct exec_hdr *h, const uint8_t *payload)
{
	struct relay *rl = ctx;
	switch (h->type) {
	case EXEC_STARTED:
		rl->started = true;
		rl->guest_pid = (pid_t)execproto_u32(payload);
		break;
	case EXEC_STDOUT:
	case EXEC_STDERR:
		/* A reader that went away loses the output; the process goes on. */
		write_all(h->type == EXEC_STDOUT ? rl->out_fd : rl->err_fd, payload, h->len);
		send_u32(rl, EXEC_CREDIT, h->len);
		break;
	case EXEC_CREDIT: {
		uint32_t v = execproto_u32(payload);
		rl->credit = rl->credit + v > EXEC_WINDOW ? EXEC_WINDOW : rl->credit + v;
		break;
	}
	case EXEC_EXIT: {
		rl->status = (int)execproto_u32(payload);
		size_t n = h->len - 4 < EXEC_MSG_MAX ? h->len - 4 : EXEC_MSG_MAX;
		memcpy(rl->msg, payload + 4, n);
		rl->msg[n] = 0;
		break;
	}
	default:
		break;
	}
}

/* Frames from the VMM until want() holds or the connection ends. 0, or -1 when it ended. */
static int read_conn(struct relay *rl, struct execproto_rx *rx)
{
	uint8_t buf[65536];
	ssize_t n = recv(rl->conn, buf, sizeof(buf), 0);
	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0 || execproto_feed(rx, buf, (size_t)n, on_frame, NULL, rl) < 0)
		return -1;
	return 0;
}

static void pump_stdin(struct relay *rl)
{
	uint8_t f[EXEC_HDR_SIZE + EXEC_DATA_MAX];
	size_t want = rl->credit < EXEC_DATA_MAX ? rl->credit : EXEC_DATA_MAX;
	ssize_t n = read(rl->in_fd, f + EXEC_HDR_SIZE, want);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) { /* EOF, or a stdin we cannot read (a pty whose master closed: EIO) */
		rl->in_done = true;
		execproto_put_hdr(f, EXEC_STDIN_EOF, 1, 0);
		send_all(rl->conn, f, EXEC_HDR_SIZE);
		return;
	}
	execproto_put_hdr(f, EXEC_STDIN, 1, (uint32_t)n);
	send_all(rl->conn, f, EXEC_HDR_SIZE + (size_t)n);
	rl->credit -= (uint32_t)n;
}

static void take_signal(struct relay *rl)
{
	struct signalfd_siginfo si;
	if (read(rl->sfd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGWINCH) {
		struct winsize ws;
		if (rl->tty && ioctl(rl->in_fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
			send_u32(rl, EXEC_WINSIZE, (uint32_t)ws.ws_row << 16 | ws.ws_col);
		return;
	}
	send_u32(rl, EXEC_SIGNAL, si.ssi_signo);
}

/* Until the process's EXIT (its status) or the VM's end (EXEC_GONE_STATUS). */
static int relay_run(struct relay *rl, struct execproto_rx *rx)
{
	while (rl->status < 0) {
		struct pollfd fds[3] = {
		    {.fd = rl->conn, .events = POLLIN},
		    {.fd = rl->in_done || !rl->credit ? -1 : rl->in_fd, .events = POLLIN},
		    {.fd = rl->sfd, .events = POLLIN},
		};
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return EXEC_GONE_STATUS;
		}
		if (fds[0].revents && read_conn(rl, rx) < 0)
			return EXEC_GONE_STATUS;
		if (fds[1].revents && rl->status < 0)
			pump_stdin(rl);
		if (fds[2].revents)
			take_signal(rl);
	}
	return rl->status & 0xff;
}

/* Connect, send the process, wait for its start. 0, or -1 with err said. */
static int begin(struct relay *rl, struct execproto_rx *rx, const struct rt_state *st,
		 const void *blob, size_t len, struct sb_error *err)
{
	if ((rl->conn = rt_ctl_open(st->dir, "exec", err)) < 0)
		return -1;
	uint8_t hdr[EXEC_HDR_SIZE];
	execproto_put_hdr(hdr, EXEC_NEW, 1, (uint32_t)len);
	if (send_all(rl->conn, hdr, sizeof(hdr)) < 0 || send_all(rl->conn, blob, len) < 0)
		return error_set(err, EPIPE, "container not running");
	while (!rl->started && rl->status < 0)
		if (read_conn(rl, rx) < 0)
			return error_set(err, EPIPE,
					 "the container stopped before the process started");
	if (rl->started)
		return 0;
	/* runc's texts ("executable file not found", "permission denied"): podman maps them to 127
	 * and 126. */
	return error_set(err, 0, "%s", rl->msg[0] ? rl->msg : "exec failed");
}

static int signals_fd(bool tty)
{
	sigset_t set;
	sigemptyset(&set);
	const int fwd[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCONT};
	for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
		sigaddset(&set, fwd[i]);
	if (tty)
		sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

int rt_exec(int argc, char **argv)
{
	const char *process = NULL, *detach = NULL, *pid_file = NULL, *console = NULL, *tty = NULL,
		   *cwd = NULL, *user = NULL, *ignored = NULL, *preserve = NULL;
	struct rt_strs env = {0}, gids = {0}, caps = {0};
	const struct rt_flag flags[] = {
	    {"process", 'p', true, &process, NULL},
	    {"detach", 'd', false, &detach, NULL},
	    {"pid-file", 0, true, &pid_file, NULL},
	    {"console-socket", 0, true, &console, NULL},
	    {"tty", 't', false, &tty, NULL},
	    {"cwd", 0, true, &cwd, NULL},
	    {"user", 'u', true, &user, NULL},
	    {"env", 'e', true, NULL, &env},
	    {"additional-gids", 'g', true, NULL, &gids},
	    {"cap", 'c', true, NULL, &caps},
	    {"no-new-privs", 0, false, &ignored, NULL},
	    {"process-label", 0, true, &ignored, NULL},
	    {"apparmor", 0, true, &ignored, NULL},
	    {"preserve-fds", 0, true, &preserve, NULL},
	    {"ignore-paused", 0, false, &ignored, NULL},
	    {"cgroup", 0, true, &ignored, NULL},
	    {"no-subreaper", 0, false, &ignored, NULL},
	};
	struct sb_error err = {0};
	char **pos = NULL;
	int npos = 0;
	if (rt_parse_flags_head(argc, argv, flags, sizeof(flags) / sizeof(flags[0]), &pos, &npos,
				&err) < 0)
		return rt_fail(&err);
	if (npos < 1)
		return rt_failf("exec: a container id is needed");
	if (preserve && strcmp(preserve, "0") != 0)
		return rt_failf(
		    "exec: --preserve-fds: passing descriptors into a VM is not supported");
	struct rt_state st;
	if (rt_state_load(pos[0], &st, &err) < 0)
		return rt_fail(&err);
	if (rt_state_status(&st) == RT_STOPPED)
		return rt_failf("cannot exec in a stopped container");

	static struct xproc x;
	if (build_process(&x, process, &st, pos + 1, npos - 1, &env, cwd, user, &gids, tty != NULL,
			  &err) < 0)
		return rt_fail(&err);
	void *blob;
	size_t len;
	if (process_blob(&x, &blob, &len, &err) < 0)
		return rt_fail(&err);
	if (x.p.terminal && !(console && *console))
		return rt_failf("cannot allocate tty if runc will detach without setting console "
				"socket");
	if (!x.p.terminal && console && *console)
		return rt_failf(
		    "cannot use console socket if runc will not detach or allocate tty");

	/* With --detach the proxy is a child that outlives us: we report its start. */
	int ready[2] = {-1, -1};
	pid_t child = 0;
	if (detach) {
		if (pipe2(ready, O_CLOEXEC) < 0)
			return rt_failf("pipe: %s", strerror(errno));
		fflush(NULL);
		if ((child = fork()) < 0)
			return rt_failf("fork: %s", strerror(errno));
		if (child > 0) {
			close(ready[1]);
			char word[sizeof(err.msg)];
			rt_read_line(ready[0], word, sizeof(word), -1);
			if (strcmp(word, "ok") != 0) {
				waitpid(child, NULL, 0);
				return rt_failf("%s", *word ? word
							    : "exec: the proxy ended at its start");
			}
			if (pid_file && rt_write_pid_file(pid_file, child, &err) < 0) {
				kill(child, SIGKILL);
				return rt_fail(&err);
			}
			return 0;
		}
		close(ready[0]);
	}

	static struct relay rl = {.status = -1, .credit = EXEC_WINDOW};
	rl.in_fd = 0, rl.out_fd = 1, rl.err_fd = 2;
	if (x.p.terminal) {
		int slave = rt_make_console(console, x.p.rows, x.p.cols, &err);
		if (slave < 0)
			goto failed;
		setsid(); /* the slave as our terminal: its resizes come to us as SIGWINCH */
		ioctl(slave, TIOCSCTTY, 0);
		rl.in_fd = rl.out_fd = rl.err_fd = slave;
		rl.tty = true;
	}
	rl.sfd = signals_fd(rl.tty);
	static uint8_t rxbuf[EXEC_FRAME_MAX];
	struct execproto_rx rx;
	execproto_rx_init(&rx, EXEC_TO_HOST, rxbuf);
	if (begin(&rl, &rx, &st, blob, len, &err) < 0)
		goto failed;
	free(blob);
	if (pid_file && !detach && rt_write_pid_file(pid_file, getpid(), &err) < 0)
		rt_fail(&err); /* the process runs: say so, but stay its proxy */
	if (detach) {
		ssize_t w = write(ready[1], "ok\n", 3);
		(void)w;
		close(ready[1]);
	}
	rt_debug("exec in %s: guest pid %d", st.id, (int)rl.guest_pid);
	return relay_run(&rl, &rx);

failed:
	if (detach) {
		char line[sizeof(err.msg) + 2];
		int n = snprintf(line, sizeof(line), "%s\n", err.msg);
		ssize_t w = write(ready[1], line, (size_t)n);
		(void)w;
		_exit(RT_EXIT_FAIL);
	}
	return rt_fail(&err);
}
