/* The blob store: one OCI image layout under the cache
 * (<cache>/registry: oci-layout, index.json, blobs/sha256/), shared by every
 * pulled image, so a layer two images share is stored (and downloaded) once.
 *
 * Blobs appear only complete and verified: written to a temp file beside
 * their final name, checked, fsync'd, renamed. index.json maps names
 * ("docker.io/library/alpine:latest") to manifest digests; beside each name
 * entry there is one entry per manifest digest, named "sha256-HEX", which is
 * how the packer opens a pulled image ("oci:<dir>:sha256-HEX") through the
 * same code path (and pack cache) as any OCI layout. index.json changes under
 * an exclusive flock of index.lock (read, change, temp file, fsync, rename).
 * Pulls hold gc.lock shared from their first blob to their index entry;
 * removing blobs (rmi, prune) takes it exclusive, so a blob a pull has just
 * stored but not yet named is never collected. */
#ifndef SB_REGISTRY_STORE_H
#define SB_REGISTRY_STORE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "error.h"
#include "ref.h"

#define STORE_SUBDIR "registry"
#define STORE_NAME_MAX (REF_NAME_MAX + REF_TAG_MAX + REF_DIGEST_LEN + 3)

struct store {
	char dir[PATH_MAX];
	int gc_fd; /* gc.lock */
};

struct store_image {
	char name[STORE_NAME_MAX + 1];	 /* full reference */
	char digest[DIGEST_HEX_LEN + 1]; /* the image manifest */
	char media_type[128];		 /* of the manifest */
	uint64_t manifest_size;
	char index_digest[DIGEST_HEX_LEN + 1]; /* the index it was picked from, or "" */
	char platform[100];		       /* "linux/amd64" */
	uint64_t size;			       /* manifest + config + layers, compressed */
	char created[40];		       /* the config's, RFC 3339, or "" */
	int64_t pulled;			       /* seconds since the epoch */
};

/* Open (creating) <cache_dir>/registry. */
int store_open(struct store *s, const char *cache_dir, struct sb_error *err);
void store_close(struct store *s);
/* gc.lock: shared for a pull, exclusive to remove blobs (waits for pulls). */
int store_lock(struct store *s, bool exclusive, struct sb_error *err);
void store_unlock(struct store *s);

bool store_has_blob(const struct store *s, const char *hex, uint64_t size);
/* A temp file for blob hex: *fd open for writing, tmp its path (to commit or abort). */
int store_blob_create(const struct store *s, const char *hex, int *fd, char tmp[PATH_MAX],
		      struct sb_error *err);
/* fsync fd, close it, rename tmp to the blob's name. On failure tmp is gone. */
int store_blob_commit(const struct store *s, int fd, const char *tmp, const char *hex,
		      struct sb_error *err);
void store_blob_abort(int fd, const char *tmp);
/* A small blob whose bytes are at hand (already verified by the caller). */
int store_blob_put(const struct store *s, const char *hex, const void *buf, size_t len,
		   struct sb_error *err);
/* A whole blob of at most max bytes, checked against its digest. */
int store_blob_read(const struct store *s, const char *hex, size_t max, char **out, size_t *len,
		    struct sb_error *err);

/* 1 and *out when name is in the index, 0 when not. */
int store_index_get(struct store *s, const char *name, struct store_image *out,
		    struct sb_error *err);
/* Add or replace img->name. */
int store_index_put(struct store *s, const struct store_image *img, struct sb_error *err);
/* Remove name: 0, or -ENOENT when it is not there. */
int store_index_remove(struct store *s, const char *name, struct sb_error *err);
/* All names, sorted. *out malloc'd. */
int store_index_list(struct store *s, struct store_image **out, size_t *n, struct sb_error *err);

/* What the packer opens for a stored manifest: "oci:<dir>:sha256-HEX". */
int store_image_ref(const struct store *s, const char *hex, char **out, struct sb_error *err);

/* fsync the blob directory and the store (after renames into them). */
void store_fsync_dir(const struct store *s);
/* Replace the store's file `name` (temp file, fsync, rename). */
int store_write_file(const struct store *s, const char *name, const void *buf, size_t len,
		     struct sb_error *err);

struct store_gc_stats {
	uint64_t files, bytes;
};
/* Remove blobs no name reaches, and temp files. Takes gc.lock exclusive. */
int store_gc(struct store *s, struct store_gc_stats *st, struct sb_error *err);

#endif
