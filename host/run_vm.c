/* run_vm: options + image config -> run config, initrd pieces and VM size -> vmm_run. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "abi.h"
#include "cleanup.h"
#include "commands.h"
#include "diagnose.h"
#include "cpio.h"
#include "initrd.h"
#include "jail/hostcg.h"
#include "jail/vmmproc.h"
#include "run_snap.h"
#include "pack.h"
#include "paths.h"
#include "run.h"
#include "run_net.h"
#include "run_signals.h"
#include "run_vol.h"
#include "runconfig.h"
#include "tty.h"
#include "vmm.h"

#define CPU_PERIOD_US 100000ull
#define DEFAULT_WORKLOAD_MEM (256ull << 20)
#define KERNEL_RESERVE (64ull << 20)

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The run config (an FDT) built from options + image config into *config,
 * and the per-run archive: /.sandbox with the small files sandbox-runtime
 * binds, and with config.dtb only for an exported initrd (our VMM sends the
 * config when init asks: guest-init/abi.h's ABI_CTL_CONFIG). */
static int build_run_archive(const struct run_opts *o, const struct image_config *img, bool nic,
			     const struct runconfig_mounts *mounts, void **config,
			     size_t *config_len, uint8_t **out, size_t *out_len,
			     struct sb_error *err)
{
	struct strv argv = {0}, env = {0};
	struct run_net_guest netg = {0};
	struct runconfig_net net;
	void *blob = NULL;
	size_t blob_len = 0;
	int r = cli_compose_argv(&argv, o->entrypoint, img->entrypoint, o->args, img->cmd, err);
	if (r < 0 || (r = run_net_guest(&o->net, nic, &netg, &net, err)) < 0)
		goto out;
	if ((r = strv_push_all(&env, img->env)) < 0) {
		r = error_set(err, -r, "environment");
		goto out;
	}
	for (size_t i = 0; i < o->env_opts.n; i++)
		if ((r = cli_env_set(&env, o->env_opts.v[i], getenv, err)) < 0)
			goto out;
	struct runconfig rc = {
	    .argv = argv.v,
	    .env = env.v,
	    .cwd = o->workdir ? o->workdir : (img->workdir && *img->workdir ? img->workdir : "/"),
	    .user = o->user ? o->user : (img->user ? img->user : ""),
	    .hostname = o->hostname,
	    .time_ns = now_ns(CLOCK_REALTIME),
	    .tty = o->tty,
	    .hold = o->hold,
	    .pid_ns = o->pid_ns,
	    .exec = o->exec_fd > 0,
	    .rlimits = o->rlimits,
	    .n_rlimits = o->n_rlimits,
	    .groups = o->groups,
	    .n_groups = o->n_groups,
	    .caps = o->caps_set ? o->caps : NULL,
	    .caps_root_only = o->caps_root_only,
	    .no_new_privs = o->no_new_privs,
	    .masked = o->masked,
	    .readonly = o->readonly,
	    .limits = {.memory_max = o->memory, .pids_max = o->pids},
	    .net = net,
	    .mounts = *mounts,
	};
	struct tty_size ws;
	if (o->tty && tty_host_size(&ws) == 0) { /* else the guest pty keeps 0x0 */
		rc.rows = ws.rows;
		rc.cols = ws.cols;
	}
	if (o->millicpus) {
		rc.limits.cpu_period_us = CPU_PERIOD_US;
		rc.limits.cpu_quota_us = o->millicpus * CPU_PERIOD_US / 1000;
	}
	if ((r = runconfig_build(&rc, &blob, &blob_len, err)) < 0)
		goto out;
	struct cpio_file *files = calloc(o->n_extra_files + 2, sizeof(*files));
	if (!files) {
		r = error_set(err, ENOMEM, "run archive");
		goto out;
	}
	size_t n = o->n_extra_files;
	for (size_t i = 0; i < n; i++)
		files[i] = o->extra_files[i];
	files[n++] = (struct cpio_file){.path = ".sandbox", .mode = S_IFDIR | 0700};
	if (o->export_initrd)
		files[n++] = (struct cpio_file){.path = ".sandbox/config.dtb",
						.mode = S_IFREG | 0600,
						.data = blob,
						.len = blob_len};
	r = cpio_build(files, n, out, out_len, err);
	free(files);
	if (r == 0) {
		*config = blob;
		*config_len = blob_len;
		blob = NULL;
	}
out:
	free(blob);
	run_net_guest_free(&netg);
	strv_free(&argv);
	strv_free(&env);
	return r;
}

