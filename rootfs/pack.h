/* Image -> initramfs: resolve an image reference, verify it, pack it (cpio newc,
 * LZ4 legacy) into a cache keyed by manifest digest. */
#ifndef SB_PACK_H
#define SB_PACK_H

#include <stdint.h>

#include "error.h"

/* From the image config JSON; NULL-terminated string arrays, each may be NULL. */
struct image_config {
	char **entrypoint, **cmd, **env;
	char *workdir, *user;
};

struct pack_limits {
	uint64_t max_unpacked_bytes; /* sum of uncompressed layer tar bytes */
	uint64_t max_entries;	     /* sum of tar entries over all layers */
	uint32_t max_path;	     /* bytes of a normalized path or symlink target */
};

/* Bump when the packed output changes for the same manifest. */
#define PACK_FORMAT_VERSION 1

/* 8 GiB, 2M entries, 4096 bytes. */
void pack_limits_default(struct pack_limits *lim);
void image_config_free(struct image_config *cfg);

/* Resolve ref (`oci:DIR[:TAG]` or a layout directory), verify it, and make sure
 * its packed initramfs is in cache_dir/images/ (created 0700 if missing); pack it
 * if missing (temp file, fsync, rename). On success *path_out is a malloc'd path
 * to the cached file and *cfg is filled (free with image_config_free). */
int rootfs_prepare(const char *ref, const char *cache_dir, const struct pack_limits *lim,
		   char **path_out, struct image_config *cfg, struct sb_error *err);

/* Pack ref into out_fd (written sequentially from its current offset). */
int rootfs_pack_fd(const char *ref, int out_fd, const struct pack_limits *lim,
		   struct sb_error *err);

#endif
