/* The guest's early file systems (proc, sys, dev, cgroup2) and hiding /.sandbox. */
#ifndef GUEST_MOUNTS_H
#define GUEST_MOUNTS_H

#include "error.h"

/* Mount /proc, /sys, /dev (+pts, shm, fd links), /tmp if missing. Returns 0
 * or a negative errno. */
int mounts_setup(struct sb_error *err);

/* Mount cgroup2 at /sys/fs/cgroup. Returns 0, -ENODEV when the kernel has
 * no cgroup2 (the caller decides), or another negative errno. */
int mounts_cgroup(struct sb_error *err);

/* Remove ABI_DIR and the files in it (the running init keeps its inode). */
int mounts_hide_abi_dir(struct sb_error *err);

#endif
