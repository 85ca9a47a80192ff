/* syscall-inject: make one live thread of another process execute one system call (x86-64). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#if !defined(__x86_64__)
#error "syscall-inject: x86-64 only (registers, the syscall instruction, debug registers)"
#endif

static const char usage[] =
    "usage: syscall-inject [-t SECS] TID NR [ARG...]\n"
    "Makes thread TID (of any process we may ptrace) execute system call NR with\n"
    "up to six arguments, as if its own code had made it, and prints the kernel's\n"
    "return value on stdout: the number, and for an error (-4095..-1) also the\n"
    "errno name, e.g. `3` or `-1 EPERM`. An ARG is a number (C syntax, may be\n"
    "negative: -100 is AT_FDCWD) or s:TEXT, a string put on the thread's stack\n"
    "and passed by address. e.g. openat(AT_FDCWD, \"/dev/null\", O_RDONLY):\n"
    "  syscall-inject TID 257 -100 s:/dev/null 0\n"
    "Signals the thread gets meanwhile are delivered to it (a seccomp SIGSYS\n"
    "too, so the thread's own handler can set the result). Then the thread goes\n"
    "on from where it was stopped, its registers as before (a system call it was\n"
    "in restarts or fails with EINTR, as after any signal).\n"
    "Exit status: 0 when the call was made (whatever it returned), 1 when not\n"
    "(one line on stderr), 2 on usage errors, 3 when -t SECS (default 30) passed.\n";

/*
 * How: PTRACE_SEIZE + PTRACE_INTERRUPT stop only that thread. Its registers
 * are saved, then set up for the call: rip at a `syscall` instruction (0f 05)
 * found in one of its executable mappings (the vDSO first), rax = NR, the
 * arguments in rdi rsi rdx r10 r8 r9, rsp moved below the strings, and
 * orig_rax = -1 so the kernel's restart logic for the system call the thread
 * was stopped in leaves the new registers alone. A hardware breakpoint on the
 * instruction after it (DR0, enabled in DR7) stops the thread once the call
 * has returned, with no code modified and no other thread affected. There rax
 * is the result; the saved registers go back and the thread is let go.
 */

#define MAX_ARGS 6
#define MAX_STRINGS 4096 /* bytes of s:TEXT arguments, NULs included */
#define RED_ZONE 128	 /* the x86-64 ABI lets leaf code use this much below rsp */
#define DR7_L0 1ull	 /* DR7: breakpoint 0 enabled, execute, 1 byte */
#define EFLAGS_RF (1ull << 16)

static pid_t tid = -1;
static int stopped; /* seized and stopped once: saved holds its own registers */
static struct user_regs_struct saved;

static void put_back(void);

static _Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;
	int e = errno;
	fputs("syscall-inject: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, e ? ": %s\n" : "\n", strerror(e));
	put_back();
	exit(1);
}

/* -t SECS passed: the kernel detaches a dead tracer's tracees (registers as they are). */
static void on_alarm(int sig)
{
	static const char msg[] = "syscall-inject: timed out\n";
	(void)sig;
	ssize_t n = write(2, msg, sizeof(msg) - 1);
	(void)n;
	_exit(3);
}

static int user_poke(size_t off, uint64_t value)
{
	return (int)ptrace(PTRACE_POKEUSER, tid, (void *)off, (void *)value);
}

static size_t debugreg(int i)
{
	return offsetof(struct user, u_debugreg) +
	       (size_t)i * sizeof(((struct user *)0)->u_debugreg[0]);
}

/* Best effort on the way out: the saved registers back, the breakpoint off, detached. */
static void put_back(void)
{
	if (!stopped)
		return;
	stopped = 0;
	ptrace(PTRACE_SETREGS, tid, NULL, &saved);
	user_poke(debugreg(7), 0);
	user_poke(debugreg(0), 0);
	ptrace(PTRACE_DETACH, tid, NULL, NULL);
}

/* The next stop of the thread; dies if it ended instead. */
static int wait_stop(void)
{
	int st;
	while (waitpid(tid, &st, __WALL) < 0)
		if (errno != EINTR)
			die("waitpid %d", (int)tid);
	if (WIFEXITED(st) || WIFSIGNALED(st)) {
		stopped = 0; /* nothing left to put back */
		errno = 0;
		die("thread %d ended (status %#x)", (int)tid, st);
	}
	return st;
}

