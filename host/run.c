/* `sandbox run`: docker-style options; run_vm.c does the rest. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "commands.h"
#include "names.h"
#include "paths.h"
#include "pack.h"
#include "readall.h"
#include "registry.h"
#include "run.h"
#include "vmm.h"

static const char run_usage[] =
    "Usage: sandbox run [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
    "\n"
    "Run a command from an OCI image in its own micro-VM.\n"
    "\n"
    "Options:\n"
    "  -e, --env KEY=VALUE     set an environment variable (KEY alone: take it from the host)\n"
    "      --env-file FILE     read KEY=VALUE (or KEY) lines from FILE; -e wins\n"
    "  -w, --workdir DIR       working directory inside the sandbox\n"
    "  -u, --user USER         name|uid[:group|gid]\n"
    "      --entrypoint CMD    override the image's entrypoint\n"
    "  -m, --memory SIZE       memory limit of the workload (e.g. 512m, 1g)\n"
    "      --cpus N            number of CPUs (vCPUs and cpu.max), e.g. 1.5\n"
    "      --pids-limit N      maximum number of processes\n"
    "      --hostname NAME     hostname inside the sandbox\n"
    "      --name NAME         name the sandbox (unique among the running ones)\n"
    "      --timeout DURATION  stop the VM DURATION (e.g. 30s, 5m) after it starts\n"
    "                          booting (the image is packed by then); exit status 124\n"
    "      --kernel PATH       use another guest kernel\n"
    "      --debug             show the guest kernel log and timings on stderr\n"
    "      --export-initrd FILE  write the VM's initrd (image + init + run config)\n"
    "                          to FILE instead of booting, to boot it on another VMM\n"
    "                          (with a NIC only if --network slirp is given)\n"
    "      --max-unpacked SIZE image limit: uncompressed layer bytes (default 8g)\n"
    "      --max-entries N     image limit: layer entries (default 2097152)\n"
    "      --max-path N        image limit: bytes of a path or link target (default 4096)\n"
    "      --network MODE      slirp (default): user-mode networking through the host's\n"
    "                          sockets, guest 10.0.2.15, gateway 10.0.2.2, DNS 10.0.2.3;\n"
    "                          slirp:mtu=N sets eth0's MTU (576-65520, default 65520);\n"
    "                          none: no network device, only lo;\n"
    "                          tap:NAME,ip=ADDR/PREFIX[,gateway=ADDR][,mtu=N]: an\n"
    "                          existing TAP device (CAP_NET_ADMIN or its owner), the\n"
    "                          guest at ADDR on it, with checksum and TSO offloads\n"
    "      --net MODE          same as --network\n"
    "  -p, --publish [IP:][HOSTPORT:]GUESTPORT[/tcp|/udp]\n"
    "                          publish a guest port on the host (IPv4; default all\n"
    "                          addresses); no HOSTPORT: a free one, reported on stderr;\n"
    "                          ranges 8000-8002:80-82, 8000-8010:80 (the first free\n"
    "                          one); repeatable, up to 64 ports\n"
    "  -P, --publish-all       publish the image's exposed ports to free host ports\n"
    "      --dns IP            nameserver for the guest's resolv.conf instead of the\n"
    "                          forwarder at 10.0.2.3 (repeatable, up to 3)\n"
    "      --dns-search DOMAIN search domain in resolv.conf (repeatable; `.`: none)\n"
    "      --dns-option OPT    option in resolv.conf, e.g. ndots:2 (repeatable)\n"
    "      --add-host NAME:IP  a line in the guest's /etc/hosts (also NAME=IP; IP\n"
    "                          host-gateway is 10.0.2.2, the host); repeatable\n"
    "      --mac-address MAC   the guest's MAC (default 52:54:00:12:34:56)\n"
    "      --ipv6              IPv6 as well (slirp: fec0::/64, DNS fec0::3)\n"
    "      --allow-host-loopback  the guest may reach the host's loopback services\n"
    "                          through 10.0.2.2 (denied by default, by any address)\n"
    "  -v, --volume HOST:CONTAINER[:OPTS]\n"
    "                          share a host directory (or file) with the sandbox;\n"
    "                          HOST absolute or starting with `.`, created if missing;\n"
    "                          OPTS: ro, rw, cached (default), consistent (no guest\n"
    "                          caching: see host changes at once)\n"
    "      --mount type=bind,source=HOST,target=CONTAINER[,readonly][,consistency=C]\n"
    "      --mount type=tmpfs,target=CONTAINER[,tmpfs-size=SIZE][,tmpfs-mode=MODE]\n"
    "      --tmpfs CONTAINER[:size=SIZE,mode=MODE,ro,exec]\n"
    "                          a tmpfs mount (noexec unless exec)\n"
    "      --read-only         the image's root file system is read-only\n"
    "      --cap-add CAP       give the workload a capability beyond docker's default\n"
    "                          set (NET_ADMIN, SYS_ADMIN, ..., ALL); repeatable\n"
    "      --cap-drop CAP      take one from it (ALL: every one); repeatable\n"
    "      --privileged        the workload keeps every capability\n"
    "      --security-opt no-new-privileges\n"
    "                          the workload cannot gain privileges (setuid files)\n"
    "      --host-limits MODE  the VMM's own cgroup on the host (memory: guest RAM and\n"
    "                          the VMM's; CPU: --cpus; pids): auto (where the host\n"
    "                          allows it, the default), require, off\n"
    "      --no-snapshot       boot the VM cold: neither restore this image's saved VM\n"
    "                          nor save one (also SANDBOX_SNAPSHOT=off)\n"
    "  -i, --interactive       keep stdin attached (else the workload's stdin is empty)\n"
    "  -t, --tty               give the workload a terminal (its stdout and stderr both\n"
    "                          arrive on ours); with -i on a terminal, ours is raw\n"
    "      --pull POLICY       a registry image: missing (pull it if not stored,\n"
    "                          the default), always, never\n"
    "  -q, --quiet             no progress output\n"
    "  -h, --help              this help\n"
    "\n"
    "IMAGE: a local image (oci:DIR[:TAG], oci-archive:FILE, docker-archive:FILE, a\n"
    "path) or a registry name (alpine, user/app:tag, host:port/path@sha256:...).\n"
    "\n"
    "SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 go to the workload; a second\n"
    "SIGINT or SIGTERM stops the VM at once (exit status 128 + the signal number).\n";

#define ENV_FILE_MAX (1u << 20)
/* -m at most: the VMM's largest guest less 1 GiB for the kernel and image (a
 * larger image still fails later, in run_vm's sizing). */
