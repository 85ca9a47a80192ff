/* Masked and read-only paths for the workload (docker's defaults come from the host): what
 * leaks kernel state or controls the kernel, and /sys with cgroupfs, out of its reach. */
#ifndef GUEST_MASKS_H
#define GUEST_MASKS_H

#include "error.h"

struct masks {
	char *const *masked;   /* NULL-terminated absolute paths, or NULL */
	char *const *readonly; /* the same */
	/* A read-only path that must stay writable as it is (init writes
	 * there by path; cgroup_hold got no private copy of it), or NULL. */
	const char *keep_writable;
};

/* In the (shared) mount namespace, from the workload's process before it
 * drops its privileges (after its own /proc, if it mounts one): each masked
 * directory gets an empty read-only tmpfs, each masked file /dev/null; a
 * read-only path that is a mount point of its own (/sys, /sys/fs/cgroup)
 * turns read-only where it is (so /proc/mounts keeps one line for it, as
 * docker's does), any other gets a read-only bind of itself. Paths the
 * kernel lacks are skipped. Returns 0 or a negative errno with err set. */
int masks_apply(const struct masks *m, struct sb_error *err);

#endif
