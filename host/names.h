/* `sandbox run --name`: names unique among the running sandboxes of one cache. */
#ifndef SB_NAMES_H
#define SB_NAMES_H

#include <stddef.h>

#include "error.h"

#define NAMES_MAX_LEN 128

/* docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most NAMES_MAX_LEN bytes.
 * 0 or -EINVAL with err naming the problem. */
int names_check(const char *name, struct sb_error *err);

/* Claim name for this process: cache_dir/names/NAME, created if missing and
 * held with an exclusive flock until *fd is closed (at exit at the latest,
 * so a crashed run frees its name). The file holds our pid. Returns 0 with *fd
 * set, or -EEXIST with a message naming the pid holding it, or another
 * negative errno. */
int names_claim(const char *cache_dir, const char *name, int *fd, struct sb_error *err);

#endif
