/* The guest's PID 1: parse -> mounts -> cgroups -> spawn -> loop; it never returns, it ends the VM.
 *
 * Run as any PID other than 1 (`init CONFIG`) it is a debug tool for a host:
 * it reads CONFIG, skips everything privileged (mounts, clock, hostname,
 * cgroups, ports, ids unless root) and runs the workload with its output on
 * fds 1/2 and its status as the exit code. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "abi.h"
#include "cgroup.h"
#include "masks.h"
#include "channel.h"
#include "cleanup.h"
#include "config.h"
#include "env.h"
#include "execd.h"
#include "fsutil.h"
#include "portio.h"
#include "procio.h"
#include "mounts.h"
#include "net.h"
#include "netfiles.h"
#include "pump.h"
#include "spawn.h"
#include "status.h"
#include "supervise.h"
#include "sysinit.h"
#include "user.h"
#include "volumes.h"

static bool in_vm;	  /* PID 1 of the sandbox VM (not a debug run) */
static bool notes_on_tty; /* -t: our lines for the user go where the pty's output goes */

/* Init's progress lines (started, exit status): always in a boot of an
 * exported initrd (config from the file: `sandbox boot`, reference VMMs, the
 * benches' timelines); in a `sandbox run` (config from the host) they are
 * info messages, shown where the kernel console shows its own (--debug),
 * not in a quiet run, where every byte on the UART is a VM exit for a line
 * nobody reads. */
static bool progress_shown(bool config_from_host)
{
	char buf[64];
	if (!config_from_host || fs_read_small("/proc/sys/kernel/printk", buf, sizeof(buf)) < 0)
		return true;
	return atoi(buf) > 6; /* console_loglevel above KERN_INFO; "quiet" makes it 4 */
}

/* One line to the kernel console (fd 2 of PID 1). */
static void console(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void console(const char *fmt, ...)
{
	char line[1280];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	ssize_t w = write(2, line, (size_t)n);
	(void)w;
}

/* A line of ours for the user (n bytes, ending in '\n'): on the stderr
 * channel; with -t on the stdout channel with the pty's "\r\n", in the
 * terminal's stream as the workload's own stderr is (docker shows them on
 * the terminal). */
static void user_note(const char *line, size_t n)
{
	if (!notes_on_tty) {
		channel_write(PORTIO_STDERR, line, n);
		return;
	}
	char buf[1400];
	size_t k = 0;
	for (size_t i = 0; i < n && k + 2 <= sizeof(buf); i++) {
		if (line[i] == '\n')
			buf[k++] = '\r';
		buf[k++] = line[i];
	}
	channel_write(PORTIO_STDOUT, buf, k);
}

/* init itself failed: say why to the user and on the console, end the VM. */
static _Noreturn void fail(const struct sb_error *err)
{
	char line[1280];
	int n = snprintf(line, sizeof(line), "sandbox-init: %s\n", err->msg);
	if (n > 0)
		user_note(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	if (in_vm)
		console("sandbox-init: %s", err->msg);
	channel_exit(STATUS_INIT_FAILED | ABI_EXIT_INIT_FAILED);
}

/* Microseconds since the guest kernel started its clock: the guest's own
 * timeline, printed on the console for --debug and the benchmarks. */
static int64_t boot_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_BOOTTIME, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* All signals blocked and taken from the returned signalfd. */
static int block_signals(struct sb_error *err)
{
	sigset_t all;
	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, NULL) < 0)
		return error_set(err, errno, "block signals");
	int fd = signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return error_set(err, errno, "signalfd");
	return fd;
}

/* The run config: the file at path when there is one (a debug run, an
 * exported initrd), else from the host over the control port. Asking for it
 * is the point a snapshot is taken at: nothing before it is per-run. */
static bool load_config(const char *path, void **blob, struct config *cfg, struct sb_error *err)
{
	size_t len;
	int r = 0;
	bool from_file = !in_vm || access(path, F_OK) == 0;
	if (from_file)
		r = config_read_file(path, blob, &len, err);
	else if ((r = channel_read_config(blob, &len)) > 0) {
		console("sandbox-init: signal %d before the config: exiting", r);
		channel_exit((uint32_t)(128 + r));
	} else if (r < 0)
		error_set(err, -r, "read the run config from the host");
	if (r < 0 || config_parse(*blob, len, cfg, err) < 0)
		fail(err);
	if (in_vm && mounts_hide_abi_dir(err) < 0)
		fail(err);
	return !from_file;
}

/* Clock, hostname, network and its /etc files, cgroups. Returns the workload
 * cgroup root or NULL. */
