/* cpio newc writer: bytes parsed back (headers, names, 4-byte alignment, data, trailer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cpio.h"
#include "test_rootfs_util.h"

static void build_parses_back(void **state)
{
	(void)state;
	static const char big[] = "hello, world\n"; /* 13 bytes: needs padding */
	struct cpio_file files[] = {
	    {"/.sandbox", S_IFDIR | 0700, NULL, 0},
	    {".sandbox/config.dtb", S_IFREG | 0600, big, 13},
	    {"empty", S_IFREG | 0644, NULL, 0},
	    {"abc", S_IFREG | 0755, "x", 1},
	};
	uint8_t *out;
	size_t len;
	struct sb_error err = {0};
	assert_int_equal(cpio_build(files, 4, &out, &len, &err), 0);
	assert_int_equal(len % 4, 0);
	size_t off = 0;
	struct tu_cpio_ent e;
	const char *names[] = {".sandbox", ".sandbox/config.dtb", "empty", "abc"};
	uint32_t inos[4];
	for (int i = 0; i < 4; i++) {
		assert_int_equal(tu_cpio_next(out, len, &off, &e), 1);
		assert_string_equal(e.name, names[i]);
		assert_int_equal(e.mode, files[i].mode);
		assert_int_equal(e.size, files[i].len);
		assert_int_equal(e.uid, 0);
		assert_int_equal(e.nlink, i == 0 ? 2 : 1);
		if (files[i].len)
			assert_memory_equal(e.data, files[i].data, files[i].len);
		inos[i] = e.ino;
		for (int j = 0; j < i; j++)
			assert_int_not_equal(inos[j], e.ino);
	}
	assert_int_equal(tu_cpio_next(out, len, &off, &e), 0);
	assert_int_equal(off, len);
	/* exact layout of the first header */
	assert_memory_equal(out, "070701", 6);
	assert_int_equal(tu_hex8(out + 6 + 88), strlen(".sandbox") + 1);
	free(out);
}

/* cpio_field writes what the header has at CPIO_NLINK_OFF; cpio_mtime clamps. */
static void nlink_field_patches(void **state)
{
	(void)state;
	struct cpio_file f = {"a", S_IFREG | 0644, "x", 1};
	uint8_t *out;
	size_t len, off = 0;
	struct sb_error err = {0};
	assert_int_equal(cpio_build(&f, 1, &out, &len, &err), 0);
	char want[CPIO_FIELD_LEN];
	cpio_field(1, want);
	assert_memory_equal(out + CPIO_NLINK_OFF, want, CPIO_FIELD_LEN);
	cpio_field(0xABC12, (char *)out + CPIO_NLINK_OFF);
	struct tu_cpio_ent e;
	assert_int_equal(tu_cpio_next(out, len, &off, &e), 1);
	assert_int_equal(e.nlink, 0xABC12);
	assert_int_equal(e.size, 1);
	free(out);
	assert_int_equal(cpio_mtime(-5), 0);
	assert_int_equal(cpio_mtime(1700000000), 1700000000);
	assert_int_equal(cpio_mtime(1ll << 40), UINT32_MAX);
}

static void empty_archive_is_trailer(void **state)
{
	(void)state;
	uint8_t *out;
	size_t len;
	assert_int_equal(cpio_build(NULL, 0, &out, &len, NULL), 0);
	size_t off = 0;
	struct tu_cpio_ent e;
	assert_int_equal(tu_cpio_next(out, len, &off, &e), 0);
	assert_int_equal(off, len);
	assert_int_equal(len, 124); /* 110 + 11 name bytes, padded to 4 */
	free(out);
}

static void build_rejects_bad_files(void **state)
{
	(void)state;
	uint8_t *out = NULL;
	size_t len;
	struct sb_error err = {0};
	struct cpio_file dir_data = {"d", S_IFDIR | 0755, "x", 1};
	assert_int_equal(cpio_build(&dir_data, 1, &out, &len, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "`d`"));
	struct cpio_file root = {"/", S_IFDIR | 0755, NULL, 0};
	assert_int_equal(cpio_build(&root, 1, &out, &len, &err), -EINVAL);
	struct cpio_file nodata = {"f", S_IFREG | 0644, NULL, 5};
	assert_int_equal(cpio_build(&nodata, 1, &out, &len, &err), -EINVAL);
	assert_null(out);
}

struct sink {
	uint8_t buf[4096];
	size_t len;
};

