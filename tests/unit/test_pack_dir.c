/* rootfs_pack_dir: a host directory tree (an OCI bundle's root) -> initramfs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <stdbool.h>
#include <sys/sysmacros.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "pack.h"
#include "test_rootfs_util.h"

struct packed {
	uint8_t *cpio;
	size_t len;
};

static int pack(const char *dir, const struct pack_limits *lim, struct packed *p, uint64_t *ram,
		struct sb_error *err)
{
	int fd = memfd_create("initrd", 0);
	assert_true(fd >= 0);
	int r = rootfs_pack_dir(dir, fd, lim, ram, err);
	if (r == 0) {
		size_t n;
		lseek(fd, 0, SEEK_SET);
		char *raw = tu_read_fd(fd, &n);
		p->cpio = tu_lz4_decode((uint8_t *)raw, n, &p->len);
		free(raw);
	}
	close(fd);
	return r;
}

/* The entry named name, or fail. */
static struct tu_cpio_ent find(const struct packed *p, const char *name)
{
	size_t off = 0;
	struct tu_cpio_ent e;
	int r;
	while ((r = tu_cpio_next(p->cpio, p->len, &off, &e)) == 1)
		if (!strcmp(e.name, name))
			return e;
	assert_int_equal(r, 0);
	fail_msg("no entry %s", name);
	return e;
}

static bool has(const struct packed *p, const char *name)
{
	size_t off = 0;
	struct tu_cpio_ent e;
	while (tu_cpio_next(p->cpio, p->len, &off, &e) == 1)
		if (!strcmp(e.name, name))
			return true;
	return false;
}

static void test_tree_kinds(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_pack_dir.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char p[512];
	snprintf(p, sizeof(p), "%s/bin", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/bin/tool", dir);
	tu_write_file(p, "#!/bin/sh\necho hi\n", 18);
	chmod(p, 04755);
	char q[512];
	snprintf(q, sizeof(q), "%s/bin/tool-link", dir);
	assert_int_equal(link(p, q), 0);
	snprintf(p, sizeof(p), "%s/bin/sh", dir);
	assert_int_equal(symlink("/outside/of/the/tree", p), 0);
	snprintf(p, sizeof(p), "%s/fifo", dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	snprintf(p, sizeof(p), "%s/empty", dir);
	mkdir(p, 0700);
	/* a socket is left out */
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/sock", dir);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	close(s);

	struct pack_limits lim;
	pack_limits_default(&lim);
	struct packed pk;
	struct sb_error err = {0};
	uint64_t ram = 0;
	assert_int_equal(pack(dir, &lim, &pk, &ram, &err), 0);
	assert_true(ram >= 5 * 1024);

	struct tu_cpio_ent e = find(&pk, "bin");
	assert_true(S_ISDIR(e.mode));
	e = find(&pk, "bin/sh");
	assert_true(S_ISLNK(e.mode));
	assert_int_equal(e.size, strlen("/outside/of/the/tree"));
	assert_memory_equal(e.data, "/outside/of/the/tree", e.size);
	e = find(&pk, "fifo");
	assert_true(S_ISFIFO(e.mode));
	e = find(&pk, "empty");
	assert_int_equal(e.mode, S_IFDIR | 0700);
	assert_false(has(&pk, "sock"));
	/* the hard-linked pair: one inode, the data once */
	struct tu_cpio_ent t1 = find(&pk, "bin/tool"), t2 = find(&pk, "bin/tool-link");
	assert_int_equal(t1.ino, t2.ino);
	assert_int_equal(t1.mode, S_IFREG | 04755);
	assert_int_equal(t1.size + t2.size, 18);
	assert_true(t1.nlink >= 2 && t2.nlink >= 2);
	/* parents come before their children */
	size_t off = 0, seen_bin = 0, i = 0;
	struct tu_cpio_ent x;
	while (tu_cpio_next(pk.cpio, pk.len, &off, &x) == 1) {
		i++;
		if (!strcmp(x.name, "bin"))
			seen_bin = i;
		if (!strncmp(x.name, "bin/", 4))
			assert_true(seen_bin && seen_bin < i);
	}
	free(pk.cpio);
	tu_rm_rf(dir);
}

static void test_limits(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_pack_dir.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char p[512];
	for (int i = 0; i < 10; i++) {
		snprintf(p, sizeof(p), "%s/f%d", dir, i);
		tu_write_file(p, "0123456789", 10);
	}
	struct pack_limits lim;
	pack_limits_default(&lim);
	struct packed pk = {0};
	struct sb_error err = {0};

	lim.max_entries = 5;
	assert_true(pack(dir, &lim, &pk, NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "more than 5 entries"));

	pack_limits_default(&lim);
	lim.max_unpacked_bytes = 50;
	assert_true(pack(dir, &lim, &pk, NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "more than 50 bytes"));

	pack_limits_default(&lim);
	lim.max_path = 8;
	snprintf(p, sizeof(p), "%s/a-long-name", dir);
	tu_write_file(p, "x", 1);
	assert_true(pack(dir, &lim, &pk, NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "path longer than 8"));

	snprintf(p, sizeof(p), "%s/missing", dir);
	pack_limits_default(&lim);
	assert_true(pack(p, &lim, &pk, NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "missing"));
	tu_rm_rf(dir);
}

/* Directories nested past the depth limit are refused, not walked (no stack overflow). */
static void test_deep(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_pack_dir.XXXXXX";
	assert_non_null(mkdtemp(dir));
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	for (int i = 0; i < 300; i++) {
		assert_int_equal(mkdirat(fd, "d", 0755), 0);
		int c = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = c;
	}
	close(fd);
	struct pack_limits lim;
	pack_limits_default(&lim);
	lim.max_path = PACK_PATH_LIMIT;
	struct packed pk = {0};
	struct sb_error err = {0};
	assert_true(pack(dir, &lim, &pk, NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "nested deeper"));
	tu_rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tree_kinds),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_deep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
