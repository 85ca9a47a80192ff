/* `sandbox pack IMAGE -o FILE`: the image's initramfs, written atomically. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "commands.h"
#include "pack.h"
#include "paths.h"
#include "registry.h"

static const char pack_usage[] =
    "Usage: sandbox pack [OPTIONS] IMAGE -o FILE\n"
    "\n"
    "Pack an image into an LZ4 initramfs (cpio newc). IMAGE: oci:DIR[:TAG],\n"
    "oci-archive:FILE[:TAG], docker-archive:FILE[:NAME:TAG], a path, or a\n"
    "registry name (pulled into the blob store first, per --pull).\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE       where to write (replaced atomically)\n"
    "      --max-unpacked SIZE uncompressed layer bytes in all (default 8g)\n"
    "      --max-entries N     layer entries in all (default 2097152)\n"
    "      --max-path N        bytes of a path or link target (default 4096)\n"
    "      --pull POLICY       a registry image: missing (default), always, never\n"
    "  -q, --quiet             no progress line\n"
    "  -h, --help              this help\n";

static int parse_opts(int argc, char **argv, struct pack_limits *lim, const char **image,
		      const char **out, enum pull_policy *pull, struct sb_error *err)
{
	enum { OPT_UNPACKED = 256, OPT_ENTRIES, OPT_PATH, OPT_PULL };
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"max-unpacked", required_argument, NULL, OPT_UNPACKED},
	    {"max-entries", required_argument, NULL, OPT_ENTRIES},
	    {"max-path", required_argument, NULL, OPT_PATH},
	    {"pull", required_argument, NULL, OPT_PULL},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, r = 0;
	uint64_t v;
	opterr = 0;
	optind = 1;
	while (r == 0 && (c = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			*out = optarg;
			break;
		case OPT_UNPACKED:
			r = cli_parse_size(optarg, "--max-unpacked", &lim->max_unpacked_bytes, err);
			if (r == 0 && lim->max_unpacked_bytes == 0)
				r = error_set(err, 0, "invalid --max-unpacked `%s`: must be > 0",
					      optarg);
			break;
		case OPT_ENTRIES:
			r = cli_parse_uint(optarg, "--max-entries", 1, UINT32_MAX,
					   &lim->max_entries, err);
			break;
		case OPT_PATH:
			if ((r = cli_parse_uint(optarg, "--max-path", 1, PACK_PATH_LIMIT, &v,
						err)) == 0)
				lim->max_path = (uint32_t)v;
			break;
		case OPT_PULL:
			r = registry_pull_policy(optarg, pull, err);
			break;
		case 'q':
			lim->progress = NULL;
			break;
		case 'h':
			fputs(pack_usage, stdout);
			return 1;
		case ':':
			return error_set(err, 0, "option %s needs a value", argv[optind - 1]);
		default:
			return error_set(err, 0, "pack: unknown option `%s`", argv[optind - 1]);
		}
	}
	if (r < 0)
		return r;
	if (optind < argc)
		*image = argv[optind++];
	if (optind < argc)
		return error_set(err, 0, "pack: unexpected argument `%s`", argv[optind]);
	if (!*image || !*out)
		return error_set(err, 0, "usage: sandbox pack IMAGE -o FILE");
	return 0;
}

int cmd_pack(int argc, char **argv)
{
	struct sb_error err = {0};
	const char *out = NULL, *image = NULL;
	struct pack_limits lim;
	pack_limits_default(&lim);
	lim.progress = pack_progress_tty;
	enum pull_policy pull = PULL_MISSING;
	int r = parse_opts(argc, argv, &lim, &image, &out, &pull, &err);
	if (r != 0)
		return r > 0 ? 0 : cmd_fail(&err);
	cleanup_free char *resolved = NULL;
	if (registry_resolve(image, pull, !lim.progress, &resolved, &err) < 0)
		return cmd_fail(&err);
	image = resolved;
	cleanup_free char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp.%d", out, (int)getpid()) < 0)
		return error_set(&err, ENOMEM, "pack"), cmd_fail(&err);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return error_set(&err, errno, "create `%s`", tmp), cmd_fail(&err);
	r = rootfs_pack_fd(image, fd, &lim, &err);
	if (r == 0 && fsync(fd) < 0)
		r = error_set(&err, errno, "fsync `%s`", tmp);
	if (close(fd) < 0 && r == 0)
		r = error_set(&err, errno, "close `%s`", tmp);
	if (r == 0 && rename(tmp, out) < 0)
		r = error_set(&err, errno, "rename to `%s`", out);
	if (r < 0) {
		unlink(tmp);
		return cmd_fail(&err);
	}
	return 0;
}
