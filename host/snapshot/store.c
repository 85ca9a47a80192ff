/* The snapshot cache directory: key names, the per-key lock, recursive removal, sizes. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* OpenSSL's one-algorithm SHA256_* functions, as rootfs/digest.c uses them: the
 * one-shot SHA256() goes through EVP_Q_digest in OpenSSL 3 and would link its
 * provider machinery into the static binary. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "cleanup.h"
#include "mkdirs.h"
#include "snapshot_int.h"

#define RMTREE_DEPTH 3
#define LOCK_TRIES 8

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int snapshot_key_valid(const char *s, uint8_t raw[32])
{
	if (!s)
		return 0;
	for (size_t i = 0; i < SNAPSHOT_KEY_HEX; i++)
		if (hexval(s[i]) < 0)
			return 0;
	if (s[SNAPSHOT_KEY_HEX] != '\0')
		return 0;
	for (size_t i = 0; raw && i < 32; i++)
		raw[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
	return 1;
}

int snapshot_error(struct sb_error *err, int code, const char *key, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	error_set(err, 0, "snapshot %.12s: %s", key, what);
	if (err)
		err->code = code;
	return -code;
}

void snapshot_sha256(const void *buf, size_t len, uint8_t out[32])
{
	SHA256_CTX c;
	SHA256_Init(&c);
	SHA256_Update(&c, buf, len);
	SHA256_Final(out, &c);
}

int snapshot_dir_open(const char *cache, int create, struct sb_error *err)
{
	if (!cache || !cache[0])
		return error_set(err, EINVAL, "no cache directory");
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/" SNAPSHOT_DIR, cache) < 0)
		return error_set(err, ENOMEM, "out of memory");
	int r = create ? mkdirs(path, 0700) : 0;
	if (r < 0)
		return error_set(err, -r, "create `%s`", path);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && !create)
		return -ENOENT;
	if (fd < 0)
		return error_set(err, errno, "open `%s`", path);
	return fd;
}

int snapshot_lock(int dfd, const char *key)
{
	char name[SNAPSHOT_KEY_HEX + sizeof(SNAPSHOT_LOCK_SUFFIX)];
	snprintf(name, sizeof(name), "%s" SNAPSHOT_LOCK_SUFFIX, key);
	for (int i = 0; i < LOCK_TRIES; i++) {
		int fd = openat(dfd, name, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;
			close(fd);
			return e == EWOULDBLOCK ? -EBUSY : -e;
		}
		/* the holder we waited on may have unlinked it: then lock the new one */
		struct stat a, b;
		if (fstat(fd, &a) == 0 && fstatat(dfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return fd;
		close(fd);
	}
	return -EBUSY;
}

void snapshot_unlock(int dfd, const char *key, int lock_fd)
{
	if (lock_fd < 0)
		return;
	char name[SNAPSHOT_KEY_HEX + sizeof(SNAPSHOT_LOCK_SUFFIX)];
	snprintf(name, sizeof(name), "%s" SNAPSHOT_LOCK_SUFFIX, key);
	unlinkat(dfd, name, 0);
	close(lock_fd);
}

static int rmtree_depth(int dfd, const char *name, int depth)
{
	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR || depth == 0)
		return -errno;
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return -e;
	}
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		int e = rmtree_depth(dirfd(d), de->d_name, depth - 1);
		if (e < 0 && r == 0)
			r = e;
	}
	closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
		r = -errno;
	return r;
}

int snapshot_rmtree(int dfd, const char *name)
{
	return rmtree_depth(dfd, name, RMTREE_DEPTH);
}

uint64_t snapshot_du(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	uint64_t sum = 0;
	struct dirent *de;
	struct stat st;
	while ((de = readdir(d)))
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			sum += (uint64_t)st.st_blocks * 512;
	closedir(d);
	return sum;
}

int snapshot_remove(int dfd, const char *key, uint64_t *bytes)
{
	char old[SNAPSHOT_KEY_HEX + 32];
	snprintf(old, sizeof(old), SNAPSHOT_OLD_PREFIX "%s-%ld", key, (long)getpid());
	snapshot_rmtree(dfd, old); /* a dead process's, of the same pid */
	if (renameat(dfd, key, dfd, old) < 0)
		return -errno;
	if (bytes)
		*bytes += snapshot_du(dfd, old);
	return snapshot_rmtree(dfd, old);
}
