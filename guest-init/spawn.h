/* Starts the workload: fork, set the child up (session, cgroup, ids, cwd, stdio), PATH search,
 * exec. */
#ifndef GUEST_SPAWN_H
#define GUEST_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "config.h"
#include "masks.h"
#include "user.h"

struct spawn_request {
	char *const *argv;
	char *const *env;		     /* also gives PATH for the search */
	const char *cwd;		     /* created (as root, 0755) when missing, like docker */
	const struct user_ids *ids;	     /* NULL: keep the caller's ids */
	const char *cgroup_root;	     /* NULL: no cgroup to join */
	int in_fd;			     /* child's fd 0; -1: /dev/null */
	int out_fd, err_fd;		     /* child's fds 1 and 2 (all three > 2 and CLOEXEC) */
	bool ctty;			     /* in_fd is a pty slave: make it the controlling tty */
	const struct config_rlimit *rlimits; /* set before the ids are dropped */
	unsigned n_rlimits;
	bool mount_proc; /* the first process of a new PID namespace: a /proc that shows it */
	const struct masks *masks; /* applied once, by the workload's process; NULL: none */
	/* The capability sets (config.h's order); NULL: every capability kept.
	 * caps_root_only: a uid other than 0 gets all but the bounding set empty. */
	const uint64_t *caps;
	bool caps_root_only;
	bool no_new_privs; /* PR_SET_NO_NEW_PRIVS just before exec */
};

struct spawn_result {
	pid_t pid;
	int exec_status; /* 0, or 126/127 when exec failed (the child exits with it) */
	char msg[448];	 /* the exec failure line, e.g. `exec: "x": permission denied` */
};

/* Fork and exec rq. Returns 0 with res filled once the child has exec'd or
 * failed to exec (res->exec_status); returns a negative errno with err set
 * when setting up the child failed (a sandbox failure, not the workload's). */
int spawn_start(const struct spawn_request *rq, struct spawn_result *res, struct sb_error *err);

/* Search name in the colon-separated path like Go's exec.LookPath (an empty
 * element is "."): the first regular file with an execute bit, into out.
 * Returns 0 or -ENOENT. */
int spawn_lookpath(const char *name, const char *path, char *out, size_t len);

#endif
