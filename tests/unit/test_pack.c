/* End to end: OCI layout on disk -> rootfs_prepare/rootfs_pack_fd -> decoded
 * LZ4 legacy -> parsed cpio; cache naming, reuse, and failure cleanup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <lz4.h>

#include "digest.h"
#include "pack.h"
#include "test_rootfs_util.h"

static char dir[64], cache[128];

static void blob_write(const char *data, size_t len, char hex[65])
{
	char path[256];
	assert_int_equal(digest_buf(data, len, hex, NULL), 0);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, hex);
	tu_write_file(path, data, len);
}

static char *compress(const char *in, size_t len, int zstd, size_t *out_len)
{
	size_t cap = len + 65536, used = 0;
	char *out = malloc(cap);
	struct archive *a = archive_write_new();
	archive_write_set_format_raw(a);
	zstd ? archive_write_add_filter_zstd(a) : archive_write_add_filter_gzip(a);
	archive_write_set_bytes_in_last_block(a, 1);
	archive_write_open_memory(a, out, cap, &used);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_pathname(e, "x");
	archive_write_header(a, e);
	archive_write_data(a, in, len);
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	*out_len = used;
	return out;
}

/* Two layers; bad_diff corrupts the second diff_id. */
static void make_image(int bad_diff)
{
	char ids[2][65], dig[2][65], layers[600] = "", diffs[300] = "";
	size_t sizes[2];
	for (int i = 0; i < 2; i++) {
		struct tb t;
		tb_open(&t, TB_NONE);
		if (i == 0) {
			tb_add(&t, 'd', "bin", 0755, NULL);
			tb_add(&t, 'f', "bin/sh", 04755, "#!shell");
			tb_add(&t, 'h', "bin/ash", 0, "bin/sh");
			tb_add(&t, 'f', "etc/gone", 0644, "bye");
			tb_add(&t, 'c', "dev/null", 0666, NULL);
		} else {
			tb_add(&t, 'f', "etc/.wh.gone", 0644, NULL);
			tb_add(&t, 'l', "bin/ls", 0777, "sh");
			tb_add(&t, 'f', "a-file", 0600, "data");
		}
		size_t tl, bl;
		char *tar = tb_close(&t, &tl);
		char *z = compress(tar, tl, i, &bl);
		blob_write(z, bl, dig[i]);
		assert_int_equal(digest_buf(tar, tl, ids[i], NULL), 0);
		sizes[i] = bl;
		free(z);
		free(tar);
	}
	if (bad_diff)
		ids[1][0] = ids[1][0] == '0' ? '1' : '0';
	for (int i = 0; i < 2; i++) {
		size_t n = strlen(layers);
		snprintf(layers + n, sizeof(layers) - n,
			 "%s{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+%s\","
			 "\"digest\":\"sha256:%s\",\"size\":%zu}",
			 i ? "," : "", i ? "zstd" : "gzip", dig[i], sizes[i]);
		n = strlen(diffs);
		snprintf(diffs + n, sizeof(diffs) - n, "%s\"sha256:%s\"", i ? "," : "", ids[i]);
	}
	char cfg[600], man[1200], idx[400], ch[65], mh[65];
	snprintf(cfg, sizeof(cfg),
		 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Entrypoint\":[\"/bin/"
		 "sh\"]},"
		 "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[%s]}}",
		 diffs);
	blob_write(cfg, strlen(cfg), ch);
	snprintf(man, sizeof(man),
		 "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:%s\",\"size\":%zu},"
		 "\"layers\":[%s]}",
		 ch, strlen(cfg), layers);
	blob_write(man, strlen(man), mh);
	snprintf(idx, sizeof(idx),
		 "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:%s\",\"size\":%zu}]}",
		 mh, strlen(man));
	char path[128];
	snprintf(path, sizeof(path), "%s/index.json", dir);
	tu_write_file(path, idx, strlen(idx));
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test-pack-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(cache, sizeof(cache), "%s/cache/sub", dir);
	char p[128];
	snprintf(p, sizeof(p), "%s/blobs", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/blobs/sha256", dir);
	mkdir(p, 0755);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rm_rf(dir);
	return 0;
}

static uint8_t *lz4_decode(const uint8_t *buf, size_t len, size_t *out_len)
{
	assert_true(len >= 8 && len % 4 == 0);
	assert_memory_equal(buf, "\x02\x21\x4c\x18", 4);
	size_t off = 4, olen = 0;
	uint8_t *out = NULL;
	for (;;) {
		uint32_t n;
		memcpy(&n, buf + off, 4);
		off += 4;
		if (n == 0)
			break;
		out = realloc(out, olen + (8 << 20));
		int d = LZ4_decompress_safe((const char *)buf + off, (char *)out + olen, (int)n,
					    8 << 20);
		assert_true(d > 0);
		olen += (size_t)d;
		off += n;
	}
	for (; off < len; off++) /* only zero padding may follow */
		assert_int_equal(buf[off], 0);
	*out_len = olen;
	return out;
}

static void check_archive(const uint8_t *lz, size_t len)
{
	size_t clen;
	uint8_t *c = lz4_decode(lz, len, &clen);
	const char *want[] = {"a-file", "bin",	    "bin/ash", "bin/ls", "bin/sh",
			      "dev",	"dev/null", "etc",     NULL};
	size_t off = 0;
	struct tu_cpio_ent e;
	uint32_t sh_ino = 0;
	for (int i = 0; want[i]; i++) {
		assert_int_equal(tu_cpio_next(c, clen, &off, &e), 1);
		assert_string_equal(e.name, want[i]);
		if (!strcmp(e.name, "bin/ash")) { /* first of two links: empty */
			assert_int_equal(e.nlink, 2);
			assert_int_equal(e.size, 0);
			sh_ino = e.ino;
		}
		if (!strcmp(e.name, "bin/sh")) { /* last link carries the data */
			assert_int_equal(e.ino, sh_ino);
			assert_int_equal(e.mode, S_IFREG | 04755);
			assert_int_equal(e.size, 7);
			assert_memory_equal(e.data, "#!shell", 7);
			assert_int_equal(e.uid, 1000);
			assert_int_equal(e.gid, 1001);
			assert_int_equal(e.mtime, 1700000000);
		}
		if (!strcmp(e.name, "bin/ls"))
			assert_memory_equal(e.data, "sh", 2);
		if (!strcmp(e.name, "dev")) /* default parent */
			assert_true(e.mode == (S_IFDIR | 0755) && e.uid == 0);
		if (!strcmp(e.name, "dev/null"))
			assert_true(e.mode == (S_IFCHR | 0666) && e.rmaj == 1 && e.rmin == 3);
	}
	assert_int_equal(tu_cpio_next(c, clen, &off, &e), 0);
	free(c);
}

static void prepare_packs_and_caches(void **state)
{
	(void)state;
	make_image(0);
	char *path = NULL;
	struct image_config cfg = {0};
	struct sb_error err = {0};
	assert_int_equal(rootfs_prepare(dir, cache, NULL, &path, &cfg, &err), 0);
	assert_string_equal(cfg.entrypoint[0], "/bin/sh");
	assert_null(cfg.cmd);
	char images[256];
	snprintf(images, sizeof(images), "%s/images/", cache);
	assert_memory_equal(path, images, strlen(images));
	assert_non_null(strstr(path, ".v1.cpio.lz4"));
	struct stat st, st2;
	assert_int_equal(stat(cache, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	int fd = open(path, O_RDONLY);
	size_t len;
	uint8_t *lz = (uint8_t *)tu_read_fd(fd, &len);
	fstat(fd, &st);
	close(fd);
	check_archive(lz, len);
	/* second call: cached file reused as is */
	char *path2 = NULL;
	image_config_free(&cfg);
	assert_int_equal(rootfs_prepare(dir, cache, NULL, &path2, &cfg, &err), 0);
	assert_string_equal(path, path2);
	assert_int_equal(stat(path2, &st2), 0);
	assert_int_equal(st.st_ino, st2.st_ino);
	assert_int_equal(st.st_mtim.tv_nsec, st2.st_mtim.tv_nsec);
	image_config_free(&cfg);
	/* pack_fd writes the same bytes */
	int out = tu_memfd(NULL, 0);
	assert_int_equal(rootfs_pack_fd(dir, out, NULL, &err), 0);
	size_t len2;
	char *again = tu_read_fd(out, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(lz, again, len);
	free(again);
	close(out);
	free(lz);
	free(path);
	free(path2);
}

static void failure_leaves_no_file(void **state)
{
	(void)state;
	make_image(1);
	char *path = NULL;
	struct image_config cfg = {0};
	struct sb_error err = {0};
	assert_int_equal(rootfs_prepare(dir, cache, NULL, &path, &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "layer 1"));
	assert_non_null(strstr(err.msg, "diff_id"));
	assert_null(path);
	char images[256];
	snprintf(images, sizeof(images), "%s/images", cache);
	DIR *d = opendir(images);
	assert_non_null(d);
	struct dirent *de;
	int n = 0;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.' || strncmp(de->d_name, ".tmp", 4) == 0;
	closedir(d);
	assert_int_equal(n, 0);
	/* limits: too few entries allowed */
	struct pack_limits lim;
	pack_limits_default(&lim);
	lim.max_entries = 3;
	make_image(0);
	assert_int_equal(rootfs_prepare(dir, cache, &lim, &path, &cfg, &err), -E2BIG);
	assert_int_equal(rootfs_prepare(dir, "", NULL, &path, &cfg, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(prepare_packs_and_caches, setup, teardown),
	    cmocka_unit_test_setup_teardown(failure_leaves_no_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
