/* Volumes (virtio-fs), tmpfs mounts and the read-only root, from the run config's mounts node. */
#ifndef GUEST_VOLUMES_H
#define GUEST_VOLUMES_H

#include "config.h"
#include "error.h"

/* Mount every entry of ms in order, creating missing targets (an empty file
 * for a file bind). Then, with readonly_rootfs, create cwd if missing (the
 * workload's working directory, as docker creates it in the image) and
 * remount / read-only. 0 or -errno with err set. */
int volumes_setup(const struct config_mounts *ms, const char *cwd, struct sb_error *err);

/* tmpfs mount data for m ("mode=1777,size=67108864") into buf. */
void volumes_tmpfs_data(const struct config_mount *m, char *buf, size_t size);

#endif
