/* Host side of the run config: writes the FDT blob guest-init reads (schema in guest-init/abi.h).
 */
#ifndef SB_RUNCONFIG_H
#define SB_RUNCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* cgroup limits for the workload; 0 = unset (unlimited). */
struct runconfig_limits {
	uint64_t memory_max;	/* bytes -> memory.max */
	uint64_t pids_max;	/* -> pids.max */
	uint64_t cpu_quota_us;	/* with cpu_period_us -> cpu.max "QUOTA PERIOD" */
	uint64_t cpu_period_us; /* 0 = guest default (ABI_CPU_PERIOD_DEFAULT) */
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
	uint16_t rows, cols; /* the pty's first size (tty only); 0x0 = unknown */
	struct runconfig_limits limits;
};

/* Build the FDT blob for rc into a new buffer (*blob, free() it; *len bytes,
 * at most ABI_CONFIG_MAX_BYTES). Checks rc against the same bounds the guest
 * enforces. Returns 0 or a negative errno with err filled. */
int runconfig_build(const struct runconfig *rc, void **blob, size_t *len, struct sb_error *err);

#endif
