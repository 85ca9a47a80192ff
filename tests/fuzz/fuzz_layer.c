/* libFuzzer: arbitrary bytes as a layer blob (plain/gzip/zstd tar) -> merged
 * tree -> walk. Digests are not checked so the fuzzer reaches the merge. */
#include <stddef.h>
#include <stdint.h>
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
out:
	if (blob >= 0)
		close(blob);
	if (spill >= 0)
		close(spill);
	return 0;
}
