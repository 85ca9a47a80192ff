/* What the rest of sandbox uses of host/registry/: image arguments that name
 * a registry image are pulled into the blob store (per --pull) and handed
 * on as the store's reference, which the packer opens like any OCI layout. */
#ifndef SB_REGISTRY_H
#define SB_REGISTRY_H

#include <stdbool.h>

#include "error.h"
#include "store.h"

enum pull_policy { PULL_MISSING, PULL_ALWAYS, PULL_NEVER };

/* docker's --pull values: missing, always, never. */
int registry_pull_policy(const char *s, enum pull_policy *p, struct sb_error *err);

/* An image argument of `sandbox run` / `sandbox pack`. A local one (see
 * registry_ref_is_local) comes back as is, after paths_check_image. A
 * registry name is pulled when policy says so (progress on a terminal
 * unless quiet) and comes back as "oci:<store>:sha256-HEX". *out malloc'd. */
int registry_resolve(const char *arg, enum pull_policy policy, bool quiet, char **out,
		     struct sb_error *err);
/* The same for `sandbox run`, which packs into the pack cache next: an image
 * that must be pulled is packed there while it downloads (pull_pack.h). */
int registry_resolve_run(const char *arg, enum pull_policy policy, bool quiet, char **out,
			 struct sb_error *err);

/* `sandbox cache prune`: blobs no stored name reaches, and temp files
 * (all: every stored image and blob). Adds to *files and *bytes. */
int registry_cache_prune(const char *cache_dir, bool all, uint64_t *files, uint64_t *bytes,
			 struct sb_error *err);

#endif