static int report(const struct run_opts *o, int r, const struct vmm_result *res, uint64_t vm_bytes,
		  uint64_t image_bytes)
{
	if (r == 0) {
		if (res->init_failed) /* init already wrote its reason on the stderr channel */
			return EXIT_SANDBOX;
		return res->status;
	}
	char why[256];
	enum diagnosis d =
	    diagnose_log(res->last_log, strnlen(res->last_log, sizeof(res->last_log)));
	diagnose_advice(d, vm_bytes >> 20, image_bytes >> 20, why, sizeof(why));
	fprintf(stderr, "sandbox: the VM ended without an exit status: %s; %s\n", res->reason, why);
	if (o->debug && res->last_log[0])
		fprintf(stderr, "sandbox: last guest kernel log lines:\n%s\n", res->last_log);
	return EXIT_SANDBOX;
}

/* The VM did not stop when told to (run_signals_opts.abandon): restore the
 * terminal, say so if stderr can take it without blocking, and exit. */
static void abandon_run(int status)
{
	tty_restore();
	static const char msg[] = "sandbox: the VM did not stop in time; abandoning it\n";
	struct pollfd p = {.fd = STDERR_FILENO, .events = POLLOUT};
	if (poll(&p, 1, 0) == 1 && (p.revents & POLLOUT)) {
		ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
		(void)n;
	}
	_exit(status);
}

/* --debug's line on the jail: what the host allowed of it. */
static void print_jail(const struct jail_state *st)
{
	fprintf(stderr, "sandbox: jail: VMM as uid %u gid %u%s%s%s%s%s\n", (unsigned)st->uid,
		(unsigned)st->gid, st->userns ? ", user namespace" : "",
		st->pidns ? ", pid namespace" : "", st->mountns ? ", mount/ipc/uts namespaces" : "",
		st->pivoted ? ", empty read-only root" : "", st->caps ? ", no capabilities" : "");
}

/* --host-limits: the VM's host group (host/jail/hostcg.h) with the file
 * servers in it, or none where the host allows none (an error only with
 * require). The VMM joins it as its process starts. */
static int host_limits(const struct run_opts *o, const struct vmm_config *cfg,
		       const struct run_vol *rv, bool jailed, struct hostcg *cg,
		       struct sb_error *err)
{
	cg->dir[0] = 0;
	cg->procs_fd = -1;
	if (o->host_limits == HOSTCG_OFF)
		return 0;
	int r = 1;
	struct hostcg_limits l;
	hostcg_limits_for(cfg->mem_bytes, cfg->vcpus, rv->n, o->millicpus, &l);
	const struct hostcg_host h = HOSTCG_HOST_DEFAULT;
	if (o->host_limits == HOSTCG_OWN) {
		/* sandbox-runtime's process, its VMM and servers share the
		 * engine's group: room for the first too */
		l.memory_max += HOSTCG_RUNTIME_MEM;
		l.pids_max += HOSTCG_RUNTIME_PIDS;
		r = hostcg_apply_own(cg, &h, &l, err);
		if (r < 0)
			return r;
	} else if (!jailed) {
		snprintf(cg->why, sizeof(cg->why),
			 "SANDBOX_JAIL=off: the VMM has no process of its own");
	} else {
		char name[32];
		snprintf(name, sizeof(name), "vm-%d", (int)getpid());
		if ((r = hostcg_create(cg, &h, name, &l, err)) < 0)
			return r;
	}
	if (r == 1 && o->host_limits == HOSTCG_REQUIRE)
		return error_set(err, 0, "--host-limits=require: no per-VM limits here: %s",
				 cg->why);
	if (r == 1 && o->debug)
		fprintf(stderr, "sandbox: host limits: none (%s)\n", cg->why);
	for (unsigned i = 0; r == 0 && cg->made && i < rv->n; i++)
		if (rv->share[i].started && (r = hostcg_add(cg, rv->share[i].proc.pid)) < 0)
			return error_set(err, -r, "host limits: move a file server into %s",
					 cg->dir);
	if (r == 0 && o->debug)
		fprintf(stderr, "sandbox: host limits: %s\n", cg->dir);
	return 0;
}

