/* `sandbox pull [-q] [--platform P] [--tls-verify=false] [--jobs N] REF`, in
 * the registry client (sandbox-registry; sandbox's own cmd_pull execs it).
 * With --report-fd=N (run and pack, through helper_pull) the outcome is one
 * line on fd N instead of stdout and stderr (helper.h); with --pack (run) the
 * image is also packed into the pack cache while it downloads (pull_pack.h). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "paths.h"
#include "pull.h"

static const char pull_usage[] =
    "Usage: sandbox pull [OPTIONS] NAME[:TAG|@DIGEST]\n"
    "\n"
    "Pull an image from a registry into the blob store under the cache.\n"
    "NAME follows docker's rules: alpine is docker.io/library/alpine:latest,\n"
    "HOST[:PORT]/PATH names another registry; a docker:// prefix is taken.\n"
    "Loopback registries may be plain http. Credentials come from\n"
    "$REGISTRY_AUTH_FILE, ${XDG_RUNTIME_DIR}/containers/auth.json,\n"
    "~/.config/containers/auth.json or ~/.docker/config.json (sandbox login).\n"
    "docker.io names try Docker Hub's mirrors first: $SANDBOX_REGISTRY_MIRROR\n"
    "(http(s)://HOST[:PORT]), else registry-mirrors in ~/.config/docker/daemon.json\n"
    "or /etc/docker/daemon.json.\n"
    "TLS trusts the system store plus the registry's certs.d directory:\n"
    "~/.config/containers/certs.d/HOST[:PORT], /etc/containers/certs.d/HOST[:PORT],\n"
    "/etc/docker/certs.d/HOST[:PORT] (*.crt: CAs; *.cert + *.key: a client certificate).\n"
    "\n"
    "Options:\n"
    "      --platform OS/ARCH[/VARIANT]  the image of an index to pull (default linux/amd64)\n"
    "      --tls-verify=false  do not check the registry's certificate (and allow http)\n"
    "      --cert-dir DIR      CAs (*.crt) and a client certificate (*.cert + *.key) for\n"
    "                          the registry, instead of its certs.d directories\n"
    "      --jobs N            layers downloaded at a time (default 3, at most 16)\n"
    "  -q, --quiet             print only the image name\n"
    "  -h, --help              this help\n";

static int parse_bool(const char *s, bool *out, struct sb_error *err)
{
	if (!s || !strcmp(s, "true") || !strcmp(s, "1"))
		*out = true;
	else if (!strcmp(s, "false") || !strcmp(s, "0"))
		*out = false;
	else
		return error_set(err, 0, "invalid --tls-verify `%s` (true or false)", s);
	return 0;
}

static int parse_opts(int argc, char **argv, struct pull_opts *o, bool *quiet, int *report_fd,
		      const char **ref, struct sb_error *err)
{
	enum { OPT_PLATFORM = 256, OPT_TLS, OPT_JOBS, OPT_REPORT, OPT_CERT_DIR, OPT_PACK };
	static const struct option longopts[] = {
	    {"platform", required_argument, NULL, OPT_PLATFORM},
	    {"tls-verify", optional_argument, NULL, OPT_TLS},
	    {"jobs", required_argument, NULL, OPT_JOBS},
	    {"report-fd", required_argument, NULL, OPT_REPORT},
	    {"cert-dir", required_argument, NULL, OPT_CERT_DIR},
	    {"pack", no_argument, NULL, OPT_PACK},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, r = 0;
	uint64_t v;
	opterr = 0;
	optind = 1;
	while (r == 0 && (c = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_PLATFORM:
			r = platform_parse(optarg, &o->platform, err);
			break;
		case OPT_TLS:
			r = parse_bool(optarg, &o->reg.tls_verify, err);
			break;
		case OPT_JOBS:
			if ((r = cli_parse_uint(optarg, "--jobs", 1, PULL_JOBS_MAX, &v, err)) == 0)
				o->jobs = (int)v;
			break;
		case OPT_PACK:
			o->pack_cache = ""; /* the cache directory, once known */
			break;
		case OPT_CERT_DIR:
			o->reg.cert_dir = optarg;
			break;
		case OPT_REPORT:
			if ((r = cli_parse_uint(optarg, "--report-fd", 3, 1023, &v, err)) == 0)
				*report_fd = (int)v;
			break;
		case 'q':
			*quiet = true;
			break;
		case 'h':
			fputs(pull_usage, stdout);
			return 1;
		case ':':
			return error_set(err, 0, "option %s needs a value", argv[optind - 1]);
		default:
			return error_set(err, 0, "pull: unknown option `%s`", argv[optind - 1]);
		}
	}
	if (r < 0)
		return r;
	if (optind + 1 != argc)
		return error_set(err, 0, "usage: sandbox pull [OPTIONS] NAME[:TAG|@DIGEST]");
	*ref = argv[optind];
	return 0;
}

/* The outcome on the report fd: "ok HEX" or "error ERRNO MESSAGE". */
static int report(int fd, int r, const struct store_image *img, const struct sb_error *err)
{
	int ok = r < 0 ? dprintf(fd, "error %d %s\n", -r, err->msg)
		       : dprintf(fd, "ok %s\n", img->digest);
	return ok < 0 || r < 0 ? EXIT_SANDBOX : 0;
}

int cmd_pull(int argc, char **argv)
{
	struct sb_error err = {0};
	struct pull_opts o;
	pull_opts_default(&o);
	bool quiet = false;
	int report_fd = -1;
	const char *arg = NULL;
	int r = parse_opts(argc, argv, &o, &quiet, &report_fd, &arg, &err);
	if (r != 0)
		return r > 0 ? 0 : cmd_fail(&err);
	o.progress = !quiet;
	struct registry_ref ref;
	char cache[PATH_MAX];
	struct store s;
	struct store_image before, img;
	if ((r = registry_ref_parse(arg, &ref, &err)) < 0 ||
	    (r = paths_cache_dir(cache, sizeof(cache), &err)) < 0 ||
	    (r = store_open(&s, cache, &err)) < 0)
		return report_fd >= 0 ? report(report_fd, r, NULL, &err) : cmd_fail(&err);
	if (o.pack_cache)
		o.pack_cache = cache;
	registry_ref_format(&ref, before.name, sizeof(before.name));
	int had = store_index_get(&s, before.name, &before, NULL);
	r = pull_image(&s, &ref, &o, &img, &err);
	store_close(&s);
	if (report_fd >= 0)
		return report(report_fd, r, &img, &err);
	if (r < 0)
		return cmd_fail(&err);
	if (!quiet) {
		printf("Digest: sha256:%s\n", img.index_digest[0] ? img.index_digest : img.digest);
		printf("Status: %s %s\n",
		       had == 1 && !strcmp(before.digest, img.digest) ? "Image is up to date for"
								      : "Downloaded image for",
		       img.name);
	}
	printf("%s\n", img.name);
	return 0;
}
