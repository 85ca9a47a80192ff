/* Layer streaming: real tars (plain/gzip/zstd) applied to a tree, digests and
 * diff_ids verified, and hostile blobs rejected cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "digest.h"
#include "layer.h"
#include "test_rootfs_util.h"
#include "tree.h"

/* Compress a whole buffer with libarchive's raw writer. */
static char *compress(const char *in, size_t len, enum tb_comp comp, size_t *out_len)
{
	size_t cap = len + 65536, used = 0;
	char *out = malloc(cap);
	struct archive *a = archive_write_new();
	archive_write_set_format_raw(a);
	if (comp == TB_GZIP)
		archive_write_add_filter_gzip(a);
	else
		archive_write_add_filter_zstd(a);
	archive_write_set_bytes_in_last_block(a, 1);
	assert_int_equal(archive_write_open_memory(a, out, cap, &used), ARCHIVE_OK);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_pathname(e, "data");
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, in, len), (la_ssize_t)len);
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	*out_len = used;
	return out;
}

struct fixture {
	struct tree *t;
	struct layer_spill spill;
	struct layer_budget b;
	struct sb_error err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_int_equal(tree_create(&f->t, 10000, 4096, NULL), 0);
	f->spill.fd = tu_memfd(NULL, 0);
	f->b = (struct layer_budget){1 << 24, 1 << 24, 10000, 4096};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tree_destroy(f->t);
	close(f->spill.fd);
	free(f);
	return 0;
}

/* Apply blob bytes as layer idx; digests computed from blob/tar unless given. */
static int apply(struct fixture *f, uint32_t idx, const char *blob, size_t len, const char *tar,
		 size_t tar_len)
{
	char bd[65], dd[65];
	assert_int_equal(digest_buf(blob, len, bd, NULL), 0);
	assert_int_equal(digest_buf(tar, tar_len, dd, NULL), 0);
	int fd = tu_memfd(blob, len);
	struct layer_source src = {.fd = fd, .digest = bd, .size = len, .diff_id = dd};
	memset(&f->err, 0, sizeof(f->err));
	int r = layer_apply(f->t, idx, &src, &f->spill, &f->b, &f->err);
	close(fd);
	return r;
}

static int apply_tar(struct fixture *f, uint32_t idx, struct tb *t, enum tb_comp comp)
{
	size_t tl, bl;
	char *tar = tb_close(t, &tl);
	char *blob = comp == TB_NONE ? tar : compress(tar, tl, comp, &bl);
	int r = apply(f, idx, blob, comp == TB_NONE ? tl : bl, tar, tl);
	if (blob != tar)
		free(blob);
	free(tar);
	return r;
}

struct seen {
	char paths[32][64];
	char data[32][16];
	int n;
	int spill_fd;
};

static int collect(void *ctx, const struct tree_visit *v, struct sb_error *err)
{
	(void)err;
	struct seen *s = ctx;
	snprintf(s->paths[s->n], 64, "%s", v->path);
	s->data[s->n][0] = 0;
	if (v->size && !v->symlink) {
		assert_true(v->size < 16);
		assert_int_equal(pread(s->spill_fd, s->data[s->n], v->size, (off_t)v->data_off),
				 (ssize_t)v->size);
		s->data[s->n][v->size] = 0;
	}
	s->n++;
	return 0;
}

static void check(struct fixture *f, const char *const *want)
{
	struct seen s = {.n = 0, .spill_fd = f->spill.fd};
	assert_int_equal(tree_walk(f->t, collect, &s, NULL), 0);
	int i = 0;
	for (; want[i]; i += 2) {
		assert_true(i / 2 < s.n);
		assert_string_equal(s.paths[i / 2], want[i]);
		assert_string_equal(s.data[i / 2], want[i + 1]);
	}
	assert_int_equal(i / 2, s.n);
}

