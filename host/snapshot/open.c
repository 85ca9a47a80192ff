/* Finding a snapshot and checking it whole before a run restores it; discarding one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "readall.h"
#include "snapshot_int.h"
#include "snapstate.h"

/* A regular file of the snapshot (opened without blocking on a planted fifo):
 * its fd, or -errno (-EBADMSG when it is not a regular file). */
static int open_file(int kfd, const char *name, struct stat *st)
{
	int fd = openat(kfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	int e = fstat(fd, st) < 0 ? errno : !S_ISREG(st->st_mode) ? EBADMSG : 0;
	int fl = e ? -1 : fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		e = e ? e : errno;
		close(fd);
		return -e;
	}
	return fd;
}

static int file_error(struct sb_error *err, int r, const char *key, const char *name)
{
	if (r == -ENOENT || r == -ELOOP || r == -EBADMSG)
		return snapshot_error(err, EBADMSG, key, "`%s` missing or not a file", name);
	return snapshot_error(err, -r, key, "open `%s`: %s", name, strerror(-r));
}

int snapshot_meta_read(int kfd, const char *key, struct snapshot_meta *m, struct sb_error *err)
{
	struct stat st;
	cleanup_close int fd = open_file(kfd, SNAPSHOT_META, &st);
	if (fd < 0)
		return file_error(err, fd, key, SNAPSHOT_META);
	char buf[SNAPSHOT_META_SIZE + 1];
	ssize_t n = readall_bounded(fd, buf, SNAPSHOT_META_SIZE);
	if (n < 0 && n != -EFBIG)
		return snapshot_error(err, (int)-n, key, "read meta: %s", strerror((int)-n));
	int r = snapshot_meta_parse(buf, n < 0 ? sizeof(buf) : (size_t)n, m, err);
	if (r < 0)
		error_prefix(err, "snapshot %.12s", key);
	return r;
}

/* The state file whole into a malloc'd buffer, checked against m. */
static int read_state(int kfd, const char *key, const struct snapshot_meta *m,
		      struct snapshot_hit *hit, struct sb_error *err)
{
	struct stat st;
	cleanup_close int fd = open_file(kfd, SNAPSHOT_STATE, &st);
	if (fd < 0)
		return file_error(err, fd, key, SNAPSHOT_STATE);
	if ((uint64_t)st.st_size != m->state_len)
		return snapshot_error(err, EBADMSG, key, "state is %lld bytes, meta says %llu",
				      (long long)st.st_size, (unsigned long long)m->state_len);
	cleanup_free uint8_t *buf = malloc(m->state_len + 1); /* <= SNAP_STATE_MAX (parse) */
	if (!buf)
		return snapshot_error(err, ENOMEM, key, "state: out of memory");
	ssize_t n = readall_bounded(fd, (char *)buf, m->state_len);
	if (n < 0 && n != -EFBIG)
		return snapshot_error(err, (int)-n, key, "read state: %s", strerror((int)-n));
	if (n < 0 || (uint64_t)n != m->state_len)
		return snapshot_error(err, EBADMSG, key, "state changed size while read");
	uint8_t sum[32];
	snapshot_sha256(buf, (size_t)n, sum);
	if (memcmp(sum, m->state_sha256, sizeof(sum)))
		return snapshot_error(err, EBADMSG, key, "state checksum mismatch");
	hit->state = steal_ptr(buf);
	hit->state_len = (size_t)n;
	return 0;
}

static int open_memory(int kfd, const char *key, uint64_t mem_bytes, struct snapshot_hit *hit,
		       struct sb_error *err)
{
	struct stat st;
	int fd = open_file(kfd, SNAPSHOT_MEMORY, &st);
	if (fd < 0)
		return file_error(err, fd, key, SNAPSHOT_MEMORY);
	if ((uint64_t)st.st_size != mem_bytes) {
		close(fd);
		return snapshot_error(err, EBADMSG, key, "memory is %lld bytes, want %llu",
				      (long long)st.st_size, (unsigned long long)mem_bytes);
	}
	hit->mem_fd = fd;
	return 0;
}