/* The VMM in its own jailed process (host/jail/), unless SANDBOX_JAIL=off. */
static int run_jailed(const struct run_opts *o, struct vmm_config *cfg, const struct run_vol *rv,
		      struct vmm_result *res, struct sb_error *err)
{
	struct jail_config jc;
	struct jail_state st;
	struct hostcg cg;
	int r = jail_config_from_env(&jc, getenv("SANDBOX_JAIL"), getenv("SANDBOX_JAIL_UIDS"), err);
	if (r < 0 || (r = host_limits(o, cfg, rv, jc.enabled, &cg, err)) < 0)
		return r;
	jc.cgroup_fd = cg.procs_fd;
	r = vmmproc_run(cfg, &jc, res, &st, err);
	if (o->debug && jc.enabled && r >= 0)
		print_jail(&st);
	uint64_t ooms = hostcg_oom_kills(&cg);
	if (ooms && r < 0)
		r = error_set(
		    err, 0,
		    "the VM's host memory limit (--host-limits: %llu MiB, its RAM and the "
		    "VMM's own) was reached: the kernel killed the VMM",
		    (unsigned long long)(hostcg_limit_memory(&cg) >> 20));
	hostcg_destroy(&cg);
	return r;
}

/* vmm_run with our signals, the terminal and --timeout wired in: signals
 * and SIGWINCH become control frames; with -it on a terminal, the terminal
 * is raw for the run (restored before we return, or by a fatal signal). */
static int run_attached(const struct run_opts *o, struct vmm_config *cfg, const struct run_vol *rv,
			struct vmm_result *res, struct sb_error *err)
{
	/* -t without -i: the pty gets no input, and no EOF either (which the
	 * guest would turn into ^D): stdin is a pipe nobody writes. */
	cleanup_close int hold_r = -1;
	cleanup_close int hold_w = -1;
	if (o->tty && !o->interactive) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			return error_set(err, errno, "stdin pipe");
		hold_r = p[0];
		hold_w = p[1];
		cfg->stdin_fd = hold_r;
	}
	const struct run_signals_opts so = {.winsize = o->tty ? tty_host_size : NULL,
					    .timeout_ms = o->timeout_ms,
					    .abandon = abandon_run};
	struct run_signals sigs; /* INT TERM HUP QUIT USR1 USR2 to the workload while the VM runs */
	int r = run_signals_start(&sigs, &so, err);
	if (r < 0)
		return r;
	cfg->ctl_fd = sigs.rfd;
	if (o->attach)
		o->attach(o->attach_ctx, sigs.wfd);
	if (o->tty && o->interactive && isatty(STDIN_FILENO))
		r = tty_raw(STDIN_FILENO, err);
	if (r == 0)
		r = run_jailed(o, cfg, rv, res, err);
	tty_restore();
	run_signals_stop(&sigs);
	if (o->debug && atomic_load(&sigs.timed_out))
		fprintf(stderr, "sandbox: --timeout: stopped the VM after %.1f s\n",
			(double)o->timeout_ms / 1000);
	return r;
}

/* The image's packed initramfs from the cache (packed on a miss), with the
 * limits the options set. */