static void three_compressions_and_whiteouts(void **state)
{
	struct fixture *f = *state;
	struct tb t;
	tb_open(&t, TB_NONE);
	tb_add(&t, 'd', "etc", 0755, NULL);
	tb_add(&t, 'f', "etc/motd", 0644, "hi");
	tb_add(&t, 'f', "/abs/file", 0644, "abs");
	tb_add(&t, 'f', "o/old", 0644, "old");
	tb_add(&t, 'h', "etc/motd2", 0, "etc/motd");
	assert_int_equal(apply_tar(f, 0, &t, TB_GZIP), 0);
	tb_open(&t, TB_NONE);
	tb_add(&t, 'f', "etc/.wh.motd", 0644, NULL);
	tb_add(&t, 'f', "o/.wh..wh..opq", 0644, NULL);
	tb_add(&t, 'f', "o/new", 0644, "new");
	assert_int_equal(apply_tar(f, 1, &t, TB_ZSTD), 0);
	tb_open(&t, TB_NONE);
	tb_add(&t, 'l', "abs/file", 0777, "../etc/motd2");
	tb_add(&t, 'c', "null", 0666, NULL);
	assert_int_equal(apply_tar(f, 2, &t, TB_NONE), 0);
	check(f, (const char *const[]){"abs", "", "abs/file", "", "etc", "", "etc/motd2", "hi",
				       "null", "", "o", "", "o/new", "new", NULL});
}

static void digest_mismatches_name_the_blob(void **state)
{
	struct fixture *f = *state;
	struct tb t;
	tb_open(&t, TB_NONE);
	tb_add(&t, 'f', "a", 0644, "a");
	size_t tl, bl;
	char *tar = tb_close(&t, &tl);
	char *gz = compress(tar, tl, TB_GZIP, &bl);
	char bd[65], dd[65];
	digest_buf(gz, bl, bd, NULL);
	digest_buf(tar, tl, dd, NULL);
	/* blob digest wrong */
	int fd = tu_memfd(gz, bl);
	struct layer_source src = {.fd = fd, .digest = dd, .size = bl, .diff_id = dd};
	assert_int_equal(layer_apply(f->t, 0, &src, &f->spill, &f->b, &f->err), -EINVAL);
	assert_non_null(strstr(f->err.msg, dd));
	assert_non_null(strstr(f->err.msg, "does not match"));
	/* size wrong, digest right */
	lseek(fd, 0, SEEK_SET);
	src = (struct layer_source){.fd = fd, .digest = bd, .size = bl + 1, .diff_id = dd};
	assert_int_equal(layer_apply(f->t, 0, &src, &f->spill, &f->b, &f->err), -EINVAL);
	/* diff_id wrong */
	lseek(fd, 0, SEEK_SET);
	src = (struct layer_source){.fd = fd, .digest = bd, .size = bl, .diff_id = bd};
	assert_int_equal(layer_apply(f->t, 0, &src, &f->spill, &f->b, &f->err), -EINVAL);
	assert_non_null(strstr(f->err.msg, "diff_id"));
	assert_non_null(strstr(f->err.msg, bd));
	close(fd);
	/* a blob inside a bigger file (an archive member): only [off, off+size) is read */
	char *big = malloc(bl + 8);
	memcpy(big, "XXXX", 4);
	memcpy(big + 4, gz, bl);
	memcpy(big + 4 + bl, "YYYY", 4);
	fd = tu_memfd(big, bl + 8);
	src = (struct layer_source){.fd = fd, .digest = bd, .size = bl, .diff_id = dd, .off = 4};
	assert_int_equal(layer_apply(f->t, 1, &src, &f->spill, &f->b, &f->err), 0);
	src.off = 3; /* one byte early: the digest no longer matches */
	assert_int_equal(layer_apply(f->t, 1, &src, &f->spill, &f->b, &f->err), -EINVAL);
	src.off = 4; /* a size one byte beyond the end of the file */
	src.size = bl + 5;
	src.digest = NULL;
	assert_int_equal(layer_apply(f->t, 1, &src, &f->spill, &f->b, &f->err), -EINVAL);
	assert_non_null(strstr(f->err.msg, "truncated"));
	close(fd);
	free(big);
	/* an uncompressed blob (one hash serves both): a wrong diff_id still fails */
	fd = tu_memfd(tar, tl);
	src = (struct layer_source){.fd = fd, .digest = dd, .size = tl, .diff_id = bd};
	assert_int_equal(layer_apply(f->t, 2, &src, &f->spill, &f->b, &f->err), -EINVAL);
	assert_non_null(strstr(f->err.msg, "diff_id"));
	src.diff_id = dd;
	assert_int_equal(layer_apply(f->t, 2, &src, &f->spill, &f->b, &f->err), 0);
	src.digest = bd; /* and so does a wrong blob digest */
	assert_int_equal(layer_apply(f->t, 2, &src, &f->spill, &f->b, &f->err), -EINVAL);
	close(fd);
	free(gz);
	free(tar);
}

