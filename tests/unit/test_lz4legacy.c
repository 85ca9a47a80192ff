/* LZ4 legacy writer: decompressed block by block with LZ4_decompress_safe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <lz4.h>

#include "lz4legacy.h"
#include "test_rootfs_util.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Decode a whole legacy stream; checks magic, block sizes and the end mark. */
static uint8_t *decode(const uint8_t *buf, size_t len, size_t *out_len, int *blocks)
{
	assert_true(len >= 8);
	assert_int_equal(le32(buf), LZ4LEGACY_MAGIC);
	uint8_t *out = NULL;
	size_t olen = 0, off = 4;
	*blocks = 0;
	for (;;) {
		assert_true(off + 4 <= len);
		uint32_t n = le32(buf + off);
		off += 4;
		if (n == 0)
			break;
		assert_true(n <= (uint32_t)LZ4_compressBound(LZ4LEGACY_BLOCK));
		assert_true(off + n <= len);
		out = realloc(out, olen + LZ4LEGACY_BLOCK);
		int d = LZ4_decompress_safe((const char *)buf + off, (char *)out + olen, (int)n,
					    LZ4LEGACY_BLOCK);
		assert_true(d > 0);
		olen += (size_t)d;
		off += n;
		(*blocks)++;
	}
	assert_int_equal(off, len); /* the end mark is the last thing */
	*out_len = olen;
	return out;
}

static void roundtrip(size_t size, size_t chunk, int level, int want_blocks)
{
	uint8_t *in = malloc(size ? size : 1);
	uint32_t x = 12345;
	for (size_t i = 0; i < size; i++) {
		x = x * 1103515245 + 12345;
		in[i] = (i % 1000 < 500) ? (uint8_t)(x >> 24) : (uint8_t)(i / 7);
	}
	int fd = tu_memfd(NULL, 0);
	struct lz4legacy *z;
	struct sb_error err = {0};
	assert_int_equal(lz4legacy_open(&z, fd, level, &err), 0);
	for (size_t off = 0; off < size; off += chunk)
		assert_int_equal(
		    lz4legacy_write(z, in + off, size - off < chunk ? size - off : chunk, &err), 0);
	uint64_t total = 0;
	assert_int_equal(lz4legacy_close(z, &total, &err), 0);
	size_t len, olen;
	uint8_t *buf = (uint8_t *)tu_read_fd(fd, &len);
	assert_int_equal(total, len);
	int blocks;
	uint8_t *out = decode(buf, len, &olen, &blocks);
	assert_int_equal(blocks, want_blocks);
	assert_int_equal(olen, size);
	if (size)
		assert_memory_equal(out, in, size);
	free(out);
	free(buf);
	free(in);
	close(fd);
}

static void small_input(void **state)
{
	(void)state;
	roundtrip(1000, 1000, 1, 1);
}

static void empty_input_is_magic_and_end_mark(void **state)
{
	(void)state;
	roundtrip(0, 1, 1, 0);
}

static void multi_block_pipeline(void **state)
{
	(void)state;
	/* 2.5 blocks written in odd chunks: a short last block */
	roundtrip(LZ4LEGACY_BLOCK * 2 + LZ4LEGACY_BLOCK / 2, 100003, 1, 3);
	/* exactly 4 blocks: one more than the ring of slots */
	roundtrip((size_t)LZ4LEGACY_BLOCK * 4, LZ4LEGACY_BLOCK, 1, 4);
	/* 9 blocks and a bit: the ring of slots wraps several times, order must hold */
	roundtrip((size_t)LZ4LEGACY_BLOCK * 9 + 17, 3 * LZ4LEGACY_BLOCK / 2 + 1, 1, 10);
}

/* lz4legacy_space/advance: filled in place, in odd amounts. */
static void zero_copy_writes(void **state)
{
	(void)state;
	size_t size = (size_t)LZ4LEGACY_BLOCK * 5 + 1234, off = 0;
	uint8_t *in = malloc(size);
	for (size_t i = 0; i < size; i++)
		in[i] = (uint8_t)((i * 2654435761u) >> 13) & 0x3f;
	int fd = tu_memfd(NULL, 0);
	struct lz4legacy *z;
	struct sb_error err = {0};
	assert_int_equal(lz4legacy_open(&z, fd, 1, &err), 0);
	while (off < size) {
		uint8_t *dst;
		size_t avail;
		assert_int_equal(lz4legacy_space(z, &dst, &avail, &err), 0);
		assert_true(avail > 0 && avail <= LZ4LEGACY_BLOCK);
		size_t n = avail < 777777 ? avail : 777777;
		if (n > size - off)
			n = size - off;
		memcpy(dst, in + off, n);
		lz4legacy_advance(z, n);
		off += n;
	}
	assert_int_equal(lz4legacy_close(z, NULL, &err), 0);
	size_t len, olen;
	uint8_t *buf = (uint8_t *)tu_read_fd(fd, &len);
	int blocks;
	uint8_t *out = decode(buf, len, &olen, &blocks);
	assert_int_equal(blocks, 6);
	assert_int_equal(olen, size);
	assert_memory_equal(out, in, size);
	free(out);
	free(buf);
	free(in);
	close(fd);
}

