/* The workload's environment: the config's env plus docker's defaults. */
#ifndef GUEST_ENV_H
#define GUEST_ENV_H

#include "config.h"

#define ENV_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* A NULL-terminated copy of cfg's env with, where missing, PATH (docker's
 * default), HOSTNAME (cfg's hostname), HOME (home) and, with a tty,
 * TERM=xterm. One allocation: free() it. NULL when out of memory. */
char **env_build(const struct config *cfg, const char *home);

/* The value of name in a NULL-terminated env (NULL if absent). */
const char *env_get(char *const *env, const char *name);

#endif
