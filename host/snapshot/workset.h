/* A snapshot's working set: the guest RAM pages a restored run had mapped by
 * the time it ended, recorded once per snapshot and prefetched by the
 * restores after it (the idea of REAP: a restored function touches the same
 * pages every time).
 *
 * The file is <cache>/snapshots/<key>/workset: made by the first restored run
 * as .workset-<pid> in that directory and renamed into place (never written
 * once it has its name). It is advice: a missing, damaged or foreign file
 * costs speed, never a run.
 *
 * Encoding (little-endian): magic "SBWSET01", u64 mem_bytes, u32 count,
 * u32 reserved (0), then count ranges of (u64 first page, u64 pages), sorted,
 * not overlapping nor touching, each within mem_bytes / 4096 pages. */
#ifndef SB_SNAPSHOT_WORKSET_H
#define SB_SNAPSHOT_WORKSET_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define WORKSET_MAGIC "SBWSET01"
#define WORKSET_HEADER_SIZE 24u
#define WORKSET_RANGE_SIZE 16u
/* Ranges one working set holds at most (1 MiB of file): pages past the
 * last range that fits are not recorded. */
#define WORKSET_MAX_RANGES 65536u
/* The largest valid file: what a run may write, what a load reads. */
#define WORKSET_FILE_MAX                                                                           \
	((size_t)WORKSET_HEADER_SIZE + (size_t)WORKSET_MAX_RANGES * WORKSET_RANGE_SIZE)
#define WORKSET_FILE "workset"
#define WORKSET_TMP_PREFIX ".workset-" /* .workset-<pid>: being recorded */

struct workset_range {
	uint64_t first; /* page number: offset in guest RAM (the memory file) / 4096 */
	uint64_t pages; /* >= 1 */
};

/* Start zeroed; release with workset_free. */
struct workset {
	struct workset_range *r;
	size_t n, cap;
	int truncated; /* a page did not fit in WORKSET_MAX_RANGES ranges */
};

/* Appends the present pages of a /proc/self/pagemap extract: pm[i] is the
 * entry of page base_page + i (bit 63: present; bit 62: swapped, counted as
 * present too). Calls must come in rising base_page order, without overlap;
 * a run that continues the last range extends it. 0, or -ENOMEM. */
int workset_add_pagemap(struct workset *ws, uint64_t base_page, const uint64_t *pm, size_t n);
/* The pages ws covers. */
uint64_t workset_pages(const struct workset *ws);
/* ws as its file's bytes (malloc'd into *out, *len), for a guest of mem_bytes;
 * touching ranges are merged. 0, -ENOMEM, or -EINVAL when ws does not fit
 * mem_bytes, is not sorted, has an empty or overlapping range, or too many. */
int workset_encode(const struct workset *ws, uint64_t mem_bytes, uint8_t **out, size_t *len);
/* A working set file's bytes, checked against everything the encoding says
 * (magic, reserved, exact length, count <= WORKSET_MAX_RANGES, the guest's
 * mem_bytes, ranges sorted, apart, non-empty, in range): 0 with ws filled
 * (release with workset_free), else -EBADMSG with err saying what, or
 * -ENOMEM. workset_encode gives the same bytes back. */
int workset_parse(const void *buf, size_t len, uint64_t mem_bytes, struct workset *ws,
		  struct sb_error *err);
void workset_free(struct workset *ws);

/* Files, in a snapshot directory dir (snapshot_hit.dir). */

/* dir/workset read and parsed (at most the largest valid size). 0, -ENOENT
 * when there is none, or what workset_parse or the read says. */
int workset_load(const char *dir, uint64_t mem_bytes, struct workset *ws, struct sb_error *err);
/* A new dir/.workset-<pid> for a run to record into: an O_RDWR|O_CLOEXEC fd,
 * or -errno. */
int workset_record_begin(const char *dir);
/* What was written to fd (from offset 0) checked with workset_parse and, if
 * good and non-empty, renamed to dir/workset; otherwise removed. Closes fd.
 * 0 when kept, -ENODATA when valid but empty, -EBADMSG when not a valid
 * working set (both removed), or another -errno. One recording per process
 * and snapshot at a time (the name holds the pid); a killed run's file stays
 * until the snapshot is removed. */
int workset_record_commit(const char *dir, int fd, uint64_t mem_bytes, struct sb_error *err);
/* Closes fd and removes the unfinished file. */
void workset_record_abort(const char *dir, int fd);
/* Removes dir/workset (a damaged one: the next restore records anew). */
void workset_discard(const char *dir);

#endif
