/* Unit tests for the file server's inode and handle tables: dedup, lookup counts, limits. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsd/handles.h"
#include "fsd/inodes.h"

static int fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void test_inodes(void **state)
{
	struct inodes t;
	uint64_t id, id2;
	(void)state;

	assert_int_equal(inodes_init(&t, open("/", O_PATH), 3), 0);
	assert_non_null(inodes_get(&t, 1));
	assert_null(inodes_get(&t, 0));
	assert_null(inodes_get(&t, 2));
	assert_null(inodes_get(&t, UINT64_MAX));
	struct stat a = {.st_dev = 1, .st_ino = 10, .st_mode = S_IFREG};
	struct stat b = {.st_dev = 1, .st_ino = 11, .st_mode = S_IFDIR};
	struct stat c = {.st_dev = 2, .st_ino = 10, .st_mode = S_IFREG};
	int fa = open("/", O_PATH), fa2 = open("/", O_PATH);
	assert_int_equal(inodes_add(&t, fa, &a, &id), 0);
	/* the same (dev, ino) again: the same node, its fd kept, the new one closed */
	assert_int_equal(inodes_add(&t, fa2, &a, &id2), 0);
	assert_int_equal(id, id2);
	assert_false(fd_open(fa2));
	assert_int_equal(inodes_get(&t, id)->nlookup, 2);
	assert_int_equal(inodes_add(&t, open("/", O_PATH), &b, &id2), 0);
	assert_int_not_equal(id, id2);
	/* full: root + 2 */
	int fc = open("/", O_PATH);
	assert_int_equal(inodes_add(&t, fc, &c, &id2), -ENFILE);
	assert_false(fd_open(fc));
	/* forget: the fd closes at zero, the slot is reused with a new generation */
	uint64_t gen = inodes_get(&t, id)->generation;
	inodes_forget(&t, id, 1);
	assert_true(fd_open(fa));
	inodes_forget(&t, id, 5);
	assert_false(fd_open(fa));
	assert_null(inodes_get(&t, id));
	assert_int_equal(inodes_add(&t, open("/", O_PATH), &c, &id2), 0);
	assert_int_equal(id2, id);
	assert_true(inodes_get(&t, id2)->generation > gen);
	/* the root is never forgotten */
	inodes_forget(&t, 1, 100);
	assert_non_null(inodes_get(&t, 1));
	inodes_free(&t);
}

/* Growing past the first allocation keeps every entry findable. */
static void test_inodes_grow(void **state)
{
	struct inodes t;
	uint64_t id;
	(void)state;

	assert_int_equal(inodes_init(&t, open("/", O_PATH), 1000), 0);
	for (int i = 0; i < 999; i++) {
		struct stat s = {.st_dev = 7, .st_ino = (ino_t)(100 + i), .st_mode = S_IFREG};
		assert_int_equal(inodes_add(&t, open("/", O_PATH), &s, &id), 0);
	}
	struct stat s = {.st_dev = 7, .st_ino = 5000};
	assert_int_equal(inodes_add(&t, open("/", O_PATH), &s, &id), -ENFILE);
	for (int i = 0; i < 999; i++) {
		struct stat s2 = {.st_dev = 7, .st_ino = (ino_t)(100 + i), .st_mode = S_IFREG};
		assert_int_equal(inodes_add(&t, open("/", O_PATH), &s2, &id), 0);
		assert_int_equal(inodes_get(&t, id)->ino, 100 + i);
		assert_int_equal(inodes_get(&t, id)->nlookup, 2);
	}
	inodes_free(&t);
}

static void test_handles(void **state)
{
	struct handles h;
	uint64_t fh[3];
	(void)state;

	assert_int_equal(handles_init(&h, 2), 0);
	assert_int_equal(handles_add(&h, open("/", O_RDONLY), HANDLE_FILE, &fh[0]), 0);
	assert_int_equal(handles_add(&h, open("/", O_RDONLY), HANDLE_DIR, &fh[1]), 0);
	int extra = open("/", O_RDONLY);
	assert_int_equal(handles_add(&h, extra, HANDLE_FILE, &fh[2]), -EMFILE);
	assert_false(fd_open(extra));
	assert_true(handles_fd(&h, fh[0], HANDLE_FILE) >= 0);
	assert_int_equal(handles_fd(&h, fh[0], HANDLE_DIR), -EBADF);
	assert_int_equal(handles_fd(&h, 0, HANDLE_FILE), -EBADF);
	assert_int_equal(handles_fd(&h, 12345, HANDLE_FILE), -EBADF);
	assert_int_equal(handles_fd(&h, fh[0], HANDLE_FREE), -EBADF);
	assert_int_equal(handles_remove(&h, fh[1], HANDLE_FILE), -EBADF);
	assert_int_equal(handles_remove(&h, fh[1], HANDLE_DIR), 0);
	assert_int_equal(handles_remove(&h, fh[1], HANDLE_DIR), -EBADF);
	assert_int_equal(handles_add(&h, open("/", O_RDONLY), HANDLE_FILE, &fh[2]), 0);
	handles_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_inodes),
	    cmocka_unit_test(test_inodes_grow),
	    cmocka_unit_test(test_handles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
