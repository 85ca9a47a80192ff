/* `sandbox run`: docker-style options; run_vm.c does the rest. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "pack.h"
#include "run.h"

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
	enum {
		OPT_ENTRYPOINT = 256,
		OPT_CPUS,
		OPT_PIDS,
		OPT_HOSTNAME,
		OPT_KERNEL,
		OPT_DEBUG,
		OPT_EXPORT,
		OPT_MAX_UNPACKED,
		OPT_MAX_ENTRIES,
		OPT_MAX_PATH
	};
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
		case 'u':
			o->user = optarg;
			break;
		case OPT_ENTRYPOINT:
			o->entrypoint = optarg;
			break;
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
			if ((r = cli_parse_uint(optarg, "--pids-limit", 1, 4194304, &o->pids,
						err)) < 0)
				return r;
			break;
		case OPT_HOSTNAME:
			o->hostname = optarg;
			break;
		case OPT_KERNEL:
			o->kernel = optarg;
			break;
		case OPT_DEBUG:
			o->debug = true;
			break;
		case OPT_EXPORT:
			o->export_initrd = optarg;
			break;
		case OPT_MAX_UNPACKED:
			if ((r = cli_parse_size(optarg, "--max-unpacked", &o->max_unpacked, err)) <
			    0)
				return r;
			if (o->max_unpacked == 0)
				return error_set(err, 0, "invalid --max-unpacked `%s`: must be > 0",
						 optarg);
			break;
		case OPT_MAX_ENTRIES:
			if ((r = cli_parse_uint(optarg, "--max-entries", 1, UINT32_MAX,
						&o->max_entries, err)) < 0)
				return r;
			break;
		case OPT_MAX_PATH:
			if ((r = cli_parse_uint(optarg, "--max-path", 1, PACK_PATH_LIMIT,
						&o->max_path, err)) < 0)
				return r;
			break;
		case 'i':
			o->interactive = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return 1;
		case ':':
			return error_set(err, 0, "option %s needs a value", argv[optind - 1]);
		default:
			return error_set(err, 0, "unknown option `%s` (see sandbox run --help)",
					 argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return error_set(
		    err, 0, "no image given (usage: sandbox run [OPTIONS] IMAGE [COMMAND...])");
	o->image = argv[optind];
	o->args = argv + optind + 1;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {0};
	struct sb_error err = {0};
	int r = parse_opts(argc, argv, &o, &err);
	if (r == 0)
		r = run_vm(&o, &err);
	else if (r > 0)
		r = 0; /* --help */
	strv_free(&o.env_opts);
	return r < 0 ? cmd_fail(&err) : r;
}
