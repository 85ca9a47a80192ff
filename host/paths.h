/* Where sandbox finds its guest kernel, guest init and cache. */
#ifndef SB_PATHS_H
#define SB_PATHS_H

#include <stddef.h>

#include "error.h"

/* Directory holding the running executable (resolved /proc/self/exe). */
int paths_exe_dir(char *buf, size_t len, struct sb_error *err);
/* $SANDBOX_CACHE, else $XDG_CACHE_HOME/sandbox, else $HOME/.cache/sandbox. */
int paths_cache_dir(char *buf, size_t len, struct sb_error *err);
/* The guest kernel: `override` if given, else $SANDBOX_KERNEL, else
 * <exe dir>/kernel/bzImage. Fails with a message saying how to build it. */
int paths_kernel(const char *override, char *buf, size_t len, struct sb_error *err);
/* The guest init archive: $SANDBOX_INIT, else <exe dir>/guest/init.cpio. */
int paths_init_archive(char *buf, size_t len, struct sb_error *err);

/* A clear error for an image reference that names nothing here (e.g. a
 * registry name like busybox:latest): what sandbox takes and how to get it.
 * 0 when ref has a transport prefix or the path exists. */
int paths_check_image(const char *ref, struct sb_error *err);

#endif
