/* vmmproc_run: fork the VMM's process, jail it, bring its result back; the message's checks. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "readall.h"
#include "snapshot/workset.h"
#include "snapstate.h"
#include "vmmproc.h"

/* What the child sends, once, as it ends. */
struct vmmproc_msg {
	uint32_t magic;
	int32_t ret;	  /* vmm_run's return */
	int32_t err_code; /* and its error */
	char err_msg[sizeof(((struct sb_error *)0)->msg)];
	struct vmm_result res;
	struct jail_state st;
};
#define MSG_MAGIC 0x766d6d31u /* "vmm1" */

/* Keep the child's fd list; each -1 is skipped. */
static void push(int *fds, unsigned max, unsigned *n, int fd)
{
	if (fd < 0)
		return;
	for (unsigned i = 0; i < *n && i < max; i++)
		if (fds[i] == fd)
			return;
	if (*n < max)
		fds[*n] = fd;
	(*n)++;
}

/* A file named by an fd we hold ("/proc/self/fd/N", as sandbox-runtime
 * names the root file system it unlinked): N, else -1. */
static int named_fd(const char *path)
{
	static const char prefix[] = "/proc/self/fd/";
	if (!path || strncmp(path, prefix, sizeof(prefix) - 1))
		return -1;
	char *end;
	long fd = strtol(path + sizeof(prefix) - 1, &end, 10);
	return *end || end == path + sizeof(prefix) - 1 || fd < 0 || fd > 65535 ? -1 : (int)fd;
}

unsigned vmmproc_fds(const struct vmm_config *cfg, int *fds, unsigned max)
{
	unsigned n = 0;
	push(fds, max, &n, named_fd(cfg->kernel));
	for (size_t i = 0; cfg->initrd && i < cfg->n_initrd; i++)
		push(fds, max, &n, named_fd(cfg->initrd[i].path));
	push(fds, max, &n, cfg->stdin_fd);
	push(fds, max, &n, cfg->stdout_fd);
	push(fds, max, &n, cfg->stderr_fd);
	push(fds, max, &n, cfg->log_fd);
	push(fds, max, &n, cfg->ctl_fd > 0 ? cfg->ctl_fd : -1);
	push(fds, max, &n, cfg->exec_fd > 0 ? cfg->exec_fd : -1);
	push(fds, max, &n, cfg->snap_mem_fd > 0 ? cfg->snap_mem_fd : -1);
	push(fds, max, &n, cfg->snap_mem_fd > 0 ? cfg->snap_state_fd : -1);
	push(fds, max, &n, cfg->restore_mem_fd > 0 ? cfg->restore_mem_fd : -1);
	push(fds, max, &n, cfg->workset_fd > 0 ? cfg->workset_fd : -1);
	for (unsigned i = 0; cfg->fs && i < cfg->n_fs; i++) {
		push(fds, max, &n, cfg->fs[i].sock);
		push(fds, max, &n, cfg->fs[i].data_pipe ? cfg->fs[i].data_fd : -1);
		push(fds, max, &n, cfg->fs[i].wdata_max ? cfg->fs[i].wdata_fd : -1);
	}
	const struct vmm_net *net = cfg->net;
	if (net && net->tap)
		push(fds, max, &n, net->tap_fd);
	if (net && net->fds) {
		int more[256];
		unsigned k = net->fds(net->ctx, more, 256);
		for (unsigned i = 0; i < k && i < 256; i++)
			push(fds, max, &n, more[i]);
		if (k > 256)
			n += k - 256; /* the caller sees it needs more room */
	}
	return n;
}

/* A string from the child ended and without control bytes (it reaches a
 * terminal): each one becomes '?', newlines too unless keep_lines. */
static void tame(char *s, size_t size, bool keep_lines)
{
	s[size - 1] = 0;
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && !(keep_lines && *s == '\n')) || *s == 0x7f)
			*s = '?';
}

int vmmproc_take(const void *buf, size_t len, int *ret, struct vmm_result *res,
		 struct jail_state *st, struct sb_error *err)
{
	struct vmmproc_msg m;
	if (len != sizeof(m))
		return -EIO;
	memcpy(&m, buf, sizeof(m));
	if (m.magic != MSG_MAGIC || m.ret < -4095 || m.ret > 1)
		return -EIO;
	if (m.ret == 0 && (m.res.status < 0 || m.res.status > 255))
		return -EIO;
	tame(m.err_msg, sizeof(m.err_msg), false);
	tame(m.res.reason, sizeof(m.res.reason), false);
	tame(m.res.last_log, sizeof(m.res.last_log), true);
	tame(m.res.snap_note, sizeof(m.res.snap_note), false);
	m.res.init_failed = m.res.init_failed != 0;
	m.res.snap_saved = m.res.snap_saved != 0;
	*ret = m.ret;
	*res = m.res;
	if (st)
		*st = m.st;
	if (m.ret < 0 && err) {
		err->code = m.err_code > 0 && m.err_code < 4096 ? m.err_code : EIO;
		memcpy(err->msg, m.err_msg, sizeof(err->msg));
		if (!err->msg[0])
			snprintf(err->msg, sizeof(err->msg), "the VMM failed: %s",
				 strerror(-m.ret));
		*ret = -err->code;
	}
	return 0;
}

