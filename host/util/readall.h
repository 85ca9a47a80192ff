/* Reading a whole small file from an fd, with a bound. */
#ifndef SB_READALL_H
#define SB_READALL_H

#include <errno.h>
#include <stddef.h>
#include <sys/types.h>
#include <unistd.h>

/* Read fd to its end into buf (room for max + 1 bytes: one more than max
 * tells a file that is too large). The byte count (<= max), -EFBIG when
 * the file holds more than max bytes, or -errno of a failed read. */
static inline ssize_t readall_bounded(int fd, char *buf, size_t max)
{
	size_t n = 0;
	for (;;) {
		ssize_t got = read(fd, buf + n, max + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return (ssize_t)n;
		n += (size_t)got;
		if (n > max)
			return -EFBIG;
	}
}

#endif