static void corrupt_and_truncated_blobs(void **state)
{
	struct fixture *f = *state;
	struct tb t;
	tb_open(&t, TB_NONE);
	char big[4000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	for (int i = 0; i < 20; i++) {
		char name[16];
		snprintf(name, sizeof(name), "f%d", i);
		tb_add(&t, 'f', name, 0644, big);
	}
	size_t tl, bl;
	char *tar = tb_close(&t, &tl);
	for (int comp = TB_GZIP; comp <= TB_ZSTD; comp++) {
		char *z = compress(tar, tl, (enum tb_comp)comp, &bl);
		assert_true(apply(f, 0, z, bl / 2, tar, tl) < 0); /* truncated */
		for (size_t i = bl / 3; i < bl / 3 + 16; i++)
			z[i] ^= 0x5a;
		assert_true(apply(f, 0, z, bl, tar, tl) < 0); /* corrupt */
		free(z);
	}
	assert_true(apply(f, 0, tar, tl / 2 + 100, tar, tl / 2 + 100) < 0); /* truncated tar */
	assert_non_null(strstr(f->err.msg, "layer 0"));
	char junk[3000];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	assert_true(apply(f, 0, junk, sizeof(junk), junk, sizeof(junk)) < 0);
	assert_true(apply(f, 0, junk, 0, junk, 0) < 0); /* empty blob */
	free(tar);
}

static void decompression_bomb(void **state)
{
	struct fixture *f = *state;
	struct tb t;
	tb_open(&t, TB_NONE);
	char *zeros = calloc(1, 1 << 20);
	memset(zeros, 'z', (1 << 20) - 1);
	tb_add(&t, 'f', "bomb", 0644, zeros);
	free(zeros);
	f->b.bytes_left = f->b.spill_left = 64 << 10;
	assert_int_equal(apply_tar(f, 0, &t, TB_GZIP), -EFBIG);
	assert_non_null(strstr(f->err.msg, "limit"));
}

static void too_many_entries(void **state)
{
	struct fixture *f = *state;
	struct tb t;
	tb_open(&t, TB_NONE);
	for (int i = 0; i < 100; i++) {
		char name[16];
		snprintf(name, sizeof(name), "e%d", i);
		tb_add(&t, 'f', name, 0644, NULL);
	}
	f->b.entries_left = 50;
	assert_int_equal(apply_tar(f, 0, &t, TB_GZIP), -E2BIG);
}

static void hostile_paths_and_links(void **state)
{
	struct fixture *f = *state;
	struct tb t;
	tb_open(&t, TB_NONE);
	tb_add(&t, 'f', "a/../../etc/passwd", 0644, "pwned");
	assert_int_equal(apply_tar(f, 0, &t, TB_NONE), -EINVAL);
	assert_non_null(strstr(f->err.msg, "escapes"));
	tb_open(&t, TB_NONE);
	tb_add(&t, 'h', "x", 0, "does/not/exist");
	assert_int_equal(apply_tar(f, 0, &t, TB_NONE), -ENOENT);
	tb_open(&t, TB_NONE);
	tb_add(&t, 'h', "x", 0, "../../outside");
	assert_int_equal(apply_tar(f, 0, &t, TB_NONE), -EINVAL);
	tb_open(&t, TB_NONE);
	tb_add(&t, 'f', "d/.wh...", 0644, NULL);
	assert_int_equal(apply_tar(f, 0, &t, TB_NONE), -EINVAL);
	/* symlinks may point anywhere: they are data */
	tb_open(&t, TB_NONE);
	tb_add(&t, 'l', "etc", 0777, "/../../../../host/etc");
	tb_add(&t, 'f', "etc/x", 0644, "in");
	assert_int_equal(apply_tar(f, 0, &t, TB_NONE), 0);
	check(f, (const char *const[]){"etc", "", "host", "", "host/etc", "", "host/etc/x", "in",
				       NULL});
}

/* gzip members concatenated (as `cat a.gz b.gz` makes) are one stream. */
static void multi_member_gzip(void **state)
{
	struct fixture *f = *state;
	struct tb t;
	tb_open(&t, TB_NONE);
	tb_add(&t, 'f', "one", 0644, "first");
	tb_add(&t, 'f', "two", 0644, "second");
	size_t tl, l1, l2;
	char *tar = tb_close(&t, &tl);
	size_t cut = 1536; /* inside the second entry's header */
	char *z1 = compress(tar, cut, TB_GZIP, &l1),
	     *z2 = compress(tar + cut, tl - cut, TB_GZIP, &l2);
	char *both = malloc(l1 + l2);
	memcpy(both, z1, l1);
	memcpy(both + l1, z2, l2);
	assert_int_equal(apply(f, 0, both, l1 + l2, tar, tl), 0);
	check(f, (const char *const[]){"one", "first", "two", "second", NULL});
	both[l1 + 20] ^= 0x55; /* the second member corrupt: an error, not a short tar */
	assert_true(apply(f, 0, both, l1 + l2, tar, tl) < 0);
	free(both);
	free(z1);
	free(z2);
	free(tar);
}

/* Sparse entries: holes (leading, inner, trailing) come out as zeros. */
static void sparse_files(void **state)
{
	struct fixture *f = *state;
	struct tb t;
	tb_open(&t, TB_NONE);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, "sparse");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 12);
	archive_entry_sparse_add_entry(e, 3, 2);
	archive_entry_sparse_add_entry(e, 7, 2);
	assert_int_equal(archive_write_header(t.a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(t.a, "\0\0\0ab\0\0cd\0\0\0", 12), 12);
	archive_entry_free(e);
	size_t tl, zl;
	char *tar = tb_close(&t, &tl);
	assert_non_null(memmem(tar, tl, "GNU.sparse", 10)); /* really written sparse */
	char *z = compress(tar, tl, TB_GZIP, &zl);
	assert_int_equal(apply(f, 0, z, zl, tar, tl), 0);
	free(z);
	free(tar);
	struct seen s = {.n = 0, .spill_fd = f->spill.fd};
	assert_int_equal(tree_walk(f->t, collect, &s, NULL), 0);
	assert_int_equal(s.n, 1);
	assert_memory_equal(s.data[0], "\0\0\0ab\0\0cd\0\0\0", 12);
	assert_int_equal(f->b.spill_left, (1 << 24) - 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(three_compressions_and_whiteouts, setup, teardown),
	    cmocka_unit_test_setup_teardown(digest_mismatches_name_the_blob, setup, teardown),
	    cmocka_unit_test_setup_teardown(corrupt_and_truncated_blobs, setup, teardown),
	    cmocka_unit_test_setup_teardown(decompression_bomb, setup, teardown),
	    cmocka_unit_test_setup_teardown(too_many_entries, setup, teardown),
	    cmocka_unit_test_setup_teardown(hostile_paths_and_links, setup, teardown),
	    cmocka_unit_test_setup_teardown(multi_member_gzip, setup, teardown),
	    cmocka_unit_test_setup_teardown(sparse_files, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
