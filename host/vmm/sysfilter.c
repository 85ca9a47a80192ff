/* Seccomp allow-lists of the vCPU, event-loop and network threads; the SIGSYS handler. */
#include <errno.h>
#include <linux/audit.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sched.h>
#include <stdbool.h>
#include <seccomp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <ucontext.h>
#include <unistd.h>

#include "cleanup.h"
#include "sysfilter.h"

/* One allowed system call; arg >= 0 also requires (argument & mask) == value. */
struct allow {
	int nr;
	int arg;
	uint64_t mask, value;
};

/* One system call per entry, a comment per group. */
/* clang-format off */
#define ANY(name) {SCMP_SYS(name), -1, 0, 0}
#define ARG(name, i, m, v) {SCMP_SYS(name), i, m, v}
/* The kernel reads an ioctl request as 32 bits. */
#define IOCTL(req) ARG(ioctl, 1, 0xffffffffu, req)

/* Every kind: what glibc and the VMM's own code do on any of these threads. */
static const struct allow common[] = {
    /* eventfds (wake-ups, ioeventfd, irqfd, rings), guest output to stdout,
     * stderr and the log, host stdin and the control pipe */
    ANY(read), ANY(readv), ANY(write), ANY(writev),
    /* mutexes, condition variables */
    ANY(futex),
    /* the stop request kicks every vCPU with pthread_kill, which blocks
     * signals around tgkill(getpid(), tid) (tgkill: see build_one) */
    ANY(getpid), ANY(gettid), ANY(rt_sigprocmask),
    /* returning from the kick and SIGSYS handlers; an interrupted sleep */
    ANY(rt_sigreturn), ANY(restart_syscall),
    /* clock_gettime's fallback when the vDSO cannot read the clock; short waits */
    ANY(clock_gettime), ANY(nanosleep), ANY(clock_nanosleep), ANY(sched_yield),
    /* malloc in a thread (arena: mmap, then mprotect; trimming with
     * MADV_DONTNEED) and thread exit (stack MADV_DONTNEED); never executable */
    ARG(mmap, 2, PROT_EXEC, 0), ARG(mprotect, 2, PROT_EXEC, 0), ANY(munmap), ANY(brk),
    ARG(madvise, 2, ~0ull, MADV_DONTNEED),
    /* thread exit; exit_group only ends our own process (abort paths) */
    ANY(exit), ANY(exit_group),
};

/* The vCPU and event-loop threads: device code. */
#define DEVICE_CALLS \
    /* eventloop_enable runs on whichever thread a queue is served */ \
    ANY(epoll_ctl), \
    /* virtio-rng */ \
    ANY(getrandom), \
    /* interrupts without irqfd: the UART, virtio fallback */ \
    IOCTL(KVM_IRQ_LINE), \
    /* virtio-fs: requests to and replies from the file server's socket, \
     * WRITE data into its pipe */ \
    ANY(sendmsg), ANY(recvmsg), ANY(vmsplice)

/* vCPU threads: run the guest. */
static const struct allow vcpu_only[] = {
    DEVICE_CALLS,
    IOCTL(KVM_RUN),
};

/* The event-loop thread: wait for ioeventfds and host fds. */
static const struct allow loop_only[] = {
    DEVICE_CALLS,
    ANY(epoll_wait),
    ANY(epoll_pwait),
};

/* The network thread: libslirp's poll loop over its host sockets (socket()
 * itself is added by add_socket_rules: IPv4/IPv6 stream and datagram only).
 * No bind or listen: every listener exists before the filter goes on. */
