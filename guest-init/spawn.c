/* Starts the workload: fork, set the child up (session, cgroup, ids, cwd, stdio), PATH search,
 * exec. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "abi.h"
#include "cgroup.h"
#include "env.h"
#include "portio.h"
#include "status.h"

/* What a child that did not get to exec tells its parent over the CLOEXEC pipe. */
struct report {
	int32_t status;
	int32_t setup_failed; /* 1: sandbox failure (msg is the reason) */
	char msg[448];
};

int spawn_lookpath(const char *name, const char *path, char *out, size_t len)
{
	for (const char *p = path ? path : ENV_DEFAULT_PATH;; p++) {
		const char *end = strchr(p, ':');
		size_t dlen = end ? (size_t)(end - p) : strlen(p);
		int n = snprintf(out, len, "%.*s/%s", (int)(dlen ? dlen : 1), dlen ? p : ".", name);
		struct stat st;
		if (n > 0 && (size_t)n < len && stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & 0111))
			return 0;
		if (!end)
			return -ENOENT;
		p = end;
	}
}

static _Noreturn void report(int fd, int status, bool setup, const char *fmt, const char *arg,
			     int errnum)
{
	struct report r = {.status = status, .setup_failed = setup};
	int n = snprintf(r.msg, sizeof(r.msg), fmt, arg);
	if (errnum && n >= 0 && (size_t)n < sizeof(r.msg))
		snprintf(r.msg + n, sizeof(r.msg) - (size_t)n, ": %s", strerror(errnum));
	ssize_t w = write(fd, &r, sizeof(r));
	(void)w;
	_exit(status);
}

static _Noreturn void exec_failed(int fd, const char *name, int errnum, bool searched)
{
	struct report r = {.setup_failed = 0};
	r.status = status_exec_failure(name, errnum, searched, r.msg, sizeof(r.msg));
	ssize_t w = write(fd, &r, sizeof(r));
	(void)w;
	_exit(r.status);
}

/* mkdir -p for an absolute path, as the current (root) user. */
static int mkdir_parents(const char *path)
{
	char buf[ABI_PATH_MAX];
	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		if (c == '\0')
			return 0;
		*p = c;
	}
}

/* capset(2)'s structures, <linux/capability.h>'s (musl has no kernel headers). */
#define CAP_VERSION_3 0x20080522u
struct cap_header {
	uint32_t version;
	int pid;
};
struct cap_data {
	uint32_t effective, permitted, inheritable;
};

/* Every capability outside the bounding set leaves it, while we still hold
 * them all (CAP_SETPCAP); EINVAL past the kernel's last one ends the walk. */
static void child_bound(int fd, uint64_t bounding)
{
	for (int c = 0; c < 64; c++) {
		if (bounding >> c & 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				return;
			report(fd, STATUS_INIT_FAILED, true, "%s", "drop from the bounding set",
			       errno);
		}
	}
}

/* The effective, permitted and inheritable sets, then the ambient one (after
 * the ids: setuid with PR_SET_KEEPCAPS kept the permitted set). */
static void child_caps(int fd, const uint64_t *caps, bool cleared)
{
	struct cap_header h = {.version = CAP_VERSION_3};
	struct cap_data d[2];
	uint64_t eff = cleared ? 0 : caps[CAPS_EFFECTIVE], prm = cleared ? 0 : caps[CAPS_PERMITTED],
		 inh = cleared ? 0 : caps[CAPS_INHERITABLE], amb = cleared ? 0 : caps[CAPS_AMBIENT];
	for (int i = 0; i < 2; i++)
		d[i] = (struct cap_data){.effective = (uint32_t)(eff >> 32 * i),
					 .permitted = (uint32_t)(prm >> 32 * i),
					 .inheritable = (uint32_t)(inh >> 32 * i)};
	if (syscall(SYS_capset, &h, d) < 0)
		report(fd, STATUS_INIT_FAILED, true, "%s", "set the capabilities", errno);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		report(fd, STATUS_INIT_FAILED, true, "%s", "clear the ambient capabilities", errno);
	for (int c = 0; c < 64; c++)
		if ((amb >> c & 1) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0 &&
		    errno != EINVAL)
			report(fd, STATUS_INIT_FAILED, true, "%s", "raise an ambient capability",
			       errno);
}

static void child_ids(int fd, const struct user_ids *ids)
{
	if (setgroups(ids->ngroups, ids->groups) < 0)
		report(fd, STATUS_INIT_FAILED, true, "%s", "setgroups", errno);
	if (setgid(ids->gid) < 0)
		report(fd, STATUS_INIT_FAILED, true, "%s", "setgid", errno);
	if (setuid(ids->uid) < 0)
		report(fd, STATUS_INIT_FAILED, true, "%s", "setuid", errno);
}

