/* Cache hits for image archive files (pack_archive.c): a second run of a
 * gzip'd archive goes straight to the cached initramfs without inflating it
 * (proved by a TMPDIR where no temp file can be made); a changed file, a lost
 * cache entry, a damaged record or stricter limits go the slow way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "digest.h"
#include "pack.h"
#include "test_rootfs_util.h"

static char top[64], layout[128], archive[128], cache[128];

/* A one-layer OCI layout whose config names entrypoint, tarred and gzip'd. */
static void make_archive(const char *entrypoint, const char *to)
{
	struct tb t;
	size_t len;
	tb_open(&t, TB_NONE);
	tb_add(&t, 'd', "bin", 0755, NULL);
	tb_add(&t, 'f', "bin/sh", 0755, "#!shell");
	char *tar = tb_close(&t, &len);
	char fields[300], cmd[600];
	snprintf(fields, sizeof(fields), "\"config\":{\"Entrypoint\":[\"%s\"]},", entrypoint);
	tu_oci_single(layout, tar, len, fields, 0);
	snprintf(cmd, sizeof(cmd), "tar -C '%s' -czf '%s' .", layout, to);
	assert_int_equal(system(cmd), 0);
	free(tar);
}

static int setup(void **state)
{
	(void)state;
	strcpy(top, "/tmp/test-parc-XXXXXX");
	assert_non_null(mkdtemp(top));
	snprintf(layout, sizeof(layout), "%s/layout", top);
	snprintf(archive, sizeof(archive), "%s/image.tar.gz", top);
	snprintf(cache, sizeof(cache), "%s/cache", top);
	assert_int_equal(mkdir(layout, 0755), 0);
	snprintf(cache, sizeof(cache), "%s/layout/blobs", top);
	assert_int_equal(mkdir(cache, 0755), 0);
	strcat(cache, "/sha256");
	assert_int_equal(mkdir(cache, 0755), 0);
	snprintf(cache, sizeof(cache), "%s/cache", top);
	make_archive("/bin/sh", archive);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unsetenv("TMPDIR");
	tu_rm_rf(top);
	return 0;
}

/* rootfs_prepare on the archive; no_inflate: with a TMPDIR where the slow
 * path cannot inflate (so success means a fast hit). */
static int prepare(int no_inflate, const struct pack_limits *lim, char **path,
		   struct image_config *cfg)
{
	struct sb_error err = {0};
	char ref[200];
	snprintf(ref, sizeof(ref), "oci-archive:%s", archive);
	if (no_inflate)
		setenv("TMPDIR", "/nonexistent/tmp", 1);
	else
		unsetenv("TMPDIR");
	*path = NULL;
	memset(cfg, 0, sizeof(*cfg));
	int r = rootfs_prepare(ref, cache, lim, path, cfg, &err);
	unsetenv("TMPDIR");
	return r;
}

/* Pack once (slow), then check that a fast hit works and gives the same. */
static void prime(char **path, struct image_config *cfg)
{
	assert_int_equal(prepare(1, NULL, path, cfg), -ENOENT); /* no record: must inflate */
	assert_int_equal(prepare(0, NULL, path, cfg), 0);
	uint64_t bytes = cfg->unpacked_bytes;
	char *first = *path;
	image_config_free(cfg);
	assert_int_equal(prepare(1, NULL, path, cfg), 0);
	assert_string_equal(*path, first);
	assert_string_equal(cfg->entrypoint[0], "/bin/sh");
	assert_int_equal(cfg->unpacked_bytes, bytes);
	assert_true(cfg->guest_ram_bytes > bytes);
	free(first);
}

static void done(char *path, struct image_config *cfg)
{
	free(path);
	image_config_free(cfg);
}

static void hit_without_inflating(void **state)
{
	(void)state;
	char *path;
	struct image_config cfg;
	prime(&path, &cfg);
	done(path, &cfg);
	/* the same file under another transport/tag is another record */
	char ref[200];
	struct sb_error err = {0};
	snprintf(ref, sizeof(ref), "%s", archive);
	setenv("TMPDIR", "/nonexistent/tmp", 1);
	assert_true(rootfs_prepare(ref, cache, NULL, &path, &cfg, &err) < 0);
	unsetenv("TMPDIR");
}

