/* `sandbox boot`: a kernel and initrd pieces on the bare VMM, no image, no guest init. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "jail/vmmproc.h"
#include "vmm.h"

static const char boot_usage[] =
    "Usage: sandbox boot --kernel PATH [--initrd PATH]... [OPTIONS]\n"
    "\n"
    "Boot a kernel and initrd on sandbox's VMM (no image, no guest init): the\n"
    "low-level machine, for kernel work and side-by-side benchmarks.\n"
    "\n"
    "  --kernel PATH      bzImage or ELF vmlinux\n"
    "  --initrd PATH      initrd piece; repeat to concatenate\n"
    "  --cmdline STRING   appended to the machine's own command line\n"
    "  --mem SIZE         guest RAM (default 256m)\n"
    "  --cpus N           vCPUs (default 1)\n"
    "  --debug            kernel log on stderr\n"
    "\n"
    "SANDBOX_STATS=1 prints one `sandbox-stats:` line on stderr at the end (on\n"
    "CLOCK_MONOTONIC: first KVM_RUN, first stop request, VM torn down; guest RAM\n"
    "resident, peak RSS); SANDBOX_STATS=first-run\n"
    "also ends the VM at its first KVM_RUN (for bench/startup).\n";

int stats_mode(void)
{
	const char *s = getenv("SANDBOX_STATS");

	if (!s || !*s || !strcmp(s, "0"))
		return VMM_STATS_OFF;
	return strcmp(s, "first-run") ? VMM_STATS_ON : VMM_STATS_FIRST_RUN;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void stats_print(const struct vmm_stats *st, uint64_t end_ns)
{
	fprintf(stderr,
		"sandbox-stats: first_kvm_run_ns=%llu stop_ns=%llu end_ns=%llu guest_rss_kib=%llu "
		"peak_rss_kib=%llu\n",
		(unsigned long long)st->first_run_ns, (unsigned long long)st->stop_ns,
		(unsigned long long)end_ns, (unsigned long long)(st->guest_rss >> 10),
		(unsigned long long)(st->peak_rss >> 10));
}

int cmd_boot(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"kernel", required_argument, NULL, 'k'},  {"initrd", required_argument, NULL, 'i'},
	    {"cmdline", required_argument, NULL, 'c'}, {"mem", required_argument, NULL, 'm'},
	    {"cpus", required_argument, NULL, 'n'},    {"debug", no_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},	       {NULL, 0, NULL, 0},
	};
	struct sb_error err = {0};
	struct vmm_blob initrd[8];
	size_t n_initrd = 0;
	const char *kernel = NULL, *extra = "";
	uint64_t mem = 256ull << 20, cpus = 1;
	int debug = 0, c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			kernel = optarg;
			break;
		case 'i':
			if (n_initrd == 8)
				return error_set(&err, 0, "boot: at most 8 --initrd"),
				       cmd_fail(&err);
			initrd[n_initrd++] = (struct vmm_blob){.path = optarg};
			break;
		case 'c':
			extra = optarg;
			break;
		case 'm':
			if (cli_parse_size(optarg, "--mem", &mem, &err) < 0)
				return cmd_fail(&err);
			break;
		case 'n':
			if (cli_parse_uint(optarg, "--cpus", 1, VMM_MAX_VCPUS, &cpus, &err) < 0)
				return cmd_fail(&err);
			break;
		case 'd':
			debug = 1;
			break;
		case 'h':
			return fputs(boot_usage, stdout), 0;
		default:
			return error_set(&err, 0, "boot: unknown option or missing value `%s`",
					 argv[optind - 1]),
			       cmd_fail(&err);
		}
	}
	if (!kernel || optind != argc)
		return error_set(&err, 0, "usage: sandbox boot --kernel PATH [--initrd PATH]..."),
		       cmd_fail(&err);
	if (kvm_check_host(&err) < 0)
		return cmd_fail(&err);
	char cmdline[4096];
	if ((size_t)snprintf(cmdline, sizeof(cmdline), "%s %s", vmm_default_cmdline(), extra) >=
	    sizeof(cmdline))
		return error_set(&err, 0, "boot: --cmdline too long"), cmd_fail(&err);
	struct vmm_config cfg = {
	    .kernel = kernel,
	    .initrd = initrd,
	    .n_initrd = n_initrd,
	    .cmdline = cmdline,
	    .mem_bytes = mem,
	    .vcpus = (unsigned)cpus,
	    .log_fd = debug ? 2 : 1,
	    .stdin_fd = 0,
	    .stdout_fd = 1,
	    .stderr_fd = 2,
	    .stats = stats_mode(),
	};
	struct vmm_result res = {0};
	struct jail_config jc;
	int r =
	    jail_config_from_env(&jc, getenv("SANDBOX_JAIL"), getenv("SANDBOX_JAIL_UIDS"), &err);
	if (r == 0)
		r = vmmproc_run(&cfg, &jc, &res, NULL, &err);
	if (r < 0)
		return cmd_fail(&err);
	if (cfg.stats)
		stats_print(&res.stats, mono_ns());
	if (r == 1) {
		fprintf(stderr, "sandbox: the VM ended without an exit status: %s\n", res.reason);
		return EXIT_SANDBOX;
	}
	return res.status;
}
