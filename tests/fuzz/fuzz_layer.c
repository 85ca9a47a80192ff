/* libFuzzer: arbitrary bytes as a layer blob (plain/gzip/zstd tar) -> merged
 * tree -> walk, and the same bytes streamed (layer_stream) to an output that
 * checks that each file's content never exceeds its declared size. Digests
 * are not checked so the fuzzer reaches the merge. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <unistd.h>

#include "layer.h"
#include "tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int visit(void *ctx, const struct tree_visit *v, struct sb_error *err)
{
	(void)err;
	*(uint64_t *)ctx += v->size;
	return 0;
}

struct out_state {
	uint64_t owed; /* content bytes the current file still has to get */
	int in_file;
};

static int out_entry(void *ctx, const char *path, const struct tree_entry *e,
		     struct sb_error *err)
{
	struct out_state *o = ctx;
	(void)err;
	if (!path || o->owed) /* the previous file was cut short: not allowed */
		abort();
	o->in_file = S_ISREG(e->mode) && !e->hardlink;
	o->owed = o->in_file ? e->size : 0;
	return (path[0] == 'z') ? LAYER_FALLBACK : 0; /* some fall back */
}

static int out_data(void *ctx, const void *buf, size_t len, struct sb_error *err)
{
	struct out_state *o = ctx;
	(void)buf;
	(void)err;
	if (!o->in_file || len > o->owed)
		abort();
	o->owed -= len;
	return 0;
}

static void stream(int blob, size_t size)
{
	struct out_state o = {0};
	struct layer_out out = {out_entry, out_data, &o};
	struct layer_budget b = {16 << 20, 16 << 20, 4096, 4096};
	struct layer_source src = {.fd = blob, .size = size};
	struct sb_error err;
	layer_stream(0, &src, &out, &b, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int blob = memfd_create("blob", 0), spill = memfd_create("spill", 0);
	if (blob < 0 || spill < 0 || write(blob, data, size) != (ssize_t)size)
		goto out;
	struct tree *t;
	if (tree_create(&t, 4096, 4096, NULL) < 0)
		goto out;
	struct layer_spill sp = {spill, 0};
	struct layer_budget b = {16 << 20, 16 << 20, 4096, 4096};
	struct layer_source src = {.fd = blob, .size = size};
	struct sb_error err;
	/* the same bytes twice, as two layers: exercises whiteouts and replacement */
	if (layer_apply(t, 0, &src, &sp, &b, &err) == 0)
		layer_apply(t, 1, &src, &sp, &b, &err);
	uint64_t total = 0;
	tree_walk(t, visit, &total, &err);
	tree_destroy(t);
	stream(blob, size);
out:
	if (blob >= 0)
		close(blob);
	if (spill >= 0)
		close(spill);
	return 0;
}
