/* A snapshot's working set on disk: dir/workset read back, and a run's
 * recording made as .workset-<pid>, checked, then renamed (workset.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cleanup.h"
#include "snapshot_int.h"
#include "workset.h"

/* dir/name, or dir/.workset-<pid> when name is NULL, into path. 0,
 * -ENAMETOOLONG, or -EINVAL without dir. */
static int path_in(char path[PATH_MAX], const char *dir, const char *name)
{
	if (!dir)
		return -EINVAL;
	int n = name
		    ? snprintf(path, PATH_MAX, "%s/%s", dir, name)
		    : snprintf(path, PATH_MAX, "%s/" WORKSET_TMP_PREFIX "%ld", dir, (long)getpid());
	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* The whole of fd (opened as path) from offset 0 into a malloc'd *buf of *len
 * bytes: -EBADMSG when it is not a regular file, larger than the largest valid
 * working set or growing, else 0 or -errno. */
static int read_whole(int fd, const char *path, uint8_t **buf, size_t *len, struct sb_error *err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return error_set(err, errno, "working set: stat `%s`", path);
	if (!S_ISREG(st.st_mode))
		return workset_fail(err, EBADMSG, "`%s` is not a regular file", path);
	if (st.st_size < 0 || (uint64_t)st.st_size > WORKSET_FILE_MAX)
		return workset_fail(err, EBADMSG, "`%s` is %lld bytes (at most %zu)", path,
				    (long long)st.st_size, WORKSET_FILE_MAX);
	size_t size = (size_t)st.st_size, got = 0;
	cleanup_free uint8_t *b = malloc(size + 1);
	if (!b)
		return workset_fail(err, ENOMEM, "out of memory");
	while (got <= size) { /* one byte more tells a file that grew */
		ssize_t r = pread(fd, b + got, size + 1 - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return error_set(err, errno, "working set: read `%s`", path);
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got > size)
		return workset_fail(err, EBADMSG, "`%s` grew while read", path);
	*buf = steal_ptr(b);
	*len = got;
	return 0;
}

int workset_load(const char *dir, uint64_t mem_bytes, struct workset *ws, struct sb_error *err)
{
	memset(ws, 0, sizeof(*ws));
	char path[PATH_MAX];
	int r = path_in(path, dir, WORKSET_FILE);
	if (r < 0)
		return workset_fail(err, -r, "no path for the file in `%s`", dir ? dir : "");
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return -ENOENT;
	if (fd < 0)
		return error_set(err, errno, "working set: open `%s`", path);
	cleanup_free uint8_t *buf = NULL;
	size_t len = 0;
	r = read_whole(fd, path, &buf, &len, err);
	if (r < 0)
		return r;
	return workset_parse(buf, len, mem_bytes, ws, err);
}

int workset_record_begin(const char *dir)
{
	char path[PATH_MAX];
	int r = path_in(path, dir, NULL);
	if (r < 0)
		return r;
	for (int tries = 0;; tries++) {
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST || tries > 0)
			return -errno;
		/* left by a killed run that had our pid */
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
	}
}

int workset_record_commit(const char *dir, int fd, uint64_t mem_bytes, struct sb_error *err)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	int r = path_in(tmp, dir, NULL);
	if (r == 0)
		r = path_in(path, dir, WORKSET_FILE);
	if (r < 0) {
		close(fd);
		return workset_fail(err, -r, "no path for the file in `%s`", dir ? dir : "");
	}
	cleanup_free uint8_t *buf = NULL;
	size_t len = 0;
	struct workset ws = {0};
	r = read_whole(fd, tmp, &buf, &len, err);
	if (r == 0)
		r = workset_parse(buf, len, mem_bytes, &ws, err);
	if (r == 0 && ws.n == 0)
		r = workset_fail(err, ENODATA, "no pages recorded");
	workset_free(&ws);
	/* fsync, close, rename into place; removed instead when r < 0 */
	return atomicfile_commit(r, fd, tmp, path, err);
}

void workset_discard(const char *dir)
{
	char path[PATH_MAX];
	if (path_in(path, dir, WORKSET_FILE) == 0)
		unlink(path);
}

void workset_record_abort(const char *dir, int fd)
{
	if (fd >= 0)
		close(fd);
	char tmp[PATH_MAX];
	if (path_in(tmp, dir, NULL) == 0)
		unlink(tmp);
}