static int prepare_image(const struct run_opts *o, const char *cache, char **path,
			 struct image_config *img, struct sb_error *err)
{
	struct pack_limits lim;
	pack_limits_default(&lim);
	if (o->max_unpacked)
		lim.max_unpacked_bytes = o->max_unpacked;
	if (o->max_entries)
		lim.max_entries = o->max_entries;
	if (o->max_path)
		lim.max_path = (uint32_t)o->max_path;
	lim.progress = o->quiet ? NULL : pack_progress_tty;
	if (o->rootfs_initrd) { /* sandbox-runtime packed it: no image config */
		*img = (struct image_config){.guest_ram_bytes = o->rootfs_ram};
		if (!(*path = strdup(o->rootfs_initrd)))
			return error_set(err, ENOMEM, "rootfs path");
		return 0;
	}
	return rootfs_prepare(o->image, cache, &lim, path, img, err);
}

/* Guest RAM: the workload's limit (or a default), the unpacked image (the
 * packer's estimate: files in whole pages plus inodes; ~4x the LZ4 size when
 * unknown), the LZ4 initramfs itself (in RAM while it is unpacked) and the
 * kernel, rounded to 2 MiB. Guest pages never touched cost the host nothing,
 * so erring high is cheap. */
static int vm_memory(const struct run_opts *o, const char *image_path, uint64_t unpacked,
		     uint64_t *mem, struct sb_error *err)
{
	struct stat st;
	if (stat(image_path, &st) < 0)
		return error_set(err, errno, "stat `%s`", image_path);
	uint64_t workload = o->memory ? o->memory : DEFAULT_WORKLOAD_MEM;
	uint64_t image = unpacked ? unpacked : 4 * (uint64_t)st.st_size;
	uint64_t m = workload + image + (uint64_t)st.st_size + KERNEL_RESERVE;
	/* The kernel unpacks the image into its rootfs tmpfs, which it caps at
	 * half the RAM (init lifts the cap once it runs): a big image with a
	 * small --memory needs twice its size, plus 1/32 for tmpfs' own
	 * accounting. Untouched guest RAM costs the host nothing. */
	uint64_t unpack = 2 * (image + image / 32) + KERNEL_RESERVE;
	if (m < unpack)
		m = unpack;
	m = (m + (2ull << 20) - 1) & ~((2ull << 20) - 1);
	if (m > VMM_MAX_MEM)
		return error_set(err, 0, "the VM would need %llu MiB (image + --memory): too large",
				 (unsigned long long)(m >> 20));
	*mem = m;
	return 0;
}

static double ms(uint64_t from_ns, uint64_t to_ns)
{
	return to_ns > from_ns ? (double)(to_ns - from_ns) / 1e6 : 0;
}

/* --debug's breakdown of one run: on the host clock (CLOCK_MONOTONIC) the pack
 * (t0..t1), the VMM's set-up until vCPU 0's first KVM_RUN, and the VM from
 * there until the VMM returned (t2); on the guest's own clock, reported by its
 * init, the kernel's boot until init, init's set-up, and the workload (a
 * restored VM: from the config's arrival to the workload, and the workload). The
 * clocks are not mixed: a nested or emulated guest clock can run at another
 * rate than the host's. Stages nobody reported are left out. */