static const struct allow net_only[] = {
    ANY(poll), ANY(ppoll),
    /* outbound connections, port-forward connections coming in */
    ANY(connect), ANY(accept), ANY(accept4),
    ANY(sendto), ANY(recvfrom), ANY(sendmsg), ANY(recvmsg),
    ANY(getsockname), ANY(getpeername), ANY(getsockopt), ANY(setsockopt),
    ANY(shutdown), ANY(close),
    /* non-blocking and close-on-exec flags of accepted sockets */
    ARG(fcntl, 1, ~0ull, F_GETFL), ARG(fcntl, 1, ~0ull, F_SETFL),
    ARG(fcntl, 1, ~0ull, F_GETFD), ARG(fcntl, 1, ~0ull, F_SETFD),
    /* the size of a pending UDP datagram */
    IOCTL(FIONREAD),
    /* glibc's realloc of a chunk it mmapped (>= 128 KiB: libslirp's socket
     * buffers and mbufs at a 65520 MTU) moves it with mremap; no
     * MREMAP_FIXED or MREMAP_DONTUNMAP, and mremap never changes protection */
    ARG(mremap, 3, ~0ull, MREMAP_MAYMOVE), ARG(mremap, 3, ~0ull, 0),
#ifdef __SANITIZE_ADDRESS__
    /* AddressSanitizer (unit tests) removes its alternate signal stack and
     * remaps the stack's shadow when the thread exits */
    ANY(sigaltstack),
    ARG(madvise, 2, ~0ull, MADV_NOHUGEPAGE), ARG(madvise, 2, ~0ull, MADV_DONTDUMP),
#endif
};

/* The whole process, from the jail on (vmm_config.jail): what every thread
 * above may do, plus what the main thread does after the jail, which is
 * start the threads, create the vCPUs, wait, and tear down. Installed on
 * the main thread while it is the only one: every thread inherits it. */
static const struct allow process_only[] = {
    /* threads (CLONE_THREAD), never new processes; clone3's flags are out
     * of reach of a filter: it fails with ENOSYS and glibc falls back */
    ARG(clone, 0, CLONE_THREAD, CLONE_THREAD), ANY(set_robust_list), ANY(rseq),
    /* thread names, and each thread's own filter */
    ARG(prctl, 0, ~0ull, PR_SET_NAME), ARG(prctl, 0, ~0ull, PR_SET_NO_NEW_PRIVS),
    ARG(prctl, 0, ~0ull, PR_SET_SECCOMP),
    /* the vCPU kick and SIGSYS handlers, restored at the end */
    ANY(rt_sigaction),
    /* KVM's ioctls only (vCPUs: create, set up, run) */
    ARG(ioctl, 1, 0xff00, KVMIO << 8),
    /* a snapshot: guest RAM and the state into their files (mincore: the
     * pages the guest never touched are skipped); a restore's working set
     * (its pagemap read, the file written) */
    ANY(pwrite64), ANY(pread64),
    /* the end: figures (guest pages resident, peak RSS), then fds closed */
    ANY(mincore), ANY(getrusage), ANY(close), ANY(fstat),
    ARG(newfstatat, 3, AT_EMPTY_PATH, AT_EMPTY_PATH),
};

/* clang-format on */

static const struct {
	const struct allow *list;
	size_t n;
} only[SYSFILTER_KINDS] = {
    [SYSFILTER_VCPU] = {vcpu_only, sizeof(vcpu_only) / sizeof(vcpu_only[0])},
    [SYSFILTER_EVENTLOOP] = {loop_only, sizeof(loop_only) / sizeof(loop_only[0])},
    [SYSFILTER_NET] = {net_only, sizeof(net_only) / sizeof(net_only[0])},
    [SYSFILTER_PROCESS] = {process_only, sizeof(process_only) / sizeof(process_only[0])},
};

static const char *const kind_name[SYSFILTER_KINDS] = {
    [SYSFILTER_VCPU] = "vCPU",
    [SYSFILTER_EVENTLOOP] = "event-loop",
    [SYSFILTER_NET] = "network",
    [SYSFILTER_PROCESS] = "main",
};

/* The first violation: REC_SET | kind + 1 << 32 | nr (32 bits); REC_FOREIGN
 * when the call came in through another ABI (i386 int 0x80). */
#define REC_SET (1ull << 63)
#define REC_FOREIGN (1ull << 40)
static _Atomic uint64_t record;
static atomic_int wake = -1;
static atomic_int armed;
static _Thread_local int thread_kind; /* kind + 1 on a filtered thread */
static struct sigaction old_sigsys;

