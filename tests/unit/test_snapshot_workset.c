/* Unit tests for host/snapshot/workset.c: ranges from pagemap chunks, the
 * file's exact bytes and every refusal of its parser, and recording and loading
 * the file in a temp snapshot directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "snapshot/workset.h"

#define MEM (1u << 20) /* 256 pages */
#define PRESENT (1ull << 63)
#define SWAPPED (1ull << 62)
#define CHUNK 4096

struct fixture {
	char dir[64]; /* the temp snapshot directory */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_snapshot_workset.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void path_of(char *buf, size_t len, const struct fixture *f, const char *name)
{
	snprintf(buf, len, "%s/%s", f->dir, name);
}

static void tmp_name(char *buf, size_t len)
{
	snprintf(buf, len, ".workset-%ld", (long)getpid());
}

static int exists(const struct fixture *f, const char *name)
{
	char p[256];
	path_of(p, sizeof(p), f, name);
	struct stat st;
	return lstat(p, &st) == 0;
}

/* Entries in the directory besides . and .. */
static int entries(const struct fixture *f)
{
	DIR *d = opendir(f->dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static void write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A file's bytes written out field by field (not through workset_encode): n
 * ranges of (first, pages) pairs in r. Malloc'd, *len set. */
static uint8_t *build(uint64_t mem, const uint64_t *r, uint32_t n, size_t *len)
{
	*len = WORKSET_HEADER_SIZE + (size_t)n * WORKSET_RANGE_SIZE;
	uint8_t *b = calloc(1, *len + 1);
	assert_non_null(b);
	memcpy(b, WORKSET_MAGIC, 8);
	put_le(b + 8, mem, 8);
	put_le(b + 16, n, 4);
	for (uint32_t i = 0; i < n; i++) {
		put_le(b + WORKSET_HEADER_SIZE + i * 16, r[2 * i], 8);
		put_le(b + WORKSET_HEADER_SIZE + i * 16 + 8, r[2 * i + 1], 8);
	}
	return b;
}

/* 1 when ws holds exactly the n (first, pages) pairs of want. */
static int same(const struct workset *ws, const uint64_t *want, size_t n)
{
	if (ws->n != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (ws->r[i].first != want[2 * i] || ws->r[i].pages != want[2 * i + 1])
			return 0;
	return 1;
}

/* workset_parse refuses buf with -EBADMSG and a one-line message saying what. */
static void expect_refused(const void *buf, size_t len, uint64_t mem, const char *what)
{
	struct sb_error err = {0};
	struct workset ws = {.n = 99};
	assert_int_equal(workset_parse(buf, len, mem, &ws, &err), -EBADMSG);
	assert_int_equal(err.code, EBADMSG);
	assert_int_equal(strncmp(err.msg, "working set: ", 13), 0);
	if (!strstr(err.msg, what))
		fail_msg("[%s] does not say [%s]", err.msg, what);
	assert_null(strchr(err.msg, '\n'));
	assert_null(ws.r);
	assert_int_equal(ws.n, 0);
}

static void test_pagemap_runs(void **state)
{
	(void)state;
	uint64_t *pm = calloc(CHUNK, sizeof(*pm));
	assert_non_null(pm);
	struct workset ws = {0};
	/* chunk 0: pages 0-2, then 4090-4095 running into the next chunk */
	for (int i = 0; i < 3; i++)
		pm[i] = PRESENT | 0x1234;
	for (int i = 4090; i < CHUNK; i++)
		pm[i] = PRESENT;
	pm[100] = 0x1234 | 1ull << 61 | 1ull << 55; /* mapped file page, soft-dirty: absent */
	assert_int_equal(workset_add_pagemap(&ws, 0, pm, CHUNK), 0);
	assert_int_equal(ws.n, 2);
	/* chunk 1 (pages 4096-8191): 0-9 continue the run, 20 alone, the last page */
	memset(pm, 0, CHUNK * sizeof(*pm));
	for (int i = 0; i < 10; i++)
		pm[i] = PRESENT;
	pm[20] = PRESENT;
	pm[CHUNK - 1] = PRESENT;
	assert_int_equal(workset_add_pagemap(&ws, CHUNK, pm, CHUNK), 0);
	/* chunk 2 (8192-): its first page continues page 8191 */
	memset(pm, 0, CHUNK * sizeof(*pm));
	pm[0] = PRESENT;
	assert_int_equal(workset_add_pagemap(&ws, 2 * CHUNK, pm, CHUNK), 0);
	/* a chunk after a gap starts a range; one right after it extends that */
	assert_int_equal(workset_add_pagemap(&ws, 20000, pm, 1), 0);
	assert_int_equal(workset_add_pagemap(&ws, 20001, pm, 1), 0);
	/* nothing present, and an empty call, change nothing */
	pm[0] = 0;
	assert_int_equal(workset_add_pagemap(&ws, 30000, pm, CHUNK), 0);
	assert_int_equal(workset_add_pagemap(&ws, 40000, pm, 0), 0);
	static const uint64_t want[] = {0, 3, 4090, 16, 4116, 1, 8191, 2, 20000, 2};
	assert_true(same(&ws, want, 5));
	assert_int_equal(workset_pages(&ws), 24);
	assert_int_equal(ws.truncated, 0);
	workset_free(&ws);
	assert_null(ws.r);
	assert_int_equal(ws.n, 0);
	assert_int_equal(workset_pages(&ws), 0);
	free(pm);
}

static void test_pagemap_swapped(void **state)
{
	(void)state;
	struct workset ws = {0};
	const uint64_t pm[] = {SWAPPED | 5, SWAPPED, 0, PRESENT | SWAPPED, 1ull << 61, SWAPPED};
	assert_int_equal(workset_add_pagemap(&ws, 7, pm, 6), 0);
	static const uint64_t want[] = {7, 2, 10, 1, 12, 1};
	assert_true(same(&ws, want, 3));
	assert_int_equal(workset_pages(&ws), 4);
	workset_free(&ws);
}

static void test_pagemap_truncated(void **state)
{
	(void)state;
	const size_t total = 2 * (size_t)WORKSET_MAX_RANGES + 2 * CHUNK;
	uint64_t *pm = calloc(total, sizeof(*pm));
	assert_non_null(pm);
	for (size_t i = 0; i < total; i += 2)
		pm[i] = PRESENT;
	/* room for 3 to start with: doubling from there overshoots MAX */
	struct workset ws = {.r = malloc(3 * sizeof(struct workset_range)), .cap = 3};
	assert_non_null(ws.r);
	/* pages 0 .. 2 * MAX - 1: exactly MAX ranges, all kept */
	size_t done = 0;
	for (; done < 2 * (size_t)WORKSET_MAX_RANGES; done += CHUNK)
		assert_int_equal(workset_add_pagemap(&ws, done, pm + done, CHUNK), 0);
	assert_int_equal(ws.n, WORKSET_MAX_RANGES);
	assert_int_equal(ws.truncated, 0);
	assert_true(ws.cap <= WORKSET_MAX_RANGES);
	/* one more range does not fit: that page and all after it are dropped */
	for (; done < total; done += CHUNK)
		assert_int_equal(workset_add_pagemap(&ws, done, pm + done, CHUNK), 0);
	assert_int_equal(ws.n, WORKSET_MAX_RANGES);
	assert_int_equal(ws.truncated, 1);
	assert_int_equal(ws.cap, WORKSET_MAX_RANGES);
	assert_int_equal(ws.r[ws.n - 1].first, 2 * (uint64_t)(WORKSET_MAX_RANGES - 1));
	assert_int_equal(ws.r[ws.n - 1].pages, 1);
	/* once truncated, even a page continuing the last range is not added */
	const uint64_t one = PRESENT;
	assert_int_equal(workset_add_pagemap(&ws, 2 * (uint64_t)WORKSET_MAX_RANGES - 1, &one, 1),
			 0);
	assert_int_equal(ws.r[ws.n - 1].pages, 1);
	assert_int_equal(workset_pages(&ws), WORKSET_MAX_RANGES);
	/* and it still makes a valid, largest-size file */
	uint8_t *out;
	size_t len;
	assert_int_equal(workset_encode(&ws, 2 * (uint64_t)WORKSET_MAX_RANGES * 4096, &out, &len),
			 0);
	assert_int_equal(len, WORKSET_FILE_MAX);
	free(out);
	workset_free(&ws);
	free(pm);
}

static void test_pagemap_wrap(void **state)
{
	(void)state;
	/* pages whose end would not fit a u64 are dropped, as if truncated */
	struct workset ws = {0};
	const uint64_t pm[] = {PRESENT, PRESENT, PRESENT};
	assert_int_equal(workset_add_pagemap(&ws, UINT64_MAX - 2, pm, 3), 0);
	static const uint64_t want[] = {UINT64_MAX - 2, 2};
	assert_true(same(&ws, want, 1));
	assert_int_equal(ws.truncated, 1);
	workset_free(&ws);
}

static void test_round_trip(void **state)
{
	(void)state;
	struct workset_range r[] = {{0, 1}, {10, 5}, {100, 156}}; /* the last ends at 256 */
	struct workset ws = {.r = r, .n = 3, .cap = 3};
	uint8_t *out;
	size_t len;
	assert_int_equal(workset_encode(&ws, MEM, &out, &len), 0);
	assert_int_equal(len, 24 + 3 * 16);
	static const uint8_t head[] = {'S', 'B', 'W', 'S', 'E', 'T', '0', '1', 0, 0, 0x10, 0, 0,
				       0,   0,	 0,   3,   0,	0,   0,	  0,   0, 0, 0,	   0, 0,
				       0,   0,	 0,   0,   0,	0,   1,	  0,   0, 0, 0,	   0, 0,
				       0,   10,	 0,   0,   0,	0,   0,	  0,   0, 5};
	assert_memory_equal(out, head, sizeof(head));
	struct workset back;
	struct sb_error err = {0};
	assert_int_equal(workset_parse(out, len, MEM, &back, &err), 0);
	static const uint64_t want[] = {0, 1, 10, 5, 100, 156};
	assert_true(same(&back, want, 3));
	assert_int_equal(back.truncated, 0);
	uint8_t *again;
	size_t len2;
	assert_int_equal(workset_encode(&back, MEM, &again, &len2), 0);
	assert_int_equal(len2, len);
	assert_memory_equal(again, out, len);
	free(again);
	free(out);
	workset_free(&back);
	/* a large first page: all its bytes little-endian */
	struct workset_range big = {0x0000030405060708ull, 0x10};
	struct workset bws = {.r = &big, .n = 1, .cap = 1};
	assert_int_equal(workset_encode(&bws, 1ull << 60, &out, &len), 0);
	static const uint8_t first[] = {8, 7, 6, 5, 4, 3, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0};
	assert_memory_equal(out + 24, first, 16);
	assert_int_equal(workset_parse(out, len, 1ull << 60, &back, &err), 0);
	assert_int_equal(back.r[0].first, big.first);
	workset_free(&back);
	free(out);
}

static void test_encode(void **state)
{
	(void)state;
	uint8_t *out;
	size_t len;
	struct sb_error err = {0};
	struct workset back;
	/* an empty set: the header alone, read back as empty */
	struct workset empty = {0};
	assert_int_equal(workset_encode(&empty, MEM, &out, &len), 0);
	assert_int_equal(len, WORKSET_HEADER_SIZE);
	assert_int_equal(out[16], 0);
	assert_int_equal(workset_parse(out, len, MEM, &back, &err), 0);
	assert_int_equal(back.n, 0);
	assert_null(back.r);
	free(out);
	/* touching ranges are merged */
	struct workset_range touch[] = {{4, 2}, {6, 1}, {7, 3}, {20, 1}};
	struct workset ws = {.r = touch, .n = 4, .cap = 4};
	assert_int_equal(workset_encode(&ws, MEM, &out, &len), 0);
	assert_int_equal(len, 24 + 2 * 16);
	assert_int_equal(workset_parse(out, len, MEM, &back, &err), 0);
	static const uint64_t want[] = {4, 6, 20, 1};
	assert_true(same(&back, want, 2));
	workset_free(&back);
	free(out);
	/* refused: what does not fit the guest or is not in order */
	struct {
		struct workset_range r[2];
		size_t n;
		uint64_t mem;
	} bad[] = {
	    {{{0, 1}}, 1, 0},
	    {{{0, 1}}, 1, MEM + 1},
	    {{{0, 0}}, 1, MEM},
	    {{{250, 7}}, 1, MEM},
	    {{{256, 1}}, 1, MEM},
	    {{{UINT64_MAX, 2}}, 1, MEM},
	    {{{10, 5}, {3, 1}}, 2, MEM},
	    {{{10, 5}, {14, 1}}, 2, MEM},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct workset b = {.r = bad[i].r, .n = bad[i].n, .cap = 2};
		out = (uint8_t *)1;
		len = 7;
		if (workset_encode(&b, bad[i].mem, &out, &len) != -EINVAL)
			fail_msg("case %zu encoded", i);
		assert_null(out);
		assert_int_equal(len, 0);
	}
	/* more ranges than a file holds */
	struct workset many = {0};
	many.r = calloc(WORKSET_MAX_RANGES + 1, sizeof(*many.r));
	assert_non_null(many.r);
	many.n = many.cap = WORKSET_MAX_RANGES + 1;
	for (size_t i = 0; i < many.n; i++)
		many.r[i] = (struct workset_range){2 * i, 1};
	assert_int_equal(workset_encode(&many, 1ull << 40, &out, &len), -EINVAL);
	many.n--;
	assert_int_equal(workset_encode(&many, 1ull << 40, &out, &len), 0);
	assert_int_equal(len, WORKSET_FILE_MAX);
	free(out);
	workset_free(&many);
}

static void test_parse_refuses(void **state)
{
	(void)state;
	static const uint64_t ok[] = {0, 1, 10, 5, 100, 156};
	size_t len;
	uint8_t *b = build(MEM, ok, 3, &len);
	struct workset ws;
	assert_int_equal(workset_parse(b, len, MEM, &ws, NULL), 0);
	workset_free(&ws);
	b[0] ^= 1;
	expect_refused(b, len, MEM, "not a working set file");
	b[0] ^= 1;
	b[20] = 1;
	expect_refused(b, len, MEM, "reserved field set");
	b[20] = 0;
	b[23] = 0x80;
	expect_refused(b, len, MEM, "reserved field set");
	b[23] = 0;
	expect_refused(b, len - 1, MEM, "71 bytes for 3 ranges (72 expected)");
	expect_refused(b, len + 1, MEM, "73 bytes for 3 ranges");
	expect_refused(b, WORKSET_HEADER_SIZE - 1, MEM, "shorter than its header");
	expect_refused(NULL, 0, MEM, "shorter than its header");
	expect_refused(b, len, 2 * MEM, "made for 1048576 bytes of memory, not 2097152");
	put_le(b + 8, MEM + 512, 8);
	expect_refused(b, len, MEM + 512, "not a multiple of 4096");
	put_le(b + 8, 0, 8);
	expect_refused(b, len, 0, "not a multiple of 4096");
	free(b);

	/* count: MAX ranges of the right length are fine, MAX + 1 are not */
	uint64_t *many = malloc((WORKSET_MAX_RANGES + 1) * 2 * sizeof(*many));
	assert_non_null(many);
	for (size_t i = 0; i <= WORKSET_MAX_RANGES; i++) {
		many[2 * i] = 2 * i;
		many[2 * i + 1] = 1;
	}
	const uint64_t big = 2 * (uint64_t)(WORKSET_MAX_RANGES + 1) * 4096;
	b = build(big, many, WORKSET_MAX_RANGES, &len);
	assert_int_equal(workset_parse(b, len, big, &ws, NULL), 0);
	assert_int_equal(ws.n, WORKSET_MAX_RANGES);
	workset_free(&ws);
	free(b);
	b = build(big, many, WORKSET_MAX_RANGES + 1, &len);
	expect_refused(b, len, big, "65537 ranges (at most 65536)");
	free(b);
	b = build(MEM, many, 0, &len);
	put_le(b + 16, UINT32_MAX, 4);
	expect_refused(b, len, MEM, "ranges (at most 65536)");
	free(b);
	free(many);

	/* ranges */
	static const struct {
		uint64_t r[4];
		uint32_t n;
		const char *what;
	} bad[] = {
	    {{10, 2, 3, 1}, 2, "range 1 is out of order"},
	    {{10, 5, 12, 5}, 2, "range 1 overlaps the one before"},
	    {{10, 5, 10, 1}, 2, "range 1 overlaps the one before"},
	    {{10, 5, 15, 1}, 2, "range 1 touches the one before"},
	    {{10, 0}, 1, "range 0 is empty"},
	    {{1, 1, 10, 0}, 2, "range 1 is empty"},
	    {{250, 7}, 1, "range 0 ends past the guest's memory"},
	    {{256, 1}, 1, "range 0 ends past the guest's memory"},
	    {{UINT64_MAX - 1, 3}, 1, "range 0 wraps around"},
	    {{2, UINT64_MAX - 1}, 1, "range 0 wraps around"},
	    {{UINT64_MAX, 1}, 1, "range 0 wraps around"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = build(MEM, bad[i].r, bad[i].n, &len);
		expect_refused(b, len, MEM, bad[i].what);
		free(b);
	}
	/* the edges of those: apart by one page, ending exactly at the end */
	static const uint64_t edge[] = {10, 5, 16, 1, 250, 6};
	b = build(MEM, edge, 3, &len);
	assert_int_equal(workset_parse(b, len, MEM, &ws, NULL), 0);
	assert_true(same(&ws, edge, 3));
	workset_free(&ws);
	free(b);
}

/* A new record holding the bytes of ws encoded for mem (or raw bytes), committed. */
static int record(const struct fixture *f, const void *raw, size_t raw_len,
		  const struct workset *ws, uint64_t mem, struct sb_error *err)
{
	int fd = workset_record_begin(f->dir);
	assert_true(fd >= 0);
	uint8_t *out = NULL;
	size_t len = raw_len;
	if (ws)
		assert_int_equal(workset_encode(ws, mem, &out, &len), 0);
	assert_int_equal(write(fd, ws ? out : raw, len), (ssize_t)len);
	free(out);
	return workset_record_commit(f->dir, fd, mem, err);
}

static void test_record_keep(void **state)
{
	struct fixture *f = *state;
	struct sb_error err = {0};
	char tmp[64];
	tmp_name(tmp, sizeof(tmp));
	/* the temp file: ours alone, not inherited */
	int fd = workset_record_begin(f->dir);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	char p[256];
	path_of(p, sizeof(p), f, tmp);
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	workset_record_abort(f->dir, fd);
	/* written, committed, loaded */
	struct workset_range r[] = {{3, 4}, {40, 1}, {255, 1}};
	struct workset ws = {.r = r, .n = 3, .cap = 3};
	assert_int_equal(record(f, NULL, 0, &ws, MEM, &err), 0);
	assert_false(exists(f, tmp));
	assert_true(exists(f, WORKSET_FILE));
	assert_int_equal(entries(f), 1);
	struct workset back;
	assert_int_equal(workset_load(f->dir, MEM, &back, &err), 0);
	static const uint64_t want[] = {3, 4, 40, 1, 255, 1};
	assert_true(same(&back, want, 3));
	workset_free(&back);
	/* for another guest size it is refused */
	assert_int_equal(workset_load(f->dir, 2 * MEM, &back, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "working set: made for"));
	assert_null(back.r);
	/* a newer record replaces it */
	ws.n = 1;
	assert_int_equal(record(f, NULL, 0, &ws, MEM, &err), 0);
	assert_int_equal(workset_load(f->dir, MEM, &back, &err), 0);
	assert_true(same(&back, want, 1));
	workset_free(&back);
	assert_int_equal(entries(f), 1);
}

static void test_record_stale(void **state)
{
	struct fixture *f = *state;
	char tmp[64], p[256];
	tmp_name(tmp, sizeof(tmp));
	path_of(p, sizeof(p), f, tmp);
	write_file(p, "left by a dead run", 18);
	int fd = workset_record_begin(f->dir);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 0);
	workset_record_abort(f->dir, fd);
	assert_false(exists(f, tmp));
	/* a directory in the way is not removed */
	assert_int_equal(mkdir(p, 0700), 0);
	fd = workset_record_begin(f->dir);
	assert_true(fd < 0);
	assert_true(exists(f, tmp));
	rmdir(p);
	/* a dir that does not exist */
	path_of(p, sizeof(p), f, "nope");
	assert_int_equal(workset_record_begin(p), -ENOENT);
}

static void test_record_refused(void **state)
{
	struct fixture *f = *state;
	struct sb_error err = {0};
	struct workset_range r[] = {{9, 9}};
	struct workset ws = {.r = r, .n = 1, .cap = 1};
	assert_int_equal(record(f, NULL, 0, &ws, MEM, &err), 0);
	/* garbage: removed, the kept file stays as it was */
	memset(&err, 0, sizeof(err));
	assert_int_equal(record(f, "garbage, not a working set", 26, NULL, MEM, &err), -EBADMSG);
	assert_int_equal(err.code, EBADMSG);
	assert_int_equal(strncmp(err.msg, "working set: ", 13), 0);
	assert_int_equal(entries(f), 1);
	struct workset back;
	assert_int_equal(workset_load(f->dir, MEM, &back, &err), 0);
	static const uint64_t want[] = {9, 9};
	assert_true(same(&back, want, 1));
	workset_free(&back);
	/* a valid file, but for another guest size */
	uint8_t *out;
	size_t len;
	assert_int_equal(workset_encode(&ws, 2 * MEM, &out, &len), 0);
	assert_int_equal(record(f, out, len, NULL, MEM, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "made for 2097152 bytes"));
	free(out);
	assert_int_equal(entries(f), 1);
	/* nothing written */
	char p[256];
	path_of(p, sizeof(p), f, WORKSET_FILE);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(record(f, "", 0, NULL, MEM, &err), -EBADMSG);
	assert_int_equal(entries(f), 0);
	/* valid but empty: removed, -ENODATA */
	struct workset empty = {0};
	assert_int_equal(record(f, NULL, 0, &empty, MEM, &err), -ENODATA);
	assert_int_equal(entries(f), 0);
	/* valid, but more than the largest file */
	int fd = workset_record_begin(f->dir);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, WORKSET_FILE_MAX + 1), 0);
	assert_int_equal(workset_record_commit(f->dir, fd, MEM, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "at most"));
	assert_int_equal(entries(f), 0);
	/* commit closed the fd */
	assert_int_equal(fcntl(fd, F_GETFD), -1);
}

static void test_load(void **state)
{
	struct fixture *f = *state;
	struct sb_error err = {0};
	struct workset ws = {.n = 5};
	assert_int_equal(workset_load(f->dir, MEM, &ws, &err), -ENOENT);
	assert_int_equal(ws.n, 0);
	char p[256], other[256];
	path_of(p, sizeof(p), f, WORKSET_FILE);
	/* the largest valid file is read whole; one byte more is refused */
	uint64_t *r = malloc(WORKSET_MAX_RANGES * 2 * sizeof(*r));
	assert_non_null(r);
	for (size_t i = 0; i < WORKSET_MAX_RANGES; i++) {
		r[2 * i] = 2 * i;
		r[2 * i + 1] = 1;
	}
	const uint64_t big = 2 * (uint64_t)WORKSET_MAX_RANGES * 4096;
	size_t len;
	uint8_t *b = build(big, r, WORKSET_MAX_RANGES, &len);
	assert_int_equal(len, WORKSET_FILE_MAX);
	write_file(p, b, len);
	assert_int_equal(workset_load(f->dir, big, &ws, &err), 0);
	assert_int_equal(ws.n, WORKSET_MAX_RANGES);
	assert_int_equal(workset_pages(&ws), WORKSET_MAX_RANGES);
	workset_free(&ws);
	write_file(p, b, len + 1);
	assert_int_equal(workset_load(f->dir, big, &ws, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "working set: "));
	assert_non_null(strstr(err.msg, "(at most 1048600)"));
	free(b);
	free(r);
	/* damaged: refused by the parser */
	write_file(p, "SBWSET01", 8);
	assert_int_equal(workset_load(f->dir, MEM, &ws, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "shorter than its header"));
	/* not a regular file: a FIFO (must not block: SIGALRM ends the test if it
	 * does), a symlink, a directory */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkfifo(p, 0600), 0);
	alarm(10);
	assert_int_equal(workset_load(f->dir, MEM, &ws, &err), -EBADMSG);
	alarm(0);
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_int_equal(unlink(p), 0);
	path_of(other, sizeof(other), f, "elsewhere");
	write_file(other, "x", 1);
	assert_int_equal(symlink(other, p), 0);
	assert_int_equal(workset_load(f->dir, MEM, &ws, &err), -ELOOP);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(workset_load(f->dir, MEM, &ws, &err), -EBADMSG);
	assert_int_equal(rmdir(p), 0);
	/* paths: dir/././.../workset of PATH_MAX - 1 characters fits, one more does not */
	char *longdir = malloc(PATH_MAX + 1);
	assert_non_null(longdir);
	size_t base = strlen(f->dir), want = PATH_MAX - 1 - strlen("/" WORKSET_FILE);
	memcpy(longdir, f->dir, base);
	if ((want - base) % 2) /* "/." pairs, then "/" if odd */
		longdir[base++] = '/';
	for (; base < want; base += 2)
		memcpy(longdir + base, "/.", 2);
	longdir[base] = '\0';
	assert_int_equal(strlen(longdir) + strlen("/" WORKSET_FILE), PATH_MAX - 1);
	assert_int_equal(workset_load(longdir, MEM, &ws, &err), -ENOENT);
	strcat(longdir, "/");
	assert_int_equal(workset_load(longdir, MEM, &ws, &err), -ENAMETOOLONG);
	assert_int_equal(workset_record_begin(longdir), -ENAMETOOLONG);
	assert_int_equal(workset_record_commit(longdir, dup(0), MEM, &err), -ENAMETOOLONG);
	free(longdir);
}

static void test_abort(void **state)
{
	struct fixture *f = *state;
	char tmp[64];
	tmp_name(tmp, sizeof(tmp));
	int fd = workset_record_begin(f->dir);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "partial", 7), 7);
	assert_true(exists(f, tmp));
	workset_record_abort(f->dir, fd);
	assert_false(exists(f, tmp));
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(entries(f), 0);
	/* twice, or with no fd: nothing to do, no harm */
	workset_record_abort(f->dir, -1);
	assert_int_equal(entries(f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pagemap_runs),
	    cmocka_unit_test(test_pagemap_swapped),
	    cmocka_unit_test(test_pagemap_truncated),
	    cmocka_unit_test(test_pagemap_wrap),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_encode),
	    cmocka_unit_test(test_parse_refuses),
	    cmocka_unit_test_setup_teardown(test_record_keep, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_record_stale, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_record_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_abort, setup, teardown),
	};
	return cmocka_run_group_tests_name("snapshot_workset", tests, NULL, NULL);
}