#define RUN_MEMORY_MAX (VMM_MAX_MEM - (1ull << 30))

/* --env-file FILE: its entries, in order, into out (bounded: 1 MiB). */
static int read_env_file(const char *path, struct strv *out, struct sb_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "--env-file `%s`", path);
	cleanup_free char *buf = malloc(ENV_FILE_MAX + 1);
	if (!buf)
		return error_set(err, ENOMEM, "--env-file");
	ssize_t len = readall_bounded(fd, buf, ENV_FILE_MAX);
	if (len == -EFBIG)
		return error_set(err, 0, "--env-file `%s`: larger than 1 MiB", path);
	if (len < 0)
		return error_set(err, (int)-len, "--env-file `%s`", path);
	return cli_env_file_parse(buf, (size_t)len, path, out, err);
}

/* Long options without a short form. */
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
	OPT_MAX_PATH,
	OPT_ENV_FILE,
	OPT_NAME,
	OPT_TIMEOUT,
	OPT_NETWORK,
	OPT_DNS,
	OPT_DNS_SEARCH,
	OPT_DNS_OPTION,
	OPT_ADD_HOST,
	OPT_MAC,
	OPT_IPV6,
	OPT_HOST_LOOPBACK,
	OPT_PULL,
	OPT_MOUNT,
	OPT_TMPFS,
	OPT_READ_ONLY,
	OPT_CAP_ADD,
	OPT_CAP_DROP,
	OPT_PRIVILEGED,
	OPT_SECURITY_OPT,
	OPT_HOST_LIMITS,
	OPT_NO_SNAPSHOT
};