static void changed_file_is_a_miss(void **state)
{
	(void)state;
	char *path;
	struct image_config cfg;
	prime(&path, &cfg);
	done(path, &cfg);
	/* rewritten in place with the same bytes, mtime set back: ctime moved */
	struct stat st;
	assert_int_equal(stat(archive, &st), 0);
	int fd = open(archive, O_RDWR);
	size_t len;
	char *buf = tu_read_fd(fd, &len);
	assert_int_equal(pwrite(fd, buf, len, 0), (ssize_t)len);
	close(fd);
	free(buf);
	struct timespec ts[2] = {st.st_atim, st.st_mtim};
	assert_int_equal(utimensat(AT_FDCWD, archive, ts, 0), 0);
	assert_int_equal(prepare(1, NULL, &path, &cfg), -ENOENT);
	assert_int_equal(prepare(0, NULL, &path, &cfg), 0); /* slow, records again */
	done(path, &cfg);
	assert_int_equal(prepare(1, NULL, &path, &cfg), 0);
	done(path, &cfg);
	/* replaced by another image of the same name: its own config */
	char other[200];
	snprintf(other, sizeof(other), "%s/other.tar.gz", top);
	make_archive("/bin/other", other);
	assert_int_equal(rename(other, archive), 0);
	assert_int_equal(prepare(1, NULL, &path, &cfg), -ENOENT);
	assert_int_equal(prepare(0, NULL, &path, &cfg), 0);
	assert_string_equal(cfg.entrypoint[0], "/bin/other");
	done(path, &cfg);
}

static void lost_entry_or_bad_record_is_a_miss(void **state)
{
	(void)state;
	char *path;
	struct image_config cfg;
	prime(&path, &cfg);
	assert_int_equal(unlink(path), 0); /* the cached image is gone */
	done(path, &cfg);
	assert_int_equal(prepare(1, NULL, &path, &cfg), -ENOENT);
	assert_int_equal(prepare(0, NULL, &path, &cfg), 0);
	done(path, &cfg);
	char dir[200], cmd[600];
	snprintf(dir, sizeof(dir), "%s/archives", cache);
	/* the config inside the record edited: its digest no longer matches */
	snprintf(cmd, sizeof(cmd), "sed -i 's|/bin/sh|/bin/xx|' '%s'/*", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(prepare(1, NULL, &path, &cfg), -ENOENT);
	assert_int_equal(prepare(0, NULL, &path, &cfg), 0);
	done(path, &cfg);
	/* cut short */
	snprintf(cmd, sizeof(cmd), "for f in '%s'/*; do head -c 100 $f >$f.x; mv $f.x $f; done",
		 dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(prepare(1, NULL, &path, &cfg), -ENOENT);
	assert_int_equal(prepare(0, NULL, &path, &cfg), 0);
	done(path, &cfg);
	/* pointing at another (absent) cache key */
	char key[65];
	memset(key, 'a', 64);
	key[64] = '\0';
	snprintf(cmd, sizeof(cmd), "sed -i '3s/^image [0-9a-f]*/image %s/' '%s'/*", key, dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(prepare(1, NULL, &path, &cfg), -ENOENT);
}

static void stricter_limits_go_the_slow_way(void **state)
{
	(void)state;
	char *path;
	struct image_config cfg;
	prime(&path, &cfg);
	done(path, &cfg);
	struct pack_limits lim;
	pack_limits_default(&lim);
	lim.max_entries = 1;
	assert_int_equal(prepare(1, &lim, &path, &cfg), -ENOENT);
	assert_int_equal(prepare(0, &lim, &path, &cfg), -E2BIG);
	/* prune --all drops the records too */
	struct pack_prune_stats st;
	struct sb_error err = {0};
	assert_int_equal(pack_cache_prune(cache, 1, &st, &err), 0);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls '%s/archives')\"", cache);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(hit_without_inflating, setup, teardown),
	    cmocka_unit_test_setup_teardown(changed_file_is_a_miss, setup, teardown),
	    cmocka_unit_test_setup_teardown(lost_entry_or_bad_record_is_a_miss, setup, teardown),
	    cmocka_unit_test_setup_teardown(stricter_limits_go_the_slow_way, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