/* A `syscall` instruction in [start, end) of the target, read through mem; 0 if none. */
static uint64_t scan(int mem, uint64_t start, uint64_t end)
{
	unsigned char buf[65536 + 1];
	size_t have = 0; /* a 0x0f at the end of the last chunk carried over */
	for (uint64_t at = start; at < end;) {
		size_t want = end - at < 65536 ? (size_t)(end - at) : 65536;
		ssize_t n = pread(mem, buf + have, want, (off_t)at);
		if (n <= 0)
			return 0; /* unreadable: not this mapping */
		size_t len = have + (size_t)n;
		uint64_t base = at - have;
		for (size_t i = 0; i + 1 < len; i++)
			/* the byte after it inside the mapping: the breakpoint goes there */
			if (buf[i] == 0x0f && buf[i + 1] == 0x05 && base + i + 2 < end)
				return base + i;
		have = buf[len - 1] == 0x0f;
		if (have)
			buf[0] = 0x0f;
		at += (uint64_t)n;
	}
	return 0;
}

/* Any 0f 05 will do, even inside another instruction: the thread only ever
 * executes those two bytes (it stops before the next ones). The vDSO first:
 * code the thread's signal handlers are unlikely to run. Not [vsyscall]: it
 * traps when executed on modern kernels. */
static uint64_t find_syscall_insn(int mem)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)tid);
	for (int pass = 0; pass < 2; pass++) {
		FILE *f = fopen(path, "r");
		if (!f)
			die("open %s", path);
		uint64_t found = 0;
		while (!found && fgets(line, sizeof(line), f)) {
			uint64_t start, end;
			char perms[8];
			int name = 0;
			if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s %n", &start, &end,
				   perms, &name) < 3 ||
			    perms[2] != 'x' || strstr(line, "[vsyscall]"))
				continue;
			if (pass == 0 && !strstr(line + name, "[vdso]"))
				continue;
			found = scan(mem, start, end);
		}
		fclose(f);
		if (found)
			return found;
	}
	errno = 0;
	die("no syscall instruction in the executable mappings of thread %d", (int)tid);
}

/* Parses ARGs into args; s:TEXT strings go to *blob (length *blob_len), their
 * offsets into args for now (is_str marks them). */
static void parse_args(int argc, char **argv, uint64_t *args, int *is_str, char *blob,
		       size_t *blob_len)
{
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "s:", 2)) {
			size_t n = strlen(argv[i] + 2) + 1;
			if (*blob_len + n > MAX_STRINGS) {
				fprintf(stderr, "syscall-inject: strings longer than %d bytes\n",
					MAX_STRINGS);
				exit(2);
			}
			memcpy(blob + *blob_len, argv[i] + 2, n);
			args[i] = *blob_len;
			is_str[i] = 1;
			*blob_len += n;
			continue;
		}
		char *end;
		errno = 0;
		args[i] = (uint64_t)strtoll(argv[i], &end, 0);
		if (errno == ERANGE) { /* e.g. 0xffffffffffffff9c */
			errno = 0;
			args[i] = strtoull(argv[i], &end, 0);
		}
		if (errno || !*argv[i] || *end) {
			fprintf(stderr, "syscall-inject: bad argument `%s`\n%s", argv[i], usage);
			exit(2);
		}
	}
}

/* Stops the thread (PTRACE_INTERRUPT); signals that come first are passed on. */
static void seize(void)
{
	if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) < 0)
		die("ptrace(PTRACE_SEIZE, %d)", (int)tid);
	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) < 0)
		die("ptrace(PTRACE_INTERRUPT, %d)", (int)tid);
	for (;;) {
		int st = wait_stop();
		if (st >> 16 == PTRACE_EVENT_STOP)
			break;
		/* a signal-delivery-stop: deliver it, the interrupt stop is still due */
		if (ptrace(PTRACE_CONT, tid, NULL, (void *)(uintptr_t)WSTOPSIG(st)) < 0)
			die("ptrace(PTRACE_CONT)");
	}
	if (ptrace(PTRACE_GETREGS, tid, NULL, &saved) < 0)
		die("ptrace(PTRACE_GETREGS)");
	stopped = 1;
}

/* Runs the thread until it reaches the breakpoint at stop_at with its stack
 * pointer at sp (the call returned); returns its registers there. */