static void hc_level(void **state)
{
	(void)state;
	roundtrip(300000, 4096, 9, 1);
}

/* With hold, patches reach back into the previous full block; older blocks
 * and bytes not yet written are refused, unchanged. The output carries the
 * patched bytes. */
static void hold_and_patch(void **state)
{
	(void)state;
	const size_t B = LZ4LEGACY_BLOCK, size = 3 * B + 100;
	uint8_t *in = malloc(size);
	for (size_t i = 0; i < size; i++)
		in[i] = (uint8_t)(i * 7 / 5);
	int fd = tu_memfd(NULL, 0);
	struct lz4legacy *z;
	struct sb_error err = {0};
	assert_int_equal(lz4legacy_open(&z, fd, 1, &err), 0);
	lz4legacy_hold(z, 1);
	assert_int_equal(lz4legacy_write(z, in, B + 10, &err), 0);
	/* block 0 is held, block 1 is being filled: both patchable, across the seam */
	assert_int_equal(lz4legacy_patch(z, B - 2, "WXYZ", 4), 0);
	assert_int_equal(lz4legacy_patch(z, 0, "A", 1), 0);
	assert_int_equal(lz4legacy_patch(z, B + 8, "QQ", 3), -ERANGE); /* past the end */
	assert_int_equal(lz4legacy_write(z, in + B + 10, 2 * B - 10, &err), 0);
	/* blocks 0 and 1 are queued now (2 is held, 3 is empty) */
	assert_int_equal(lz4legacy_patch(z, 5, "B", 1), -ERANGE);
	assert_int_equal(lz4legacy_patch(z, 2 * B - 1, "CD", 2), -ERANGE);
	assert_int_equal(lz4legacy_patch(z, 2 * B, "E", 1), 0);
	assert_int_equal(lz4legacy_write(z, in + 3 * B, 100, &err), 0);
	assert_int_equal(lz4legacy_patch(z, 3 * B + 99, "F", 1), 0);
	uint64_t total = 0;
	assert_int_equal(lz4legacy_close(z, &total, &err), 0);
	memcpy(in + B - 2, "WXYZ", 4);
	in[0] = 'A';
	in[2 * B] = 'E';
	in[3 * B + 99] = 'F';
	size_t len, olen;
	uint8_t *buf = (uint8_t *)tu_read_fd(fd, &len);
	int blocks;
	uint8_t *out = decode(buf, len, &olen, &blocks);
	assert_int_equal(blocks, 4);
	assert_int_equal(olen, size);
	assert_memory_equal(out, in, size);
	free(out);
	free(buf);
	free(in);
	close(fd);
}

/* Two held blocks: 16 MiB back is still patchable, the block before is not. */
static void hold_two_blocks(void **state)
{
	(void)state;
	const size_t B = LZ4LEGACY_BLOCK, size = 3 * B + 10;
	uint8_t *in = calloc(1, size);
	int fd = tu_memfd(NULL, 0);
	struct lz4legacy *z;
	struct sb_error err = {0};
	assert_int_equal(lz4legacy_open(&z, fd, 1, &err), 0);
	lz4legacy_hold(z, 2);
	assert_int_equal(lz4legacy_write(z, in, size, &err), 0);
	assert_int_equal(lz4legacy_patch(z, B - 1, "x", 1), -ERANGE);
	assert_int_equal(lz4legacy_patch(z, B, "y", 1), 0);
	assert_int_equal(lz4legacy_patch(z, 3 * B + 9, "z", 1), 0);
	assert_int_equal(lz4legacy_close(z, NULL, &err), 0);
	in[B] = 'y';
	in[3 * B + 9] = 'z';
	size_t len, olen;
	uint8_t *buf = (uint8_t *)tu_read_fd(fd, &len);
	int blocks;
	uint8_t *out = decode(buf, len, &olen, &blocks);
	assert_int_equal(blocks, 4);
	assert_int_equal(olen, size);
	assert_memory_equal(out, in, size);
	free(out);
	free(buf);
	free(in);
	close(fd);
}

static void write_error_reported(void **state)
{
	(void)state;
	int fd = open("/dev/null", O_RDONLY);
	struct lz4legacy *z = NULL;
	struct sb_error err = {0};
	assert_true(lz4legacy_open(&z, fd, 1, &err) < 0);
	assert_non_null(strstr(err.msg, "lz4"));
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(small_input),
	    cmocka_unit_test(empty_input_is_magic_and_end_mark),
	    cmocka_unit_test(multi_block_pipeline),
	    cmocka_unit_test(zero_copy_writes),
	    cmocka_unit_test(hc_level),
	    cmocka_unit_test(write_error_reported),
	    cmocka_unit_test(hold_and_patch),
	    cmocka_unit_test(hold_two_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