static void print_timings(const struct vmm_stats *st, bool restored, uint64_t t0, uint64_t t1,
			  uint64_t t2, unsigned vcpus, uint64_t mem)
{
	char line[256];
	size_t n = 0;
	uint64_t run = st->first_run_ns;
	const uint32_t *u = st->uptime_us;

	n += (size_t)snprintf(line + n, sizeof(line) - n, "pack %.1f ms", ms(t0, t1));
	if (run >= t1 && run <= t2)
		n += (size_t)snprintf(line + n, sizeof(line) - n, ", vmm setup %.1f ms, vm %.1f ms",
				      ms(t1, run), ms(run, t2));
	else
		n += (size_t)snprintf(line + n, sizeof(line) - n, ", vm %.1f ms", ms(t1, t2));
	if (restored && (st->uptime_seen & 14) == 14 && n < sizeof(line))
		snprintf(line + n, sizeof(line) - n,
			 "; guest clock: config to workload %.1f ms, workload %.1f ms",
			 ms(u[3] * 1000ull, u[1] * 1000ull), ms(u[1] * 1000ull, u[2] * 1000ull));
	else if ((st->uptime_seen & 7) == 7 && n < sizeof(line))
		snprintf(line + n, sizeof(line) - n,
			 "; guest clock: kernel %.1f ms, init %.1f ms, workload %.1f ms",
			 u[0] / 1e3, ms(u[0] * 1000ull, u[1] * 1000ull),
			 ms(u[1] * 1000ull, u[2] * 1000ull));
	fprintf(stderr, "sandbox: timings: %s (%u vCPU, %llu MiB)\n", line, vcpus,
		(unsigned long long)(mem >> 20));
}

/* The image from the cache, the run archive, the VM's size, and the network
 * backend when -P needs the image first; then boot. */
static int run_image(const struct run_opts *o, const char *kernel, const char *init,
		     const char *cache, struct run_net *rn, struct run_vol *rv,
		     struct sb_error *err)
{
	int r;
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	struct image_config img = {0};
	cleanup_free char *image_path = NULL;
	if ((r = prepare_image(o, cache, &image_path, &img, err)) < 0)
		return r;
	uint64_t t1 = now_ns(CLOCK_MONOTONIC);

	if (!o->export_initrd && run_net_needs_image(rn) && (r = run_net_open(rn, &img, err)) < 0) {
		image_config_free(&img);
		return r;
	}
	cleanup_free uint8_t *run_cpio = NULL;
	cleanup_free void *config = NULL;
	size_t run_len = 0, config_len = 0;
	/* A NIC when we boot it with one. An exported initrd's VMM may have
	 * none: it asks for one only when --network slirp or tap:... was given
	 * (then the other VMM must give it a virtio-net device on that
	 * network's addresses). */
	bool nic = run_net_vmm(rn) != NULL ||
		   (o->export_initrd && o->net.mode_set && o->net.mode != NET_MODE_NONE);
	r = build_run_archive(o, &img, nic, run_vol_guest(rv, &o->vol), &config, &config_len,
			      &run_cpio, &run_len, err);
	uint64_t unpacked = img.guest_ram_bytes;
	image_config_free(&img);
	if (r < 0)
		return r;

	uint64_t mem = 0;
	if ((r = vm_memory(o, image_path, unpacked, &mem, err)) < 0)
		return r;

