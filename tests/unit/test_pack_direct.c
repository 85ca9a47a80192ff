/* Single-layer images streamed straight from tar to cpio (pack_direct.c):
 * packed into a regular file (streams) and into a pipe (always merges, the
 * output cannot be rewound), the two give the same tree; when streaming is not
 * exact they give the same bytes or the same error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <lz4.h>
#include <pthread.h>

#include "digest.h"
#include "lz4legacy.h"
#include "pack.h"
#include "test_rootfs_util.h"

static char dir[64];
static int bad_diff_id; /* image_from_tar: a config whose diff_id is wrong */

/* An OCI layout in dir whose one layer is this plain tar. */
static void image_from_tar(const char *tar, size_t len)
{
	tu_oci_single(dir, tar, len, "", bad_diff_id);
}

struct drain {
	int fd;
	char *buf;
	size_t len, cap;
};

static void *drain_pipe(void *arg)
{
	struct drain *d = arg;
	for (;;) {
		if (d->cap - d->len < 65536)
			d->buf = realloc(d->buf, d->cap = d->cap * 2 + 65536);
		ssize_t n = read(d->fd, d->buf + d->len, d->cap - d->len);
		if (n <= 0)
			return NULL;
		d->len += (size_t)n;
	}
}

/* Pack dir into a regular file (pipe = 0) or a pipe; the raw initramfs bytes. */
static int pack(int pipe_out, const struct pack_limits *lim, char **out, size_t *len,
		struct sb_error *err)
{
	int r;
	if (!pipe_out) {
		int fd = tu_memfd(NULL, 0);
		r = rootfs_pack_fd(dir, fd, lim, err);
		*out = tu_read_fd(fd, len);
		close(fd);
		return r;
	}
	int p[2];
	pthread_t th;
	struct drain d = {0};
	assert_int_equal(pipe(p), 0);
	d.fd = p[0];
	assert_int_equal(pthread_create(&th, NULL, drain_pipe, &d), 0);
	r = rootfs_pack_fd(dir, p[1], lim, err);
	close(p[1]);
	pthread_join(th, NULL);
	close(p[0]);
	*out = d.buf;
	*len = d.len;
	return r;
}

#define MAXE 256

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The tree a cpio unpacks to, one sorted line per path: type and mode, owner,
 * mtime, device, content hash, and hard-link group (named by its smallest
 * member, whatever the order). names[] receives the paths in cpio order. */
static char *listing(const char *lz, size_t len, char (*names)[128], size_t *n)
{
	size_t clen, off = 0;
	uint8_t *c = tu_lz4_decode((const uint8_t *)lz, len, &clen);
	static struct tu_cpio_ent e[MAXE];
	*n = 0;
	int r;
	while ((r = tu_cpio_next(c, clen, &off, &e[*n])) == 1)
		assert_true(++*n < MAXE);
	assert_int_equal(r, 0);
	char *lines[MAXE], *out = calloc(1, MAXE * 300);
	for (size_t i = 0; i < *n; i++) {
		const char *group = "-";
		for (size_t j = 0; j < *n && e[i].nlink > 1 && !S_ISDIR(e[i].mode); j++)
			if (e[j].ino == e[i].ino && (*group == '-' || strcmp(e[j].name, group) < 0))
				group = e[j].name;
		char hex[65] = "-";
		/* data of a hard-link group sits on one member: hash the group's */
		for (size_t j = 0; j < *n; j++)
			if (e[j].ino == e[i].ino && e[j].size)
				digest_buf(e[j].data, e[j].size, hex, NULL);
		snprintf(names[i], 128, "%s", e[i].name);
		assert_true(asprintf(&lines[i], "%s %o %u:%u %u %u:%u %s %.12s", e[i].name,
				     e[i].mode, e[i].uid, e[i].gid, e[i].mtime, e[i].rmaj,
				     e[i].rmin, group, hex) > 0);
	}
	qsort(lines, *n, sizeof(char *), by_str);
	for (size_t i = 0; i < *n; i++) {
		strcat(out, lines[i]);
		strcat(out, "\n");
		free(lines[i]);
	}
	free(c);
	return out;
}

