/* Small-file helpers for PID 1: cgroup and sysfs attributes. */
#ifndef GUEST_FSUTIL_H
#define GUEST_FSUTIL_H

#include <stddef.h>

/* Read at most size - 1 bytes of path into buf and NUL-terminate it.
 * Returns 0 or -errno. */
int fs_read_small(const char *path, char *buf, size_t size);
/* The same from fd (read once, then closed). */
int fs_read_fd(int fd, char *buf, size_t size);

#endif
