/* Writing a short text into a file in one write: /proc and cgroupfs control files. */
#ifndef SB_PUTFILE_H
#define SB_PUTFILE_H

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* Open path for writing (with extra open flags, e.g. O_CREAT: mode 0644),
 * write all of text in one write(2), close. 0, -errno, or -EIO when the
 * write was short (such files take a value whole or not at all). */
static inline int putfile(const char *path, const char *text, int flags)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0644);
	if (fd < 0)
		return -errno;
	size_t len = strlen(text);
	ssize_t n = write(fd, text, len);
	int r = n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
	close(fd);
	return r;
}

#endif
