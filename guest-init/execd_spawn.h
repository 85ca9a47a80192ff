/* Starts one exec session's process from its EXEC_NEW config: user, environment, stdio, spawn. */
#ifndef GUEST_EXECD_SPAWN_H
#define GUEST_EXECD_SPAWN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "procio.h"
#include "spawn.h"

/* Where and how sessions run: the workload's. */
struct execd_env {
	const char *cgroup_root; /* NULL: no cgroup to join */
	const char *hostname;	 /* HOSTNAME for env_build (NULL: the blob's) */
};

/* Parse blob (len bytes, hostile; a run config of which argv, env, cwd, user,
 * tty, winsize, groups and rlimits count), resolve its user against today's
 * /etc/passwd and /etc/group, open its stdio and spawn it into env's cgroup
 * (ids are set when we are root, as for the workload).
 * Returns 0 with res filled: res->exec_status 0 means it runs (res->pid; io
 * holds PID 1's ends, *tty says whether io is a pty), 126/127 means the exec
 * failed (res->msg says why; io closed). Returns a negative errno with err set
 * when the session could not be set up (nothing left open). */
int execd_spawn(const void *blob, size_t len, const struct execd_env *env, struct procio *io,
		bool *tty, struct spawn_result *res, struct sb_error *err);

#endif