static void same_tree(const char *a, size_t alen, const char *b, size_t blen)
{
	static char na[MAXE][128], nb[MAXE][128];
	size_t n1, n2;
	char *la = listing(a, alen, na, &n1), *lb = listing(b, blen, nb, &n2);
	assert_string_equal(la, lb);
	assert_int_equal(n1, n2);
	free(la);
	free(lb);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test-direct-XXXXXX");
	tu_mklayout(dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rm_rf(dir);
	return 0;
}

static void use_tar(struct tb *t)
{
	size_t len;
	char *tar = tb_close(t, &len);
	image_from_tar(tar, len);
	free(tar);
}

/* Entries come out in tar order (not sorted: the merge was skipped); hard
 * links carry nlink >= 2 on every name, the data on the first; the pipe's
 * merged output unpacks to the same tree. */
static void streams_in_tar_order(void **state)
{
	(void)state;
	struct tb t;
	tb_open(&t, TB_NONE);
	tb_add(&t, 'd', "./", 0755, NULL);
	tb_add(&t, 'd', "z", 0700, NULL);
	tb_add(&t, 'f', "z/file", 0640, "contents");
	tb_add(&t, 'h', "z/again", 0, "z/file");
	tb_add(&t, 'l', "a-link", 0777, "z/file");
	tb_add(&t, 'd', "a", 0755, NULL);
	tb_add(&t, 'p', "a/fifo", 0600, NULL);
	tb_add(&t, 'c', "a/null", 0666, NULL);
	tb_add(&t, 'h', "./a/third", 0, "z/again");
	tb_add(&t, 'f', "a/empty", 0644, NULL);
	use_tar(&t);
	const char *order[] = {"z",	 "z/file", "z/again", "a-link", "a",
			       "a/fifo", "a/null", "a/third", "a/empty"};
	char *f, *p;
	size_t flen, plen, n, clen, off = 0;
	struct sb_error err = {0};
	assert_int_equal(pack(0, NULL, &f, &flen, &err), 0);
	assert_int_equal(pack(1, NULL, &p, &plen, &err), 0);
	static char names[MAXE][128];
	free(listing(f, flen, names, &n));
	assert_int_equal(n, 9);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(names[i], order[i]);
	uint8_t *c = tu_lz4_decode((const uint8_t *)f, flen, &clen);
	struct tu_cpio_ent e;
	uint32_t ino = 0;
	while (tu_cpio_next(c, clen, &off, &e) == 1) {
		if (!strcmp(e.name, "z/file")) {
			ino = e.ino;
			assert_int_equal(e.nlink, 3); /* patched twice */
			assert_int_equal(e.size, 8);
			assert_memory_equal(e.data, "contents", 8);
		}
		if (!strcmp(e.name, "z/again") || !strcmp(e.name, "a/third")) {
			assert_int_equal(e.ino, ino);
			assert_true(e.nlink >= 2);
			assert_int_equal(e.size, 0);
			assert_int_equal(e.mode, S_IFREG | 0640);
		}
	}
	free(c);
	same_tree(f, flen, p, plen);
	free(f);
	free(p);
}

/* A tar the stream cannot reproduce exactly: packed to a file (streams, then
 * falls back) and to a pipe (merges), the same bytes or the same error. */
static void same_as_merge(const struct pack_limits *lim, int want_ok)
{
	char *f, *p;
	size_t flen, plen;
	struct sb_error ef = {0}, ep = {0};
	int rf = pack(0, lim, &f, &flen, &ef), rp = pack(1, lim, &p, &plen, &ep);
	assert_int_equal(rf, rp);
	assert_int_equal(rf == 0, want_ok);
	if (rf == 0) {
		assert_int_equal(flen, plen);
		assert_memory_equal(f, p, flen);
	} else {
		assert_string_equal(ef.msg, ep.msg);
	}
	free(f);
	free(p);
}

/* Hard links more than the patch window (16..24 MiB) after their file: the
 * first link of a file falls back, a later one does not need to (the file's
 * header already says nlink >= 2, which is all the kernel and cpio need). */
static void far_links(void **state)
{
	(void)state;
	size_t big = 25u << 20;
	char *zeros = calloc(1, big);
	for (int first_far = 0; first_far < 2; first_far++) {
		struct tb t;
		tb_open(&t, TB_NONE);
		tb_add(&t, 'd', "d", 0755, NULL);
		tb_add(&t, 'f', "d/small", 0644, "x");
		if (!first_far)
			tb_add(&t, 'h', "d/near", 0, "d/small");
		tb_add_bytes(&t, "d/big", zeros, big);
		tb_add(&t, 'h', "d/far", 0, "d/small");
		use_tar(&t);
		if (first_far) {
			same_as_merge(NULL, 1);
			continue;
		}
		char *f, *p;
		size_t flen, plen, n;
		struct sb_error err = {0};
		static char names[MAXE][128];
		assert_int_equal(pack(0, NULL, &f, &flen, &err), 0);
		assert_int_equal(pack(1, NULL, &p, &plen, &err), 0);
		free(listing(f, flen, names, &n));
		assert_string_equal(names[1], "d/small"); /* streamed: tar order */
		same_tree(f, flen, p, plen);
		free(f);
		free(p);
	}
	free(zeros);
}

static void merges_when_needed(void **state)
{
	(void)state;
	static const char *const cases[][3][3] = {
	    /* type, path, data or target */
	    {{"f", "x", "1"}, {"f", "x", "2"}},				  /* duplicate */
	    {{"d", "x", ""}, {"d", "x", ""}},				  /* duplicate dir */
	    {{"f", "p/q", "data"}},					  /* missing parent */
	    {{"d", "real", ""}, {"l", "ln", "real"}, {"f", "ln/f", "x"}}, /* via symlink */
	    {{"d", "w", ""}, {"f", "w/.wh.gone", ""}},			  /* whiteout */
	    {{"d", ".sandbox", ""}, {"f", ".sandbox/x", "evil"}},	  /* reserved */
	    {{"f", "x", "1"}, {"l", ".sandbox", "x"}},			  /* reserved */
	    {{"l", "s", "t"}, {"h", "s2", "s"}},			  /* link to a symlink */
	    {{"f", "a", "1"}, {"d", "a/b", ""}},			  /* parent not a dir */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tb t;
		tb_open(&t, TB_NONE);
		for (int j = 0; j < 3 && cases[i][j][0]; j++) {
			const char *d = cases[i][j][2];
			tb_add(&t, cases[i][j][0][0], cases[i][j][1], 0644, *d ? d : NULL);
		}
		use_tar(&t);
		same_as_merge(NULL, i < 8);
	}
}

/* Hostile tars fail the same way through the stream as through the merge. */
static void hostile_errors_unchanged(void **state)
{
	(void)state;
	struct tb t;
	char *tar;
	size_t len;
	tb_open(&t, TB_NONE); /* truncated inside a file */
	char *data = calloc(1, 100000);
	tb_add_bytes(&t, "f", data, 100000);
	free(data);
	tar = tb_close(&t, &len);
	image_from_tar(tar, 50000);
	free(tar);
	same_as_merge(NULL, 0);
	tb_open(&t, TB_NONE); /* hard link to nothing */
	tb_add(&t, 'h', "x", 0, "nope");
	use_tar(&t);
	same_as_merge(NULL, 0);
	tb_open(&t, TB_NONE); /* the root replaced by a file */
	tb_add(&t, 'f', ".", 0644, "x");
	use_tar(&t);
	same_as_merge(NULL, 0);
	tb_open(&t, TB_NONE); /* escapes the root */
	tb_add(&t, 'f', "../x", 0644, "x");
	use_tar(&t);
	same_as_merge(NULL, 0);
	tb_open(&t, TB_NONE); /* a diff_id that does not match: found at the end */
	tb_add(&t, 'f', "x", 0644, "x");
	bad_diff_id = 1;
	use_tar(&t);
	bad_diff_id = 0;
	same_as_merge(NULL, 0);
	struct pack_limits lim; /* limits */
	pack_limits_default(&lim);
	tb_open(&t, TB_NONE);
	for (int i = 0; i < 5; i++) {
		char name[16];
		snprintf(name, sizeof(name), "f%d", i);
		tb_add(&t, 'f', name, 0644, "0123456789");
	}
	use_tar(&t);
	lim.max_entries = 3;
	same_as_merge(&lim, 0);
	pack_limits_default(&lim);
	lim.max_unpacked_bytes = 3000;
	same_as_merge(&lim, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(streams_in_tar_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(far_links, setup, teardown),
	    cmocka_unit_test_setup_teardown(merges_when_needed, setup, teardown),
	    cmocka_unit_test_setup_teardown(hostile_errors_unchanged, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
