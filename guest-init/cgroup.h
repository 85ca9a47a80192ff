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

/* Hold root so that every later call given this same root works beneath
 * the held fd, not by path: a detached copy of its mount (open_tree's
 * OPEN_TREE_CLONE), which stays writable when the mount at root turns
 * read-only for the workload (masks.c). Returns 1 with such a copy, 0 with
 * a plain O_PATH fd (no CAP_SYS_ADMIN: the mount must then stay writable),
 * or a negative errno. */
int cgroup_hold(const char *root);

/* Move the calling process into root/workload. Returns 0 or a negative errno. */
int cgroup_join(const char *root);

/* In the workload's process, once it joined root/workload: a cgroup
 * namespace rooted there, and cgroup2 mounted again on root from inside
 * it, so /sys/fs/cgroup is the workload's own group (memory.max, pids.max,
 * its events) as under docker's private cgroupns, and /proc/self/cgroup
 * says "0::/". In place of the guest's mount (init works beneath its held
 * copy, cgroup_hold: call that first). 1 mounted, 0 the view was in place
 * already (an exec session), or a negative errno. */
int cgroup_own_view(const char *root);

/* Kill every process in root/workload (cgroup.kill). Returns 0 or a negative errno. */
int cgroup_kill(const char *root);

/* oom_kill count from root/workload/memory.events (0 when unknown). */
uint64_t cgroup_oom_kills(const char *root);

#endif
