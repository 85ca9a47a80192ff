/* End to end: OCI layout on disk -> rootfs_prepare/rootfs_pack_fd -> decoded
 * LZ4 legacy -> parsed cpio; cache naming, reuse, and failure cleanup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <lz4.h>
#include <sys/file.h>
#include <time.h>

#include "digest.h"
#include "pack.h"
#include "pack_int.h"
#include "test_rootfs_util.h"

static char dir[64], cache[128];

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
		tu_blob(dir, z, bl, dig[i]);
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
	tu_blob(dir, cfg, strlen(cfg), ch);
	snprintf(man, sizeof(man),
		 "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:%s\",\"size\":%zu},"
		 "\"layers\":[%s]}",
		 ch, strlen(cfg), layers);
	tu_blob(dir, man, strlen(man), mh);
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
	tu_mklayout(dir);
	snprintf(cache, sizeof(cache), "%s/cache/sub", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rm_rf(dir);
	return 0;
}

static void check_archive(const uint8_t *lz, size_t len)
{
	size_t clen;
	uint8_t *c = tu_lz4_decode(lz, len, &clen);
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

/* rootfs_prepare; returns its result, *ino the cached file's inode (0 if none). */
static int prepare(const struct pack_limits *lim, char **path, struct image_config *cfg, ino_t *ino,
		   struct sb_error *err)
{
	*path = NULL;
	memset(cfg, 0, sizeof(*cfg));
	int r = rootfs_prepare(dir, cache, lim, path, cfg, err);
	struct stat st;
	*ino = r == 0 && stat(*path, &st) == 0 ? st.st_ino : 0;
	return r;
}

static uint64_t cpio_len(const char *path)
{
	int fd = open(path, O_RDONLY);
	size_t len, clen;
	uint8_t *lz = (uint8_t *)tu_read_fd(fd, &len);
	close(fd);
	free(tu_lz4_decode(lz, len, &clen));
	free(lz);
	return clen;
}

static void fd_contains(const char *path, const char *want)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	size_t len;
	char *buf = tu_read_fd(fd, &len);
	close(fd);
	buf[len] = '\0';
	assert_non_null(strstr(buf, want));
	free(buf);
}

static void cache_hits_respect_limits(void **state)
{
	(void)state;
	make_image(0);
	char *path;
	struct image_config cfg;
	struct sb_error err = {0};
	ino_t ino, ino2;
	assert_int_equal(prepare(NULL, &path, &cfg, &ino, &err), 0);
	uint64_t want = cpio_len(path);
	assert_true(want > 512);
	assert_int_equal(cfg.unpacked_bytes, want); /* on a miss */
	/* guest RAM: whole pages per file + 1 KiB per entry, so more than the cpio's
	 * bytes (headers < 1 KiB, data padded to 4) bar the trailer */
	uint64_t ram = cfg.guest_ram_bytes;
	assert_true(ram + 128 >= want);
	assert_int_equal(ram % 1024, 0);
	image_config_free(&cfg);
	free(path);
	/* stricter limits than the entry was packed under: packed again, and
	 * refused as a first pack would be; the entry stays for others */
	struct pack_limits lim;
	pack_limits_default(&lim);
	lim.max_entries = 3;
	assert_int_equal(prepare(&lim, &path, &cfg, &ino2, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "max-entries"));
	pack_limits_default(&lim);
	lim.max_unpacked_bytes = 1000;
	assert_int_equal(prepare(&lim, &path, &cfg, &ino2, &err), -EFBIG);
	pack_limits_default(&lim);
	lim.max_path = 5;
	assert_true(prepare(&lim, &path, &cfg, &ino2, &err) < 0);
	assert_int_equal(prepare(NULL, &path, &cfg, &ino2, &err), 0);
	assert_int_equal(ino2, ino);		    /* default limits: a hit */
	assert_int_equal(cfg.unpacked_bytes, want); /* on a hit */
	assert_int_equal(cfg.guest_ram_bytes, ram);
	image_config_free(&cfg);
	free(path);
	/* stricter but sufficient: packed again, recorded, then a hit under
	 * those and under more generous limits */
	pack_limits_default(&lim);
	lim.max_entries = 100;
	assert_int_equal(prepare(&lim, &path, &cfg, &ino2, &err), 0);
	char meta[512];
	snprintf(meta, sizeof(meta), "%.*s.meta", (int)(strlen(path) - strlen(".cpio.lz4")), path);
	fd_contains(meta, "\nmax_entries 100\n");
	image_config_free(&cfg);
	free(path);
	assert_int_equal(prepare(&lim, &path, &cfg, &ino, &err), 0);
	assert_int_equal(ino, ino2);
	image_config_free(&cfg);
	free(path);
	assert_int_equal(prepare(NULL, &path, &cfg, &ino, &err), 0);
	assert_int_equal(ino, ino2);
	image_config_free(&cfg);
	free(path);
}

