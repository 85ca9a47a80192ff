/* Host-side limits per VM: a cgroup v2 group of its own for the VMM and its helpers (memory, CPU,
 * pids). */
#ifndef SB_JAIL_HOSTCG_H
#define SB_JAIL_HOSTCG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* --host-limits: auto (where the host allows them), require (fail the run
 * without them), off. */
enum hostcg_mode {
	HOSTCG_AUTO,
	HOSTCG_REQUIRE,
	HOSTCG_OFF,
	HOSTCG_OWN /* the group we are in (sandbox-runtime: the engine's); not an option */
};

/* "auto", "require" or "off" into *mode; 0 or -EINVAL with err filled. */
int hostcg_mode_parse(const char *s, enum hostcg_mode *mode, struct sb_error *err);

/* With HOSTCG_OWN, what sandbox-runtime's own process adds to the group. */
#define HOSTCG_RUNTIME_MEM (32ull << 20)
#define HOSTCG_RUNTIME_PIDS 16u

struct hostcg_limits {
	uint64_t memory_max;		      /* bytes; 0: none */
	uint64_t cpu_quota_us, cpu_period_us; /* cpu.max; quota 0: none */
	uint64_t pids_max;		      /* 0: none */
};

/* The VM's memory.max: its RAM, the VMM's own memory and each volume's file
 * server; its pids.max: the VMM's threads and the servers'. */
void hostcg_limits_for(uint64_t guest_ram, unsigned vcpus, unsigned volumes, uint64_t millicpus,
		       struct hostcg_limits *l);

struct hostcg {
	char dir[512];	     /* the VM's group, "" when none */
	int procs_fd;	     /* its cgroup.procs, open for writing; -1 when none */
	char why[160];	     /* when there is none: why (for --debug and require) */
	uint64_t memory_max; /* its memory.max, bytes */
	bool made;	     /* ours to remove */
};

/* Where cgroup v2 is mounted, and the file naming our own group (tests
 * give others). */
struct hostcg_host {
	const char *root;	 /* "/sys/fs/cgroup" */
	const char *self_cgroup; /* "/proc/self/cgroup" */
};
#define HOSTCG_HOST_DEFAULT                                                                        \
	{                                                                                          \
		"/sys/fs/cgroup", "/proc/self/cgroup"                                              \
	}

/* A group for one VM, named after `name`, with l's limits: as root under
 * ROOT/sandbox/ (its controllers enabled), as an ordinary user beside our
 * own group when that one's parent was delegated to us. 0 with cg ready;
 * 1 when the host allows none (cgroup v1 or hybrid, no delegation, a
 * controller missing: cg->why says which); -errno with err filled when a
 * group was begun but could not be set up (it is removed again). */
int hostcg_create(struct hostcg *cg, const struct hostcg_host *h, const char *name,
		  const struct hostcg_limits *l, struct sb_error *err);

/* Its memory.max in bytes (0: none). */
static inline uint64_t hostcg_limit_memory(const struct hostcg *cg)
{
	return cg->memory_max;
}

/* l's limits on the group this process is in (an engine's cgroupsPath,
 * which sandbox-runtime joined): 0 with cg naming it (not removed at the
 * end), 1 when there is none to write, or the group has not the memory, cpu
 * and pids controllers, or they cannot be written (cg->why). */
int hostcg_apply_own(struct hostcg *cg, const struct hostcg_host *h, const struct hostcg_limits *l,
		     struct sb_error *err);

/* Move process pid into the group (0 or -errno). */
int hostcg_add(struct hostcg *cg, pid_t pid);

/* The group's oom_kill count (memory.events), 0 if unknown. */
uint64_t hostcg_oom_kills(const struct hostcg *cg);

/* Close it and remove the group, once every process in it has ended. */
void hostcg_destroy(struct hostcg *cg);

#endif
