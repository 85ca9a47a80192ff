/* The workload's cgroup v2: controllers, limits, join, kill, OOM count. */
#ifndef GUEST_CGROUP_H
#define GUEST_CGROUP_H

#include <stdint.h>

#include "config.h"
#include "error.h"

#define CGROUP_ROOT "/sys/fs/cgroup"
#define CGROUP_WORKLOAD "workload"

/* Enable the memory/pids/cpu controllers the kernel has under root, create
 * root/workload and write the limits into it. A limit whose controller is
 * missing is an error. Returns 0 or a negative errno. */
int cgroup_setup(const char *root, const struct config_limits *limits, struct sb_error *err);

/* Move the calling process into root/workload. Returns 0 or a negative errno. */
int cgroup_join(const char *root);

/* Kill every process in root/workload (cgroup.kill). Returns 0 or a negative errno. */
int cgroup_kill(const char *root);

/* oom_kill count from root/workload/memory.events (0 when unknown). */
uint64_t cgroup_oom_kills(const char *root);

#endif
