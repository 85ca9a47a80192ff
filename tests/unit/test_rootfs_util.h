/* Helpers shared by the rootfs unit tests: build tars (libarchive writer), OCI
 * layouts in temp dirs, and decode our output (LZ4 legacy + cpio newc). */
#ifndef TEST_ROOTFS_UTIL_H
#define TEST_ROOTFS_UTIL_H

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"

/* ---- tar building ---- */
struct tb {
	struct archive *a;
	char *buf;
	size_t cap, used;
};

enum tb_comp { TB_NONE, TB_GZIP, TB_ZSTD };

static inline void tb_open(struct tb *t, enum tb_comp comp)
{
	t->cap = 64 << 20;
	t->buf = malloc(t->cap);
	t->used = 0;
	t->a = archive_write_new();
	archive_write_set_format_pax_restricted(t->a);
	if (comp == TB_GZIP)
		archive_write_add_filter_gzip(t->a);
	if (comp == TB_ZSTD)
		archive_write_add_filter_zstd(t->a);
	archive_write_set_bytes_in_last_block(t->a, 1);
	if (archive_write_open_memory(t->a, t->buf, t->cap, &t->used) != ARCHIVE_OK)
		abort();
}

/* type: 'f' file, 'd' dir, 'l' symlink, 'h' hard link, 'p' fifo, 'c' char dev. */
static inline void tb_add(struct tb *t, char type, const char *path, unsigned perm,
			  const char *data_or_target)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_perm(e, perm);
	archive_entry_set_mtime(e, 1700000000, 0);
	archive_entry_set_uid(e, 1000);
	archive_entry_set_gid(e, 1001);
	size_t len = 0;
	switch (type) {
	case 'f':
		archive_entry_set_filetype(e, AE_IFREG);
		len = data_or_target ? strlen(data_or_target) : 0;
		archive_entry_set_size(e, (la_int64_t)len);
		break;
	case 'd':
		archive_entry_set_filetype(e, AE_IFDIR);
		break;
	case 'l':
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_symlink(e, data_or_target);
		break;
	case 'h':
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_hardlink(e, data_or_target);
		break;
	case 'p':
		archive_entry_set_filetype(e, AE_IFIFO);
		break;
	case 'c':
		archive_entry_set_filetype(e, AE_IFCHR);
		archive_entry_set_rdevmajor(e, 1);
		archive_entry_set_rdevminor(e, 3);
		break;
	}
	if (archive_write_header(t->a, e) != ARCHIVE_OK)
		abort();
	if (len && archive_write_data(t->a, data_or_target, len) != (la_ssize_t)len)
		abort();
	archive_entry_free(e);
}

/* A regular file with binary content. */
static inline void tb_add_bytes(struct tb *t, const char *path, const void *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	if (archive_write_header(t->a, e) != ARCHIVE_OK)
		abort();
	if (len && archive_write_data(t->a, data, len) != (la_ssize_t)len)
		abort();
	archive_entry_free(e);
}

/* Finish; returns the malloc'd bytes (caller frees) and their length. */
static inline char *tb_close(struct tb *t, size_t *len)
{
	archive_write_close(t->a);
	archive_write_free(t->a);
	*len = t->used;
	return t->buf;
}

/* ---- files ---- */
static inline int tu_memfd(const void *buf, size_t len)
{
	char path[] = "/tmp/rootfs-test-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		abort();
	unlink(path);
	if (len && write(fd, buf, len) != (ssize_t)len)
		abort();
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static inline void tu_write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		abort();
	close(fd);
}

static inline char *tu_read_fd(int fd, size_t *len)
{
	struct stat st;
	fstat(fd, &st);
	char *buf = malloc((size_t)st.st_size + 1);
	if (pread(fd, buf, (size_t)st.st_size, 0) != st.st_size)
		abort();
	*len = (size_t)st.st_size;
	return buf;
}

static inline void tu_rm_rf(const char *dir)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		abort();
}

/* ---- cpio parsing ---- */
struct tu_cpio_ent {
	char name[4200];
	uint32_t ino, mode, uid, gid, nlink, mtime, size, rmaj, rmin;
	const uint8_t *data;
};

/* Make a temporary directory from template (mkdtemp, e.g. "/tmp/x-XXXXXX",
 * rewritten in place) holding the blobs/sha256 skeleton of an OCI layout. */
static inline void tu_mklayout(char *template)
{
	assert_non_null(mkdtemp(template));
	char p[256];
	snprintf(p, sizeof(p), "%s/blobs", template);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/blobs/sha256", template);
	assert_int_equal(mkdir(p, 0755), 0);
}

