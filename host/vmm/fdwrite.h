/* Write a whole buffer to an fd despite EINTR and short writes. */
#ifndef SB_VMM_FDWRITE_H
#define SB_VMM_FDWRITE_H

#include <stddef.h>

struct runstate;

/* 0, or -errno on failure (EPIPE, EBADF, ...). An EINTR while rs (if not
 * NULL) says the VM is stopping gives up with -EINTR. */
int fdwrite_all(int fd, const void *buf, size_t len, struct runstate *rs);

#endif