/* fds 0-2 for the workload; the originals are CLOEXEC and go away on exec. */
static void child_stdio(int fd, const struct spawn_request *rq)
{
	int in = rq->in_fd >= 0 ? rq->in_fd : open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		report(fd, STATUS_INIT_FAILED, true, "%s", "open /dev/null", errno);
	if (rq->ctty && ioctl(in, TIOCSCTTY, 0) < 0)
		report(fd, STATUS_INIT_FAILED, true, "%s", "set the controlling terminal", errno);
	if (dup2(in, 0) < 0 || dup2(rq->out_fd, 1) < 0 || dup2(rq->err_fd, 2) < 0)
		report(fd, STATUS_INIT_FAILED, true, "%s", "set up stdio", errno);
}

static _Noreturn void child_main(const struct spawn_request *rq, int fd)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	int r = rq->cgroup_root ? cgroup_join(rq->cgroup_root) : 0;
	if (r < 0)
		report(fd, STATUS_INIT_FAILED, true, "%s", "join the workload cgroup", -r);
	if (rq->cgroup_root && (r = cgroup_own_view(rq->cgroup_root)) < 0)
		report(fd, STATUS_INIT_FAILED, true, "%s", "a cgroup namespace for the workload",
		       -r);
	portio_drop();
	/* Mounted from inside the namespace, so its /proc/1 is the workload and
	 * exec sessions (forked into the same namespace) see what it sees. PID 1
	 * is done with /proc by now. */
	if (rq->mount_proc &&
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		report(fd, STATUS_INIT_FAILED, true, "%s", "mount /proc for the PID namespace",
		       errno);
	struct sb_error merr = {0};
	if (rq->masks && masks_apply(rq->masks, &merr) < 0)
		report(fd, STATUS_INIT_FAILED, true, "%s", merr.msg, 0);
	struct stat st;
	if (stat(rq->cwd, &st) < 0 && errno == ENOENT && (r = mkdir_parents(rq->cwd)) < 0)
		report(fd, STATUS_INIT_FAILED, true, "create working directory `%s`", rq->cwd, -r);
	for (unsigned i = 0; i < rq->n_rlimits; i++) {
		const struct config_rlimit *l = &rq->rlimits[i];
		struct rlimit rl = {.rlim_cur = l->soft == UINT64_MAX ? RLIM_INFINITY : l->soft,
				    .rlim_max = l->hard == UINT64_MAX ? RLIM_INFINITY : l->hard};
		char what[16];
		snprintf(what, sizeof(what), "%u", l->resource);
		if (setrlimit((int)l->resource, &rl) < 0)
			report(fd, STATUS_INIT_FAILED, true, "set resource limit %s", what, errno);
	}
	if (rq->caps) {
		child_bound(fd, rq->caps[CAPS_BOUNDING]);
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
			report(fd, STATUS_INIT_FAILED, true, "%s", "keep capabilities", errno);
	}
	if (rq->ids)
		child_ids(fd, rq->ids);
	if (rq->caps)
		child_caps(fd, rq->caps, rq->caps_root_only && getuid() != 0);
	if (chdir(rq->cwd) < 0)
		report(fd, STATUS_INIT_FAILED, true, "chdir to working directory `%s`", rq->cwd,
		       errno);
	umask(022);
	child_stdio(fd, rq);
	if (rq->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		report(fd, STATUS_INIT_FAILED, true, "%s", "set no_new_privs", errno);
	const char *name = rq->argv[0];
	char path[ABI_PATH_MAX];
	if (strchr(name, '/')) {
		execve(name, rq->argv, rq->env);
		exec_failed(fd, name, errno, false);
	}
	if (spawn_lookpath(name, env_get(rq->env, "PATH"), path, sizeof(path)) < 0)
		exec_failed(fd, name, ENOENT, true);
	execve(path, rq->argv, rq->env);
	exec_failed(fd, name, errno, false);
}

int spawn_start(const struct spawn_request *rq, struct spawn_result *res, struct sb_error *err)
{
	int p[2];
	memset(res, 0, sizeof(*res));
	if (pipe2(p, O_CLOEXEC) < 0)
		return error_set(err, errno, "spawn: pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return error_set(err, errno, "spawn: fork");
	}
	if (pid == 0) {
		close(p[0]);
		child_main(rq, p[1]);
	}
	close(p[1]);
	struct report r;
	size_t got = 0;
	while (got < sizeof(r)) {
		ssize_t n = read(p[0], (char *)&r + got, sizeof(r) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(p[0]);
	res->pid = pid;
	if (got == 0)
		return 0; /* the pipe closed on exec */
	r.msg[sizeof(r.msg) - 1] = '\0';
	if (got != sizeof(r) || r.setup_failed)
		return error_set(err, 0, "%s", got == sizeof(r) ? r.msg : "spawn: short report");
	res->exec_status = r.status;
	snprintf(res->msg, sizeof(res->msg), "%s", r.msg);
	return 0;
}
