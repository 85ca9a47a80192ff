/* `sandbox run`: options, then image -> initramfs -> VM -> the workload's exit status. */
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "abi.h"
#include "cleanup.h"
#include "cli.h"
#include "cpio.h"
#include "pack.h"
#include "paths.h"
#include "run_signals.h"
#include "runconfig.h"
#include "vmm.h"

#define CPU_PERIOD_US 100000ull
#define DEFAULT_WORKLOAD_MEM (256ull << 20)
#define KERNEL_RESERVE (64ull << 20)

struct run_opts {
	const char *image;
	char **args; /* command after the image, NULL-terminated */
	struct strv env_opts;
	const char *workdir, *user, *entrypoint, *hostname, *kernel, *export_initrd;
	uint64_t memory, pids, millicpus;
	uint64_t max_unpacked, max_entries, max_path; /* 0: pack_limits_default */
	bool debug, quiet;
	bool interactive; /* -i: the workload reads our stdin */
};

static const char run_usage[] =
	"Usage: sandbox run [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
	"\n"
	"Run a command from an OCI image in its own micro-VM.\n"
	"\n"
	"Options:\n"
	"  -e, --env KEY=VALUE     set an environment variable (KEY alone: take it from the host)\n"
	"  -w, --workdir DIR       working directory inside the sandbox\n"
	"  -u, --user USER         name|uid[:group|gid]\n"
	"      --entrypoint CMD    override the image's entrypoint\n"
	"  -m, --memory SIZE       memory limit of the workload (e.g. 512m, 1g)\n"
	"      --cpus N            number of CPUs (vCPUs and cpu.max), e.g. 1.5\n"
	"      --pids-limit N      maximum number of processes\n"
	"      --hostname NAME     hostname inside the sandbox\n"
	"      --kernel PATH       use another guest kernel\n"
	"      --debug             show the guest kernel log and timings on stderr\n"
	"      --export-initrd FILE  write the VM's initrd (image + init + run config)\n"
	"                          to FILE instead of booting, to boot it on another VMM\n"
	"      --max-unpacked SIZE image limit: uncompressed layer bytes (default 8g)\n"
	"      --max-entries N     image limit: layer entries (default 2097152)\n"
	"      --max-path N        image limit: bytes of a path or link target (default 4096)\n"
	"  -i, --interactive       keep stdin attached (else the workload's stdin is empty)\n"
	"  -q, --quiet             no progress output\n"
	"  -h, --help              this help\n"
	"\n"
	"SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 go to the workload; a second\n"
	"SIGINT or SIGTERM stops the VM at once (exit status 128 + the signal number).\n";

