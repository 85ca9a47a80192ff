/* Unit tests for the seccomp allow-lists (sysfilter): a forked child's thread under each filter. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sysfilter.h"

/* What the filtered thread tries after its allowed write. */
enum call {
	C_NONE,
	C_OPENAT,
	C_SOCKET,
	C_EXECVE,
	C_MMAP_EXEC,
	C_MPROTECT_EXEC,
	C_IOCTL_FIONREAD,
	C_KVM_RUN,
	C_EPOLL_WAIT,
	C_TGKILL_OTHER,
	C_KILL,
	C_PROCESS_VM_READV,
	C_MMAP_RW,
	C_MADVISE_WILLNEED,
	C_GETPPID,
	C_I386_GETPID,
	C_SOCKET_TCP4,
	C_SOCKET_UDP6,
	C_SOCKET_RAW,
	C_SOCKET_NETLINK,
	C_BIND,
	C_POLL,
	C_MREMAP,	/* MREMAP_MAYMOVE, as glibc's realloc of an mmapped chunk */
	C_MREMAP_FIXED, /* anywhere we say: not on any list */
	C_FORK,		/* clone without CLONE_THREAD: a new process */
	C_CLONE3,
	C_SETUID,
	C_KVM_CREATE_VCPU, /* on a pipe: ENOTTY when the filter lets it through */
	C_CHROOT,
};

/* The process filter's network part (sysfilter_build's net). */
static bool build_net = true;

/* Results, in memory shared with the parent (the child only _exits). */
struct shared {
	int build, arm, enter;
	long allowed_ret;
	long ret;
	int err;
	int violated, nr, kind;
	uint64_t wake;	     /* the eventfd the handler poked, read by the child's main thread */
	int main_unfiltered; /* the child's main thread could still open a file */
	char reason[256];
};

struct child {
	struct sysfilter f;
	enum sysfilter_kind kind;
	enum call call;
	int pipe_w, done_w, epfd;
	pid_t other; /* a process that is not us (the parent) */
	void *page;  /* mapped before the filter, for mprotect */
	struct shared *sh;
};

