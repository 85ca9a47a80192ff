/* One layer blob -> merged tree: stream it once (read, hash and decompress on a
 * second thread; parse the tar with libarchive on the caller's), verify its
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
	int fd;		     /* the blob: bytes [off, off + size) of fd, read with pread */
	const char *digest;  /* expected blob sha256 hex, or NULL to skip the check */
	uint64_t size;	     /* blob size: fewer bytes in fd is an error */
	const char *diff_id; /* expected sha256 hex of the tar, or NULL */
	uint64_t off;
	/* Called with each chunk's size as the blob is read (may be NULL), from
	 * the reading thread while layer_apply runs: only it touches ctx then. */
	void (*progress)(void *ctx, uint64_t bytes);
	void *progress_ctx;
};

/* Apply layer number index (0 = bottom) to t. Errors name the blob. */
int layer_apply(struct tree *t, uint32_t index, const struct layer_source *src,
		struct layer_spill *spill, struct layer_budget *b, struct sb_error *err);

#endif
