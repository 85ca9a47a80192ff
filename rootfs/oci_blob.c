/* Files of an image source (directory or archive), verified blobs and layer bytes. */
#include "oci.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "tarindex.h"

int oci_file_open(const struct oci_src *s, const char *name, struct oci_file *f,
		  struct sb_error *err)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (s->tar) {
		struct tar_member m;
		int r = tarindex_find(s->tar, name, &m, err);
		if (r < 0)
			return error_prefix(err, "`%s`", s->path);
		*f = (struct oci_file){.fd = s->fd, .owned = 0, .off = m.off, .size = m.size};
		return 0;
	}
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/%s", s->path, name) < 0)
		return error_set(err, ENOMEM, "out of memory");
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return error_set(err, errno, "`%s`", path);
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(err, EINVAL, "`%s` is not a regular file", path);
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	*f = (struct oci_file){.fd = fd, .owned = 1, .off = 0, .size = (uint64_t)st.st_size};
	return 0;
}

void oci_file_close(struct oci_file *f)
{
	if (f->owned && f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->owned = 0;
}

int oci_file_read(const struct oci_file *f, size_t max, const char *what, char **out,
		  struct sb_error *err)
{
	if (f->size > max)
		return error_set(err, EFBIG, "%s: %llu bytes, limit %zu", what,
				 (unsigned long long)f->size, max);
	cleanup_free char *buf = malloc(f->size + 1);
	if (!buf)
		return error_set(err, ENOMEM, "%s: out of memory", what);
	for (size_t off = 0; off < f->size;) {
		ssize_t n = pread(f->fd, buf + off, f->size - off, (off_t)(f->off + off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error_set(err, n < 0 ? errno : EIO, "read %s", what);
		off += (size_t)n;
	}
	buf[f->size] = '\0';
	*out = steal_ptr(buf);
	return 0;
}

int oci_blob_open(const struct oci_src *s, const struct oci_desc *d, struct oci_file *f,
		  struct sb_error *err)
{
	char name[100];
	if (strlen(d->digest) != DIGEST_HEX_LEN)
		return error_set(err, EINVAL, "bad blob descriptor");
	snprintf(name, sizeof(name), "blobs/sha256/%s", d->digest);
	int r = oci_file_open(s, name, f, err);
	if (r < 0)
		return r;
	if (f->size != d->size) {
		oci_file_close(f);
		return error_set(err, EINVAL, "blob sha256:%s: size %llu, descriptor says %llu",
				 d->digest, (unsigned long long)f->size,
				 (unsigned long long)d->size);
	}
	return 0;
}

int oci_blob_read(const struct oci_src *s, const struct oci_desc *d, size_t max, char **out,
		  struct sb_error *err)
{
	if (d->size > max)
		return error_set(err, EFBIG, "blob sha256:%s: %llu bytes, limit %zu", d->digest,
				 (unsigned long long)d->size, max);
	struct oci_file f;
	int r = oci_blob_open(s, d, &f, err);
	if (r < 0)
		return r;
	cleanup_free char *buf = NULL;
	r = oci_file_read(&f, max, "blob", &buf, err);
	oci_file_close(&f);
	if (r < 0)
		return r;
	char hex[DIGEST_HEX_LEN + 1];
	if ((r = digest_buf(buf, d->size, hex, err)) < 0)
		return r;
	if (strcmp(hex, d->digest))
		return error_set(err, EINVAL, "blob sha256:%s: content has digest sha256:%s",
				 d->digest, hex);
	*out = steal_ptr(buf);
	return 0;
}

int oci_layer_open(const struct oci_image *img, size_t i, struct oci_file *f, struct sb_error *err)
{
	const struct oci_layer *l = &img->layers[i];
	if (!l->member[0])
		return oci_blob_open(&img->src, &l->blob, f, err);
	int r = oci_file_open(&img->src, l->member, f, err);
	if (r == 0 && l->blob.digest[0] && f->size != l->blob.size) {
		oci_file_close(f);
		return error_set(err, EINVAL, "layer `%s`: size changed", l->member);
	}
	return r;
}