static int add(scmp_filter_ctx ctx, const struct allow *a)
{
	if (a->arg < 0)
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, a->nr, 0);
	struct scmp_arg_cmp c = {
	    .arg = (unsigned)a->arg,
	    .op = SCMP_CMP_MASKED_EQ,
	    .datum_a = a->mask,
	    .datum_b = a->value,
	};
	return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, a->nr, 1, &c);
}

/* The context's program, copied out of a memfd (libseccomp 2.5 has no export to memory). */
static int export_prog(scmp_filter_ctx ctx, struct sock_fprog *prog, struct sb_error *err)
{
	cleanup_close int fd = memfd_create("seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "seccomp: memfd_create");
	int r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return error_set(err, -r, "seccomp: export the filter");
	off_t size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) ||
	    size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
		return error_set(err, EINVAL, "seccomp: filter of %lld bytes", (long long)size);
	struct sock_filter *code = malloc((size_t)size);
	if (!code)
		return error_set(err, ENOMEM, "seccomp: filter");
	if (pread(fd, code, (size_t)size, 0) != size) {
		free(code);
		return error_set(err, EIO, "seccomp: read the filter back");
	}
	prog->filter = code;
	prog->len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
	return 0;
}

/* socket(): IPv4 and IPv6, stream (TCP) and datagram (UDP, ICMP echo) only:
 * no raw, netlink, packet or Unix sockets. The type's flags are masked off. */
static int add_socket_rules(scmp_filter_ctx ctx)
{
	static const int domains[] = {AF_INET, AF_INET6}, types[] = {SOCK_STREAM, SOCK_DGRAM};
	int r = 0;

	for (unsigned d = 0; r == 0 && d < 2; d++)
		for (unsigned t = 0; r == 0 && t < 2; t++)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
					     SCMP_A0(SCMP_CMP_EQ, (uint64_t)domains[d]),
					     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, (uint64_t)types[t]));
	return r;
}

static int add_list(scmp_filter_ctx ctx, enum sysfilter_kind kind)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < only[kind].n; i++)
		r = add(ctx, &only[kind].list[i]);
	return r;
}

/* The process filter: every thread kind's list and its own. */
static int add_process_rules(scmp_filter_ctx ctx, bool net)
{
	int r = add_list(ctx, SYSFILTER_VCPU);
	if (r == 0)
		r = add_list(ctx, SYSFILTER_EVENTLOOP);
	if (r == 0 && net)
		r = add_list(ctx, SYSFILTER_NET);
	if (r == 0 && net)
		r = add_socket_rules(ctx);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	return r;
}

/* Everything not allowed traps (SIGSYS), other ABIs too (i386, x32). */
static int build_one(enum sysfilter_kind kind, bool net, struct sock_fprog *prog,
		     struct sb_error *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx)
		return error_set(err, ENOMEM, "seccomp: init");
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP);
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2); /* binary tree */
	for (size_t i = 0; r == 0 && i < sizeof(common) / sizeof(common[0]); i++)
		r = add(ctx, &common[i]);
	if (r == 0)
		r = add_list(ctx, kind);
	if (r == 0 && kind == SYSFILTER_NET)
		r = add_socket_rules(ctx);
	if (r == 0 && kind == SYSFILTER_PROCESS)
		r = add_process_rules(ctx, net);
	/* pthread_kill: signals to threads of this process only */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
				     SCMP_A0(SCMP_CMP_EQ, (uint64_t)getpid()));
	if (r < 0)
		r = error_set(err, -r, "seccomp: %s allow-list", kind_name[kind]);
	else
		r = export_prog(ctx, prog, err);
	seccomp_release(ctx);
	return r;
}

int sysfilter_build(struct sysfilter *f, bool net, bool process, struct sb_error *err)
{
	memset(f, 0, sizeof(*f));
	for (int k = 0; k < SYSFILTER_KINDS; k++) {
		if (k == SYSFILTER_PROCESS && !process)
			continue;
		int r = build_one((enum sysfilter_kind)k, net, &f->prog[k], err);
		if (r < 0) {
			sysfilter_free(f);
			return r;
		}
	}
	return 0;
}