/* Damage the cached image or its record; the next prepare must pack again and
 * leave an intact file. how: 't' truncate, 'm' magic, 'b' a block size, 'e' end
 * mark, 'j' junk appended, 'r' record removed, 'g' record garbled. */
static void damage_and_repack(char how)
{
	char *path, meta[512];
	struct image_config cfg;
	struct sb_error err = {0};
	ino_t ino;
	assert_int_equal(prepare(NULL, &path, &cfg, &ino, &err), 0);
	image_config_free(&cfg);
	size_t len, mlen;
	snprintf(meta, sizeof(meta), "%.*s.meta", (int)(strlen(path) - strlen(".cpio.lz4")), path);
	int fd = open(meta, O_RDONLY);
	char *good_meta = tu_read_fd(fd, &mlen);
	close(fd);
	fd = open(path, O_RDWR);
	uint8_t *good = (uint8_t *)tu_read_fd(fd, &len);
	uint32_t blk;
	memcpy(&blk, good + 4, 4);
	switch (how) {
	case 't':
		assert_int_equal(ftruncate(fd, (off_t)len / 2), 0);
		break;
	case 'm':
		assert_int_equal(pwrite(fd, "\x02\x21\x4c\x19", 4, 0), 4);
		break;
	case 'b':
		blk += 8;
		assert_int_equal(pwrite(fd, &blk, 4, 4), 4);
		break;
	case 'e': { /* the zero word after the last block */
		size_t off = 4;
		for (uint32_t n; memcpy(&n, good + off, 4), n; off += 4 + n)
			;
		assert_int_equal(pwrite(fd, "\x01\0\0\0", 4, (off_t)off), 4);
		break;
	}
	case 'j':
		assert_int_equal(pwrite(fd, "\0\0\0\0", 4, (off_t)len), 4);
		break;
	case 'r':
		assert_int_equal(unlink(meta), 0);
		break;
	case 'g':
		tu_write_file(meta, "sandbox-pack-meta 1\nfile_size x\n", 32);
		break;
	}
	close(fd);
	free(path);
	/* packed again: the image and its record are whole again */
	assert_int_equal(prepare(NULL, &path, &cfg, &ino, &err), 0);
	assert_int_equal(cfg.unpacked_bytes, cpio_len(path));
	image_config_free(&cfg);
	fd = open(path, O_RDONLY);
	size_t len2;
	uint8_t *again = (uint8_t *)tu_read_fd(fd, &len2);
	close(fd);
	assert_int_equal(len2, len);
	assert_memory_equal(again, good, len);
	free(again);
	fd = open(meta, O_RDONLY);
	again = (uint8_t *)tu_read_fd(fd, &len2);
	close(fd);
	assert_int_equal(len2, mlen);
	assert_memory_equal(again, good_meta, mlen);
	free(again);
	free(good_meta);
	free(good);
	free(path);
}

static void damaged_cache_entries_are_repacked(void **state)
{
	(void)state;
	make_image(0);
	for (const char *h = "tmbejrg"; *h; h++)
		damage_and_repack(*h);
}

