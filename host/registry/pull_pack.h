/* Packing while pulling (`sandbox run NAME` of an image not yet stored):
 * the packer (rootfs_prepare, into the pack cache) runs on its own thread
 * over a temporary OCI layout whose blobs are the store's, and before each
 * layer waits until the download threads have committed that blob. So the
 * packer reads layer N while N+1.. still arrive, checks every digest and
 * diff_id itself, and commits the packed initramfs only at the end. */
#ifndef SB_REGISTRY_PULL_PACK_H
#define SB_REGISTRY_PULL_PACK_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "oci.h"
#include "progress.h"
#include "store.h"

struct pull_pack;

/* Start packing the image whose manifest (hex, media_type) and config are
 * in s and whose layers are img's; progress on slot `slot` of pr. */
int pull_pack_start(struct pull_pack **pp, const struct store *s, const char *hex,
		    const char *media_type, uint64_t manifest_size, const struct oci_image *img,
		    const char *cache_dir, struct progress *pr, size_t slot, struct sb_error *err);
/* Layer i's download ended: ok (its blob is in the store) or failed. */
void pull_pack_layer(struct pull_pack *pp, size_t i, bool ok);
/* No more downloads: a layer still missing fails the pack. */
void pull_pack_downloads_over(struct pull_pack *pp);
bool pull_pack_running(struct pull_pack *pp);
/* Wait for the packer and free pp: 0 packed, or the packer's error. */
int pull_pack_finish(struct pull_pack *pp, struct sb_error *err);

#endif