static int sink(void *ctx, const void *buf, size_t len, struct sb_error *err)
{
	struct sink *s = ctx;
	if (s->len + len > sizeof(s->buf))
		return error_set(err, ENOSPC, "full");
	memcpy(s->buf + s->len, buf, len);
	s->len += len;
	return 0;
}

static void streaming_writer_checks_data(void **state)
{
	(void)state;
	struct sink s = {.len = 0};
	struct cpio_writer w;
	struct sb_error err = {0};
	cpio_writer_init(&w, sink, &s);
	struct cpio_entry e = {.name = "bin/sh",
			       .ino = 7,
			       .mode = S_IFLNK | 0777,
			       .nlink = 1,
			       .mtime = 1700000000,
			       .size = 7,
			       .rdev_major = 0};
	assert_int_equal(cpio_write_header(&w, &e, &err), 0);
	assert_int_equal(cpio_write_data(&w, "bus", 3, &err), 0);
	/* next header while 4 bytes are still owed */
	assert_int_equal(cpio_write_header(&w, &e, &err), -EINVAL);
	assert_int_equal(cpio_write_data(&w, "yboxX", 5, &err), -EINVAL);
	assert_int_equal(cpio_write_data(&w, "ybox", 4, &err), 0);
	struct cpio_entry dev = {.name = "dev/null",
				 .ino = 8,
				 .mode = S_IFCHR | 0666,
				 .nlink = 1,
				 .rdev_major = 1,
				 .rdev_minor = 3};
	assert_int_equal(cpio_write_header(&w, &dev, &err), 0);
	assert_int_equal(cpio_write_trailer(&w, &err), 0);
	size_t off = 0;
	struct tu_cpio_ent pe;
	assert_int_equal(tu_cpio_next(s.buf, s.len, &off, &pe), 1);
	assert_string_equal(pe.name, "bin/sh");
	assert_int_equal(pe.mtime, 1700000000);
	assert_memory_equal(pe.data, "busybox", 7);
	assert_int_equal(tu_cpio_next(s.buf, s.len, &off, &pe), 1);
	assert_int_equal(pe.rmaj, 1);
	assert_int_equal(pe.rmin, 3);
	assert_int_equal(pe.mode, S_IFCHR | 0666);
	assert_int_equal(tu_cpio_next(s.buf, s.len, &off, &pe), 0);
	assert_int_equal(off, s.len);
}

/* Data the caller put into the sink itself (zero copy): accounted, padded. */
static void noted_data(void **state)
{
	(void)state;
	struct sink s = {.len = 0};
	struct cpio_writer w;
	struct sb_error err = {0};
	cpio_writer_init(&w, sink, &s);
	struct cpio_entry e = {
	    .name = "f", .ino = 1, .mode = S_IFREG | 0644, .nlink = 1, .size = 5};
	assert_int_equal(cpio_write_header(&w, &e, &err), 0);
	assert_int_equal(cpio_write_data(&w, "he", 2, &err), 0);
	memcpy(s.buf + s.len, "llo", 3); /* straight into the sink */
	s.len += 3;
	assert_int_equal(cpio_note_data(&w, 4, &err), -EINVAL); /* more than owed */
	assert_int_equal(cpio_note_data(&w, 3, &err), 0);
	assert_int_equal(w.offset, s.len);
	assert_int_equal(w.offset % 4, 0); /* padding went through the sink */
	assert_int_equal(cpio_write_trailer(&w, &err), 0);
	size_t off = 0;
	struct tu_cpio_ent pe;
	assert_int_equal(tu_cpio_next(s.buf, s.len, &off, &pe), 1);
	assert_memory_equal(pe.data, "hello", 5);
	assert_int_equal(tu_cpio_next(s.buf, s.len, &off, &pe), 0);
	assert_int_equal(off, s.len);
}

static void sink_errors_propagate(void **state)
{
	(void)state;
	struct sink s = {.len = sizeof(s.buf) - 10};
	struct cpio_writer w;
	struct sb_error err = {0};
	cpio_writer_init(&w, sink, &s);
	struct cpio_entry e = {.name = "x", .mode = S_IFREG | 0644, .nlink = 1};
	assert_int_equal(cpio_write_header(&w, &e, &err), -ENOSPC);
	assert_non_null(strstr(err.msg, "full"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(build_parses_back),
	    cmocka_unit_test(empty_archive_is_trailer),
	    cmocka_unit_test(build_rejects_bad_files),
	    cmocka_unit_test(streaming_writer_checks_data),
	    cmocka_unit_test(noted_data),
	    cmocka_unit_test(sink_errors_propagate),
	    cmocka_unit_test(nlink_field_patches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
