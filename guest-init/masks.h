/* docker's masked and read-only paths for the workload: /proc entries that leak host-ish
 * kernel state or control the kernel, and /sys (cgroupfs included) read-only. */
#ifndef GUEST_MASKS_H
#define GUEST_MASKS_H

#include <stdbool.h>

#include "error.h"

/* In the (shared) mount namespace, once everything init writes there is set
 * up: each masked directory gets an empty read-only tmpfs, each masked file
 * /dev/null, the read-only /proc paths a read-only bind of themselves, and
 * the /sys mount, with cgroupfs the /sys/fs/cgroup one, turn read-only where
 * they are (cgroupfs only once init holds a private copy: cgroup_hold).
 * Paths the kernel lacks are skipped. Returns 0 or a negative errno with err
 * set. */
int masks_apply(bool cgroupfs, struct sb_error *err);

#endif
