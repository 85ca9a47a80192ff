/* Guest side of the run config: reads and validates the FDT blob from the host. */
#ifndef GUEST_CONFIG_H
#define GUEST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#include "abi.h"
#include "error.h"

/* cgroup limits; 0 means "not set" (unlimited). */
struct config_limits {
	uint64_t memory_max;
	uint64_t pids_max;
	uint64_t cpu_quota_us;
	uint64_t cpu_period_us; /* ABI_CPU_PERIOD_DEFAULT when only a quota is given */
};

/* An IPv4 or IPv6 address. */
struct config_ip {
	int family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
};

/* One extra-hosts entry (docker --add-host NAME:IP). */
struct config_host {
	const char *name;
	struct config_ip ip;
};

enum config_net_mode { CONFIG_NET_NONE, CONFIG_NET_NIC };

/* The network node (guest-init/config_net.c); all zero = mode none, IPv6 off. */
struct config_net {
	enum config_net_mode mode;
	uint32_t mtu;		/* nic: 0 = leave the device's */
	struct in_addr addr;	/* nic: the interface's IPv4 address */
	unsigned prefix;	/* nic: 1..32 */
	bool has_gateway;	/* nic: a default route via gateway */
	struct in_addr gateway; /* inside addr/prefix */
	bool ipv6;		/* false: IPv6 disabled on every interface */
	bool has_addr6;		/* nic + ipv6: a static address (else autoconf only) */
	struct in6_addr addr6;
	unsigned prefix6; /* 1..128 */
	bool has_gateway6;
	struct in6_addr gateway6;
	bool has_dns; /* any dns-* property: write /etc/resolv.conf */
	struct config_ip *dns;
	size_t ndns;
	char **search; /* NULL-terminated */
	size_t nsearch;
	char **options; /* NULL-terminated */
	size_t noptions;
	struct config_host *hosts;
	size_t nhosts;
};

enum config_mount_type { CONFIG_MOUNT_VIRTIOFS, CONFIG_MOUNT_TMPFS };

/* One entry of the mounts node (guest-init/config_mounts.c). */
struct config_mount {
	enum config_mount_type type;
	const char *target;
	bool readonly;
	const char *tag;  /* virtiofs */
	const char *file; /* virtiofs: only this file of the share; NULL: all */
	uint64_t size;	  /* tmpfs: 0 = the kernel's default */
	uint32_t mode;	  /* tmpfs, default 01777 */
	bool exec;	  /* tmpfs */
};

/* The mounts node; all zero = none, / writable. */
struct config_mounts {
	bool readonly_rootfs;
	struct config_mount *m; /* n entries, in mount order */
	size_t n;
};

/* The parsed config. All strings point into the blob given to config_parse(),
 * which must outlive it; only the argv/env arrays are allocated. */
/* One rlimits triplet (abi.h): setrlimit(resource, {soft, hard}) for the workload. */
struct config_rlimit {
	unsigned resource;
	uint64_t soft, hard;
};

enum config_cap_set {
	CAPS_BOUNDING,
	CAPS_EFFECTIVE,
	CAPS_PERMITTED,
	CAPS_INHERITABLE,
	CAPS_AMBIENT
};

struct config {
	char **argv; /* argc entries + NULL */
	size_t argc;
	char **env; /* envc entries + NULL */
	size_t envc;
	const char *cwd;
	const char *user;
	const char *hostname;
	uint64_t time_ns;
	bool has_time;
	/* ABI_PROP_SEED, inside the blob (init wipes it once used); NULL: none */
	uint8_t *seed;
	size_t seed_len;
	bool tty;
	bool hold;   /* start the workload only on ABI_CTL_START (sandbox-runtime) */
	bool pid_ns; /* the workload is PID 1 of a new PID namespace */
	bool exec;   /* the host serves the exec port (ABI_VPORT_EXEC) */
	struct config_rlimit rlimits[ABI_RLIMITS_MAX];
	unsigned n_rlimits;
	uint32_t groups[ABI_GROUPS_MAX]; /* supplementary groups to add */
	unsigned n_groups;
	uint16_t rows, cols; /* the pty's first size; 0x0 = not given */
	/* ABI_PROP_CAPS: the sets in ABI order (enum config_cap_set); has_caps
	 * false: every capability kept. */
	bool has_caps;
	uint64_t caps[ABI_CAP_SETS];
	bool caps_root_only; /* ABI_PROP_CAPS_ROOT_ONLY */
	bool no_new_privs;
	/* ABI_PROP_MASKED_PATHS, ABI_PROP_READONLY_PATHS: NULL-terminated
	 * absolute paths (NULL when absent) */
	char **masked, **readonly;
	size_t n_masked, n_readonly;
	struct config_limits limits;
	struct config_net net;
	struct config_mounts mounts;
};

/* Read a whole config file of at most ABI_CONFIG_MAX_BYTES into a new buffer
 * (*blob, free() it). Returns 0 or a negative errno. */
int config_read_file(const char *path, void **blob, size_t *len, struct sb_error *err);

/* Validate blob (len bytes, hostile) and fill *cfg. Returns 0 or -EINVAL
 * (-ENOMEM) with a one-line reason in err; *cfg is zeroed on failure. */
int config_parse(const void *blob, size_t len, struct config *cfg, struct sb_error *err);

/* Free what config_parse() allocated. */
void config_free(struct config *cfg);

/* Property readers shared by config.c and config_net.c; each returns 0 or
 * -EINVAL (-ENOMEM) with the property named in err.
 * A NUL-terminated string without embedded NULs, at most max bytes with the NUL: */
int config_get_string(const char *name, const char *val, int len, size_t max, const char **out,
		      struct sb_error *err);
/* A NUL-separated string list of at most max entries (a new NULL-terminated array): */
int config_get_list(const char *name, const char *val, int len, size_t max, char ***out,
		    size_t *count, struct sb_error *err);
/* One big-endian 32-bit cell: */
int config_get_u32(const char *name, const void *val, int len, uint32_t *out, struct sb_error *err);
/* One cell holding 0 or 1: */
int config_get_bool(const char *name, const void *val, int len, bool *out, struct sb_error *err);

/* The network node at offset node of fdt into *net (zeroed by the caller).
 * Strings point into the blob. Returns 0 or -EINVAL (-ENOMEM) with err set. */
int config_net_parse(const void *fdt, int node, struct config_net *net, struct sb_error *err);

/* Free what config_net_parse() allocated (also after a failure). */
void config_net_free(struct config_net *net);

/* The mounts node at offset node of fdt into *ms (zeroed by the caller). */
int config_mounts_parse(const void *fdt, int node, struct config_mounts *ms, struct sb_error *err);
void config_mounts_free(struct config_mounts *ms);

#endif
