/* Making a snapshot: a locked temp directory the VMM fills through two fds, then checked,
 * described by its meta file, made durable and renamed into place. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "snapshot_int.h"
#include "snapstate.h"

static int fail(struct sb_error *err, int code, const char *key, const char *what)
{
	error_set(err, code, "snapshot %.12s: %s", key, what);
	return -code;
}

/* The temp directory and its two files, for a locked n. */
static int make_tmp(struct snapshot_new *n, struct sb_error *err)
{
	snprintf(n->tmp, sizeof(n->tmp), SNAPSHOT_TMP_PREFIX "%s-%ld", n->key, (long)getpid());
	snapshot_rmtree(n->dir_fd, n->tmp); /* a dead process's, of the same pid */
	if (mkdirat(n->dir_fd, n->tmp, 0700) < 0) {
		n->tmp[0] = '\0';
		return fail(err, errno, n->key, "create temp directory");
	}
	cleanup_close int tfd =
	    openat(n->dir_fd, n->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tfd < 0)
		return fail(err, errno, n->key, "open temp directory");
	const int fl = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	n->mem_fd = openat(tfd, SNAPSHOT_MEMORY, fl, 0600);
	if (n->mem_fd < 0 || ftruncate(n->mem_fd, (off_t)n->mem_bytes) < 0)
		return fail(err, errno, n->key, "create memory file");
	n->state_fd = openat(tfd, SNAPSHOT_STATE, fl, 0600);
	if (n->state_fd < 0)
		return fail(err, errno, n->key, "create state file");
	return 0;
}

int snapshot_begin(const char *cache, const char *key, uint64_t mem_bytes, struct snapshot_new *n,
		   struct sb_error *err)
{
	*n = (struct snapshot_new){
	    .mem_fd = -1, .state_fd = -1, .live = 1, .dir_fd = -1, .lock_fd = -1};
	if (!snapshot_key_valid(key, NULL))
		return error_set(err, EINVAL, "snapshot: malformed key");
	if (mem_bytes == 0 || mem_bytes % 4096 || mem_bytes > INT64_MAX)
		return error_set(err, EINVAL, "snapshot: memory size %llu out of range",
				 (unsigned long long)mem_bytes);
	memcpy(n->key, key, SNAPSHOT_KEY_HEX + 1);
	n->mem_bytes = mem_bytes;
	n->dir_fd = snapshot_dir_open(cache, 1, err);
	if (n->dir_fd < 0)
		return n->dir_fd;
	int r = snapshot_lock(n->dir_fd, key);
	if (r == -EBUSY) {
		snapshot_error(err, EBUSY, key, "another run is making it");
	} else if (r < 0) {
		fail(err, -r, key, "lock");
	} else {
		n->lock_fd = r;
		struct stat st;
		r = fstatat(n->dir_fd, key, &st, AT_SYMLINK_NOFOLLOW) == 0 ? -EEXIST : 0;
		if (r < 0)
			snapshot_error(err, EEXIST, key, "already there");
	}
	if (r == 0)
		r = make_tmp(n, err);
	if (r < 0)
		snapshot_abort(n);
	return r;
}

