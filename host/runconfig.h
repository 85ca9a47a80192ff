/* Host side of the run config: writes the FDT blob guest-init reads (schema in guest-init/abi.h).
 */
#ifndef SB_RUNCONFIG_H
#define SB_RUNCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* One resource limit: RLIMIT_* number, soft and hard (UINT64_MAX unlimited). */
struct runconfig_rlimit {
	unsigned resource;
	uint64_t soft, hard;
};

/* cgroup limits for the workload; 0 = unset (unlimited). */
struct runconfig_limits {
	uint64_t memory_max;	/* bytes -> memory.max */
	uint64_t pids_max;	/* -> pids.max */
	uint64_t cpu_quota_us;	/* with cpu_period_us -> cpu.max "QUOTA PERIOD" */
	uint64_t cpu_period_us; /* 0 = guest default (ABI_CPU_PERIOD_DEFAULT) */
};

/* The user-mode (slirp) network as libslirp sets it up by default; the
 * backend and the guest must agree on these. */
#define RUNCONFIG_NET_ADDRESS "10.0.2.15"
#define RUNCONFIG_NET_PREFIX 24
#define RUNCONFIG_NET_GATEWAY "10.0.2.2"
#define RUNCONFIG_NET_DNS "10.0.2.3"
#define RUNCONFIG_NET_MTU 65520
#define RUNCONFIG_NET_ADDRESS6 "fec0::15"
#define RUNCONFIG_NET_PREFIX6 64
#define RUNCONFIG_NET_GATEWAY6 "fec0::2"
#define RUNCONFIG_NET_DNS6 "fec0::3"

enum runconfig_net_mode {
	RUNCONFIG_NET_NONE, /* no NIC: lo only (--network none, and the zero value) */
	RUNCONFIG_NET_NIC,  /* one NIC the VMM provides (slirp, tap) */
};

/* The guest side of the network: how guest init sets up its interfaces and
 * /etc/hosts, /etc/hostname, /etc/resolv.conf (schema in guest-init/abi.h).
 * Addresses are texts (inet_pton syntax). NULL or 0 = not set: no gateway,
 * no IPv6 address (autoconfiguration only), the device's MTU. Lists are
 * NULL-terminated. runconfig_net_slirp() fills in the slirp defaults. */
struct runconfig_net {
	enum runconfig_net_mode mode;
	const char *address; /* nic: IPv4, with prefix (1..32) */
	unsigned prefix;
	const char *gateway;  /* nic: IPv4 in address/prefix: the default route */
	uint32_t mtu;	      /* nic: 68..65535, 0 = leave the device's */
	bool ipv6;	      /* false: IPv6 disabled in the guest (docker's default) */
	const char *address6; /* nic + ipv6: static IPv6, with prefix6 (1..128) */
	unsigned prefix6;
	const char *gateway6;
	/* /etc/resolv.conf is written only when one of these three is non-NULL
	 * (an empty list counts: an empty file). docker writes one for
	 * --network none too, from the host's; without a NIC no resolver is
	 * reachable, so for none set these only from --dns* options. */
	const char *const *dns;		/* IPv4/IPv6 texts (--dns) */
	const char *const *dns_search;	/* domain names (--dns-search; "." alone: none) */
	const char *const *dns_options; /* resolv.conf options (--dns-option), e.g. "ndots:2" */
	/* docker --add-host entries "NAME:IP" (split at the first ':', so IPv6
	 * works; "NAME=IP" too); IP "host-gateway" stands for the gateway. */
	const char *const *extra_hosts;
};

/* One mount for the guest (schema in guest-init/abi.h, mounts node). */
enum runconfig_mount_type { RUNCONFIG_MOUNT_VIRTIOFS, RUNCONFIG_MOUNT_TMPFS };
struct runconfig_mount {
	enum runconfig_mount_type type;
	const char *target; /* absolute, normalized (host/volopts.c) */
	bool readonly;
	const char *tag;  /* virtiofs: the device's tag */
	const char *file; /* virtiofs: bind only this file of the share; NULL: all of it */
	uint64_t size;	  /* tmpfs: bytes, 0 = the kernel's default */
	uint32_t mode;	  /* tmpfs: permission bits */
	bool exec;	  /* tmpfs: allow exec */
};

