/* fsd_spawn/fsd_stop: fork one confined file server per share, report its start-up, reap it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "confine.h"
#include "fsd.h"
#include "gate.h"
#include "server.h"

/* The child's one message on the start-up pipe. */
struct report {
	int code; /* 0 ready, else a positive errno */
	unsigned confinement;
	char msg[sizeof(((struct sb_error *)0)->msg)];
};

/* FD_FILE: file shares only; FD_DATA, FD_WDATA: with the data pipes only
 * (confine.c's seccomp list names 5, 7 and 8) */
enum { FD_SOCK = 3, FD_DIR, FD_READY, FD_FILE, FD_DATA, FD_WDATA, FD_FIRST_FREE };
_Static_assert(FD_READY == 5 && FD_DATA == 7 && FD_WDATA == 8, "confine.c names these numbers");

static void send_report(int code, unsigned confinement, const char *msg)
{
	struct report r = {.code = code, .confinement = confinement};
	snprintf(r.msg, sizeof(r.msg), "%s", msg);
	ssize_t n = write(FD_READY, &r, sizeof(r));
	(void)n;
}

static __attribute__((noreturn)) void child_fail(int code, const char *msg)
{
	send_report(code, 0, msg);
	_exit(125);
}

/* Our fds at 3, 4, 5 (a file share's file at 6, the data pipes' ends at 7
 * and 8); 0-2 on /dev/null; nothing else open. */
static int arrange_fds(int sock, int dir, int ready, int file, int data, int wdata)
{
	int a = fcntl(sock, F_DUPFD_CLOEXEC, 16), b = fcntl(dir, F_DUPFD_CLOEXEC, 16),
	    c = fcntl(ready, F_DUPFD_CLOEXEC, 16),
	    d = file >= 0 ? fcntl(file, F_DUPFD_CLOEXEC, 16) : -1,
	    e = data >= 0 ? fcntl(data, F_DUPFD_CLOEXEC, 16) : -1,
	    w = wdata >= 0 ? fcntl(wdata, F_DUPFD_CLOEXEC, 16) : -1;
	if (a < 0 || b < 0 || c < 0 || (file >= 0 && d < 0) || (data >= 0 && e < 0) ||
	    (wdata >= 0 && w < 0))
		return -errno;
	if (dup3(a, FD_SOCK, O_CLOEXEC) < 0 || dup3(b, FD_DIR, O_CLOEXEC) < 0 ||
	    dup3(c, FD_READY, O_CLOEXEC) < 0 || (d >= 0 && dup3(d, FD_FILE, O_CLOEXEC) < 0) ||
	    (e >= 0 && dup3(e, FD_DATA, O_CLOEXEC) < 0) ||
	    (w >= 0 && dup3(w, FD_WDATA, O_CLOEXEC) < 0))
		return -errno;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
#ifdef UNIT_TEST
	const int last = 1; /* the tests' sanitizer reports stay visible */
#else
	const int last = 2;
#endif
	for (int fd = 0; null >= 0 && fd <= last; fd++)
		dup2(null, fd);
	if (file < 0)
		close(FD_FILE);
	if (data < 0)
		close(FD_DATA);
	if (wdata < 0)
		close(FD_WDATA);
	if (syscall(SYS_close_range, FD_FIRST_FREE, ~0u, 0) < 0)
		for (int fd = FD_FIRST_FREE; fd < 65536; fd++)
			close(fd);
	return 0;
}

static void reset_signals(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
}

static unsigned confinement_bits(const struct confine_state *st)
{
	return (st->userns ? FSD_CONFINED_USERNS : 0) | (st->mountns ? FSD_CONFINED_MOUNTNS : 0) |
	       (st->netns ? FSD_CONFINED_NETNS : 0) | (st->pivoted ? FSD_CONFINED_PIVOT : 0) |
	       (st->chrooted ? FSD_CONFINED_CHROOT : 0) |
	       (st->ro_mount ? FSD_CONFINED_RO_MOUNT : 0);
}

/* The fds the limits need, and the limits cut down to the fds we may have. */
static void fit_limits(struct fsd_config *c)
{
	unsigned ni = c->max_inodes ? c->max_inodes : FSD_DEFAULT_MAX_INODES;
	unsigned nh = c->max_handles ? c->max_handles : FSD_DEFAULT_MAX_HANDLES;
	unsigned got = confine_nofile(ni + nh + 32);

	if (got < ni + nh + 32) {
		unsigned room = got > 64 ? got - 32 : 32;
		nh = nh < room / 4 ? nh : room / 4;
		ni = room - nh;
	}
	c->max_inodes = ni;
	c->max_handles = nh;
}

/* A file share's file again, beneath the root the server confined itself
 * to (so a read-only share's mount flag covers it too), when that name
 * still is the inode pinned before the fork; else the pinned fd stays. */
