/* Cache hits for image archive files (oci-archive, docker-archive, compressed
 * or not) without reading them. Resolving an archive to its cache key means
 * reading it, and a compressed one is inflated in full (oci_inflate.c): on a
 * hit that is all wasted. So after a pack (or a slow hit) the cache keeps, per
 * archive reference, a record of the file as it was read -- device, inode,
 * size, mtime and ctime, all to the nanosecond -- with the cache key it
 * resolved to and the image config. The next run with the same reference
 * goes straight to the cached initramfs when the file still has exactly that
 * identity and the cache entry is a hit as usual (pack_cache_hit).
 *
 * What can not fool it: a file replaced by another (new inode), rewritten in
 * place even with the same size and its mtime set back (ctime moves: only the
 * clock sets it), a deleted or damaged cache entry (pack_cache_hit), a torn
 * or edited record (it must parse exactly, and the config in it must match
 * its digest). Any doubt is a miss: the slow path reads the archive. A record
 * is written (temp file, rename) only if the file kept its identity while the
 * slow path read it. Records live in cache_dir/archives/<sha256 of the
 * reference: kind, real path, tag>. */
#include "pack_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

#define ARCHIVE_MAGIC "sandbox-archive 1\n"
#define ARCHIVE_HEAD_MAX 512

static const char head_out[] =
    ARCHIVE_MAGIC "file %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRId64 ".%09ld %" PRId64 ".%09ld\n"
		  "image %64s %64s %zu\n";
static const char head_in[] =
    ARCHIVE_MAGIC "file %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNd64 ".%9ld %" SCNd64 ".%9ld\n"
		  "image %64s %64s %zu\n%n";

void pack_archive_find(const char *ref, const char *cache_dir, struct pack_archive *a)
{
	memset(a, 0, sizeof(*a));
	struct oci_ref rf;
	char real[PATH_MAX], hex[DIGEST_HEX_LEN + 1];
	if (oci_ref_parse(ref, &rf, NULL) < 0)
		return;
	if (rf.kind != OCI_REF_LAYOUT && stat(rf.path, &a->st) == 0 && S_ISREG(a->st.st_mode) &&
	    realpath(rf.path, real) &&
	    asprintf(&a->canonical, "%d\n%s\n%s", (int)rf.kind, real, rf.tag ? rf.tag : "") > 0 &&
	    digest_buf(a->canonical, strlen(a->canonical), hex, NULL) == 0 &&
	    asprintf(&a->record, "%s/archives/%s", cache_dir, hex) < 0)
		a->record = NULL;
	if (a->record && !(a->file = strdup(real))) {
		free(a->record);
		a->record = NULL;
	}
	oci_ref_free(&rf);
}

void pack_archive_free(struct pack_archive *a)
{
	free(a->record);
	free(a->canonical);
	free(a->file);
	memset(a, 0, sizeof(*a));
}

static int same_file(const struct stat *x, const struct stat *y)
{
	return x->st_dev == y->st_dev && x->st_ino == y->st_ino && x->st_size == y->st_size &&
	       x->st_mtim.tv_sec == y->st_mtim.tv_sec && x->st_mtim.tv_nsec == y->st_mtim.tv_nsec &&
	       x->st_ctim.tv_sec == y->st_ctim.tv_sec && x->st_ctim.tv_nsec == y->st_ctim.tv_nsec;
}

static int is_hex(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");
	return n == DIGEST_HEX_LEN && !s[n];
}

/* What a record says. json points into buf (freed by the caller). */
struct record {
	struct stat st;
	char key[DIGEST_HEX_LEN + 1], config[DIGEST_HEX_LEN + 1];
	size_t nlayers, json_len;
	const char *json;
};

