/* One layer blob -> merged tree: stream it once through libarchive, verify its
 * blob digest and diff_id, spill file contents, apply entries and whiteouts. */
#ifndef SB_LAYER_H
#define SB_LAYER_H

#include <stdint.h>

#include "error.h"
#include "tree.h"

/* Append-only file holding every regular file's content (see pack.c). */
struct layer_spill {
	int fd;
	uint64_t off;
};

/* Limits shared by all layers of one image; decremented as they are used. */
struct layer_budget {
	uint64_t bytes_left; /* uncompressed tar bytes, and spilled bytes */
	uint64_t spill_left;
	uint64_t entries_left; /* tar entries */
	uint32_t max_path;
};

struct layer_source {
	int fd;		     /* the blob, read from its current offset to EOF */
	const char *digest;  /* expected blob sha256 hex, or NULL to skip the check */
	uint64_t size;	     /* expected blob size (checked with digest) */
	const char *diff_id; /* expected sha256 hex of the tar, or NULL */
};

/* Apply layer number index (0 = bottom) to t. Errors name the blob. */
int layer_apply(struct tree *t, uint32_t index, const struct layer_source *src,
		struct layer_spill *spill, struct layer_budget *b, struct sb_error *err);

#endif