/* The networking options, into n (host/netopts.h). */
static int net_opt(int c, const char *arg, struct netopts *n, struct sb_error *err)
{
	switch (c) {
	case OPT_NETWORK:
		return netopts_parse_network(arg, n, err);
	case 'p':
		return netopts_parse_publish(arg, n, err);
	case OPT_DNS:
		return netopts_parse_dns(arg, n, err);
	case OPT_DNS_SEARCH:
		return netopts_parse_dns_search(arg, n, err);
	case OPT_DNS_OPTION:
		return netopts_parse_dns_option(arg, n, err);
	case OPT_ADD_HOST:
		return netopts_parse_add_host(arg, n, err);
	case OPT_MAC:
		return netopts_parse_mac(arg, n, err);
	case 'P':
		n->publish_all = true;
		return 0;
	case OPT_IPV6:
		n->ipv6 = true;
		return 0;
	default: /* OPT_HOST_LOOPBACK */
		n->allow_host_loopback = true;
		return 0;
	}
}

static int parse_opts(int argc, char **argv, struct run_opts *o, struct sb_error *err)
{
	struct secopts sec = {0};
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
	    {"env-file", required_argument, NULL, OPT_ENV_FILE},
	    {"name", required_argument, NULL, OPT_NAME},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"network", required_argument, NULL, OPT_NETWORK},
	    {"net", required_argument, NULL, OPT_NETWORK},
	    {"publish", required_argument, NULL, 'p'},
	    {"publish-all", no_argument, NULL, 'P'},
	    {"dns", required_argument, NULL, OPT_DNS},
	    {"dns-search", required_argument, NULL, OPT_DNS_SEARCH},
	    {"dns-option", required_argument, NULL, OPT_DNS_OPTION},
	    {"dns-opt", required_argument, NULL, OPT_DNS_OPTION}, /* docker's older name */
	    {"add-host", required_argument, NULL, OPT_ADD_HOST},
	    {"mac-address", required_argument, NULL, OPT_MAC},
	    {"ipv6", no_argument, NULL, OPT_IPV6},
	    {"allow-host-loopback", no_argument, NULL, OPT_HOST_LOOPBACK},
	    {"interactive", no_argument, NULL, 'i'},
	    {"tty", no_argument, NULL, 't'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"pull", required_argument, NULL, OPT_PULL},
	    {"volume", required_argument, NULL, 'v'},
	    {"mount", required_argument, NULL, OPT_MOUNT},
	    {"tmpfs", required_argument, NULL, OPT_TMPFS},
	    {"read-only", no_argument, NULL, OPT_READ_ONLY},
	    {"cap-add", required_argument, NULL, OPT_CAP_ADD},
	    {"cap-drop", required_argument, NULL, OPT_CAP_DROP},
	    {"privileged", no_argument, NULL, OPT_PRIVILEGED},
	    {"security-opt", required_argument, NULL, OPT_SECURITY_OPT},
	    {"host-limits", required_argument, NULL, OPT_HOST_LIMITS},
	    {"no-snapshot", no_argument, NULL, OPT_NO_SNAPSHOT},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, r;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:e:w:u:m:p:v:Pitqh", longopts, NULL)) != -1) {
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
			if ((r = cli_parse_memory(optarg, RUN_MEMORY_MAX, &o->memory, err)) < 0)
				return r;
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
		case 't':
			o->tty = true;
			break;
		case OPT_ENV_FILE:
			if ((r = read_env_file(optarg, &o->env_file, err)) < 0)
				return r;
			break;
		case OPT_NAME:
			if ((r = names_check(optarg, err)) < 0)
				return r;
			o->name = optarg;
			break;
		case OPT_TIMEOUT:
			if ((r = cli_parse_duration(optarg, "--timeout", &o->timeout_ms, err)) < 0)
				return r;
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_PULL: {
			enum pull_policy p;
			if ((r = registry_pull_policy(optarg, &p, err)) < 0)
				return r;
			o->pull = (int)p;
			break;
		}
		case OPT_NETWORK:
		case 'p':
		case 'P':
		case OPT_DNS:
		case OPT_DNS_SEARCH:
		case OPT_DNS_OPTION:
		case OPT_ADD_HOST:
		case OPT_MAC:
		case OPT_IPV6:
		case OPT_HOST_LOOPBACK:
			if ((r = net_opt(c, optarg, &o->net, err)) < 0)
				return r;
			break;
		case 'v':
			if ((r = volopts_parse_volume(optarg, &o->vol, err)) < 0)
				return r;
			break;
		case OPT_MOUNT:
			if ((r = volopts_parse_mount(optarg, &o->vol, err)) < 0)
				return r;
			break;
		case OPT_TMPFS:
			if ((r = volopts_parse_tmpfs(optarg, &o->vol, err)) < 0)
				return r;
			break;
		case OPT_READ_ONLY:
			o->vol.read_only = true;
			break;
		case OPT_CAP_ADD:
			if ((r = secopts_cap_add(&sec, optarg, err)) < 0)
				return r;
			break;
		case OPT_CAP_DROP:
			if ((r = secopts_cap_drop(&sec, optarg, err)) < 0)
				return r;
			break;
		case OPT_PRIVILEGED:
			sec.privileged = true;
			break;
		case OPT_SECURITY_OPT:
			if ((r = secopts_security_opt(&sec, optarg, err)) < 0)
				return r;
			break;
		case OPT_HOST_LIMITS:
			if ((r = hostcg_mode_parse(optarg, &o->host_limits, err)) < 0)
				return r;
			break;
		case OPT_NO_SNAPSHOT:
			o->no_snapshot = true;
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
	if ((r = netopts_check(&o->net, err)) < 0 || (r = volopts_check(&o->vol, err)) < 0)
		return r;
	/* docker's sets: a user other than root keeps the bounding set only */
	secopts_sets(&sec, o->caps);
	o->caps_set = o->caps_root_only = true;
	o->no_new_privs = sec.no_new_privs;
	if (!sec.privileged) {
		o->masked = secopts_masked_paths;
		o->readonly = secopts_readonly_paths;
	}
	if (optind >= argc)
		return error_set(
		    err, 0, "no image given (usage: sandbox run [OPTIONS] IMAGE [COMMAND...])");
	o->image = argv[optind];
	o->args = argv + optind + 1;
	/* docker: --env-file entries first, then -e, whatever the order given */
	struct strv env = o->env_file;
	o->env_file = (struct strv){0};
	for (size_t i = 0; i < o->env_opts.n; i++)
		if (strv_push(&env, o->env_opts.v[i]) < 0) {
			strv_free(&env);
			return error_set(err, ENOMEM, "--env");
		}
	strv_free(&o->env_opts);
	o->env_opts = env;
	return 0;
}

/* --name: held until we exit (the fd is closed, or the process ends). */
static int claim_name(const char *name, int *fd, struct sb_error *err)
{
	char cache[PATH_MAX];
	int r = paths_cache_dir(cache, sizeof(cache), err);
	return r < 0 ? r : names_claim(cache, name, fd, err);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {0};
	struct sb_error err = {0};
	cleanup_close int name_fd = -1;
	cleanup_free char *image = NULL;
	netopts_init(&o.net);
	volopts_init(&o.vol);
	int r = parse_opts(argc, argv, &o, &err);
	/* a registry name is pulled (per --pull) and run from the blob store */
	if (r == 0 && (r = registry_resolve_run(o.image, (enum pull_policy)o.pull, o.quiet, &image,
						&err)) == 0)
		o.image = image;
	if (r == 0 && o.name)
		r = claim_name(o.name, &name_fd, &err);
	if (r == 0)
		r = run_vm(&o, &err);
	else if (r > 0)
		r = 0; /* --help */
	strv_free(&o.env_opts);
	strv_free(&o.env_file);
	netopts_free(&o.net);
	volopts_free(&o.vol);
	return r < 0 ? cmd_fail(&err) : r;
}