static inline uint32_t tu_hex8(const uint8_t *p)
{
	char b[9];
	memcpy(b, p, 8);
	b[8] = 0;
	return (uint32_t)strtoul(b, NULL, 16);
}

/* Parse one newc entry at *off (must be 4-aligned); returns 1, 0 at the
 * trailer, -1 on a malformed archive. */
static inline int tu_cpio_next(const uint8_t *buf, size_t len, size_t *off, struct tu_cpio_ent *e)
{
	size_t o = *off;
	if ((o & 3) || o + 110 > len || memcmp(buf + o, "070701", 6))
		return -1;
	const uint8_t *h = buf + o + 6;
	e->ino = tu_hex8(h);
	e->mode = tu_hex8(h + 8);
	e->uid = tu_hex8(h + 16);
	e->gid = tu_hex8(h + 24);
	e->nlink = tu_hex8(h + 32);
	e->mtime = tu_hex8(h + 40);
	e->size = tu_hex8(h + 48);
	e->rmaj = tu_hex8(h + 72);
	e->rmin = tu_hex8(h + 80);
	uint32_t namesize = tu_hex8(h + 88);
	if (tu_hex8(h + 96) != 0 || namesize == 0 || namesize > sizeof(e->name) ||
	    o + 110 + namesize > len || buf[o + 110 + namesize - 1] != 0)
		return -1;
	memcpy(e->name, buf + o + 110, namesize);
	o = (o + 110 + namesize + 3) & ~(size_t)3;
	if (o + e->size > len)
		return -1;
	e->data = buf + o;
	o = (o + e->size + 3) & ~(size_t)3;
	*off = o;
	return strcmp(e->name, "TRAILER!!!") ? 1 : 0;
}

/* ---- OCI layouts ---- */
/* Store data as a blob of the layout at dir; its sha256 hex into hex. */
static inline void tu_blob(const char *dir, const void *data, size_t len, char hex[65])
{
	char path[256];
	assert_int_equal(digest_buf(data, len, hex, NULL), 0);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, hex);
	tu_write_file(path, data, len);
}

/* The rest of an image in the layout at dir, once its layers are blobs: the
 * config cfg as a blob, a manifest listing cfg and layers (the JSON of its
 * "layers" array, without brackets) and index.json naming that manifest. */
static inline void tu_oci_finish(const char *dir, const char *cfg, const char *layers)
{
	char ch[65], mh[65], man[3000], idx[300], path[256];
	tu_blob(dir, cfg, strlen(cfg), ch);
	snprintf(man, sizeof(man),
		 "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:%s\",\"size\":%zu},"
		 "\"layers\":[%s]}",
		 ch, strlen(cfg), layers);
	tu_blob(dir, man, strlen(man), mh);
	snprintf(idx, sizeof(idx),
		 "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:%s\",\"size\":%zu}]}",
		 mh, strlen(man));
	snprintf(path, sizeof(path), "%s/index.json", dir);
	tu_write_file(path, idx, strlen(idx));
}

/* A one-layer image in the layout at dir: the plain tar as its layer, a config
 * with config_fields ("" or e.g. "\"config\":{...},") and the layer's diff_id
 * (one hex digit off when bad_diff_id), its manifest and index.json. */
static inline void tu_oci_single(const char *dir, const void *tar, size_t len,
				 const char *config_fields, int bad_diff_id)
{
	char lh[65], diff[65], cfg[600], layer[200];
	tu_blob(dir, tar, len, lh);
	memcpy(diff, lh, sizeof(diff));
	if (bad_diff_id)
		diff[0] = diff[0] == '0' ? '1' : '0';
	snprintf(cfg, sizeof(cfg),
		 "{\"architecture\":\"amd64\",\"os\":\"linux\",%s"
		 "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%s\"]}}",
		 config_fields, diff);
	snprintf(layer, sizeof(layer),
		 "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
		 "\"digest\":\"sha256:%s\",\"size\":%zu}",
		 lh, len);
	tu_oci_finish(dir, cfg, layer);
}

/* ---- LZ4 legacy ---- */
/* Decode a packed initramfs: magic, blocks, the zero end mark, then only zero
 * padding to a multiple of 4. */
static inline uint8_t *tu_lz4_decode(const uint8_t *buf, size_t len, size_t *out_len)
{
	assert_true(len >= 8 && len % 4 == 0);
	assert_memory_equal(buf, "\x02\x21\x4c\x18", 4);
	size_t off = 4, olen = 0;
	uint8_t *out = NULL;
	for (;;) {
		uint32_t n;
		assert_true(off + 4 <= len);
		memcpy(&n, buf + off, 4);
		off += 4;
		if (n == 0)
			break;
		assert_true(n <= len - off);
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

#endif
