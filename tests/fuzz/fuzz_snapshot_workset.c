/* libFuzzer target: a snapshot's working set (host/snapshot/workset.c). The
 * first 8 bytes (little-endian) choose the guest's memory size, from a few or
 * the one the file names, and how the pagemap below is cut; the rest is used
 * twice:
 * - as a working set file: what workset_parse accepts is sorted, apart,
 *   non-empty ranges within the guest's pages that workset_encode gives back
 *   byte for byte; a refusal is -EBADMSG with a one-line "working set: ";
 * - as a pagemap extract (u64 entries) added in two chunks (contiguous, apart,
 *   or ending at the top of the page numbers): the ranges cover exactly the
 *   present entries and encode to a file that parses back to them. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/workset.h"

#define PAGE 4096u
#define PRESENT (3ull << 62)

static uint64_t get_le(const uint8_t *p, size_t bytes)
{
	uint64_t v = 0;
	for (size_t i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Sorted, apart, non-empty ranges, each ending at or before end_page. */
static void check_ranges(const struct workset *ws, uint64_t end_page)
{
	for (size_t i = 0; i < ws->n; i++) {
		const struct workset_range *r = &ws->r[i];
		if (!r->pages || r->pages > UINT64_MAX - r->first || r->first + r->pages > end_page)
			abort();
		if (i && r->first <= ws->r[i - 1].first + ws->r[i - 1].pages)
			abort();
	}
}

static void check_file(const uint8_t *buf, size_t len, uint64_t mem)
{
	struct workset ws;
	struct sb_error err = {0};
	int r = workset_parse(buf, len, mem, &ws, &err);
	if (r < 0) {
		if (r != -EBADMSG || err.code != EBADMSG || strncmp(err.msg, "working set: ", 13) ||
		    strchr(err.msg, '\n') || ws.r || ws.n)
			abort();
		return;
	}
	if (!mem || mem % PAGE || ws.truncated ||
	    len != WORKSET_HEADER_SIZE + ws.n * WORKSET_RANGE_SIZE || ws.n > WORKSET_MAX_RANGES)
		abort();
	check_ranges(&ws, mem / PAGE);
	if (workset_pages(&ws) > mem / PAGE)
		abort();
	uint8_t *out;
	size_t out_len;
	if (workset_encode(&ws, mem, &out, &out_len) != 0 || out_len != len ||
	    memcmp(out, buf, len))
		abort();
	free(out);
	workset_free(&ws);
}

/* 1 when page is a present entry of one of the two chunks. */
static int present(const uint64_t *pm, size_t n, size_t cut, uint64_t base, uint64_t base2,
		   uint64_t page)
{
	if (page >= base && page - base < cut)
		return (pm[page - base] & PRESENT) != 0;
	if (page >= base2 && page - base2 < n - cut)
		return (pm[cut + page - base2] & PRESENT) != 0;
	return 0;
}

static void check_pagemap(const uint8_t *data, size_t size, uint64_t sel)
{
	size_t n = size / 8;
	uint64_t *pm = malloc((n ? n : 1) * sizeof(*pm));
	if (!pm)
		return;
	for (size_t i = 0; i < n; i++)
		pm[i] = get_le(data + 8 * i, 8);
	size_t cut = (size_t)((sel >> 8) & 0xff) % (n + 1);
	unsigned mode = (unsigned)((sel >> 3) & 0x1f) % 3;
	uint64_t base = (sel >> 16) & 0xffffff, base2 = base + cut + (mode == 1);
	if (mode == 2) { /* the first chunk ends at the last page there can be */
		base = UINT64_MAX - cut;
		base2 = UINT64_MAX;
	}
	struct workset ws = {0};
	if (workset_add_pagemap(&ws, base, pm, cut) ||
	    workset_add_pagemap(&ws, base2, pm + cut, n - cut))
		abort();
	uint64_t first_present = 0, second_present = 0;
	for (size_t i = 0; i < n; i++)
		*(i < cut ? &first_present : &second_present) += (pm[i] & PRESENT) != 0;
	check_ranges(&ws, UINT64_MAX);
	for (size_t i = 0; i < ws.n; i++)
		for (uint64_t p = 0; p < ws.r[i].pages; p++)
			if (!present(pm, n, cut, base, base2, ws.r[i].first + p))
				abort();
	uint64_t pages = workset_pages(&ws);
	if (mode == 2) {
		if (pages != first_present || ws.truncated != (second_present != 0))
			abort();
		uint8_t *out;
		size_t len;
		if (ws.n &&
		    workset_encode(&ws, UINT64_MAX & ~(uint64_t)(PAGE - 1), &out, &len) != -EINVAL)
			abort();
	} else {
		if (pages != first_present + second_present || ws.truncated)
			abort();
		uint64_t end = ws.n ? ws.r[ws.n - 1].first + ws.r[ws.n - 1].pages : 1;
		uint8_t *out;
		size_t len;
		if (workset_encode(&ws, end * PAGE, &out, &len) != 0)
			abort();
		struct workset back;
		if (workset_parse(out, len, end * PAGE, &back, NULL) != 0 || back.n != ws.n ||
		    (ws.n && memcmp(back.r, ws.r, ws.n * sizeof(*ws.r))))
			abort();
		workset_free(&back);
		free(out);
		if (ws.n && end > 1 && workset_encode(&ws, (end - 1) * PAGE, &out, &len) != -EINVAL)
			abort();
	}
	workset_free(&ws);
	free(pm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t sizes[] = {
	    0, /* the file's own */
	    PAGE,
	    2 * PAGE,
	    1u << 20,
	    256u << 20,
	    1ull << 40,
	    1ull << 52,
	    UINT64_MAX & ~(uint64_t)(PAGE - 1),
	};
	if (size > 65536) /* 8192 entries: far from WORKSET_MAX_RANGES */
		return 0;
	uint64_t sel = size >= 8 ? get_le(data, 8) : 0;
	const uint8_t *rest = size >= 8 ? data + 8 : data;
	size_t len = size >= 8 ? size - 8 : size;
	uint64_t mem = sizes[sel % 8];
	if (mem == 0)
		mem = len >= 16 ? get_le(rest + 8, 8) : PAGE;
	check_file(rest, len, mem);
	check_pagemap(rest, len, sel);
	return 0;
}