/* Volumes and tmpfs mounts, mounted in this order (parents first), and
 * --read-only. n = 0 and !readonly_rootfs: no mounts node. */
struct runconfig_mounts {
	const struct runconfig_mount *m;
	size_t n;
	bool readonly_rootfs;
};

/* What the guest runs. Arrays are NULL-terminated; NULL strings take the
 * ABI defaults (env empty, cwd "/", user "" = root, hostname "sandbox"). */
struct runconfig {
	char *const *argv; /* >= 1 entry, argv[0] non-empty */
	char *const *env;  /* NAME=VALUE entries, or NULL */
	const char *cwd;   /* absolute */
	const char *user;  /* docker -u syntax: name|uid[:group|gid] */
	const char *hostname;
	uint64_t time_ns; /* host CLOCK_REALTIME; 0 = do not set the guest clock */
	bool tty;
	bool hold;   /* the guest waits for ABI_CTL_START before the workload */
	bool pid_ns; /* the workload is PID 1 of its own PID namespace */
	bool exec;   /* the host serves the exec port */
	/* setrlimit for the workload (abi.h's rlimits; at most ABI_RLIMITS_MAX) */
	const struct runconfig_rlimit *rlimits;
	size_t n_rlimits;
	const uint32_t *groups; /* supplementary groups to add (abi.h groups; <= ABI_GROUPS_MAX) */
	size_t n_groups;
	uint16_t rows, cols; /* the pty's first size (tty only); 0x0 = unknown */
	/* The workload's capability sets (abi.h's capabilities: bounding,
	 * effective, permitted, inheritable, ambient); NULL: every one kept.
	 * caps_root_only: a user other than uid 0 gets only the bounding set. */
	const uint64_t *caps;
	bool caps_root_only;
	bool no_new_privs;
	/* Paths made empty, and read-only, for the workload (abi.h's
	 * masked-paths, readonly-paths): NULL-terminated absolute paths, at
	 * most ABI_MASKS_MAX each; NULL or empty: none. */
	char *const *masked;
	char *const *readonly;
	struct runconfig_limits limits;
	struct runconfig_net net;
	struct runconfig_mounts mounts;
};

/* Set *net to the user-mode network: mode nic, RUNCONFIG_NET_ADDRESS/PREFIX,
 * GATEWAY, MTU and RUNCONFIG_NET_DNS as the only nameserver; with ipv6 also
 * the IPv6 address, gateway and nameserver. Other fields zero: callers then
 * override dns, dns_search, dns_options, extra_hosts and mtu from options. */
void runconfig_net_slirp(struct runconfig_net *net, bool ipv6);

/* Build the FDT blob for rc into a new buffer (*blob, free() it; *len bytes,
 * at most ABI_CONFIG_MAX_BYTES), with ABI_SEED_BYTES fresh random bytes of
 * its own (abi.h's random-seed). Checks rc against the same bounds the guest
 * enforces. Returns 0 or a negative errno with err filled. */
int runconfig_build(const struct runconfig *rc, void **blob, size_t *len, struct sb_error *err);

/* Split a docker --add-host entry, "NAME:IP" or "NAME=IP" (IP may be
 * "[IPv6]"), into name and ip (no other checks). Returns 0 or -EINVAL when
 * there is no separator, a part is empty or does not fit. */
int runconfig_host_split(const char *entry, char *name, size_t name_size, char *ip, size_t ip_size);

/* true when name is a hostname the guest accepts: 1..ABI_HOSTNAME_MAX
 * letters, digits, '-', '_', '.'. */
bool runconfig_hostname_ok(const char *name);

/* For runconfig.c (host/runconfig_net.c): check net against the ABI's rules
 * (0 or -errno with err set), and write its node into an FDT being built
 * (0 or a negative FDT_ERR_*). */
int runconfig_net_check(const struct runconfig_net *net, struct sb_error *err);
int runconfig_net_write(void *fdt, const struct runconfig_net *net);
/* The same for the mounts node (host/runconfig_vol.c). */
int runconfig_mounts_check(const struct runconfig_mounts *mounts, struct sb_error *err);
int runconfig_mounts_write(void *fdt, const struct runconfig_mounts *mounts);

#endif
