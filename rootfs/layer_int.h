/* Private to layer*.c: the state of one layer being streamed. */
#ifndef SB_LAYER_INT_H
#define SB_LAYER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "feed.h"
#include "layer.h"

struct archive;

enum layer_comp { LAYER_PLAIN, LAYER_GZIP, LAYER_ZSTD };

struct layer_stream {
	const struct layer_source *src;
	struct feed *feed; /* the tar bytes, produced on a second thread (layer_read.c) */
	struct archive *inner;
	enum layer_comp comp;
	/* Producer side (its thread only until feed_stop returns). */
	struct digest blob_hash;
	uint64_t blob_bytes;
	char blob_hex[DIGEST_HEX_LEN + 1]; /* set when the producer ends without error */
	struct archive *outer;		   /* zstd: libarchive's decompressor */
	uint8_t inbuf[128 << 10];
	/* Consumer side. */
	struct digest diff_hash;
	uint64_t tar_bytes;
	int bomb;	 /* the unpacked budget ran out inside a read callback */
	int feed_failed; /* reading or decompressing the blob failed: feed_err says why */
	struct sb_error feed_err;
	struct tree *tree;	     /* merging (layer_apply), or */
	const struct layer_out *out; /* streaming (layer_stream) */
	int fallback;		     /* out asked for a merge: the entry loop stops */
	uint64_t declared;	     /* streaming: the current file's size in its header */
	struct layer_spill *spill;
	struct layer_budget *budget;
};

/* Start the producer thread for s->comp (blob hashing, decompression). */
int layer_read_start(struct layer_stream *s, struct sb_error *err);

/* Read all tar entries of s->inner and apply them to s->tree. */
int layer_entries(struct layer_stream *s, struct sb_error *err);

/* The error for a failed libarchive call on the tar: the producer's own error
 * when reading/decompressing failed, the budget's when it ran out, else
 * "what: <libarchive's message>". */
int layer_tar_error(struct layer_stream *s, const char *what, struct sb_error *err);

#endif