/* ---- images from given layer tars ---- */

/* Config JSON naming the tars' diff_ids (the last one corrupted when bad_diff). */
static void config_json(char **tars, size_t *lens, size_t n, int bad_diff, char *out, size_t cap)
{
	char diffs[1024] = "";
	for (size_t i = 0; i < n; i++) {
		char id[65];
		assert_int_equal(digest_buf(tars[i], lens[i], id, NULL), 0);
		if (bad_diff && i == n - 1)
			id[5] = id[5] == 'a' ? 'b' : 'a';
		size_t k = strlen(diffs);
		snprintf(diffs + k, sizeof(diffs) - k, "%s\"sha256:%s\"", i ? "," : "", id);
	}
	snprintf(out, cap,
		 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"x\"]},"
		 "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[%s]}}",
		 diffs);
}

/* An OCI layout in dir with uncompressed layers. */
static void layout_write(char **tars, size_t *lens, size_t n)
{
	char layers[2048] = "", cfg[1200];
	for (size_t i = 0; i < n; i++) {
		char d[65];
		tu_blob(dir, tars[i], lens[i], d);
		size_t k = strlen(layers);
		snprintf(layers + k, sizeof(layers) - k,
			 "%s{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
			 "\"digest\":\"sha256:%s\",\"size\":%zu}",
			 i ? "," : "", d, lens[i]);
	}
	config_json(tars, lens, n, 0, cfg, sizeof(cfg));
	tu_oci_finish(dir, cfg, layers);
}

/* Pack ref; returns the decoded cpio (caller frees) or NULL with err set. */
static uint8_t *pack_decode(const char *ref, size_t *clen, struct sb_error *err)
{
	int out = tu_memfd(NULL, 0);
	uint8_t *c = NULL;
	if (rootfs_pack_fd(ref, out, NULL, err) == 0) {
		size_t len;
		uint8_t *lz = (uint8_t *)tu_read_fd(out, &len);
		c = tu_lz4_decode(lz, len, clen);
		free(lz);
	}
	close(out);
	return c;
}

/* The entry named name in the cpio, or 0 if absent. */
static int cpio_find(const uint8_t *c, size_t clen, const char *name, struct tu_cpio_ent *e)
{
	size_t off = 0;
	int r;
	while ((r = tu_cpio_next(c, clen, &off, e)) == 1)
		if (!strcmp(e->name, name))
			return 1;
	assert_int_equal(r, 0);
	return 0;
}

static void sandbox_dir_is_dropped(void **state)
{
	(void)state;
	struct tb t;
	char *tars[2];
	size_t lens[2];
	tb_open(&t, TB_NONE);
	tb_add(&t, 'd', ".sandbox", 0755, NULL);
	tb_add(&t, 'f', ".sandbox/init", 0755, "#!fake init");
	tb_add(&t, 'h', "keep", 0, ".sandbox/init"); /* a second name outside survives */
	tb_add(&t, 'l', "via", 0777, "/.sandbox");
	tb_add(&t, 'f', "via/config.dtb", 0644, "through a symlink");
	tb_add(&t, 'f', "/./.sandbox/../.sandbox/x", 0644, "dotted");
	tb_add(&t, 'f', "etc/hostname", 0644, "img");
	tars[0] = tb_close(&t, &lens[0]);
	tb_open(&t, TB_NONE);
	tb_add(&t, 'l', ".sandbox", 0777, "etc"); /* would send ours into /etc */
	tars[1] = tb_close(&t, &lens[1]);
	for (size_t n = 1; n <= 2; n++) {
		layout_write(tars, lens, n);
		struct sb_error err = {0};
		size_t clen;
		uint8_t *c = pack_decode(dir, &clen, &err);
		assert_non_null(c);
		size_t off = 0;
		struct tu_cpio_ent e;
		int names = 0;
		while (tu_cpio_next(c, clen, &off, &e) == 1) {
			assert_null(strstr(e.name, ".sandbox"));
			names++;
		}
		assert_int_equal(names, 4); /* etc, etc/hostname, keep, via */
		assert_int_equal(cpio_find(c, clen, "keep", &e), 1);
		assert_int_equal(e.nlink, 1);
		assert_int_equal(e.size, 11);
		assert_memory_equal(e.data, "#!fake init", 11);
		assert_int_equal(cpio_find(c, clen, "via", &e), 1);
		assert_int_equal(e.mode & S_IFMT, S_IFLNK);
		free(c);
	}
	free(tars[0]);
	free(tars[1]);
}