/* Raw system calls only from here on: the thread is filtered. */
static long try_call(const struct child *c)
{
	static char *const argv[] = {"true", NULL};
	struct epoll_event ev;
	struct iovec iov = {0};
	int n = 0;

	switch (c->call) {
	case C_NONE:
		return 0;
	case C_OPENAT:
		return syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
	case C_SOCKET:
		return syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	case C_EXECVE:
		return syscall(SYS_execve, "/bin/true", argv, NULL);
	case C_MMAP_EXEC:
		return syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	case C_MPROTECT_EXEC:
		return syscall(SYS_mprotect, c->page, 4096, PROT_READ | PROT_EXEC);
	case C_IOCTL_FIONREAD:
		return syscall(SYS_ioctl, c->pipe_w, FIONREAD, &n);
	case C_KVM_RUN: /* a pipe: ENOTTY when the filter lets it through */
		return syscall(SYS_ioctl, c->pipe_w, KVM_RUN, 0);
	case C_EPOLL_WAIT:
		return syscall(SYS_epoll_wait, c->epfd, &ev, 1, 0);
	case C_TGKILL_OTHER:
		return syscall(SYS_tgkill, c->other, c->other, 0);
	case C_KILL:
		return syscall(SYS_kill, c->other, 0);
	case C_PROCESS_VM_READV:
		return syscall(SYS_process_vm_readv, c->other, &iov, 1, &iov, 1, 0);
	case C_MMAP_RW:
		return syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	case C_MADVISE_WILLNEED:
		return syscall(SYS_madvise, c->page, 4096, MADV_WILLNEED);
	case C_GETPPID:
		return syscall(SYS_getppid);
	case C_SOCKET_TCP4:
		return syscall(SYS_socket, AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	case C_SOCKET_UDP6:
		return syscall(SYS_socket, AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	case C_SOCKET_RAW:
		return syscall(SYS_socket, AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	case C_SOCKET_NETLINK:
		return syscall(SYS_socket, AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	case C_BIND: { /* the pipe is no socket: ENOTSOCK when the filter lets it through */
		struct sockaddr_in a = {.sin_family = AF_INET};
		return syscall(SYS_bind, c->pipe_w, &a, sizeof(a));
	}
	case C_POLL: {
		struct pollfd p = {.fd = c->pipe_w, .events = POLLOUT};
		return syscall(SYS_poll, &p, 1, 0);
	}
	case C_MREMAP:
	case C_MREMAP_FIXED: {
		void *p =
		    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		long q = c->call == C_MREMAP
			     ? syscall(SYS_mremap, p, 4096, 8192, MREMAP_MAYMOVE)
			     : syscall(SYS_mremap, p, 4096, 8192, MREMAP_MAYMOVE | MREMAP_FIXED,
				       (char *)p + (1 << 20));
		munmap(q == -1 ? p : (void *)q, q == -1 ? 4096 : 8192);
		return q == -1 ? -1 : 0;
	}
	case C_FORK: {
		long pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		if (pid == 0)
			syscall(SYS_exit_group, 0);
		return pid;
	}
	case C_CLONE3:
		return syscall(SYS_clone3, NULL, 0);
	case C_SETUID:
		return syscall(SYS_setuid, 0);
	case C_KVM_CREATE_VCPU:
		return syscall(SYS_ioctl, c->pipe_w, KVM_CREATE_VCPU, 0);
	case C_CHROOT:
		return syscall(SYS_chroot, "/");
	case C_I386_GETPID: {
		/* The i386 ABI (int 0x80) is another "arch" for the filter: its
		 * getpid (20) must not pass as the x86-64 call of that number. */
		long ret = 20;
		__asm__ volatile("int $0x80" : "+a"(ret) : : "r8", "r9", "r10", "r11", "memory");
		if (ret < 0 && ret > -4096) {
			errno = (int)-ret;
			return -1;
		}
		return ret;
	}
	}
	return 0;
}

static void *filtered(void *arg)
{
	struct child *c = arg;
	struct shared *sh = c->sh;
	enum sysfilter_kind kind = SYSFILTER_KINDS;
	int nr = -1;

	sh->enter = sysfilter_enter(&c->f, c->kind);
	if (sh->enter == 0) {
		sh->allowed_ret = syscall(SYS_write, c->pipe_w, "x", 1);
		errno = 0;
		sh->ret = try_call(c);
		sh->err = errno;
		sh->violated = sysfilter_violation(&nr, &kind);
		sh->nr = nr;
		sh->kind = (int)kind;
	}
	syscall(SYS_write, c->done_w, "d", 1);
	/* Parked: thread exit under ASan makes calls the filter denies; the
	 * child's main thread _exits instead. */
	for (;;) {
		struct timespec ts = {.tv_sec = 1};
		syscall(SYS_nanosleep, &ts, NULL);
	}
	return NULL;
}

static void child_main(struct child *c, int arm)
{
	struct shared *sh = c->sh;
	int p[2], done[2];
	char b;

	if (pipe(p) < 0 || pipe(done) < 0)
		_exit(3);
	c->pipe_w = p[1];
	c->done_w = done[1];
	c->epfd = epoll_create1(0);
	c->page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	c->other = getppid();
	sh->build = sysfilter_build(&c->f, build_net, true, NULL);
	int wake = eventfd(0, EFD_NONBLOCK);
	if (sh->build < 0 || wake < 0 || c->epfd < 0 || c->page == MAP_FAILED)
		_exit(4);
	sh->arm = arm ? sysfilter_arm(wake, NULL) : 0;
	pthread_t t;
	if (pthread_create(&t, NULL, filtered, c) != 0 || read(done[0], &b, 1) != 1)
		_exit(5);
	uint64_t v = 0;
	if (read(wake, &v, sizeof(v)) == sizeof(v))
		sh->wake = v;
	sysfilter_reason(sh->reason, sizeof(sh->reason));
	int fd = open("/dev/null", O_RDONLY);
	sh->main_unfiltered = fd >= 0;
	_exit(0);
}

/* Run one call on a thread of the given kind in a child; returns its results. */
static struct shared *run(enum sysfilter_kind kind, enum call call, int arm)
{
	struct shared *sh =
	    mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(sh != MAP_FAILED);
	memset(sh, 0, sizeof(*sh));
	sh->enter = 1;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct child c = {.kind = kind, .call = call, .sh = sh};
		child_main(&c, arm);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(sh->build, 0);
	assert_int_equal(sh->arm, 0);
	return sh;
}

static void done(struct shared *sh)
{
	munmap(sh, sizeof(*sh));
}

/* A denied call: -1/EPERM, recorded with its number and thread kind, the
 * eventfd poked; the thread's allowed write worked; the main thread is free. */
static void expect_denied(enum sysfilter_kind kind, enum call call, int nr)
{
	struct shared *sh = run(kind, call, 1);

	assert_int_equal(sh->enter, 0);
	assert_int_equal(sh->allowed_ret, 1);
	assert_int_equal(sh->ret, -1);
	assert_int_equal(sh->err, EPERM);
	assert_int_equal(sh->violated, 1);
	assert_int_equal(sh->nr, nr);
	assert_int_equal(sh->kind, kind);
	assert_true(sh->wake >= 1);
	assert_int_equal(sh->main_unfiltered, 1);
	done(sh);
}

/* An allowed call: not EPERM from the filter, nothing recorded, no stop request. */
static void expect_allowed(enum sysfilter_kind kind, enum call call, int expect_errno)
{
	struct shared *sh = run(kind, call, 1);

	assert_int_equal(sh->enter, 0);
	assert_int_equal(sh->allowed_ret, 1);
	if (expect_errno) {
		assert_int_equal(sh->ret, -1);
		assert_int_equal(sh->err, expect_errno);
	} else {
		assert_true(sh->ret >= 0);
	}
	assert_int_equal(sh->violated, 0);
	assert_int_equal(sh->wake, 0);
	assert_string_equal(sh->reason, "");
	done(sh);
}

static const enum sysfilter_kind kinds[] = {SYSFILTER_VCPU, SYSFILTER_EVENTLOOP};

static void test_denied_everywhere(void **state)
{
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		expect_denied(kinds[i], C_OPENAT, SYS_openat);
		expect_denied(kinds[i], C_SOCKET, SYS_socket);
		expect_denied(kinds[i], C_EXECVE, SYS_execve);
		expect_denied(kinds[i], C_MMAP_EXEC, SYS_mmap);
		expect_denied(kinds[i], C_MPROTECT_EXEC, SYS_mprotect);
		expect_denied(kinds[i], C_IOCTL_FIONREAD, SYS_ioctl);
		expect_denied(kinds[i], C_TGKILL_OTHER, SYS_tgkill);
		expect_denied(kinds[i], C_KILL, SYS_kill);
		expect_denied(kinds[i], C_PROCESS_VM_READV, SYS_process_vm_readv);
		expect_denied(kinds[i], C_MADVISE_WILLNEED, SYS_madvise);
		expect_denied(kinds[i], C_GETPPID, SYS_getppid);
	}
}

static void test_allowed_everywhere(void **state)
{
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		expect_allowed(kinds[i], C_NONE, 0);
		expect_allowed(kinds[i], C_MMAP_RW, 0);
	}
}

/* KVM_RUN only on vCPU threads, epoll_wait only on the event loop. */
static void test_per_kind(void **state)
{
	(void)state;
	expect_allowed(SYSFILTER_VCPU, C_KVM_RUN, ENOTTY);
	expect_denied(SYSFILTER_EVENTLOOP, C_KVM_RUN, SYS_ioctl);
	expect_allowed(SYSFILTER_EVENTLOOP, C_EPOLL_WAIT, 0);
	expect_denied(SYSFILTER_VCPU, C_EPOLL_WAIT, SYS_epoll_wait);
}

/* The network thread: IPv4/IPv6 stream and datagram sockets and poll; no
 * other socket family, no raw socket, no bind, no file, no exec, no KVM. */
static void test_net_kind(void **state)
{
	(void)state;
	expect_allowed(SYSFILTER_NET, C_NONE, 0);
	expect_allowed(SYSFILTER_NET, C_SOCKET_TCP4, 0);
	expect_allowed(SYSFILTER_NET, C_SOCKET_UDP6, 0);
	expect_allowed(SYSFILTER_NET, C_POLL, 0);
	expect_allowed(SYSFILTER_NET, C_IOCTL_FIONREAD, 0);
	expect_allowed(SYSFILTER_NET, C_MREMAP, 0);
	expect_denied(SYSFILTER_NET, C_MREMAP_FIXED, SYS_mremap);
	expect_denied(SYSFILTER_VCPU, C_MREMAP, SYS_mremap);
	expect_denied(SYSFILTER_NET, C_SOCKET, SYS_socket); /* AF_UNIX */
	expect_denied(SYSFILTER_NET, C_SOCKET_RAW, SYS_socket);
	expect_denied(SYSFILTER_NET, C_SOCKET_NETLINK, SYS_socket);
	expect_denied(SYSFILTER_NET, C_BIND, SYS_bind);
	expect_denied(SYSFILTER_NET, C_OPENAT, SYS_openat);
	expect_denied(SYSFILTER_NET, C_EXECVE, SYS_execve);
	expect_denied(SYSFILTER_NET, C_MMAP_EXEC, SYS_mmap);
	expect_denied(SYSFILTER_NET, C_KVM_RUN, SYS_ioctl);
	expect_denied(SYSFILTER_NET, C_EPOLL_WAIT, SYS_epoll_wait);
	expect_denied(SYSFILTER_NET, C_KILL, SYS_kill);
	expect_denied(SYSFILTER_NET, C_PROCESS_VM_READV, SYS_process_vm_readv);
	/* and the guest-facing VMM threads still get no socket at all */
	expect_denied(SYSFILTER_VCPU, C_SOCKET_TCP4, SYS_socket);
	expect_denied(SYSFILTER_EVENTLOOP, C_SOCKET_UDP6, SYS_socket);
	struct shared *sh = run(SYSFILTER_NET, C_OPENAT, 1);
	assert_string_equal(sh->reason,
			    "VMM network thread made a forbidden system call: openat (seccomp)");
	done(sh);
}

/* The whole jailed process: every thread kind's calls and the main
 * thread's (KVM set-up ioctls, threads); no new process, no file by name,
 * no id change; clone3 fails with ENOSYS (glibc falls back to clone), as no
 * violation. Sockets only when a network thread will run. */
static void test_process_kind(void **state)
{
	(void)state;
	expect_allowed(SYSFILTER_PROCESS, C_NONE, 0);
	expect_allowed(SYSFILTER_PROCESS, C_KVM_RUN, ENOTTY);
	expect_allowed(SYSFILTER_PROCESS, C_KVM_CREATE_VCPU, ENOTTY);
	expect_allowed(SYSFILTER_PROCESS, C_EPOLL_WAIT, 0);
	expect_allowed(SYSFILTER_PROCESS, C_POLL, 0);
	expect_allowed(SYSFILTER_PROCESS, C_IOCTL_FIONREAD, 0);
	expect_allowed(SYSFILTER_PROCESS, C_SOCKET_TCP4, 0);
	expect_allowed(SYSFILTER_PROCESS, C_CLONE3, ENOSYS);
	expect_denied(SYSFILTER_PROCESS, C_FORK, SYS_clone);
	expect_denied(SYSFILTER_PROCESS, C_OPENAT, SYS_openat);
	expect_denied(SYSFILTER_PROCESS, C_EXECVE, SYS_execve);
	expect_denied(SYSFILTER_PROCESS, C_SETUID, SYS_setuid);
	expect_denied(SYSFILTER_PROCESS, C_CHROOT, SYS_chroot);
	expect_denied(SYSFILTER_PROCESS, C_KILL, SYS_kill);
	expect_denied(SYSFILTER_PROCESS, C_SOCKET, SYS_socket);
	expect_denied(SYSFILTER_PROCESS, C_SOCKET_RAW, SYS_socket);
	expect_denied(SYSFILTER_PROCESS, C_MMAP_EXEC, SYS_mmap);
	expect_denied(SYSFILTER_PROCESS, C_PROCESS_VM_READV, SYS_process_vm_readv);
	struct shared *sh = run(SYSFILTER_PROCESS, C_SETUID, 1);
	assert_string_equal(sh->reason,
			    "VMM main thread made a forbidden system call: setuid (seccomp)");
	done(sh);
	build_net = false;
	expect_denied(SYSFILTER_PROCESS, C_SOCKET_TCP4, SYS_socket);
	expect_denied(SYSFILTER_PROCESS, C_POLL, SYS_poll);
	build_net = true;
}

/* The line the VMM reports, with the call's name. */
static void test_reason(void **state)
{
	(void)state;
	struct shared *sh = run(SYSFILTER_VCPU, C_OPENAT, 1);
	assert_string_equal(sh->reason,
			    "VMM vCPU thread made a forbidden system call: openat (seccomp)");
	done(sh);
	sh = run(SYSFILTER_EVENTLOOP, C_SOCKET, 1);
	assert_string_equal(sh->reason,
			    "VMM event-loop thread made a forbidden system call: socket (seccomp)");
	done(sh);
}

/* 1 when this kernel runs i386 system calls made through int 0x80 (IA-32
 * emulation), 0 when it does not (built without it, or ia32_emulation=0:
 * int 0x80 then raises SIGSEGV before any filter sees the call). Probed
 * unfiltered in a child, with SIGSEGV at its default action. */
static int ia32_syscalls_work(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		long ret = 20; /* i386 getpid */
		__asm__ volatile("int $0x80" : "+a"(ret) : : "r8", "r9", "r10", "r11", "memory");
		_exit(ret == (long)getpid() ? 0 : 1);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Even a call our own list allows is refused through another ABI: the i386
 * getpid (20) must not pass as the x86-64 call of that number. Only where the
 * kernel has IA-32 emulation; without it the ABI does not exist to refuse. */
static void test_reason_i386(void **state)
{
	(void)state;
	if (!ia32_syscalls_work()) {
		print_message("SKIP test_reason_i386: this kernel has no IA-32 syscall emulation "
			      "(int $0x80 raises SIGSEGV), so there is no i386 ABI to refuse\n");
		skip();
	}
	struct shared *sh = run(SYSFILTER_VCPU, C_I386_GETPID, 1);
	assert_int_equal(sh->ret, -1);
	assert_int_equal(sh->err, EPERM);
	assert_string_equal(sh->reason,
			    "VMM vCPU thread made a forbidden system call: i386 getpid (seccomp)");
	done(sh);
}

/* Without the SIGSYS handler a trap would kill the process: no filter then. */
static void test_enter_needs_arm(void **state)
{
	(void)state;
	struct shared *sh = run(SYSFILTER_VCPU, C_NONE, 0);
	assert_int_equal(sh->enter, -EINVAL);
	done(sh);
}

/* A SIGSYS sent from outside is no violation and kills nothing. */
static void test_outside_sigsys(void **state)
{
	int status, nr;
	enum sysfilter_kind kind;
	(void)state;

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int wake = eventfd(0, EFD_NONBLOCK);
		uint64_t v;
		if (wake < 0 || sysfilter_arm(wake, NULL) < 0)
			_exit(2);
		kill(getpid(), SIGSYS);
		if (sysfilter_violation(&nr, &kind) || read(wake, &v, sizeof(v)) >= 0)
			_exit(3);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_programs(void **state)
{
	struct sysfilter f;
	(void)state;

	assert_int_equal(sysfilter_build(&f, true, true, NULL), 0);
	for (int k = 0; k < SYSFILTER_KINDS; k++) {
		assert_non_null(f.prog[k].filter);
		assert_true(f.prog[k].len > 10 && f.prog[k].len <= BPF_MAXINSNS);
	}
	/* Different lists, different programs. */
	assert_true(f.prog[0].len != f.prog[1].len ||
		    memcmp(f.prog[0].filter, f.prog[1].filter,
			   f.prog[0].len * sizeof(struct sock_filter)) != 0);
	sysfilter_free(&f);
	assert_null(f.prog[0].filter);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_programs),
	    cmocka_unit_test(test_denied_everywhere),
	    cmocka_unit_test(test_allowed_everywhere),
	    cmocka_unit_test(test_per_kind),
	    cmocka_unit_test(test_net_kind),
	    cmocka_unit_test(test_process_kind),
	    cmocka_unit_test(test_reason),
	    cmocka_unit_test(test_reason_i386),
	    cmocka_unit_test(test_enter_needs_arm),
	    cmocka_unit_test(test_outside_sigsys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
