/* Tar member index: offsets, in-archive links, and hostile archives
 * (duplicates, escapes, loops, truncation, compression, not a tar). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tarindex.h"
#include "test_rootfs_util.h"

static int archive_fd(struct tb *t)
{
	size_t len;
	char *buf = tb_close(t, &len);
	int fd = tu_memfd(buf, len);
	free(buf);
	return fd;
}

/* Read member name through the index and compare with want. */
static void expect_member(struct tarindex *ti, int fd, const char *name, const char *want)
{
	struct tar_member m;
	struct sb_error err = {0};
	assert_int_equal(tarindex_find(ti, name, &m, &err), 0);
	assert_int_equal(m.size, strlen(want));
	char *buf = calloc(1, m.size + 1);
	assert_int_equal(pread(fd, buf, m.size, (off_t)m.off), (ssize_t)m.size);
	assert_string_equal(buf, want);
	free(buf);
}

static void offsets_and_links(void **state)
{
	(void)state;
	struct tb t;
	tb_open(&t, TB_NONE);
	tb_add(&t, 'd', "./blobs/", 0755, NULL);
	tb_add(&t, 'f', "./blobs/one", 0644, "first member");
	char big[3000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tb_add(&t, 'f', "big", 0644, big);
	/* a long name: pax header before the data */
	char longname[300];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	tb_add(&t, 'f', longname, 0644, "after a pax header");
	tb_add(&t, 'l', "id/layer.tar", 0777, "../blobs/one"); /* docker save's links */
	tb_add(&t, 'l', "abs", 0777, "/blobs/one");
	tb_add(&t, 'l', "chain", 0777, "id/layer.tar");
	tb_add(&t, 'h', "hard", 0644, "blobs/one");
	tb_add(&t, 'f', "empty", 0644, "");
	int fd = archive_fd(&t);
	struct tarindex *ti;
	struct sb_error err = {0};
	assert_int_equal(tarindex_open(fd, "t.tar", &ti, &err), 0);
	expect_member(ti, fd, "blobs/one", "first member");
	expect_member(ti, fd, "./blobs//one", "first member");
	expect_member(ti, fd, "big", big);
	expect_member(ti, fd, longname, "after a pax header");
	expect_member(ti, fd, "id/layer.tar", "first member");
	expect_member(ti, fd, "abs", "first member");
	expect_member(ti, fd, "chain", "first member");
	expect_member(ti, fd, "hard", "first member");
	expect_member(ti, fd, "empty", "");
	assert_true(tarindex_has(ti, "blobs"));
	assert_false(tarindex_has(ti, "nope"));
	struct tar_member m;
	assert_int_equal(tarindex_find(ti, "nope", &m, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "nope"));
	assert_int_equal(tarindex_find(ti, "blobs", &m, &err), -EINVAL); /* a directory */
	assert_int_equal(tarindex_count(ti), 9);
	tarindex_free(ti);
	close(fd);
}

static void hostile_links(void **state)
{
	(void)state;
	struct tb t;
	tb_open(&t, TB_NONE);
	tb_add(&t, 'l', "escape", 0777, "../../etc/passwd");
	tb_add(&t, 'l', "loop1", 0777, "loop2");
	tb_add(&t, 'l', "loop2", 0777, "loop1");
	tb_add(&t, 'l', "dangling", 0777, "missing");
	tb_add(&t, 'p', "fifo", 0644, NULL);
	tb_add(&t, 'l', "to-fifo", 0777, "fifo");
	int fd = archive_fd(&t);
	struct tarindex *ti;
	struct sb_error err = {0};
	struct tar_member m;
	assert_int_equal(tarindex_open(fd, "t.tar", &ti, &err), 0);
	assert_int_equal(tarindex_find(ti, "escape", &m, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "escapes"));
	assert_int_equal(tarindex_find(ti, "loop1", &m, &err), -ELOOP);
	assert_int_equal(tarindex_find(ti, "dangling", &m, &err), -ENOENT);
	assert_int_equal(tarindex_find(ti, "to-fifo", &m, &err), -EINVAL);
	assert_int_equal(tarindex_find(ti, "../fifo", &m, &err), -EINVAL);
	tarindex_free(ti);
	close(fd);
}

static void duplicates(void **state)
{
	(void)state;
	struct tb t;
	tb_open(&t, TB_NONE);
	tb_add(&t, 'd', "dir", 0755, NULL);
	tb_add(&t, 'd', "./dir/", 0755, NULL); /* the same directory twice is harmless */
	tb_add(&t, 'f', "manifest.json", 0644, "[]");
	tb_add(&t, 'f', "./manifest.json", 0644, "[{}]"); /* which one? refuse */
	int fd = archive_fd(&t);
	struct tarindex *ti = NULL;
	struct sb_error err = {0};
	assert_int_equal(tarindex_open(fd, "t.tar", &ti, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "manifest.json` appears twice"));
	assert_null(ti);
	close(fd);
}

static void not_usable_archives(void **state)
{
	(void)state;
	struct tb t;
	tb_open(&t, TB_NONE);
	char data[5000];
	memset(data, 'd', sizeof(data) - 1);
	data[sizeof(data) - 1] = '\0';
	tb_add(&t, 'f', "a", 0644, data);
	tb_add(&t, 'f', "b", 0644, data);
	size_t len;
	char *tar = tb_close(&t, &len);
	struct tarindex *ti = NULL;
	struct sb_error err = {0};
	/* truncated in the middle of a member's data, or of a header */
	size_t cuts[] = {512 + 100, 512 + 5000 + 600, len - 1024 - 200};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		int fd = tu_memfd(tar, cuts[i]);
		assert_int_equal(tarindex_open(fd, "t.tar", &ti, &err), -EINVAL);
		close(fd);
	}
	/* compressed */
	tb_open(&t, TB_GZIP);
	tb_add(&t, 'f', "a", 0644, "x");
	int fd = archive_fd(&t);
	assert_int_equal(tarindex_open(fd, "t.tar.gz", &ti, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "compressed"));
	close(fd);
	/* not a tar at all, and empty */
	fd = tu_memfd("{\"json\": true}", 14);
	assert_int_equal(tarindex_open(fd, "x.json", &ti, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a readable tar"));
	close(fd);
	fd = tu_memfd("", 0);
	assert_true(tarindex_open(fd, "empty", &ti, &err) < 0);
	close(fd);
	free(tar);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(offsets_and_links),
	    cmocka_unit_test(hostile_links),
	    cmocka_unit_test(duplicates),
	    cmocka_unit_test(not_usable_archives),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
