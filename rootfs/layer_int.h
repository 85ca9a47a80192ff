/* Private to layer*.c: the state of one layer being streamed. */
#ifndef SB_LAYER_INT_H
#define SB_LAYER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "layer.h"

struct archive;

struct layer_stream {
	const struct layer_source *src;
	struct archive *outer, *inner;
	struct digest blob_hash, diff_hash;
	uint64_t blob_bytes, tar_bytes;
	int bomb;  /* the unpacked budget ran out inside a read callback */
	int plain; /* no decompression: the tar bytes are the blob bytes */
	struct tree *tree;
	struct layer_spill *spill;
	struct layer_budget *budget;
	uint8_t inbuf[64 << 10];
	uint8_t rawbuf[128 << 10];
	uint8_t databuf[128 << 10];
};

/* Read all tar entries of s->inner and apply them to s->tree. */
int layer_entries(struct layer_stream *s, struct sb_error *err);

#endif