/* A docker-archive at dir/d.tar: layers compressed per comp[i] ('n', 'g', 'z'),
 * legacy <i>/layer.tar names, the first one also linked as link/layer.tar. */
static void docker_write(char **tars, size_t *lens, size_t n, const char *comp, int bad_diff)
{
	char cfg[1200], man[2048] = "[{\"Config\":\"cfg.json\",\"RepoTags\":[\"t:1\"],\"Layers\":[";
	struct tb t;
	tb_open(&t, TB_NONE);
	config_json(tars, lens, n, bad_diff, cfg, sizeof(cfg));
	tb_add_bytes(&t, "cfg.json", cfg, strlen(cfg));
	for (size_t i = 0; i < n; i++) {
		char name[64];
		size_t zl = lens[i];
		char *z =
		    comp[i] == 'n' ? tars[i] : compress(tars[i], lens[i], comp[i] == 'z', &zl);
		snprintf(name, sizeof(name), "%zu/layer.tar", i);
		tb_add_bytes(&t, name, z, zl);
		if (z != tars[i])
			free(z);
		size_t k = strlen(man);
		snprintf(man + k, sizeof(man) - k, "%s\"%s\"", i ? "," : "",
			 i ? name : "link/layer.tar");
	}
	tb_add(&t, 'l', "link/layer.tar", 0777, "../0/layer.tar");
	strcat(man, "]}]");
	tb_add_bytes(&t, "manifest.json", man, strlen(man));
	size_t len;
	char *buf = tb_close(&t, &len), path[128];
	snprintf(path, sizeof(path), "%s/d.tar", dir);
	tu_write_file(path, buf, len);
	free(buf);
}