void sysfilter_free(struct sysfilter *f)
{
	for (int k = 0; k < SYSFILTER_KINDS; k++) {
		free(f->prog[k].filter);
		f->prog[k].filter = NULL;
		f->prog[k].len = 0;
	}
}

static void set_return(ucontext_t *uc, long value)
{
#if defined(__x86_64__)
	uc->uc_mcontext.gregs[REG_RAX] = value;
#else
#error "sysfilter.c: set the system call return register for this architecture"
#endif
}

/* Only async-signal-safe work: fail the call, record it, poke the eventfd. */
static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	int saved = errno;
	(void)sig;
	/* 1 is SYS_SECCOMP (its header clashes with glibc's); else the signal
	 * was sent from outside, not by a filter: nothing to fail. */
	if (si->si_code != 1)
		return;
	set_return(ctx, -EPERM);
	uint64_t rec = REC_SET | (uint64_t)(thread_kind & 0xff) << 32 | (uint32_t)si->si_syscall;
	if (si->si_arch != AUDIT_ARCH_X86_64)
		rec |= REC_FOREIGN;
	uint64_t none = 0;
	atomic_compare_exchange_strong(&record, &none, rec);
	int fd = atomic_load(&wake);
	if (fd >= 0) {
		uint64_t one = 1;
		ssize_t n = write(fd, &one, sizeof(one));
		(void)n; /* EAGAIN: already poked */
	}
	errno = saved;
}

int sysfilter_arm(int wake_fd, struct sb_error *err)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_RESTART; /* a SIGSYS from outside interrupts nothing */
	sigfillset(&sa.sa_mask);
	atomic_store(&record, 0);
	atomic_store(&wake, wake_fd);
	if (!atomic_load(&armed) && sigaction(SIGSYS, &sa, &old_sigsys) < 0)
		return error_set(err, errno, "seccomp: SIGSYS handler");
	atomic_store(&armed, 1);
	return 0;
}

void sysfilter_disarm(void)
{
	atomic_store(&wake, -1);
	if (atomic_exchange(&armed, 0))
		sigaction(SIGSYS, &old_sigsys, NULL);
}

int sysfilter_enter(const struct sysfilter *f, enum sysfilter_kind kind)
{
	sigset_t set;

	/* Without the handler a trap would kill the process. */
	if ((unsigned)kind >= SYSFILTER_KINDS || !f->prog[kind].filter || !atomic_load(&armed))
		return -EINVAL;
	/* A blocked SIGSYS makes the kernel kill the process on a trap. */
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	thread_kind = (int)kind + 1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &f->prog[kind], 0, 0) < 0)
		return -errno;
	return 0;
}

int sysfilter_violation(int *nr, enum sysfilter_kind *kind)
{
	uint64_t rec = atomic_load(&record);

	if (!(rec & REC_SET))
		return 0;
	*nr = (int)(uint32_t)rec;
	unsigned k = (unsigned)(rec >> 32) & 0xff;
	*kind = k >= 1 && k <= SYSFILTER_KINDS ? (enum sysfilter_kind)(k - 1) : SYSFILTER_KINDS;
	return 1;
}

int sysfilter_reason(char *buf, size_t len)
{
	uint64_t rec = atomic_load(&record);
	enum sysfilter_kind kind;
	int nr;

	if (!sysfilter_violation(&nr, &kind))
		return 0;
	uint32_t arch = rec & REC_FOREIGN ? SCMP_ARCH_X86 : SCMP_ARCH_NATIVE;
	char *name = seccomp_syscall_resolve_num_arch(arch, nr);
	char num[32];
	snprintf(num, sizeof(num), "number %d", nr);
	snprintf(buf, len, "VMM %s thread made a forbidden system call: %s%s (seccomp)",
		 kind < SYSFILTER_KINDS ? kind_name[kind] : "guest-facing",
		 rec & REC_FOREIGN ? "i386 " : "", name ? name : num);
	free(name);
	return 1;
}
