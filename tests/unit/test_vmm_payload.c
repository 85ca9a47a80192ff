/* Unit tests for reading the kernel file and concatenating initrd parts at 4-byte-aligned offsets.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "payload.h"

static char path[64];

static int setup(void **state)
{
	(void)state;
	strcpy(path, "/tmp/test_vmm_payload.XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, "FILE!", 5) != 5)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void test_concat(void **state)
{
	(void)state;
	struct vmm_blob b[3] = {
	    {.data = "abc", .len = 3},
	    {.path = path},
	    {.data = "0123456789", .len = 10},
	};
	struct vm_mem m;
	uint64_t size;
	struct sb_error err = {0};

	assert_int_equal(payload_initrd_size(b, 3, &size, &err), 0);
	assert_int_equal(size, 4 + 8 + 10); /* 3 -> pad to 4, 5 -> pad to 8 */
	assert_int_equal(mem_create(&m, 32 << 20, &err), 0);
	uint8_t *p = gpa_to_hva(&m, 0x100000, size);
	memset(p, 0xee, size);
	assert_int_equal(payload_initrd_copy(b, 3, &m, 0x100000, size, &err), 0);
	assert_memory_equal(p,
			    "abc\0FILE!\0\0\0"
			    "0123456789",
			    size);
	/* A destination outside guest RAM is refused. */
	assert_int_equal(payload_initrd_copy(b, 3, &m, (32 << 20) - 8, size, &err), -EINVAL);
	mem_destroy(&m);
}

/* A large file: same bytes, zeros after it, the next part right behind, and
 * guest writes never reach the file. */
static void test_large_file(void **state)
{
	(void)state;
	char big[64] = "/tmp/test_vmm_payload_big.XXXXXX";
	const size_t n = (1u << 20) + 4097;
	uint8_t *want = malloc(n);
	int fd = mkstemp(big);
	assert_non_null(want);
	assert_true(fd >= 0);
	for (size_t i = 0; i < n; i++)
		want[i] = (uint8_t)(i * 7 + i / 4096);
	assert_int_equal(write(fd, want, n), (ssize_t)n);
	struct vmm_blob b[2] = {{.path = big}, {.data = "tail", .len = 4}};
	struct vm_mem m;
	uint64_t size;
	struct sb_error err = {0};

	assert_int_equal(payload_initrd_size(b, 2, &size, &err), 0);
	assert_int_equal(size, ((n + 3) & ~3ul) + 4);
	assert_int_equal(mem_create(&m, 32 << 20, &err), 0);
	uint8_t *p = gpa_to_hva(&m, 0x200000, size);
	memset(p, 0xee, size);
	assert_int_equal(payload_initrd_copy(b, 2, &m, 0x200000, size, &err), 0);
	assert_memory_equal(p, want, n);
	for (size_t i = n; i < (n + 3) / 4 * 4; i++)
		assert_int_equal(p[i], 0);
	assert_memory_equal(p + (n + 3) / 4 * 4, "tail", 4);
	/* The guest scribbles over all of it: the file stays as it was. */
	memset(p, 0x5a, size);
	uint8_t *again = malloc(n);
	assert_non_null(again);
	assert_int_equal(pread(fd, again, n, 0), (ssize_t)n);
	assert_memory_equal(again, want, n);
	/* A file that grew since it was measured is refused. */
	assert_int_equal(ftruncate(fd, (off_t)n + 8192), 0);
	assert_int_equal(payload_initrd_copy(b, 2, &m, 0x200000, size, &err), -EIO);
	assert_non_null(strstr(err.msg, "changed size"));
	mem_destroy(&m);
	close(fd);
	unlink(big);
	free(want);
	free(again);
}

static void test_missing_and_bounds(void **state)
{
	(void)state;
	struct vmm_blob bad = {.path = "/nonexistent/initrd"};
	struct vmm_blob dir = {.path = "/tmp"};
	uint64_t size;
	struct payload_map map;
	struct sb_error err = {0};

	assert_int_equal(payload_initrd_size(&bad, 1, &size, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/initrd"));
	assert_int_equal(payload_initrd_size(&dir, 1, &size, &err), -EINVAL);
	assert_int_equal(payload_map_file(path, 4, &map, &err), -EFBIG);
	assert_null(map.data);
	assert_int_equal(payload_map_file("/tmp", 4096, &map, &err), -EINVAL);
	assert_int_equal(payload_map_file("/nonexistent/kernel", 4096, &map, &err), -ENOENT);
	assert_int_equal(payload_map_file(path, 5, &map, &err), 0);
	assert_int_equal(map.len, 5);
	assert_memory_equal(map.data, "FILE!", 5);
	payload_unmap(&map);
	assert_null(map.data);
	assert_int_equal(map.len, 0);
	assert_int_equal(payload_map_file("/dev/null", 5, &map, &err), -EINVAL); /* not regular */
	assert_int_equal(payload_initrd_size(NULL, 0, &size, &err), 0);
	assert_int_equal(size, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_concat),
	    cmocka_unit_test(test_large_file),
	    cmocka_unit_test(test_missing_and_bounds),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