static struct user_regs_struct run_to(uint64_t stop_at, uint64_t sp)
{
	struct user_regs_struct r;
	int sig = 0;
	for (;;) {
		if (ptrace(PTRACE_CONT, tid, NULL, (void *)(uintptr_t)sig) < 0)
			die("ptrace(PTRACE_CONT)");
		int st = wait_stop();
		sig = 0;
		if (st >> 16) /* an event stop (a group-stop: SIGSTOP...): just go on */
			continue;
		sig = WSTOPSIG(st); /* a signal-delivery-stop: SIGSYS, SIGTRAP, others */
		siginfo_t si;
		if (sig != SIGTRAP || ptrace(PTRACE_GETSIGINFO, tid, NULL, &si) < 0 ||
		    si.si_code != TRAP_HWBKPT)
			continue; /* delivered on the next PTRACE_CONT */
		/* a hardware breakpoint: ours, only a tracer sets them and we are it */
		if (ptrace(PTRACE_GETREGS, tid, NULL, &r) < 0)
			die("ptrace(PTRACE_GETREGS)");
		sig = 0; /* our breakpoint's SIGTRAP is not the thread's business */
		if (r.rip == stop_at && r.rsp == sp)
			return r;
		if (r.rip == stop_at) {
			/* the same address reached from a nested frame (a signal handler
			 * running that code): RF lets that instruction run once */
			r.eflags |= EFLAGS_RF;
			if (ptrace(PTRACE_SETREGS, tid, NULL, &r) < 0)
				die("ptrace(PTRACE_SETREGS)");
		}
	}
}

int main(int argc, char **argv)
{
	unsigned secs = 30;
	int c;
	while ((c = getopt(argc, argv, "+t:h")) != -1) {
		char *end;
		switch (c) {
		case 't':
			secs = (unsigned)strtoul(optarg, &end, 10);
			if (!*optarg || *end || !secs)
				goto bad;
			break;
		default:
			goto bad;
		}
	}
	argc -= optind, argv += optind;
	if (argc < 2 || argc > 2 + MAX_ARGS)
		goto bad;
	char *tend, *nend;
	long t = strtol(argv[0], &tend, 10);
	long nr = strtol(argv[1], &nend, 0);
	if (t <= 0 || *tend || nr < 0 || !*argv[1] || *nend)
		goto bad;
	tid = (pid_t)t;

	uint64_t args[MAX_ARGS] = {0};
	int is_str[MAX_ARGS] = {0};
	char blob[MAX_STRINGS];
	size_t blob_len = 0;
	parse_args(argc - 2, argv + 2, args, is_str, blob, &blob_len);

	signal(SIGALRM, on_alarm);
	alarm(secs);
	seize();

	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)tid);
	int mem = open(path, O_RDWR | O_CLOEXEC);
	if (mem < 0)
		die("open %s", path);
	uint64_t insn = find_syscall_insn(mem);

	/* The strings below the red zone; the new rsp right under them, so that a
	 * signal frame (pushed below rsp and its own red zone) leaves them alone. */
	uint64_t sp = (saved.rsp - RED_ZONE - blob_len) & ~15ull;
	if (blob_len && pwrite(mem, blob, blob_len, (off_t)sp) != (ssize_t)blob_len)
		die("write the strings to the stack of thread %d at %#" PRIx64, (int)tid, sp);
	close(mem);
	for (int i = 0; i < MAX_ARGS; i++)
		if (is_str[i])
			args[i] += sp;

	struct user_regs_struct r = saved;
	r.rip = insn;
	r.rsp = sp;
	r.rax = (uint64_t)nr;
	r.orig_rax = (uint64_t)-1;
	r.rdi = args[0], r.rsi = args[1], r.rdx = args[2];
	r.r10 = args[3], r.r8 = args[4], r.r9 = args[5];
	if (ptrace(PTRACE_SETREGS, tid, NULL, &r) < 0)
		die("ptrace(PTRACE_SETREGS)");
	if (user_poke(debugreg(0), insn + 2) < 0 || user_poke(debugreg(7), DR7_L0) < 0)
		die("set the hardware breakpoint (debug registers)");

	r = run_to(insn + 2, sp);
	put_back();
	alarm(0);

	long ret = (long)r.rax;
	const char *name = ret < 0 && ret >= -4095 ? strerrorname_np((int)-ret) : NULL;
	if (name)
		printf("%ld %s\n", ret, name);
	else
		printf("%ld\n", ret);
	return 0;
bad:
	fputs(usage, stderr);
	return 2;
}
