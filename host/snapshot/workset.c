/* A snapshot's working set: page ranges from pagemap extracts and their strict
 * little-endian encoding (the files: workset_file.c). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot_int.h"
#include "workset.h"

#define WS_PAGE 4096u
#define PM_PRESENT (3ull << 62) /* bit 63 present, bit 62 swapped */
#define FIRST_CAP 64

enum {
	OFF_MAGIC = 0,
	OFF_MEM = 8,
	OFF_COUNT = 16,
	OFF_RESERVED = 20,
	HEADER_END = 24,
};
_Static_assert(HEADER_END == WORKSET_HEADER_SIZE, "workset header layout");
_Static_assert(sizeof(WORKSET_MAGIC) - 1 == OFF_MEM, "workset magic");

int workset_fail(struct sb_error *err, int code, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	error_set(err, 0, "working set: %s", what);
	if (err)
		err->code = code;
	return -code;
}

/* Room for one more range (doubling, never past WORKSET_MAX_RANGES). 0 or -ENOMEM. */
static int grow(struct workset *ws)
{
	if (ws->n < ws->cap)
		return 0;
	size_t cap = ws->cap ? ws->cap * 2 : FIRST_CAP;
	if (cap > WORKSET_MAX_RANGES)
		cap = WORKSET_MAX_RANGES;
	struct workset_range *r = realloc(ws->r, cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	ws->r = r;
	ws->cap = cap;
	return 0;
}

/* Pages [first, first + pages): the last range extended when it ends at first,
 * else a new range when one more fits (else ws is truncated). 0 or -ENOMEM. */
static int add_run(struct workset *ws, uint64_t first, uint64_t pages)
{
	struct workset_range *last = ws->n ? &ws->r[ws->n - 1] : NULL;
	if (last && last->first + last->pages == first) {
		last->pages += pages;
		return 0;
	}
	if (ws->n >= WORKSET_MAX_RANGES) {
		ws->truncated = 1;
		return 0;
	}
	if (grow(ws) < 0)
		return -ENOMEM;
	ws->r[ws->n++] = (struct workset_range){.first = first, .pages = pages};
	return 0;
}

int workset_add_pagemap(struct workset *ws, uint64_t base_page, const uint64_t *pm, size_t n)
{
	/* a page's end (page + 1) must fit a u64: entries from fit on are dropped */
	size_t fit = base_page > UINT64_MAX - n ? (size_t)(UINT64_MAX - base_page) : n;
	size_t i = 0;
	while (i < n && !ws->truncated) {
		while (i < n && !(pm[i] & PM_PRESENT))
			i++;
		if (i == n)
			break;
		size_t j = i + 1;
		while (j < n && (pm[j] & PM_PRESENT))
			j++;
		size_t end = j < fit ? j : fit;
		if (end > i && add_run(ws, base_page + i, end - i) < 0)
			return -ENOMEM;
		if (end < j)
			ws->truncated = 1;
		i = j;
	}
	return 0;
}

uint64_t workset_pages(const struct workset *ws)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < ws->n; i++) {
		if (ws->r[i].pages > UINT64_MAX - sum)
			return UINT64_MAX;
		sum += ws->r[i].pages;
	}
	return sum;
}

static void put_range(uint8_t *buf, size_t idx, uint64_t first, uint64_t pages)
{
	uint8_t *p = buf + WORKSET_HEADER_SIZE + idx * WORKSET_RANGE_SIZE;
	put_le(p, first, 8);
	put_le(p + 8, pages, 8);
}

/* ws's ranges with touching neighbours merged: their count (each written into
 * buf when it is not NULL), or -EINVAL for a range that is empty, wraps, ends
 * past mem_pages or starts before the one before ends, or for too many. */
static long merged(const struct workset *ws, uint64_t mem_pages, uint8_t *buf)
{
	long count = 0;
	uint64_t first = 0, end = 0;
	for (size_t i = 0; i < ws->n; i++) {
		const struct workset_range *g = &ws->r[i];
		if (!g->pages || g->first > mem_pages || g->pages > mem_pages - g->first)
			return -EINVAL;
		if (count && g->first < end)
			return -EINVAL;
		if (count && g->first == end) {
			end += g->pages;
			continue;
		}
		if (count == WORKSET_MAX_RANGES)
			return -EINVAL;
		if (count && buf)
			put_range(buf, (size_t)count - 1, first, end - first);
		first = g->first;
		end = g->first + g->pages;
		count++;
	}
	if (count && buf)
		put_range(buf, (size_t)count - 1, first, end - first);
	return count;
}