/* The checks of meta against what this run asked for; -ENOENT when expired. */
static int check_meta(int dfd, const char *key, const uint8_t raw[32], uint64_t mem_bytes,
		      uint64_t max_age, const struct snapshot_meta *m, struct sb_error *err)
{
	if (memcmp(m->key, raw, 32))
		return snapshot_error(err, EBADMSG, key, "meta is for another key");
	if (m->mem_bytes != mem_bytes)
		return snapshot_error(
		    err, EBADMSG, key, "made for %llu bytes of RAM, this run has %llu",
		    (unsigned long long)m->mem_bytes, (unsigned long long)mem_bytes);
	uint64_t now = (uint64_t)time(NULL), age = now > m->created ? now - m->created : 0;
	if (max_age && age > max_age) {
		snapshot_remove(dfd, key, NULL);
		return snapshot_error(err, ENOENT, key,
				      "%llu s old, over the %llu s lifetime: discarded",
				      (unsigned long long)age, (unsigned long long)max_age);
	}
	return 0;
}

int snapshot_open(const char *cache, const char *key, uint64_t mem_bytes, uint64_t max_age,
		  struct snapshot_hit *hit, struct sb_error *err)
{
	*hit = (struct snapshot_hit){.mem_fd = -1};
	uint8_t raw[32];
	if (!snapshot_key_valid(key, raw))
		return error_set(err, EINVAL, "snapshot: malformed key");
	cleanup_close int dfd = snapshot_dir_open(cache, 0, err);
	if (dfd < 0)
		return dfd;
	cleanup_close int kfd = openat(dfd, key, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (kfd < 0 && errno == ENOENT)
		return -ENOENT;
	if (kfd < 0) {
		int e = errno;
		return e == ENOTDIR || e == ELOOP
			   ? snapshot_error(err, EBADMSG, key, "not a directory")
			   : snapshot_error(err, e, key, "open: %s", strerror(e));
	}
	struct snapshot_meta m;
	int r = snapshot_meta_read(kfd, key, &m, err);
	if (r == 0)
		r = check_meta(dfd, key, raw, mem_bytes, max_age, &m, err);
	if (r == 0)
		r = open_memory(kfd, key, mem_bytes, hit, err);
	if (r == 0)
		r = read_state(kfd, key, &m, hit, err);
	if (r == 0 && asprintf(&hit->dir, "%s/" SNAPSHOT_DIR "/%s", cache, key) < 0) {
		hit->dir = NULL;
		r = error_set(err, ENOMEM, "out of memory");
	}
	if (r < 0) {
		snapshot_hit_close(hit);
		return r;
	}
	hit->created = m.created;
	return 0;
}

void snapshot_hit_close(struct snapshot_hit *hit)
{
	if (hit->mem_fd >= 0)
		close(hit->mem_fd);
	free(hit->state);
	free(hit->dir);
	*hit = (struct snapshot_hit){.mem_fd = -1};
}

int snapshot_discard(const char *cache, const char *key)
{
	if (!snapshot_key_valid(key, NULL))
		return -EINVAL;
	cleanup_close int dfd = snapshot_dir_open(cache, 0, NULL);
	if (dfd < 0)
		return dfd;
	return snapshot_remove(dfd, key, NULL);
}

int snapshot_max_age_from_env(const char *val, uint64_t *secs, struct sb_error *err)
{
	*secs = 0;
	if (!val)
		return 0;
	const char *p = val;
	uint64_t v = 0, mult = 1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			goto bad;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p == val)
		goto bad;
	switch (*p) {
	case '\0':
	case 's':
		break;
	case 'm':
		mult = 60;
		break;
	case 'h':
		mult = 3600;
		break;
	case 'd':
		mult = 86400;
		break;
	default:
		goto bad;
	}
	if ((*p && p[1]) || v > UINT64_MAX / mult)
		goto bad;
	*secs = v * mult;
	return 0;
bad:
	return error_set(err, 0,
			 "SANDBOX_SNAPSHOT_MAX_AGE=`%.64s`: want seconds, or a number with s, m, "
			 "h or d (0: no limit)",
			 val);
}