	char cmdline[1024];
	snprintf(cmdline, sizeof(cmdline), "%s rdinit=" ABI_INIT_PATH "%s", vmm_default_cmdline(),
		 o->debug ? "" : " quiet");
	/* Image first, ours last: a later archive overwrites what an earlier one
	 * put at the same path, so the image can never replace /.sandbox. */
	const struct vmm_blob initrd[] = {
	    {.path = image_path},
	    {.path = init},
	    {.data = run_cpio, .len = run_len},
	};
	if (o->export_initrd)
		return initrd_export(o->export_initrd, initrd, 3, err);
	run_net_report(rn, o->debug);
	/* The file servers, forked before the pack, are confined by now. */
	if ((r = run_vol_ready(rv, err)) < 0)
		return r;
	struct vmm_config cfg = {
	    .kernel = kernel,
	    .initrd = initrd,
	    .n_initrd = 3,
	    .cmdline = cmdline,
	    .mem_bytes = mem,
	    .vcpus = o->millicpus ? (unsigned)((o->millicpus + 999) / 1000) : 1,
	    .log_fd = o->debug ? STDERR_FILENO : -1,
	    .stdin_fd = o->interactive ? STDIN_FILENO : -1,
	    .stdout_fd = STDOUT_FILENO,
	    .stderr_fd = STDERR_FILENO,
	    .stats = stats_mode() == VMM_STATS_FIRST_RUN ? VMM_STATS_FIRST_RUN
		     : o->debug				 ? VMM_STATS_ON
							 : VMM_STATS_OFF,
	    .net = run_net_vmm(rn),
	    .fs = rv->fs,
	    .n_fs = rv->n,
	    .exec_fd = o->exec_fd,
	    .config = config,
	    .config_len = config_len,
	};
	struct run_snap snap;
	const struct run_snap_input si = {.cache = cache,
					  .kernel = kernel,
					  .init = init,
					  .image_path = image_path,
					  .run_archive = run_cpio,
					  .run_archive_len = run_len};
	run_snap_prepare(&snap, o, &si, &cfg);
	bool restored = snap.mode == RUN_SNAP_RESTORE;
	struct vmm_result res = {0};
	r = run_attached(o, &cfg, rv, &res, err);
	if (run_snap_finish(&snap, o, r, &res, &cfg)) { /* the snapshot did not fit: boot */
		restored = false;
		memset(&res, 0, sizeof(res));
		r = run_attached(o, &cfg, rv, &res, err);
		run_snap_finish(&snap, o, r, &res, &cfg);
	}
	uint64_t t2 = now_ns(CLOCK_MONOTONIC);
	if (cfg.stats == VMM_STATS_FIRST_RUN) /* bench/startup: no workload ran */
		return stats_print(&res.stats, t2), r < 0 ? r : 0;
	if (o->debug) {
		print_timings(&res.stats, restored, t0, t1, t2, cfg.vcpus, mem);
		run_net_stats(rn, true);
		run_vol_stats(rv, &res.stats);
	}
	if (r < 0)
		return r;
	return report(o, r, &res, mem, unpacked);
}

int run_vm(const struct run_opts *o, struct sb_error *err)
{
	char kernel[PATH_MAX], init[PATH_MAX], cache[PATH_MAX] = "";
	int r;
	/* What the user can fix in the project or on the command line (the
	 * kernel and init files) is reported first, whatever the host; then the
	 * host itself (no /dev/kvm, no permission, PVM), still before the image
	 * is packed, so a host that cannot run the VM costs no pack. */
	if ((!o->export_initrd && (r = paths_kernel(o->kernel, kernel, sizeof(kernel), err)) < 0) ||
	    (r = paths_init_archive(init, sizeof(init), err)) < 0 ||
	    (!o->rootfs_initrd && (r = paths_cache_dir(cache, sizeof(cache), err)) < 0) ||
	    (!o->export_initrd && (r = kvm_check_host(err)) < 0))
		return r;
	/* Then the network: every published host port is bound now, so a taken
	 * one fails before the pack and the boot (with -P, after the pack: the
	 * image names the ports). --export-initrd boots nothing: no backend. */
	struct run_net rn;
	run_net_init(&rn, &o->net);
	if (!o->export_initrd && !run_net_needs_image(&rn) &&
	    (r = run_net_open(&rn, NULL, err)) < 0)
		return r;
	/* Then the volumes: every host path resolved and opened (-v's missing
	 * directories created), so a bad one fails before the pack too, and
	 * their file servers forked (no thread of ours runs yet): they confine
	 * themselves while the image is packed. */
	struct run_vol rv;
	run_vol_init(&rv);
	if (o->export_initrd && o->vol.nbind)
		r = error_set(err, 0,
			      "--export-initrd: volumes (-v, --mount type=bind) need "
			      "sandbox's own VMM");
	else
		r = run_vol_open(&rv, &o->vol, err);
	if (r == 0)
		r = run_vol_start(&rv, err);
	if (r == 0)
		r = run_image(o, kernel, init, cache, &rn, &rv, err);
	run_vol_close(&rv);
	run_net_close(&rn);
	return r;
}