/* The child's side: what the jail hook needs. */
struct child {
	const struct jail_config *jail;
	uid_t uid;
	struct jail_state st;
	pid_t parent; /* without a pid namespace: our parent's pid */
	int life_fd;  /* with one: a pipe whose only writer is our parent; -1 none */
};

/* The parent-death signal is cleared by a change of ids (jail_enter's):
 * set it again, then make sure the parent did not die in between (in a pid
 * namespace getppid() says 0 whatever: the parent's pipe says it then). */
static int still_parented(struct child *c, struct sb_error *err)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return error_set(err, errno, "jail: parent-death signal");
	bool gone;
	if (c->life_fd >= 0) {
		struct pollfd p = {.fd = c->life_fd, .events = POLLIN};
		gone = poll(&p, 1, 0) != 0; /* EOF (or an error): no writer left */
		close(c->life_fd);
		c->life_fd = -1;
	} else {
		gone = getppid() != c->parent;
	}
	return gone ? error_set(err, ESRCH, "jail: the sandbox command is gone") : 0;
}

static int jail_hook(void *ctx, struct sb_error *err)
{
	struct child *c = ctx;
	int r = jail_enter(c->jail, c->uid, &c->st, err);
	return r < 0 ? r : still_parented(c, err);
}

static void die_with_parent(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != parent)
		_exit(127);
}

static _Noreturn void send_and_exit(int fd, int ret, const struct sb_error *err,
				    const struct vmm_result *res, const struct jail_state *st)
{
	static struct vmmproc_msg m; /* 6 KiB: not on a vCPU-sized stack */
	memset(&m, 0, sizeof(m));
	m.magic = MSG_MAGIC;
	m.ret = ret;
	m.err_code = err->code;
	memcpy(m.err_msg, err->msg, sizeof(m.err_msg));
	if (res)
		m.res = *res;
	m.st = *st;
	const char *p = (const char *)&m;
	size_t left = sizeof(m);
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		p += w;
		left -= (size_t)w;
	}
	_exit(0);
}

/* The VMM itself: run, jailed by the hook, then report. */
static _Noreturn void run_vmm(const struct vmm_config *cfg, struct child *c, int out_fd)
{
	struct vmm_config mine = *cfg;
	struct vmm_result res;
	struct sb_error err = {0};
	mine.jail = jail_hook;
	mine.jail_ctx = c;
	int r = vmm_run(&mine, &res, &err);
	send_and_exit(out_fd, r, &err, &res, &c->st);
}

/* The pid namespace's parent: waits for its one child, ends as it did. */
static _Noreturn void wait_vmm(pid_t pid)
{
	int status;
	prctl(PR_SET_NAME, "sandbox-vmm-ns", 0, 0, 0);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			_exit(127);
	if (WIFSIGNALED(status))
		_exit(128 + WTERMSIG(status));
	_exit(WEXITSTATUS(status));
}

/* An output the VMM writes to is a regular file: no bound on file sizes. */
static bool writes_files(const struct vmm_config *cfg)
{
	const int fds[] = {cfg->stdout_fd, cfg->stderr_fd, cfg->log_fd};
	struct stat s;
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0 && fstat(fds[i], &s) == 0 && S_ISREG(s.st_mode))
			return true;
	return false;
}

/* How the child comes into its pid namespace: made by the parent before
 * the fork (root: the child is pid 1 at once), or by the child, which then
 * forks the VMM and waits for it (an ordinary user: the user namespace must
 * come first, in a process with one thread). */
struct birth {
	pid_t parent;  /* the sandbox command */
	bool in_pidns; /* already pid 1 of its own namespace */
	int life_fd;   /* then: read end of a pipe only the parent writes to */
};