static const char *setup_system(const struct config *cfg, struct sb_error *err)
{
	if (!in_vm)
		return NULL;
	if ((cfg->has_time && sysinit_clock(cfg->time_ns, err) < 0) ||
	    sysinit_hostname(cfg->hostname, err) < 0 || net_setup(&cfg->net, err) < 0 ||
	    netfiles_write("/", &cfg->net, cfg->hostname, err) < 0)
		fail(err);
	const struct config_limits *l = &cfg->limits;
	bool limited = l->memory_max || l->pids_max || l->cpu_quota_us;
	int r = mounts_cgroup(err);
	if (r == -ENODEV && !limited) {
		console("sandbox-init: no cgroup2 in this kernel, running without a cgroup");
		return NULL;
	}
	if (r < 0 || cgroup_setup(CGROUP_ROOT, l, err) < 0)
		fail(err);
	return CGROUP_ROOT;
}

/* docker -u against the image's passwd/group (a bound /etc/passwd counts). */
static void resolve_user(const struct config *cfg, struct user_ids *ids, struct sb_error *err)
{
	if (user_load(cfg->user, cfg->groups, cfg->n_groups, ids, err) < 0)
		fail(err);
}

/* Fork/exec the workload; returns its pid, io keeps PID 1's ends. */
static pid_t start_workload(const struct config *cfg, const struct user_ids *ids,
			    const char *cgroup_root, const struct masks *masks, struct procio *io,
			    struct sb_error *err)
{
	if (procio_open(cfg->tty, cfg->rows, cfg->cols, io, err) < 0)
		fail(err);
	cleanup_free char **env = env_build(cfg, ids->home);
	if (!env) {
		error_set(err, ENOMEM, "environment");
		fail(err);
	}
	const struct spawn_request rq = {
	    .argv = cfg->argv,
	    .env = env,
	    .cwd = cfg->cwd,
	    .ids = in_vm || geteuid() == 0 ? ids : NULL,
	    .cgroup_root = cgroup_root,
	    .in_fd = io->child_in,
	    .out_fd = io->child_out,
	    .err_fd = io->child_err,
	    .ctty = cfg->tty,
	    .rlimits = cfg->rlimits,
	    .n_rlimits = cfg->n_rlimits,
	    .mount_proc = in_vm && cfg->pid_ns,
	    .masks = masks,
	    .caps = cfg->has_caps ? cfg->caps : NULL,
	    .caps_root_only = cfg->caps_root_only,
	    .no_new_privs = cfg->no_new_privs,
	};
	struct spawn_result res;
	if (spawn_start(&rq, &res, err) < 0)
		fail(err);
	procio_close_child(io);
	if (res.exec_status) {
		char line[sizeof(res.msg) + 16];
		int n = snprintf(line, sizeof(line), "sandbox: %s\n", res.msg);
		user_note(line, n > 0 && (size_t)n < sizeof(line) ? (size_t)n : 0);
	}
	return res.pid;
}

/* Wait for the host's start; a signal first ends the VM as the workload's
 * death by it would (128+N); a host that went away ends it as a failure. */
static void hold_for_start(uint64_t *pending)
{
	*pending = 0;
	int r = in_vm ? channel_wait_start(pending) : 0; /* a debug run starts at once */
	if (r > 0) {
		console("sandbox-init: signal %d before the start: exiting", r);
		channel_exit((uint32_t)(128 + r));
	}
	if (r < 0) {
		struct sb_error err;
		error_set(&err, -r, "waiting for the start");
		fail(&err);
	}
}

/* The workload's status as docker reports it, with the OOM note on stderr. */
static int final_status(int wstatus, const struct config *cfg, const char *cgroup_root)
{
	bool oom;
	uint64_t kills = cgroup_root ? cgroup_oom_kills(cgroup_root) : 0;
	int status = status_from_wait(wstatus, kills, &oom);
	if (oom) {
		char line[160];
		size_t n = status_oom_note(cfg->limits.memory_max, line, sizeof(line));
		user_note(line, n);
	}
	return status;
}