static void file_beneath_root(const char *name, int root)
{
	struct stat a, b;
	int fd = openat(root, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0 && fstat(fd, &a) == 0 && fstat(FD_FILE, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino && S_ISREG(a.st_mode))
		dup3(fd, FD_FILE, O_CLOEXEC);
	if (fd >= 0)
		close(fd);
}

/* The child's ends of what fsd_start made (-1: none). */
struct ends {
	int sock, ready, file, data, wdata;
};

/* p: the sizes fsd_start found (msg_max, data_max, wdata_max). */
static __attribute__((noreturn)) void child(const struct fsd_config *c, const struct ends *e,
					    const struct fsd_proc *p, pid_t parent, bool as_root)
{
	struct fsd_config cc = *c;
	struct confine_state st;
	struct sb_error err = {0};
	struct fsd_server *s;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(125);
	reset_signals();
	if (arrange_fds(e->sock, c->dir_fd, e->ready, e->file, e->data, e->wdata) < 0)
		_exit(125);
	umask(0);
	int root = FD_DIR;
	int proc = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = confine_namespaces(c->host_path, &root, as_root, c->readonly, &st);
	if (r < 0)
		child_fail(-r, "user namespace id map");
	if (c->file)
		file_beneath_root(c->file, root);
	fit_limits(&cc);
	confine_caps();
	struct server_env env = {.root_fd = root,
				 .file_fd = c->file ? FD_FILE : -1,
				 .proc_fd = proc,
				 .sock = FD_SOCK,
				 .data_fd = e->data >= 0 ? FD_DATA : -1,
				 .data_max = p->data_max,
				 .wdata_fd = e->wdata >= 0 ? FD_WDATA : -1,
				 .wdata_max = p->wdata_max,
				 .msg_max = p->msg_max,
				 .guest_owner = as_root};
	if (server_new(&cc, &env, &s, &err) < 0)
		child_fail(err.code, err.msg);
	if ((r = confine_seccomp()) < 0)
		child_fail(-r, "seccomp allow-list");
	send_report(0, confinement_bits(&st), ""); /* write(FD_READY) is on the list */
	close(FD_READY);
	_exit(server_run(s) < 0 ? 1 : 0);
}

/* Both ends can carry FSD_MSG_MAX when the host lets us (SO_SNDBUFFORCE as
 * root, else up to net.core.wmem_max): the largest message they carry. */
static size_t size_socket(const int sv[2])
{
	size_t max = FSD_MSG_MAX;

	for (int i = 0; i < 2; i++) {
		int want = (int)FSD_MSG_MAX + 4096, got = 0;
		socklen_t len = sizeof(got);
		if (setsockopt(sv[i], SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) < 0)
			setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
		if (getsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &got, &len) < 0 || got < 4096)
			return 0;
		if ((size_t)got - 64 < max) /* the kernel refuses len > sndbuf - 32 */
			max = (size_t)got - 64;
	}
	return max;
}