static _Noreturn void child_main(const struct vmm_config *cfg, const struct jail_config *jail,
				 const struct birth *b, int out_fd)
{
	struct jail_config jc = *jail;
	jc.fsize_anywhere |= writes_files(cfg);
	if (cfg->snap_mem_fd > 0) /* guest RAM into the snapshot's file */
		jc.fsize_max = cfg->mem_bytes > SNAP_STATE_MAX ? cfg->mem_bytes : SNAP_STATE_MAX;
	else if (cfg->workset_fd > 0) /* a restore's working set */
		jc.fsize_max = WORKSET_FILE_MAX;
	/* the command's pid: unique while it runs, which is as long as we do */
	struct child c = {.jail = &jc,
			  .uid = jail_pick_uid(jail, b->parent),
			  .parent = b->parent,
			  .life_fd = b->life_fd};
	c.st.pidns = b->in_pidns;
	struct sb_error err = {0};
	die_with_parent(b->in_pidns ? 0 : b->parent); /* outside the namespace: pid 0 */
	prctl(PR_SET_NAME, "sandbox-vmm", 0, 0, 0);
	/* the VM's host group first: everything below is counted there */
	if (jail->cgroup_fd >= 0 && write(jail->cgroup_fd, "0", 1) != 1) {
		error_set(&err, errno, "host limits: join the VM's group");
		send_and_exit(out_fd, -err.code, &err, NULL, &c.st);
	}
	int keep[512];
	unsigned n = vmmproc_fds(cfg, keep, 510);
	if (n > 510) {
		error_set(&err, EMFILE, "jail: more fds than the VMM may keep");
		send_and_exit(out_fd, -EMFILE, &err, NULL, &c.st);
	}
	keep[n++] = out_fd;
	keep[n++] = b->life_fd;
	int r = jail_close_fds(keep, n);
	if (r == 0 && geteuid() != 0) {
		r = jail_userns();
		c.st.userns = r == 1;
		if (r < 0)
			error_set(&err, -r, "jail: a user namespace");
	}
	if (r < 0)
		send_and_exit(out_fd, r < -4095 ? -EIO : r, &err, NULL, &c.st);
	int life[2];
	if (!b->in_pidns && unshare(CLONE_NEWPID) == 0 && pipe2(life, O_CLOEXEC) == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			c.st.pidns = true;
			close(life[1]);
			c.life_fd = life[0];
			die_with_parent(0);
			run_vmm(cfg, &c, out_fd);
		}
		if (pid < 0)
			_exit(127);
		jail_close_fds(&life[1], 1); /* the VMM's fds are its own; the pipe is our life */
		wait_vmm(pid);
	}
	run_vmm(cfg, &c, out_fd);
}

/* As root: the next child is pid 1 of a new pid namespace, and the children
 * after it are ours again (setns back at once, in the parent). true if so;
 * *ns_fd then holds our own namespace until pidns_back. */
static bool pidns_ahead(int *ns_fd)
{
	*ns_fd = -1;
	if (geteuid() != 0)
		return false;
	*ns_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (*ns_fd >= 0 && unshare(CLONE_NEWPID) == 0)
		return true;
	if (*ns_fd >= 0)
		close(*ns_fd);
	*ns_fd = -1;
	return false;
}

static void pidns_back(int *ns_fd)
{
	if (*ns_fd < 0)
		return;
	setns(*ns_fd, CLONE_NEWPID);
	close(*ns_fd);
	*ns_fd = -1;
}

/* How the child ended, when it sent nothing. */
static int no_result(pid_t pid, struct sb_error *err)
{
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	int sig = WIFSIGNALED(status)	      ? WTERMSIG(status)
		  : WEXITSTATUS(status) > 128 ? WEXITSTATUS(status) - 128
					      : 0;
	if (sig)
		error_set(err, 0, "the VMM process was killed by signal %d (%s)", sig,
			  strsignal(sig));
	else
		error_set(err, 0, "the VMM process ended (status %d) without a result",
			  WEXITSTATUS(status));
	err->code = EIO;
	return -EIO;
}

int vmmproc_run(const struct vmm_config *cfg, const struct jail_config *jail,
		struct vmm_result *res, struct jail_state *st, struct sb_error *err)
{
	memset(res, 0, sizeof(*res));
	if (st)
		memset(st, 0, sizeof(*st));
	if (!jail->enabled)
		return vmm_run(cfg, res, err);
	int p[2], life[2] = {-1, -1}, ns_fd;
	if (pipe2(p, O_CLOEXEC) < 0)
		return error_set(err, errno, "VMM result pipe");
	struct birth b = {.parent = getpid(), .life_fd = -1};
	if (pipe2(life, O_CLOEXEC) == 0)
		b.in_pidns = pidns_ahead(&ns_fd);
	else
		ns_fd = -1;
	b.life_fd = b.in_pidns ? life[0] : -1;
	pid_t pid = fork();
	int e = errno;
	pidns_back(&ns_fd);
	if (pid == 0)
		child_main(cfg, jail, &b, p[1]);
	if (life[0] >= 0)
		close(life[0]); /* life[1] stays open while we live: the VMM's check */
	close(p[1]);
	int ret;
	if (pid < 0) {
		close(p[0]);
		ret = error_set(err, e, "fork the VMM process");
	} else {
		static char buf[sizeof(struct vmmproc_msg) + 1];
		ssize_t got = readall_bounded(p[0], buf, sizeof(struct vmmproc_msg));
		close(p[0]);
		if (got < 0 || vmmproc_take(buf, (size_t)got, &ret, res, st, err) < 0)
			ret = no_result(pid, err);
		else
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
	}
	if (life[1] >= 0)
		close(life[1]);
	return ret;
}
