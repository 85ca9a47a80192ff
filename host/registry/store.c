/* The blob store's directory, locks and blobs. */
#include "errors.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cleanup.h"

static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}\n";

static int mkdir_p(const char *path, struct sb_error *err)
{
	char p[PATH_MAX];
	if ((size_t)snprintf(p, sizeof(p), "%s", path) >= sizeof(p))
		return registry_fail(err, ENAMETOOLONG, "store path");
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return error_set(err, errno, "create `%s`", p);
		*s = c;
		if (!c)
			return 0;
	}
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Write a small file through a temp file + fsync + rename. */
static int write_atomic(const char *path, const void *buf, size_t len, struct sb_error *err)
{
	char tmp[PATH_MAX + 32];
	snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "create `%s`", tmp);
	int r = 0;
	for (size_t off = 0; r == 0 && off < len;) {
		ssize_t n = write(fd, (const char *)buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			r = error_set(err, n < 0 ? errno : EIO, "write `%s`", tmp);
		else
			off += (size_t)n;
	}
	if (r == 0 && fchmod(fd, 0600) < 0)
		r = error_set(err, errno, "chmod `%s`", tmp);
	return atomicfile_commit(r, fd, tmp, path, err);
}

int store_open(struct store *s, const char *cache_dir, struct sb_error *err)
{
	memset(s, 0, sizeof(*s));
	s->gc_fd = -1;
	if ((size_t)snprintf(s->dir, sizeof(s->dir), "%s/%s", cache_dir, STORE_SUBDIR) >=
	    sizeof(s->dir) - 128)
		return registry_fail(err, ENAMETOOLONG, "cache directory path");
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/blobs/sha256", s->dir);
	int r = mkdir_p(path, err);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/oci-layout", s->dir);
	if (access(path, F_OK) < 0 && (r = write_atomic(path, layout, strlen(layout), err)) < 0)
		return r;
	snprintf(path, sizeof(path), "%s/gc.lock", s->dir);
	s->gc_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->gc_fd < 0)
		return error_set(err, errno, "open `%s`", path);
	return 0;
}

void store_close(struct store *s)
{
	if (s->gc_fd >= 0)
		close(s->gc_fd);
	s->gc_fd = -1;
}

int store_lock(struct store *s, bool exclusive, struct sb_error *err)
{
	while (flock(s->gc_fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
		if (errno != EINTR)
			return error_set(err, errno, "lock the blob store");
	return 0;
}

void store_unlock(struct store *s)
{
	flock(s->gc_fd, LOCK_UN);
}

static void blob_path(const struct store *s, const char *hex, char *buf, size_t len)
{
	snprintf(buf, len, "%s/blobs/sha256/%s", s->dir, hex);
}

bool store_has_blob(const struct store *s, const char *hex, uint64_t size)
{
	char path[PATH_MAX + 100];
	struct stat st;
	blob_path(s, hex, path, sizeof(path));
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == size;
}

int store_blob_create(const struct store *s, const char *hex, int *fd, char tmp[PATH_MAX],
		      struct sb_error *err)
{
	if ((size_t)snprintf(tmp, PATH_MAX, "%s/blobs/sha256/.tmp-%.12s-XXXXXX", s->dir, hex) >=
	    PATH_MAX)
		return registry_fail(err, ENAMETOOLONG, "store path");
	*fd = mkostemp(tmp, O_CLOEXEC);
	if (*fd < 0)
		return error_set(err, errno, "create `%s`", tmp);
	fchmod(*fd, 0600);
	return 0;
}

void store_blob_abort(int fd, const char *tmp)
{
	if (fd >= 0)
		close(fd);
	unlink(tmp);
}

int store_blob_commit(const struct store *s, int fd, const char *tmp, const char *hex,
		      struct sb_error *err)
{
	char path[PATH_MAX + 100];
	blob_path(s, hex, path, sizeof(path));
	return atomicfile_commit(0, fd, tmp, path, err);
}

int store_blob_put(const struct store *s, const char *hex, const void *buf, size_t len,
		   struct sb_error *err)
{
	char path[PATH_MAX + 100];
	blob_path(s, hex, path, sizeof(path));
	if (store_has_blob(s, hex, len))
		return 0;
	return write_atomic(path, buf, len, err);
}

int store_blob_read(const struct store *s, const char *hex, size_t max, char **out, size_t *len,
		    struct sb_error *err)
{
	char path[PATH_MAX + 100];
	blob_path(s, hex, path, sizeof(path));
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return error_set(err, errno, "blob sha256:%s", hex);
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max)
		return registry_fail(err, EFBIG, "blob sha256:%s: not a file of at most %zu bytes",
				     hex, max);
	cleanup_free char *buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return registry_fail(err, ENOMEM, "out of memory");
	size_t n = 0;
	while (n < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + n, (size_t)st.st_size - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return error_set(err, k < 0 ? errno : EIO, "read blob sha256:%s", hex);
		n += (size_t)k;
	}
	buf[n] = '\0';
	char got[DIGEST_HEX_LEN + 1];
	int r = digest_buf(buf, n, got, err);
	if (r < 0)
		return r;
	if (strcmp(got, hex))
		return registry_fail(
		    err, EBADMSG,
		    "blob sha256:%s in the store is damaged (its digest is sha256:%s)", hex, got);
	*out = steal_ptr(buf);
	*len = n;
	return 0;
}

int store_image_ref(const struct store *s, const char *hex, char **out, struct sb_error *err)
{
	return asprintf(out, "oci:%s:sha256-%s", s->dir, hex) < 0
		   ? registry_fail(err, ENOMEM, "out of memory")
		   : 0;
}

void store_fsync_dir(const struct store *s)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/blobs/sha256", s->dir);
	fsync_dir(path);
	fsync_dir(s->dir);
}

int store_write_file(const struct store *s, const char *name, const void *buf, size_t len,
		     struct sb_error *err)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	return write_atomic(path, buf, len, err);
}
