/* Run-config FDT blobs for guest unit tests (libfdt sequential write); include after cmocka.h. */
#ifndef TEST_GUEST_FDT_H
#define TEST_GUEST_FDT_H

#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

struct prop {
	const char *name;
	const void *val;
	int len;
};

#define STR(n, s)                                                                                  \
	{                                                                                          \
		n, s, sizeof(s)                                                                    \
	}
#define RAW(n, s, l)                                                                               \
	{                                                                                          \
		n, s, l                                                                            \
	}

/* Build a blob into an exactly sized buffer (so ASan sees any overread).
 * nlimits < 0: no limits node. extra_node: an extra node name under root. */
static void *build(const struct prop *root, size_t nroot, const struct prop *limits, int nlimits,
		   const char *extra_node, size_t *len)
{
	size_t cap = 2u << 20;
	char *tmp = malloc(cap);
	assert_non_null(tmp);
	assert_int_equal(fdt_create(tmp, (int)cap), 0);
	assert_int_equal(fdt_finish_reservemap(tmp), 0);
	assert_int_equal(fdt_begin_node(tmp, ""), 0);
	for (size_t i = 0; i < nroot; i++)
		assert_int_equal(fdt_property(tmp, root[i].name, root[i].val, root[i].len), 0);
	if (nlimits >= 0) {
		assert_int_equal(fdt_begin_node(tmp, ABI_NODE_LIMITS), 0);
		for (int i = 0; i < nlimits; i++)
			assert_int_equal(
			    fdt_property(tmp, limits[i].name, limits[i].val, limits[i].len), 0);
		assert_int_equal(fdt_end_node(tmp), 0);
	}
	if (extra_node) {
		assert_int_equal(fdt_begin_node(tmp, extra_node), 0);
		assert_int_equal(fdt_end_node(tmp), 0);
	}
	assert_int_equal(fdt_end_node(tmp), 0);
	assert_int_equal(fdt_finish(tmp), 0);
	*len = fdt_totalsize(tmp);
	void *blob = malloc(*len);
	assert_non_null(blob);
	memcpy(blob, tmp, *len);
	free(tmp);
	return blob;
}

#endif