int fsd_ready(struct fsd_proc *p, struct sb_error *err)
{
	struct report r;
	ssize_t n;

	if (p->ready_fd < 0)
		return p->pid > 0 ? 0 : error_set(err, ESRCH, "file server: not started");
	do
		n = read(p->ready_fd, &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	close(p->ready_fd);
	p->ready_fd = -1;
	if (n == (ssize_t)sizeof(r) && r.code == 0) {
		p->confinement = r.confinement;
		return 0;
	}
	int code = n == (ssize_t)sizeof(r) ? r.code : EIO;
	r.msg[sizeof(r.msg) - 1] = '\0';
	error_set(err, code, "file server: %s",
		  n == (ssize_t)sizeof(r) ? r.msg : "exited during start-up");
	close(p->sock);
	p->sock = -1;
	if (p->data_fd >= 0)
		close(p->data_fd);
	if (p->wdata_fd >= 0)
		close(p->wdata_fd);
	p->data_fd = p->wdata_fd = -1;
	waitpid(p->pid, NULL, 0);
	p->pid = -1;
	return -code;
}

/* A file share's file, pinned: O_PATH | O_NOFOLLOW beneath dir_fd, a
 * regular file. The fd, or -errno with err filled. */
static int pin_file(const struct fsd_config *c, const char *path, struct sb_error *err)
{
	struct stat st;

	if (gate_name(c->file) < 0)
		return error_set(err, EINVAL, "file server for `%s`: bad file name", path);
	int fd = openat(c->dir_fd, c->file, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "file server for `%s/%s`", path, c->file);
	int e = fstat(fd, &st) < 0 ? errno : S_ISREG(st.st_mode) ? 0 : EINVAL;
	if (e) {
		close(fd);
		return error_set(err, e, "file server for `%s/%s`: not a regular file", path,
				 c->file);
	}
	return fd;
}

/* A data pipe: 1 MiB (a READ of max_pages) where the host lets us, the
 * VMM's end (fd[vmm_end]) non-blocking. No pipe (fd[] -1) is fine: READ and
 * WRITE then go by the socket. */
static void open_data_pipe(int fd[2], int vmm_end, size_t *max)
{
	*max = 0;
	if (pipe2(fd, O_CLOEXEC) < 0) {
		fd[0] = fd[1] = -1;
		return;
	}
	int got = -1; /* 1 MiB is the default pipe-max-size; an ordinary user may get less */
	for (int want = 1 << 20; got < 0 && want >= 64 * 1024; want /= 2)
		got = fcntl(fd[1], F_SETPIPE_SZ, want);
	if (got < 64 * 1024 || fcntl(fd[vmm_end], F_SETFL, O_NONBLOCK) < 0) {
		close(fd[0]);
		close(fd[1]);
		fd[0] = fd[1] = -1;
		return;
	}
	*max = (size_t)got;
}

int fsd_start(const struct fsd_config *c, struct fsd_proc *p, struct sb_error *err)
{
	const char *path = c->host_path ? c->host_path : "?";
	int sv[2], rp[2], file = -1;

	p->pid = -1;
	p->sock = -1;
	p->ready_fd = -1;
	p->data_fd = p->wdata_fd = -1;
	p->data_max = p->wdata_max = 0;
	p->confinement = 0;
	if (c->file && (file = pin_file(c, path, err)) < 0)
		return file;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		int e = errno;
		if (file >= 0)
			close(file);
		return error_set(err, e, "file server for `%s`: socketpair", path);
	}
	p->msg_max = size_socket(sv);
	if (p->msg_max < 64 * 1024 || pipe2(rp, O_CLOEXEC) < 0) {
		int e = p->msg_max < 64 * 1024 ? ENOBUFS : errno;
		close(sv[0]);
		close(sv[1]);
		if (file >= 0)
			close(file);
		return error_set(err, e, "file server for `%s`: socket", path);
	}
	int dp[2] = {-1, -1}, wp[2] = {-1, -1};
	if (c->data_pipe) {
		open_data_pipe(dp, 0, &p->data_max);
		open_data_pipe(wp, 1, &p->wdata_max);
	}
	pid_t parent = getpid();
	bool as_root = geteuid() == 0;
	struct ends ends = {
	    .sock = sv[1], .ready = rp[1], .file = file, .data = dp[1], .wdata = wp[0]};
	pid_t pid = fork();
	if (pid == 0)
		child(c, &ends, p, parent, as_root);
	int e = errno;
	close(sv[1]);
	close(rp[1]);
	if (file >= 0)
		close(file);
	if (dp[1] >= 0)
		close(dp[1]);
	if (wp[0] >= 0)
		close(wp[0]);
	if (pid < 0) {
		close(sv[0]);
		close(rp[0]);
		if (dp[0] >= 0)
			close(dp[0]);
		if (wp[1] >= 0)
			close(wp[1]);
		p->data_fd = p->wdata_fd = -1;
		return error_set(err, e, "file server for `%s`: fork", path);
	}
	p->pid = pid;
	p->sock = sv[0];
	p->ready_fd = rp[0];
	p->data_fd = dp[0];
	p->wdata_fd = wp[1];
	return 0;
}

int fsd_spawn(const struct fsd_config *c, struct fsd_proc *p, struct sb_error *err)
{
	int r = fsd_start(c, p, err);
	if (r == 0 && (r = fsd_ready(p, err)) < 0)
		error_prefix(err, "`%s`", c->host_path ? c->host_path : "?");
	return r;
}

/* Up to ms milliseconds for pid to end: 1 reaped, 0 still running. */
static int reap_within(pid_t pid, int ms)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (pfd >= 0) {
		struct pollfd q = {.fd = pfd, .events = POLLIN};
		int n;
		do
			n = poll(&q, 1, ms);
		while (n < 0 && errno == EINTR);
		close(pfd);
	}
	return waitpid(pid, NULL, WNOHANG) == pid;
}

void fsd_stop(struct fsd_proc *p)
{
	if (p->ready_fd >= 0)
		close(p->ready_fd);
	p->ready_fd = -1;
	if (p->sock >= 0)
		close(p->sock);
	p->sock = -1;
	if (p->data_fd >= 0)
		close(p->data_fd);
	p->data_fd = -1;
	if (p->wdata_fd >= 0)
		close(p->wdata_fd);
	p->wdata_fd = -1;
	if (p->pid > 0 && !reap_within(p->pid, 2000)) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
	}
	p->pid = -1;
}
