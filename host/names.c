/* `sandbox run --name`: a name is a lock file under the cache, flock'ed while its run lasts. */
#include "names.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

int names_check(const char *name, struct sb_error *err)
{
	size_t n = strlen(name);
	if (n == 0 || n > NAMES_MAX_LEN)
		return error_set(err, 0, "invalid --name `%s`: 1 to %d characters", name,
				 NAMES_MAX_LEN);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (isalnum(c) || (i > 0 && (c == '_' || c == '.' || c == '-')))
			continue;
		return error_set(err, 0,
				 "invalid --name `%s`: use letters, digits and _ . - "
				 "(not first)",
				 name);
	}
	return 0;
}

/* The pid written in a held name file, 0 if unreadable. */
static long holder_pid(int fd)
{
	char buf[32] = {0};
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long pid = 0;
	if (n > 0 && sscanf(buf, "%ld", &pid) != 1)
		pid = 0;
	return pid;
}

int names_claim(const char *cache_dir, const char *name, int *fd_out, struct sb_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int r = names_check(name, err);
	if (r < 0)
		return r;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/names", cache_dir) >= sizeof(dir) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return error_set(err, ENAMETOOLONG, "--name `%s`", name);
	if ((mkdir(cache_dir, 0700) < 0 && errno != EEXIST) ||
	    (mkdir(dir, 0700) < 0 && errno != EEXIST))
		return error_set(err, errno, "create `%s`", dir);
	cleanup_close int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return error_set(err, errno, "open `%s`", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			return error_set(err, errno, "lock `%s`", path);
		long pid = holder_pid(fd);
		if (pid > 0)
			return error_set(err, EEXIST,
					 "the name `%s` is in use by a running sandbox (pid %ld)",
					 name, pid);
		return error_set(err, EEXIST, "the name `%s` is in use by a running sandbox",
				 name);
	}
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n)
		return error_set(err, errno, "write `%s`", path);
	*fd_out = fd;
	fd = -1;
	return 0;
}