int workset_encode(const struct workset *ws, uint64_t mem_bytes, uint8_t **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	if (!mem_bytes || mem_bytes % WS_PAGE)
		return -EINVAL;
	long count = merged(ws, mem_bytes / WS_PAGE, NULL);
	if (count < 0)
		return (int)count;
	size_t size = WORKSET_HEADER_SIZE + (size_t)count * WORKSET_RANGE_SIZE;
	uint8_t *buf = calloc(1, size);
	if (!buf)
		return -ENOMEM;
	memcpy(buf + OFF_MAGIC, WORKSET_MAGIC, OFF_MEM - OFF_MAGIC);
	put_le(buf + OFF_MEM, mem_bytes, 8);
	put_le(buf + OFF_COUNT, (uint64_t)count, 4);
	merged(ws, mem_bytes / WS_PAGE, buf);
	*out = buf;
	*len = size;
	return 0;
}

/* The ranges after the header, checked one by one into ws->r. 0 or -EBADMSG. */
static int parse_ranges(const uint8_t *p, uint32_t count, uint64_t mem_pages,
			struct workset_range *r, struct sb_error *err)
{
	for (uint32_t i = 0; i < count; i++, p += WORKSET_RANGE_SIZE) {
		uint64_t first = get_le(p, 8), pages = get_le(p + 8, 8);
		if (!pages)
			return workset_fail(err, EBADMSG, "range %u is empty", i);
		if (pages > UINT64_MAX - first)
			return workset_fail(err, EBADMSG, "range %u wraps around", i);
		if (first + pages > mem_pages)
			return workset_fail(err, EBADMSG, "range %u ends past the guest's memory",
					    i);
		if (i && first < r[i - 1].first)
			return workset_fail(err, EBADMSG, "range %u is out of order", i);
		uint64_t prev_end = i ? r[i - 1].first + r[i - 1].pages : 0;
		if (i && first < prev_end)
			return workset_fail(err, EBADMSG, "range %u overlaps the one before", i);
		if (i && first == prev_end)
			return workset_fail(err, EBADMSG, "range %u touches the one before", i);
		r[i] = (struct workset_range){.first = first, .pages = pages};
	}
	return 0;
}

int workset_parse(const void *buf, size_t len, uint64_t mem_bytes, struct workset *ws,
		  struct sb_error *err)
{
	const uint8_t *p = buf;
	memset(ws, 0, sizeof(*ws));
	if (!p || len < WORKSET_HEADER_SIZE)
		return workset_fail(err, EBADMSG, "%zu bytes, shorter than its header", len);
	if (memcmp(p + OFF_MAGIC, WORKSET_MAGIC, OFF_MEM - OFF_MAGIC))
		return workset_fail(err, EBADMSG, "not a working set file");
	if (get_le(p + OFF_RESERVED, 4) != 0)
		return workset_fail(err, EBADMSG, "reserved field set");
	uint64_t mem = get_le(p + OFF_MEM, 8);
	if (!mem || mem % WS_PAGE)
		return workset_fail(err, EBADMSG, "memory size %llu is not a multiple of 4096",
				    (unsigned long long)mem);
	if (mem != mem_bytes)
		return workset_fail(err, EBADMSG, "made for %llu bytes of memory, not %llu",
				    (unsigned long long)mem, (unsigned long long)mem_bytes);
	uint32_t count = (uint32_t)get_le(p + OFF_COUNT, 4);
	if (count > WORKSET_MAX_RANGES)
		return workset_fail(err, EBADMSG, "%u ranges (at most %u)", count,
				    WORKSET_MAX_RANGES);
	size_t want = WORKSET_HEADER_SIZE + (size_t)count * WORKSET_RANGE_SIZE;
	if (len != want)
		return workset_fail(err, EBADMSG, "%zu bytes for %u ranges (%zu expected)", len,
				    count, want);
	struct workset_range *r = NULL;
	if (count && !(r = malloc(count * sizeof(*r))))
		return workset_fail(err, ENOMEM, "out of memory");
	int e = parse_ranges(p + WORKSET_HEADER_SIZE, count, mem / WS_PAGE, r, err);
	if (e < 0) {
		free(r);
		return e;
	}
	ws->r = r;
	ws->n = ws->cap = count;
	return 0;
}

void workset_free(struct workset *ws)
{
	free(ws->r);
	memset(ws, 0, sizeof(*ws));
}
