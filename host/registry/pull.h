/* Pulling an image from a registry into the blob store: manifest (HEAD
 * first: a manifest already stored costs no GET), the platform's manifest
 * from an index, config, then the layers a few at a time, each verified
 * while it streams; the name is recorded last. */
#ifndef SB_REGISTRY_PULL_H
#define SB_REGISTRY_PULL_H

#include <stdbool.h>

#include "client.h"
#include "manifest.h"
#include "ref.h"
#include "store.h"

#define PULL_JOBS_DEFAULT 3
#define PULL_JOBS_MAX 16
#define PULL_MAX_BYTES (8ull << 30) /* blobs of one image, as the packer's default bound */

struct pull_opts {
	struct registry_opts reg;
	struct platform platform;
	int jobs;      /* layers at a time; 0: PULL_JOBS_DEFAULT */
	bool progress; /* per-layer lines on stderr when it is a terminal */
	/* Also pack the image into the pack cache under this directory while
	 * its layers download (pull_pack.c); NULL: pull only. */
	const char *pack_cache;
};

/* TLS checks on, linux/amd64, 3 at a time (Docker Hub's mirrors: mirrors.h). */
void pull_opts_default(struct pull_opts *o);

/* Pull ref into s and name it; *out describes the stored image. A pack
 * (o->pack_cache) that fails does not fail the pull: whoever runs the image
 * packs it again and reports why. */
int pull_image(struct store *s, const struct registry_ref *ref, const struct pull_opts *o,
	       struct store_image *out, struct sb_error *err);

#endif
