/* Blobs from a registry into the store: streamed to a temp file with sha256
 * computed on the way, resumed by Range after a cut, verified (size and
 * digest) before the rename that makes them visible. */
#ifndef SB_REGISTRY_BLOB_H
#define SB_REGISTRY_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "store.h"

/* Progress of one blob: bytes stored so far (may go back to 0 when a server
 * ignores Range). Called from the fetching thread. */
typedef void (*blob_progress_fn)(void *ctx, uint64_t done);

/* Fetch blob hex (size bytes) of reg's repository into s unless it is there.
 * Returns 1 when it was there, 0 when fetched, or a negative errno with err
 * naming the registry and the blob; a wrong digest or size stores nothing. */
int blob_fetch(struct registry *reg, struct http_conn *c, struct store *s, const char *hex,
	       uint64_t size, blob_progress_fn progress, void *ctx, struct sb_error *err);

/* A small document blob (config) into memory (at most max bytes) and the
 * store, verified; from the store when it is there. *out malloc'd. */
int blob_fetch_small(struct registry *reg, struct http_conn *c, struct store *s, const char *hex,
		     uint64_t size, size_t max, char **out, struct sb_error *err);

#endif
