/* Write a whole buffer to an fd despite EINTR and short writes. */
#include <errno.h>
#include <unistd.h>

#include "fdwrite.h"
#include "runstate.h"

int fdwrite_all(int fd, const void *buf, size_t len, struct runstate *rs)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR && !(rs && runstate_stopped(rs)))
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
