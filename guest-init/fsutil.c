/* Small-file helpers for PID 1: cgroup and sysfs attributes. */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int fs_read_small(const char *path, char *buf, size_t size)
{
	if (size == 0)
		return -EINVAL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t got = read(fd, buf, size - 1);
	int e = errno;
	close(fd);
	if (got < 0)
		return -e;
	buf[got] = '\0';
	return 0;
}
