/* OCI image layout access: reference parsing, verified blob reads, manifest resolution. */
#include "oci.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

int oci_ref_parse(const char *ref, char **dir, char **tag, struct sb_error *err)
{
	*dir = *tag = NULL;
	const char *p = ref;
	if (!strncmp(ref, "oci-archive:", 12) || !strncmp(ref, "docker-archive:", 15) ||
	    !strncmp(ref, "docker://", 9))
		return error_set(err, ENOTSUP,
				 "image `%s`: transport not supported (use oci:DIR[:TAG])", ref);
	int prefixed = !strncmp(ref, "oci:", 4);
	if (prefixed)
		p += 4;
	const char *colon = prefixed ? strrchr(p, ':') : NULL;
	if (colon && strchr(colon, '/'))
		colon = NULL;
	size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
	if (dlen == 0)
		return error_set(err, EINVAL, "image `%s`: no directory", ref);
	if (colon && !colon[1])
		return error_set(err, EINVAL, "image `%s`: empty tag", ref);
	*dir = strndup(p, dlen);
	*tag = colon ? strdup(colon + 1) : NULL;
	if (!*dir || (colon && !*tag)) {
		free(*dir);
		*dir = NULL;
		return error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

static int open_regular(const char *path, const char *what, uint64_t *size, struct sb_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return error_set(err, errno, "%s `%s`", what, path);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return error_set(err, e, "stat %s `%s`", what, path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(err, EINVAL, "%s `%s` is not a regular file", what, path);
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	*size = (uint64_t)st.st_size;
	return fd;
}

int oci_blob_open(const char *dir, const struct oci_desc *d, struct sb_error *err)
{
	cleanup_free char *path = NULL;
	if (strlen(d->digest) != DIGEST_HEX_LEN ||
	    asprintf(&path, "%s/blobs/sha256/%s", dir, d->digest) < 0)
		return error_set(err, EINVAL, "bad blob descriptor");
	uint64_t size;
	int fd = open_regular(path, "blob", &size, err);
	if (fd < 0)
		return fd;
	if (size != d->size) {
		close(fd);
		return error_set(err, EINVAL, "blob sha256:%s: size %llu, descriptor says %llu",
				 d->digest, (unsigned long long)size, (unsigned long long)d->size);
	}
	return fd;
}

static int read_all(int fd, char *buf, size_t len, const char *what, struct sb_error *err)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = read(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error_set(err, n < 0 ? errno : EIO, "read %s", what);
		off += (size_t)n;
	}
	return 0;
}

int oci_blob_read(const char *dir, const struct oci_desc *d, size_t max, char **out,
		  struct sb_error *err)
{
	if (d->size > max)
		return error_set(err, EFBIG, "blob sha256:%s: %llu bytes, limit %zu", d->digest,
				 (unsigned long long)d->size, max);
	cleanup_close int fd = oci_blob_open(dir, d, err);
	if (fd < 0)
		return fd;
	cleanup_free char *buf = malloc(d->size + 1);
	if (!buf)
		return error_set(err, ENOMEM, "blob sha256:%s: out of memory", d->digest);
	int r = read_all(fd, buf, d->size, "blob", err);
	if (r < 0)
		return r;
	buf[d->size] = '\0';
	char hex[DIGEST_HEX_LEN + 1];
	if ((r = digest_buf(buf, d->size, hex, err)) < 0)
		return r;
	if (strcmp(hex, d->digest))
		return error_set(err, EINVAL, "blob sha256:%s: content has digest sha256:%s",
				 d->digest, hex);
	*out = steal_ptr(buf);
	return 0;
}

static int index_read(const char *dir, char **out, size_t *len, struct sb_error *err)
{
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/index.json", dir) < 0)
		return error_set(err, ENOMEM, "out of memory");
	uint64_t size;
	cleanup_close int fd = open_regular(path, "image index", &size, err);
	if (fd < 0)
		return error_prefix(err, "`%s` is not an OCI image layout", dir);
	if (size > OCI_MAX_INDEX_JSON)
		return error_set(err, EFBIG, "`%s`: %llu bytes, limit %u", path,
				 (unsigned long long)size, OCI_MAX_INDEX_JSON);
	cleanup_free char *buf = malloc(size + 1);
	if (!buf)
		return error_set(err, ENOMEM, "out of memory");
	int r = read_all(fd, buf, size, path, err);
	if (r < 0)
		return r;
	buf[size] = '\0';
	*len = size;
	*out = steal_ptr(buf);
	return 0;
}

/* Follow index.json -> (nested indexes) -> manifest; returns the manifest JSON. */
static int resolve(struct oci_image *img, const char *tag, char **json, struct sb_error *err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	int r = index_read(img->dir, &buf, &len, err);
	if (r < 0)
		return r;
	int is_index;
	r = oci_index_select(buf, len, 1, tag, img->dir, &img->manifest, &is_index, err);
	for (int depth = 0; r == 0; depth++) {
		free(buf);
		buf = NULL;
		r = oci_blob_read(img->dir, &img->manifest, OCI_MAX_MANIFEST_JSON, &buf, err);
		if (r < 0)
			return r;
		if (!is_index && !oci_json_is_index(buf, img->manifest.size))
			break;
		if (depth >= OCI_MAX_INDEX_DEPTH)
			return error_set(err, ELOOP, "%s: image indexes nested too deep", img->dir);
		r = oci_index_select(buf, img->manifest.size, 0, NULL, img->dir, &img->manifest,
				     &is_index, err);
	}
	if (r == 0)
		*json = steal_ptr(buf);
	return r;
}

int oci_image_open(const char *ref, struct oci_image *img, struct sb_error *err)
{
	memset(img, 0, sizeof(*img));
	cleanup_free char *tag = NULL, *manifest = NULL, *config = NULL;
	int r = oci_ref_parse(ref, &img->dir, &tag, err);
	if (r == 0)
		r = resolve(img, tag, &manifest, err);
	if (r == 0)
		r = oci_manifest_parse(manifest, img->manifest.size, img, err);
	if (r == 0)
		r = oci_blob_read(img->dir, &img->config, OCI_MAX_CONFIG_JSON, &config, err);
	if (r == 0)
		r = oci_config_parse(config, img->config.size, img, err);
	if (r < 0) {
		error_prefix(err, "image `%s`", ref);
		oci_image_free(img);
	}
	return r;
}

void oci_image_free(struct oci_image *img)
{
	free(img->dir);
	free(img->layers);
	image_config_free(&img->cfg);
	memset(img, 0, sizeof(*img));
}
