/* sandbox: the command-line entry point. Dispatches subcommands; the only place
 * that prints errors and picks exit codes (125 for sandbox's own failures). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abi.h"
#include "cleanup.h"
#include "cli.h"
#include "pack.h"
#include "run.h"
#include "vmm.h"

#define EXIT_SANDBOX 125
#define SANDBOX_VERSION "0.1.0"

static const char usage[] =
	"Usage: sandbox COMMAND [OPTIONS]\n"
	"\n"
	"Run OCI images in micro-VMs, each with its own Linux kernel.\n"
	"\n"
	"Commands:\n"
	"  run      run a command in a new sandbox (sandbox run --help)\n"
	"  pack     pack an image into an initramfs: sandbox pack IMAGE -o FILE\n"
	"  boot     boot a kernel + initrd on the VMM: sandbox boot --help\n"
	"  version  print versions\n";

static int fail(struct sb_error *err)
{
	fprintf(stderr, "sandbox: %s\n", err->msg);
	return EXIT_SANDBOX;
}

static int cmd_pack(int argc, char **argv)
{
	struct sb_error err = {0};
	const char *out = NULL, *image = NULL;
	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return puts("Usage: sandbox pack IMAGE -o FILE"), 0;
		else if (argv[i][0] == '-' && argv[i][1])
			return error_set(&err, 0, "pack: unknown option `%s`", argv[i]), fail(&err);
		else if (!image)
			image = argv[i];
		else
			return error_set(&err, 0, "pack: unexpected argument `%s`", argv[i]), fail(&err);
	}
	if (!image || !out)
		return error_set(&err, 0, "usage: sandbox pack IMAGE -o FILE"), fail(&err);
	cleanup_free char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp.%d", out, (int)getpid()) < 0)
		return error_set(&err, ENOMEM, "pack"), fail(&err);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return error_set(&err, errno, "create `%s`", tmp), fail(&err);
	struct pack_limits lim;
	pack_limits_default(&lim);
	int r = rootfs_pack_fd(image, fd, &lim, &err);
	if (r == 0 && fsync(fd) < 0)
		r = error_set(&err, errno, "fsync `%s`", tmp);
	if (close(fd) < 0 && r == 0)
		r = error_set(&err, errno, "close `%s`", tmp);
	if (r == 0 && rename(tmp, out) < 0)
		r = error_set(&err, errno, "rename to `%s`", out);
	if (r < 0) {
		unlink(tmp);
		return fail(&err);
	}
	return 0;
}

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
	"  --debug            kernel log on stderr\n";

static int cmd_boot(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"kernel", required_argument, NULL, 'k'}, {"initrd", required_argument, NULL, 'i'},
		{"cmdline", required_argument, NULL, 'c'}, {"mem", required_argument, NULL, 'm'},
		{"cpus", required_argument, NULL, 'n'},    {"debug", no_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
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
		case 'k': kernel = optarg; break;
		case 'i':
			if (n_initrd == 8)
				return error_set(&err, 0, "boot: at most 8 --initrd"), fail(&err);
			initrd[n_initrd++] = (struct vmm_blob){.path = optarg};
			break;
		case 'c': extra = optarg; break;
		case 'm':
			if (cli_parse_size(optarg, "--mem", &mem, &err) < 0)
				return fail(&err);
			break;
		case 'n':
			if (cli_parse_uint(optarg, "--cpus", 1, VMM_MAX_VCPUS, &cpus, &err) < 0)
				return fail(&err);
			break;
		case 'd': debug = 1; break;
		case 'h': return fputs(boot_usage, stdout), 0;
		default:
			return error_set(&err, 0, "boot: unknown option or missing value `%s`",
					 argv[optind - 1]),
			       fail(&err);
		}
	}
	if (!kernel || optind != argc)
		return error_set(&err, 0, "usage: sandbox boot --kernel PATH [--initrd PATH]..."),
		       fail(&err);
	if (kvm_check_host(&err) < 0)
		return fail(&err);
	char cmdline[4096];
	if ((size_t)snprintf(cmdline, sizeof(cmdline), "%s %s", vmm_default_cmdline(), extra) >=
	    sizeof(cmdline))
		return error_set(&err, 0, "boot: --cmdline too long"), fail(&err);
	struct vmm_config cfg = {
		.kernel = kernel, .initrd = initrd, .n_initrd = n_initrd, .cmdline = cmdline,
		.mem_bytes = mem, .vcpus = (unsigned)cpus, .log_fd = debug ? 2 : 1,
		.stdout_fd = 1, .stderr_fd = 2,
	};
	struct vmm_result res = {0};
	int r = vmm_run(&cfg, &res, &err);
	if (r < 0)
		return fail(&err);
	if (r == 1) {
		fprintf(stderr, "sandbox: the VM ended without an exit status: %s\n", res.reason);
		return EXIT_SANDBOX;
	}
	return res.status;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_SANDBOX;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "run"))
		return run_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "pack"))
		return cmd_pack(argc - 1, argv + 1);
	if (!strcmp(cmd, "boot"))
		return cmd_boot(argc - 1, argv + 1);
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("sandbox %s (guest ABI %d, pack format %d)\n", SANDBOX_VERSION,
		       SANDBOX_ABI_VERSION, PACK_FORMAT_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	fprintf(stderr, "sandbox: unknown command `%s` (see sandbox --help)\n", cmd);
	return EXIT_SANDBOX;
}