/* The state file's length and sha256, read back whole (bounded). */
static int hash_state(struct snapshot_new *n, struct snapshot_meta *m, struct sb_error *err)
{
	struct stat st;
	if (fstat(n->state_fd, &st) < 0)
		return fail(err, errno, n->key, "state file");
	if (st.st_size <= 0 || (uint64_t)st.st_size > SNAP_STATE_MAX)
		return fail(err, EFBIG, n->key, st.st_size ? "state too large" : "state empty");
	size_t len = (size_t)st.st_size, got = 0;
	cleanup_free uint8_t *buf = malloc(len + 1);
	if (!buf)
		return fail(err, ENOMEM, n->key, "state buffer");
	while (got <= len) {
		ssize_t k = pread(n->state_fd, buf + got, len + 1 - got, (off_t)got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return fail(err, errno, n->key, "read state back");
		if (k == 0)
			break;
		got += (size_t)k;
	}
	if (got != len)
		return fail(err, EIO, n->key, "state changed size while read back");
	m->state_len = len;
	snapshot_sha256(buf, len, m->state_sha256);
	return 0;
}

static int write_meta(struct snapshot_new *n, int tfd, const struct snapshot_meta *m,
		      struct sb_error *err)
{
	uint8_t buf[SNAPSHOT_META_SIZE];
	snapshot_meta_encode(m, buf);
	cleanup_close int fd =
	    openat(tfd, SNAPSHOT_META, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(err, errno, n->key, "create meta");
	ssize_t w = write(fd, buf, sizeof(buf));
	if (w != (ssize_t)sizeof(buf))
		return fail(err, w < 0 ? errno : EIO, n->key, "write meta");
	if (fsync(fd) < 0)
		return fail(err, errno, n->key, "fsync meta");
	return 0;
}

/* Everything the temp directory holds, durable: a crash after the rename must
 * never leave a snapshot whose memory is partly zeros. */
static int make_durable(struct snapshot_new *n, int tfd, struct sb_error *err)
{
	if (fdatasync(n->mem_fd) < 0)
		return fail(err, errno, n->key, "fsync memory");
	if (fdatasync(n->state_fd) < 0)
		return fail(err, errno, n->key, "fsync state");
	if (fsync(tfd) < 0)
		return fail(err, errno, n->key, "fsync temp directory");
	return 0;
}

static int seal(struct snapshot_new *n, struct sb_error *err)
{
	struct stat st;
	if (fstat(n->mem_fd, &st) < 0)
		return fail(err, errno, n->key, "memory file");
	if ((uint64_t)st.st_size != n->mem_bytes)
		return fail(err, EIO, n->key, "memory file changed size");
	struct snapshot_meta m = {.mem_bytes = n->mem_bytes, .created = (uint64_t)time(NULL)};
	snapshot_key_valid(n->key, m.key);
	int r = hash_state(n, &m, err);
	cleanup_close int tfd =
	    openat(n->dir_fd, n->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r == 0 && tfd < 0)
		r = fail(err, errno, n->key, "open temp directory");
	if (r == 0)
		r = write_meta(n, tfd, &m, err);
	if (r == 0)
		r = make_durable(n, tfd, err);
	return r;
}

int snapshot_commit(struct snapshot_new *n, struct sb_error *err)
{
	if (!n->live || n->lock_fd < 0 || !n->tmp[0])
		return error_set(err, EINVAL, "snapshot: commit without a begun snapshot");
	int r = seal(n, err);
	if (r == 0 && renameat(n->dir_fd, n->tmp, n->dir_fd, n->key) == 0) {
		n->tmp[0] = '\0'; /* it has its name now: abort leaves it */
		fsync(n->dir_fd);
	} else if (r == 0 && errno != EEXIST && errno != ENOTEMPTY) {
		r = fail(err, errno, n->key, "rename into place");
	} /* else another run's is there: ours goes */
	snapshot_abort(n);
	return r;
}

void snapshot_abort(struct snapshot_new *n)
{
	if (!n->live)
		return;
	if (n->mem_fd >= 0)
		close(n->mem_fd);
	if (n->state_fd >= 0)
		close(n->state_fd);
	if (n->dir_fd >= 0 && n->tmp[0])
		snapshot_rmtree(n->dir_fd, n->tmp);
	if (n->dir_fd >= 0)
		snapshot_unlock(n->dir_fd, n->key, n->lock_fd);
	else if (n->lock_fd >= 0)
		close(n->lock_fd);
	if (n->dir_fd >= 0)
		close(n->dir_fd);
	n->mem_fd = n->state_fd = n->dir_fd = n->lock_fd = -1;
	n->tmp[0] = '\0';
	n->live = 0;
}