static int record_parse(char *buf, size_t len, struct record *rec)
{
	uint64_t dev, ino, size;
	int64_t ms, cs;
	int end = 0;
	memset(rec, 0, sizeof(*rec));
	if (sscanf(buf, head_in, &dev, &ino, &size, &ms, &rec->st.st_mtim.tv_nsec, &cs,
		   &rec->st.st_ctim.tv_nsec, rec->key, rec->config, &rec->nlayers, &end) != 10 ||
	    end <= 0 || (size_t)end > len || strncmp(buf, ARCHIVE_MAGIC, strlen(ARCHIVE_MAGIC)) ||
	    !is_hex(rec->key) || !is_hex(rec->config) || rec->nlayers > OCI_MAX_LAYERS)
		return -EINVAL;
	rec->st.st_dev = (dev_t)dev;
	rec->st.st_ino = (ino_t)ino;
	rec->st.st_size = (off_t)size;
	rec->st.st_mtim.tv_sec = (time_t)ms;
	rec->st.st_ctim.tv_sec = (time_t)cs;
	rec->json = buf + end;
	rec->json_len = len - (size_t)end;
	char hex[DIGEST_HEX_LEN + 1];
	if (digest_buf(rec->json, rec->json_len, hex, NULL) < 0 || strcmp(hex, rec->config))
		return -EINVAL;
	return 0;
}

/* The whole record file, bounded; NUL-terminated. */
static char *record_read(const char *path, size_t *len)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > ARCHIVE_HEAD_MAX + OCI_MAX_CONFIG_JSON)
		return NULL;
	char *buf = malloc((size_t)st.st_size + 1);
	if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size) {
		free(buf);
		return NULL;
	}
	buf[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	return buf;
}

/* The image config in the record, parsed as oci_image_open would. */
static int config_load(const struct record *rec, struct image_config *cfg)
{
	struct oci_image img;
	memset(&img, 0, sizeof(img));
	img.nlayers = rec->nlayers;
	if (!(img.layers = calloc(rec->nlayers ? rec->nlayers : 1, sizeof(*img.layers))))
		return -ENOMEM;
	int r = oci_config_parse(rec->json, rec->json_len, &img, NULL);
	free(img.layers);
	if (r < 0) {
		image_config_free(&img.cfg);
		return r;
	}
	*cfg = img.cfg;
	return 0;
}

int pack_archive_hit(const struct pack_archive *a, const char *cache_dir,
		     const struct pack_limits *lim, char **path, struct image_config *cfg)
{
	size_t len;
	struct record rec;
	struct pack_stats st;
	if (!a->record)
		return -ENOENT;
	cleanup_free char *buf = record_read(a->record, &len);
	cleanup_free char *dir = NULL, *final = NULL, *meta = NULL;
	if (!buf || record_parse(buf, len, &rec) < 0 || !same_file(&rec.st, &a->st) ||
	    pack_cache_paths(cache_dir, rec.key, &dir, &final, &meta) < 0 ||
	    pack_cache_hit(final, meta, lim, &st) < 0 || config_load(&rec, cfg) < 0)
		return -ENOENT;
	cfg->unpacked_bytes = st.cpio_bytes;
	cfg->guest_ram_bytes = st.ram_bytes;
	*path = steal_ptr(final);
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void pack_archive_note(const struct pack_archive *a, const char *cache_dir,
		       const struct oci_image *img)
{
	struct stat now;
	char head[ARCHIVE_HEAD_MAX];
	cleanup_free char *dir = NULL, *tmp = NULL;
	if (!a->record || !img->config_json || stat(a->file, &now) < 0 || !same_file(&now, &a->st))
		return;
	int n = snprintf(head, sizeof(head), head_out, (uint64_t)now.st_dev, (uint64_t)now.st_ino,
			 (uint64_t)now.st_size, (int64_t)now.st_mtim.tv_sec, now.st_mtim.tv_nsec,
			 (int64_t)now.st_ctim.tv_sec, now.st_ctim.tv_nsec, img->manifest.digest,
			 img->config.digest, img->nlayers);
	if (n <= 0 || (size_t)n >= sizeof(head) || asprintf(&dir, "%s/archives", cache_dir) < 0 ||
	    asprintf(&tmp, "%s/.tmp-XXXXXX", dir) < 0 || (mkdir(dir, 0700) < 0 && errno != EEXIST))
		return;
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return;
	int r = write_all(fd, head, (size_t)n);
	if (r == 0)
		r = write_all(fd, img->config_json, img->config.size);
	if (close(fd) < 0 || r < 0 || rename(tmp, a->record) < 0)
		unlink(tmp);
}
