/* Small-file helpers for PID 1: cgroup and sysfs attributes. */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int fs_read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fs_read_fd(fd, buf, size);
}

int fs_read_fd(int fd, char *buf, size_t size)
{
	if (size == 0) {
		close(fd);
		return -EINVAL;
	}
	ssize_t got = read(fd, buf, size - 1);
	int e = errno;
	close(fd);
	if (got < 0)
		return -e;
	buf[got] = '\0';
	return 0;
}