static int parse_opts(int argc, char **argv, struct run_opts *o, struct sb_error *err)
{
	enum { OPT_ENTRYPOINT = 256, OPT_CPUS, OPT_PIDS, OPT_HOSTNAME, OPT_KERNEL, OPT_DEBUG, OPT_EXPORT,
	       OPT_MAX_UNPACKED, OPT_MAX_ENTRIES, OPT_MAX_PATH };
	static const struct option longopts[] = {
		{"env", required_argument, NULL, 'e'},
		{"workdir", required_argument, NULL, 'w'},
		{"user", required_argument, NULL, 'u'},
		{"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
		{"memory", required_argument, NULL, 'm'},
		{"cpus", required_argument, NULL, OPT_CPUS},
		{"pids-limit", required_argument, NULL, OPT_PIDS},
		{"hostname", required_argument, NULL, OPT_HOSTNAME},
		{"kernel", required_argument, NULL, OPT_KERNEL},
		{"debug", no_argument, NULL, OPT_DEBUG},
		{"export-initrd", required_argument, NULL, OPT_EXPORT},
		{"max-unpacked", required_argument, NULL, OPT_MAX_UNPACKED},
		{"max-entries", required_argument, NULL, OPT_MAX_ENTRIES},
		{"max-path", required_argument, NULL, OPT_MAX_PATH},
		{"interactive", no_argument, NULL, 'i'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, r;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:e:w:u:m:iqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (strv_push(&o->env_opts, optarg) < 0)
				return error_set(err, ENOMEM, "--env");
			break;
		case 'w':
			if (optarg[0] != '/')
				return error_set(err, 0, "invalid --workdir `%s`: must be absolute",
						 optarg);
			o->workdir = optarg;
			break;
		case 'u': o->user = optarg; break;
		case OPT_ENTRYPOINT: o->entrypoint = optarg; break;
		case 'm':
			if ((r = cli_parse_size(optarg, "--memory", &o->memory, err)) < 0)
				return r;
			if (o->memory < (6ull << 20))
				return error_set(err, 0, "invalid --memory `%s`: minimum is 6m",
						 optarg);
			break;
		case OPT_CPUS:
			if ((r = cli_parse_cpus(optarg, &o->millicpus, err)) < 0)
				return r;
			break;
		case OPT_PIDS:
			if ((r = cli_parse_uint(optarg, "--pids-limit", 1, 4194304, &o->pids, err)) < 0)
				return r;
			break;
		case OPT_HOSTNAME: o->hostname = optarg; break;
		case OPT_KERNEL: o->kernel = optarg; break;
		case OPT_DEBUG: o->debug = true; break;
		case OPT_EXPORT: o->export_initrd = optarg; break;
		case OPT_MAX_UNPACKED:
			if ((r = cli_parse_size(optarg, "--max-unpacked", &o->max_unpacked, err)) < 0)
				return r;
			if (o->max_unpacked == 0)
				return error_set(err, 0, "invalid --max-unpacked `%s`: must be > 0", optarg);
			break;
		case OPT_MAX_ENTRIES:
			if ((r = cli_parse_uint(optarg, "--max-entries", 1, UINT32_MAX, &o->max_entries, err)) < 0)
				return r;
			break;
		case OPT_MAX_PATH:
			if ((r = cli_parse_uint(optarg, "--max-path", 1, PACK_PATH_LIMIT, &o->max_path, err)) < 0)
				return r;
			break;
		case 'i': o->interactive = true; break;
		case 'q': o->quiet = true; break;
		case 'h': fputs(run_usage, stdout); return 1;
		case ':': return error_set(err, 0, "option %s needs a value", argv[optind - 1]);
		default: return error_set(err, 0, "unknown option `%s` (see sandbox run --help)",
					  argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return error_set(err, 0, "no image given (usage: sandbox run [OPTIONS] IMAGE [COMMAND...])");
	o->image = argv[optind];
	o->args = argv + optind + 1;
	return 0;
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The per-run archive: /.sandbox/config.dtb built from options + image config. */
static int build_run_archive(const struct run_opts *o, const struct image_config *img,
			     uint8_t **out, size_t *out_len, struct sb_error *err)
{
	struct strv argv = {0}, env = {0};
	void *blob = NULL;
	size_t blob_len = 0;
	int r = cli_compose_argv(&argv, o->entrypoint, img->entrypoint, o->args, img->cmd, err);
	if (r < 0)
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
		.limits = {.memory_max = o->memory, .pids_max = o->pids},
	};
	if (o->millicpus) {
		rc.limits.cpu_period_us = CPU_PERIOD_US;
		rc.limits.cpu_quota_us = o->millicpus * CPU_PERIOD_US / 1000;
	}
	if ((r = runconfig_build(&rc, &blob, &blob_len, err)) < 0)
		goto out;
	const struct cpio_file files[] = {
		{.path = ".sandbox", .mode = S_IFDIR | 0700},
		{.path = ".sandbox/config.dtb", .mode = S_IFREG | 0600, .data = blob, .len = blob_len},
	};
	r = cpio_build(files, 2, out, out_len, err);
out:
	free(blob);
	strv_free(&argv);
	strv_free(&env);
	return r;
}

static int report(const struct run_opts *o, int r, const struct vmm_result *res)
{
	if (r == 0) {
		if (res->init_failed) /* init already wrote its reason on the stderr channel */
			return EXIT_SANDBOX;
		return res->status;
	}
	fprintf(stderr, "sandbox: the VM ended without an exit status: %s\n", res->reason);
	if (o->debug && res->last_log[0])
		fprintf(stderr, "sandbox: last guest kernel log lines:\n%s\n", res->last_log);
	return EXIT_SANDBOX;
}

/* Concatenate the initrd pieces as the VMM lays them out: each at a 4-byte
 * aligned offset, zero padding between. */
static int export_initrd(const char *out, const struct vmm_blob *parts, size_t n,
			 struct sb_error *err)
{
	cleanup_fclose FILE *f = fopen(out, "we");
	if (!f)
		return error_set(err, errno, "create `%s`", out);
	uint64_t off = 0;
	for (size_t i = 0; i < n; i++) {
		static const char zeros[4];
		size_t pad = (4 - off % 4) % 4;
		if (fwrite(zeros, 1, pad, f) != pad)
			return error_set(err, errno, "write `%s`", out);
		off += pad;
		if (!parts[i].path) {
			if (fwrite(parts[i].data, 1, parts[i].len, f) != parts[i].len)
				return error_set(err, errno, "write `%s`", out);
			off += parts[i].len;
			continue;
		}
		cleanup_fclose FILE *in = fopen(parts[i].path, "re");
		if (!in)
			return error_set(err, errno, "open `%s`", parts[i].path);
		char buf[65536];
		size_t got;
		while ((got = fread(buf, 1, sizeof(buf), in)) > 0) {
			if (fwrite(buf, 1, got, f) != got)
				return error_set(err, errno, "write `%s`", out);
			off += got;
		}
		if (ferror(in))
			return error_set(err, EIO, "read `%s`", parts[i].path);
	}
	if (fflush(f) != 0)
		return error_set(err, errno, "write `%s`", out);
	return 0;
}

static int run_sandbox(const struct run_opts *o, struct sb_error *err)
{
	char kernel[PATH_MAX], init[PATH_MAX], cache[PATH_MAX];
	int r;
	if ((!o->export_initrd && (r = kvm_check_host(err)) < 0) ||
	    (!o->export_initrd && (r = paths_kernel(o->kernel, kernel, sizeof(kernel), err)) < 0) ||
	    (r = paths_init_archive(init, sizeof(init), err)) < 0 ||
	    (r = paths_cache_dir(cache, sizeof(cache), err)) < 0)
		return r;

	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	struct pack_limits lim;
	pack_limits_default(&lim);
	if (o->max_unpacked)
		lim.max_unpacked_bytes = o->max_unpacked;
	if (o->max_entries)
		lim.max_entries = o->max_entries;
	if (o->max_path)
		lim.max_path = (uint32_t)o->max_path;
	lim.progress = o->quiet ? NULL : pack_progress_tty;
	struct image_config img = {0};
	cleanup_free char *image_path = NULL;
	if ((r = rootfs_prepare(o->image, cache, &lim, &image_path, &img, err)) < 0)
		return r;
	uint64_t t1 = now_ns(CLOCK_MONOTONIC);

	cleanup_free uint8_t *run_cpio = NULL;
	size_t run_len = 0;
	r = build_run_archive(o, &img, &run_cpio, &run_len, err);
	image_config_free(&img);
	if (r < 0)
		return r;

	struct stat st;
	if (stat(image_path, &st) < 0)
		return error_set(err, errno, "stat `%s`", image_path);
	uint64_t workload = o->memory ? o->memory : DEFAULT_WORKLOAD_MEM;
	uint64_t mem = workload + 4 * (uint64_t)st.st_size + KERNEL_RESERVE;
	mem = (mem + (2ull << 20) - 1) & ~((2ull << 20) - 1);
	if (mem > VMM_MAX_MEM)
		return error_set(err, 0, "the VM would need %llu MiB (image + --memory): too large",
				 (unsigned long long)(mem >> 20));

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
		return export_initrd(o->export_initrd, initrd, 3, err);
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
	};
	struct vmm_result res = {0};
	struct run_signals sigs; /* INT TERM HUP QUIT USR1 USR2 to the workload while the VM runs */
	if ((r = run_signals_start(&sigs, err)) < 0)
		return r;
	cfg.ctl_fd = sigs.rfd;
	r = vmm_run(&cfg, &res, err);
	run_signals_stop(&sigs);
	uint64_t t2 = now_ns(CLOCK_MONOTONIC);
	if (o->debug)
		fprintf(stderr, "sandbox: timings: pack %.1f ms, vm %.1f ms (%u vCPU, %llu MiB)\n",
			(double)(t1 - t0) / 1e6, (double)(t2 - t1) / 1e6, cfg.vcpus,
			(unsigned long long)(mem >> 20));
	if (r < 0)
		return r;
	return report(o, r, &res);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {0};
	struct sb_error err = {0};
	int r = parse_opts(argc, argv, &o, &err);
	if (r == 0)
		r = run_sandbox(&o, &err);
	else if (r > 0)
		r = 0; /* --help */
	strv_free(&o.env_opts);
	return r < 0 ? cmd_fail(&err) : r;
}