int main(int argc, char **argv)
{
	int64_t t0 = boot_us();
	struct sb_error err = {0};
	in_vm = getpid() == 1;
	if (!in_vm && argc != 2) {
		fprintf(stderr, "usage: %s CONFIG.dtb (debug run; as PID 1 it reads %s)\n", argv[0],
			ABI_CONFIG_PATH);
		return 2;
	}
	int sfd = block_signals(&err);
	if (sfd < 0)
		fail(&err);
	if (in_vm && portio_open(true) < 0)
		console("sandbox-init: no access to the host ports, output goes to the console");
	if (in_vm && mounts_setup(&err) < 0)
		fail(&err);
	sysinit_console();
	int r = in_vm ? channel_open() : -ENODEV;
	if (in_vm && r < 0 && r != -ENODEV)
		console("sandbox-init: virtio-console ports unusable (%s), using the I/O ports",
			strerror(-r));
	if (!in_vm)
		prctl(PR_SET_CHILD_SUBREAPER, 1); /* orphans come to us as they would to PID 1 */

	cleanup_free void *blob = NULL;
	struct config cfg;
	bool config_from_host = load_config(in_vm ? ABI_CONFIG_PATH : argv[1], &blob, &cfg, &err);
	int64_t t_config = boot_us(); /* restored from a snapshot: the first moment of this run */
	/* The host's fresh bytes into the CRNG before anything of the run: VMs
	 * restored from one snapshot must not share their random numbers. */
	bool reseeded = in_vm && cfg.seed;
	if (reseeded && sysinit_seed(cfg.seed, cfg.seed_len, &err) < 0)
		fail(&err);
	int exec_fd = -1; /* the host serves `exec`: the port must be there */
	if (in_vm && cfg.exec && (exec_fd = channel_open_exec()) < 0) {
		error_set(&err, -exec_fd, "open the exec port `%s`", ABI_VPORT_EXEC);
		fail(&err);
	}
	notes_on_tty = cfg.tty;
	const char *cgroup_root = setup_system(&cfg, &err);
	/* Volumes before the user lookup: a bound /etc/passwd counts, as in docker. */
	if (in_vm && volumes_setup(&cfg.mounts, cfg.cwd, &err) < 0)
		fail(&err);
	static struct user_ids ids;
	resolve_user(&cfg, &ids, &err);
	/* Masks come in the workload's process (after its own /proc, if any),
	 * and so does its own view of cgroupfs (cgroup_own_view); init keeps
	 * the whole tree, writable, through a held private copy. */
	static struct masks masks;
	bool masking = in_vm && (cfg.masked || cfg.readonly);
	int held = in_vm && cgroup_root ? cgroup_hold(cgroup_root) : 0;
	if (held < 0) {
		error_set(&err, -held, "hold %s", cgroup_root);
		fail(&err);
	}
	if (masking)
		masks = (struct masks){.masked = cfg.masked,
				       .readonly = cfg.readonly,
				       .keep_writable = held == 1 ? NULL : cgroup_root};

	uint64_t pending = 0;
	if (cfg.hold) /* sandbox-runtime: everything is set up; `start` says when to go */
		hold_for_start(&pending);
	/* The spec's PID namespace: the workload is its PID 1, so a signal it
	 * has no handler for does not end it, as under runc. */
	if (in_vm && cfg.pid_ns && unshare(CLONE_NEWPID) < 0) {
		error_set(&err, errno, "new PID namespace");
		fail(&err);
	}
	struct supervise sv = {.sfd = sfd, .cgroup_root = cgroup_root, .pid1 = in_vm};
	struct procio io;
	sv.child = start_workload(&cfg, &ids, cgroup_root, masking ? &masks : NULL, &io, &err);
	for (int sig = 1; sig <= 64; sig++) /* signals sent right behind the start */
		if (pending & 1ull << (sig - 1))
			kill(sv.child, sig);
	sv.out_fd = io.out;
	sv.err_fd = io.err;
	/* The host's stdin (a debug run: ours) into the workload's stdin pipe. */
	static struct pump in;
	pump_init(&in, in_vm ? channel_take_stdin() : fcntl(0, F_DUPFD_CLOEXEC, 3), io.in);
	in.tty = cfg.tty; /* EOF becomes ^D on the pty */
	sv.in = &in;
	sv.tty_fd = io.tty;
	sv.ctl_fd = channel_control_fd();
	if (exec_fd >= 0 && !(sv.execd = execd_create(exec_fd, cgroup_root, cfg.hostname))) {
		error_set(&err, ENOMEM, "exec sessions");
		fail(&err);
	}
	int64_t t_ready = boot_us();
	bool progress = !in_vm || progress_shown(config_from_host);
	if (progress)
		console("sandbox-init: started %lld us after boot, ready in %lld us (config at "
			"%lld us)%s",
			(long long)t0, (long long)(t_ready - t0), (long long)t_config,
			reseeded ? ", CRNG reseeded from the host" : "");
	channel_uptime(ABI_CTL_UPTIME_INIT, t0);
	channel_uptime(ABI_CTL_UPTIME_CONFIG, t_config);
	channel_uptime(ABI_CTL_UPTIME_READY, t_ready);
	int status = final_status(supervise_run(&sv), &cfg, cgroup_root);
	channel_uptime(ABI_CTL_UPTIME_END, boot_us());
	sync();
	if (progress)
		console("sandbox-init: exit status %d, %lld us after boot", status,
			(long long)boot_us());
	channel_exit((uint32_t)status);
}
