/* mkdir -p: a directory and the missing ones above it. */
#ifndef SB_MKDIRS_H
#define SB_MKDIRS_H

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

/* Each missing directory of path made with mode (existing ones are left as
 * they are). 0, or -errno (-ENAMETOOLONG past PATH_MAX). */
static inline int mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char c = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		buf[i] = c;
	}
	return 0;
}

#endif
