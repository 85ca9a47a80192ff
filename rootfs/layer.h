/* One layer blob -> merged tree: stream it once (read, hash and decompress on a
 * second thread; parse the tar with libarchive on the caller's), verify its
 * blob digest and diff_id, spill file contents, apply entries and whiteouts. */
#ifndef SB_LAYER_H
#define SB_LAYER_H

#include <stddef.h>
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

/* Where a layer's entries go when it is streamed straight out (pack_direct.c)
 * instead of merged into a tree. entry() gets each decoded entry in tar order
 * (path normalized; whiteouts never reach it); a regular file's content then
 * follows through data(), exactly e->size bytes, before the next entry. Both
 * return 0, a negative errno, or LAYER_FALLBACK when the layer cannot be
 * streamed with the result a merge would give. */
struct layer_out {
	int (*entry)(void *ctx, const char *path, const struct tree_entry *e, struct sb_error *err);
	int (*data)(void *ctx, const void *buf, size_t len, struct sb_error *err);
	void *ctx;
};
#define LAYER_FALLBACK 1

/* Stream layer index to out with layer_apply's checks, limits and errors.
 * Returns 0 when every entry went out and the blob verified, a negative
 * errno, or LAYER_FALLBACK as soon as out (or a whiteout, or an entry whose
 * content does not match its declared size) asks for it: the caller then
 * merges instead, from the start. */
int layer_stream(uint32_t index, const struct layer_source *src, const struct layer_out *out,
		 struct layer_budget *b, struct sb_error *err);

#endif