static void docker_archive_packs(void **state)
{
	(void)state;
	struct tb t;
	char *tars[3];
	size_t lens[3];
	tb_open(&t, TB_NONE);
	tb_add(&t, 'f', "a", 0644, "from layer 0");
	tb_add(&t, 'f', "gone", 0644, "x");
	tars[0] = tb_close(&t, &lens[0]);
	tb_open(&t, TB_NONE);
	tb_add(&t, 'f', ".wh.gone", 0644, NULL);
	tb_add(&t, 'f', "b", 0644, "from layer 1");
	tars[1] = tb_close(&t, &lens[1]);
	tb_open(&t, TB_NONE);
	tb_add(&t, 'f', "c", 0644, "from layer 2");
	tars[2] = tb_close(&t, &lens[2]);
	char ref[160];
	snprintf(ref, sizeof(ref), "docker-archive:%s/d.tar:t:1", dir);
	struct sb_error err = {0};
	struct tu_cpio_ent e;
	size_t clen;
	docker_write(tars, lens, 3, "ngz", 0);
	uint8_t *c = pack_decode(ref, &clen, &err);
	assert_non_null(c);
	assert_int_equal(cpio_find(c, clen, "a", &e), 1);
	assert_memory_equal(e.data, "from layer 0", 12);
	assert_int_equal(cpio_find(c, clen, "c", &e), 1);
	assert_memory_equal(e.data, "from layer 2", 12);
	assert_int_equal(cpio_find(c, clen, "gone", &e), 0);
	/* `docker save | gzip`: the same image */
	char cmd[400], zref[200];
	snprintf(cmd, sizeof(cmd), "gzip -c %s/d.tar > %s/d.tar.gz", dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(zref, sizeof(zref), "docker-archive:%s/d.tar.gz:t:1", dir);
	size_t zlen;
	uint8_t *zc = pack_decode(zref, &zlen, &err);
	assert_non_null(zc);
	assert_int_equal(zlen, clen);
	assert_memory_equal(zc, c, clen);
	free(zc);
	free(c);
	/* the config's diff_ids are the check */
	docker_write(tars, lens, 3, "ngz", 1);
	assert_null(pack_decode(ref, &clen, &err));
	assert_non_null(strstr(err.msg, "layer 2"));
	assert_non_null(strstr(err.msg, "diff_id"));
	/* layers swapped in manifest.json: diff_ids catch it too */
	char *tmp = tars[1];
	tars[1] = tars[2];
	tars[2] = tmp;
	docker_write(tars, lens, 3, "nnn", 0);
	char path[128];
	snprintf(path, sizeof(path), "%s/d.tar", dir);
	int fd = open(path, O_RDWR);
	size_t len;
	char *buf = tu_read_fd(fd, &len);
	char *m = memmem(buf, len, "\"1/layer.tar\",\"2/layer.tar\"", 27);
	assert_non_null(m);
	memcpy(m, "\"2/layer.tar\",\"1/layer.tar\"", 27);
	assert_int_equal(pwrite(fd, buf, len, 0), (ssize_t)len);
	close(fd);
	free(buf);
	assert_null(pack_decode(ref, &clen, &err));
	assert_non_null(strstr(err.msg, "diff_id"));
	for (int i = 0; i < 3; i++)
		free(tars[i]);
}

static void cache_dir_file(const char *name, int age_secs, char *path, size_t cap)
{
	snprintf(path, cap, "%s/images/%s", cache, name);
	tu_write_file(path, "12345", 5);
	struct timespec ts[2] = {{.tv_sec = time(NULL) - age_secs},
				 {.tv_sec = time(NULL) - age_secs}};
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void cache_list_and_prune(void **state)
{
	(void)state;
	struct sb_error err = {0};
	struct pack_cache_entry *v;
	size_t n;
	struct pack_prune_stats st;
	assert_int_equal(pack_cache_list(cache, &v, &n, &err), 0); /* no cache yet */
	assert_int_equal(n, 0);
	assert_int_equal(pack_cache_prune(cache, 1, &st, &err), 0);
	make_image(0);
	char *path = NULL;
	struct image_config cfg = {0};
	assert_int_equal(rootfs_prepare(dir, cache, NULL, &path, &cfg, &err), 0);
	image_config_free(&cfg);
	/* last used: a second use moves the atime forward */
	struct timespec old[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
	assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
	free(path);
	assert_int_equal(rootfs_prepare(dir, cache, NULL, &path, &cfg, &err), 0);
	image_config_free(&cfg);
	struct stat fst;
	assert_int_equal(stat(path, &fst), 0);
	char stale[256], fresh[256], locked[256], oldfmt[256], other[256];
	cache_dir_file(".tmp-abc-stale", 7200, stale, sizeof(stale));
	cache_dir_file(".tmp-abc-fresh", 60, fresh, sizeof(fresh));
	cache_dir_file(".tmp-abc-locked", 7200, locked, sizeof(locked));
	cache_dir_file(
	    "0000000000000000000000000000000000000000000000000000000000000000.v0.cpio.lz4", 10,
	    oldfmt, sizeof(oldfmt));
	cache_dir_file("notes.txt", 99999, other, sizeof(other));
	int lk = open(locked, O_RDONLY); /* a pack still writing it */
	assert_int_equal(flock(lk, LOCK_EX), 0);
	assert_int_equal(pack_cache_list(cache, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_non_null(strstr(path, v[0].key)); /* most recently used first */
	assert_int_equal(v[0].version, PACK_FORMAT_VERSION);
	assert_int_equal(v[0].size, (uint64_t)fst.st_size);
	assert_true(v[0].last_used > 1000000000);
	assert_int_equal(v[1].version, 0);
	free(v);
	assert_int_equal(pack_cache_prune(cache, 0, &st, &err), 0);
	assert_int_equal(st.files, 2); /* the stale temp file and the old format */
	assert_int_equal(st.bytes, 10);
	assert_int_equal(access(stale, F_OK), -1);
	assert_int_equal(access(oldfmt, F_OK), -1);
	assert_int_equal(access(fresh, F_OK), 0);
	assert_int_equal(access(locked, F_OK), 0);
	assert_int_equal(access(other, F_OK), 0);
	assert_int_equal(access(path, F_OK), 0);
	char meta[512];
	snprintf(meta, sizeof(meta), "%.*s.meta", (int)(strlen(path) - strlen(".cpio.lz4")), path);
	assert_int_equal(access(meta, F_OK), 0); /* a current image keeps its record */
	close(lk);				 /* the pack is gone: its stale file goes now */
	assert_int_equal(pack_cache_prune(cache, 1, &st, &err), 0);
	assert_int_equal(st.files, 2);
	assert_int_equal(access(locked, F_OK), -1);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(access(meta, F_OK), -1); /* and loses it with the image */
	assert_int_equal(access(other, F_OK), 0);
	assert_int_equal(pack_cache_list(cache, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	free(v);
	free(path);
}

static struct pack_progress seen[64];
static int nseen;

static void record(const struct pack_progress *p)
{
	if (nseen < 64)
		seen[nseen++] = *p;
}

static void progress_reports(void **state)
{
	(void)state;
	/* the meter: one report as each phase starts, then throttled to one
	 * per 100 ms, plus a final one */
	struct pack_meter m;
	nseen = 0;
	pack_meter_start(&m, record);
	pack_meter_phase(&m, "reading layers", 5000);
	assert_int_equal(nseen, 1);
	assert_string_equal(seen[0].phase, "reading layers");
	assert_int_equal(seen[0].done, 0);
	for (int i = 0; i < 1000; i++)
		pack_meter_add(&m, 5);
	assert_int_equal(nseen, 1);
	usleep(150 * 1000);
	pack_meter_add(&m, 0);
	assert_int_equal(nseen, 2);
	assert_string_equal(seen[1].phase, "reading layers");
	assert_int_equal(seen[1].done, 5000);
	assert_int_equal(seen[1].total, 5000);
	assert_true(seen[1].elapsed_ms >= 150 && !seen[1].finished);
	pack_meter_end(&m);
	assert_int_equal(nseen, 3);
	assert_true(seen[2].finished);
	/* no callback: nothing to do */
	pack_meter_start(&m, NULL);
	pack_meter_add(&m, 1);
	pack_meter_end(&m);
	/* a real pack ends with exactly one finished report */
	make_image(0);
	struct pack_limits lim;
	pack_limits_default(&lim);
	assert_null(lim.progress);
	lim.progress = record;
	nseen = 0;
	int out = tu_memfd(NULL, 0);
	struct sb_error err = {0};
	assert_int_equal(rootfs_pack_fd(dir, out, &lim, &err), 0);
	close(out);
	assert_true(nseen >= 1);
	for (int i = 0; i < nseen; i++)
		assert_int_equal(seen[i].finished, i == nseen - 1);
	assert_string_equal(seen[nseen - 1].phase, "writing initramfs");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(prepare_packs_and_caches, setup, teardown),
	    cmocka_unit_test_setup_teardown(failure_leaves_no_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(cache_hits_respect_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(damaged_cache_entries_are_repacked, setup, teardown),
	    cmocka_unit_test_setup_teardown(sandbox_dir_is_dropped, setup, teardown),
	    cmocka_unit_test_setup_teardown(docker_archive_packs, setup, teardown),
	    cmocka_unit_test_setup_teardown(cache_list_and_prune, setup, teardown),
	    cmocka_unit_test_setup_teardown(progress_reports, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
