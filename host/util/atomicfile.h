/* Publishing a file whole: a temp file beside it, fsync'd, then renamed over it. */
#ifndef SB_ATOMICFILE_H
#define SB_ATOMICFILE_H

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "error.h"

/* Make the written temp file tmp (open as fd, which this closes) the file at
 * path: fsync, close, rename. r is the writer's result so far: when it or any
 * step failed, tmp is removed and path left as it was. 0 or -errno. */
static inline int atomicfile_commit(int r, int fd, const char *tmp, const char *path,
				    struct sb_error *err)
{
	if (r == 0 && fsync(fd) < 0)
		r = error_set(err, errno, "fsync `%s`", tmp);
	if (close(fd) < 0 && r == 0)
		r = error_set(err, errno, "close `%s`", tmp);
	if (r == 0 && rename(tmp, path) < 0)
		r = error_set(err, errno, "rename to `%s`", path);
	if (r < 0)
		unlink(tmp);
	return r;
}

#endif
