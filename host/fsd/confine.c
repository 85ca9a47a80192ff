/* Namespaces, pivot_root into the share, capabilities, RLIMIT_NOFILE, the server's seccomp list. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "confine.h"
#include "putfile.h"

/* As an ordinary user: a user namespace where we keep our own ids only.
 * 1 entered, 0 not allowed here, -errno entered but unusable (no id map). */
static int enter_userns(void)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return 0;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	int r = putfile("/proc/self/uid_map", map, 0);
	if (r == 0) {
		putfile("/proc/self/setgroups", "deny\n", 0);
		snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
		r = putfile("/proc/self/gid_map", map, 0);
	}
	return r < 0 ? r : 1;
}

/* host_path still names the directory *root_fd holds. */
static bool same_dir(const char *host_path, int root_fd)
{
	struct stat a, b;
	return host_path && stat(host_path, &a) == 0 && fstat(root_fd, &b) == 0 &&
	       S_ISDIR(a.st_mode) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* The share, bound onto itself, becomes "/" (the fd from another mount
 * namespace cannot be bound: the path is, once checked against it). */
static bool pivot(const char *host_path, int root_fd)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || !same_dir(host_path, root_fd))
		return false;
	if (mount(host_path, host_path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return false;
	if (chdir(host_path) < 0)
		return false;
	struct stat a, b;
	if (stat(".", &a) < 0 || fstat(root_fd, &b) < 0 || a.st_ino != b.st_ino ||
	    a.st_dev != b.st_dev)
		return false;
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return false;
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return false;
	return true;
}

static bool make_readonly(void)
{
	struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
	if (syscall(SYS_mount_setattr, AT_FDCWD, "/", AT_RECURSIVE, &a, sizeof(a)) == 0)
		return true;
	return mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) == 0;
}

int confine_namespaces(const char *host_path, int *root_fd, bool as_root, bool readonly,
		       struct confine_state *st)
{
	memset(st, 0, sizeof(*st));
	if (as_root) {
		st->mountns = unshare(CLONE_NEWNS) == 0;
	} else {
		int r = enter_userns();
		if (r < 0)
			return r;
		st->mountns = st->userns = r == 1;
	}
	st->netns = unshare(CLONE_NEWNET) == 0;
	if (st->mountns && pivot(host_path, *root_fd)) {
		int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			close(*root_fd);
			*root_fd = fd;
			st->pivoted = true;
			st->ro_mount = readonly && make_readonly();
		}
	}
	if (!st->pivoted && fchdir(*root_fd) == 0 && chroot(".") == 0)
		st->chrooted = chdir("/") == 0;
	return 0;
}

unsigned confine_nofile(unsigned max_fds)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) < 0)
		return 1024;
	if (r.rlim_cur < max_fds) {
		r.rlim_cur = r.rlim_max < max_fds ? r.rlim_max : max_fds;
		setrlimit(RLIMIT_NOFILE, &r);
		getrlimit(RLIMIT_NOFILE, &r);
	}
	return r.rlim_cur > max_fds ? max_fds : (unsigned)r.rlim_cur;
}

void confine_caps(void)
{
	const uint64_t keep = 1ull << CAP_CHOWN | 1ull << CAP_DAC_OVERRIDE |
			      1ull << CAP_DAC_READ_SEARCH | 1ull << CAP_FOWNER;
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];

	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if (!(keep >> c & 1))
			prctl(PR_CAPBSET_DROP, c, 0, 0, 0); /* EPERM without CAP_SETPCAP */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capget, &h, d) < 0)
		return;
	for (int i = 0; i < 2; i++) {
		uint32_t k = (uint32_t)(keep >> (32 * i));
		d[i].permitted &= k;
		d[i].effective &= k;
		d[i].inheritable = 0;
	}
	syscall(SYS_capset, &h, d);
}

/* One allowed call, or with an argument test (mask, value) on argument arg. */
struct allow {
	int nr;
	int arg;
	uint64_t mask, value;
};

/* clang-format off */
#define ANY(name) {SCMP_SYS(name), -1, 0, 0}
#define ARG(name, i, m, v) {SCMP_SYS(name), i, m, v}

static const struct allow allowed[] = {
    /* the socket: requests in, replies out */
    ANY(recvfrom), ANY(recvmsg), ANY(sendto), ANY(sendmsg),
    /* names beneath held fds, O_PATH inodes, reopening through /proc/self/fd */
    ANY(openat), ANY(openat2), ANY(close), ANY(newfstatat), ANY(fstat), ANY(fstatfs),
    ANY(readlinkat), ANY(getdents64), ANY(lseek),
    /* a file share's held inode, duplicated into the inode table */
    ARG(fcntl, 1, ~0ull, F_DUPFD_CLOEXEC),
    /* changes to the tree (refused before they get here on read-only shares) */
    ANY(mkdirat), ARG(mknodat, 2, S_IFMT, S_IFREG), ANY(symlinkat), ANY(unlinkat),
    ANY(renameat), ANY(renameat2), ANY(linkat), ANY(fchownat), ANY(fchmodat), ANY(fchmod), ANY(utimensat),
    ANY(faccessat), ANY(faccessat2), ANY(ftruncate), ANY(fallocate),
    /* file data */
    ANY(pread64), ANY(pwrite64), ANY(fsync), ANY(fdatasync),
    /* READ data into the pipe on fd 7 (spawn.c's FD_DATA); WRITE data out of
     * the pipe on fd 8 (FD_WDATA), into a file or, drained, into memory */
    ARG(splice, 2, ~0ull, 7), ARG(splice, 0, ~0ull, 8), ARG(read, 0, ~0ull, 8),
    /* malloc and libfuse's lock; never executable memory */
    ARG(mmap, 2, PROT_EXEC, 0), ARG(mprotect, 2, PROT_EXEC, 0), ANY(munmap), ANY(brk),
    ARG(mremap, 3, ~0ull, MREMAP_MAYMOVE), ARG(mremap, 3, ~0ull, 0),
    ARG(madvise, 2, ~0ull, MADV_DONTNEED), ANY(futex),
    /* the start-up report on fd 5 (spawn.c's FD_READY), then its close */
    ARG(write, 0, ~0ull, 5),
    /* the end, and glibc's abort path */
    ANY(exit), ANY(exit_group), ANY(rt_sigreturn), ANY(restart_syscall), ANY(rt_sigprocmask),
    ANY(getpid), ANY(gettid), ANY(clock_gettime),
#ifdef __SANITIZE_ADDRESS__
    /* AddressSanitizer's reports and exit in the unit tests */
    ANY(write), ANY(sigaltstack), ANY(sched_yield), ANY(readlink), ANY(prctl),
    ARG(madvise, 2, ~0ull, MADV_NOHUGEPAGE), ARG(madvise, 2, ~0ull, MADV_DONTDUMP),
#endif
};
/* clang-format on */

static int add(scmp_filter_ctx ctx, const struct allow *a)
{
	if (a->arg < 0)
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, a->nr, 0);
	struct scmp_arg_cmp c = {.arg = (unsigned)a->arg,
				 .op = SCMP_CMP_MASKED_EQ,
				 .datum_a = a->mask,
				 .datum_b = a->value};
	return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, a->nr, 1, &c);
}

int confine_seccomp(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return -ENOMEM;
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
	for (size_t i = 0; r == 0 && i < sizeof(allowed) / sizeof(allowed[0]); i++)
		r = add(ctx, &allowed[i]);
	/* abort(): signals to ourselves only */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
				     SCMP_A0(SCMP_CMP_EQ, (uint64_t)getpid()));
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r;
}
