/* The VMM process's jail: namespaces, an empty read-only root, an unprivileged uid, no
 * capabilities, limits. */
#ifndef SB_JAIL_H
#define SB_JAIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* The uids (and gids, the same numbers) a jailed VMM runs as when sandbox
 * runs as root: one per VMM, picked from its command's pid, so VMMs running
 * at the same time have distinct ids unless those pids are
 * JAIL_UIDS_DEFAULT_COUNT apart. The default range lies outside what systemd and useradd hand out
 * (below 2^31, above systemd's container and foreign ranges).
 * SANDBOX_JAIL_UIDS=FIRST-LAST sets it; FIRST-FIRST gives every VMM one id. */
#define JAIL_UIDS_DEFAULT_FIRST 0x7fff0000u
#define JAIL_UIDS_DEFAULT_COUNT 0xfffeu

/* What the jail may use; from jail_config_from_env, adjusted by the caller. */
struct jail_config {
	bool enabled;	     /* SANDBOX_JAIL=off: the VMM is not jailed */
	uid_t first_uid;     /* as root: the range of ids to run as */
	unsigned uid_count;  /* 1.. */
	bool fsize_anywhere; /* an output of the VMM is a regular file: no RLIMIT_FSIZE */
	uint64_t fsize_max;  /* else RLIMIT_FSIZE: 0, or this for a snapshot's memory file */
	unsigned nofile;     /* RLIMIT_NOFILE once jailed */
	int cgroup_fd; /* the VM's host group's cgroup.procs (hostcg.h), joined first; -1 none */
};

/* What jail_enter managed: each step is taken where the host allows it. */
struct jail_state {
	bool userns;  /* a user namespace of our own (not as root) */
	bool pidns;   /* the VMM is pid 1 of its own pid namespace (vmmproc.c) */
	bool mountns; /* new mount, IPC and UTS namespaces */
	bool pivoted; /* an empty read-only tmpfs is our root */
	bool ids;     /* as root: running as an unprivileged uid and gid */
	bool caps;    /* every capability set empty, bounding and ambient too */
	uid_t uid;    /* the ids we run as in the end (as the host sees them) */
	gid_t gid;
};

/* Defaults, then SANDBOX_JAIL (on|off) and SANDBOX_JAIL_UIDS (FIRST-LAST)
 * from getenv. 0, or -EINVAL with err filled for a bad value. */
int jail_config_from_env(struct jail_config *c, const char *jail, const char *uids,
			 struct sb_error *err);

/* The id the VMM of the command with pid `pid` runs as, in c's range. */
uid_t jail_pick_uid(const struct jail_config *c, pid_t pid);

/* As an ordinary user, before anything else (single-threaded): a user
 * namespace mapping our own uid and gid only, which later steps need.
 * 1 entered, 0 not allowed on this host, -errno entered but unusable. */
int jail_userns(void);

/* Close every fd but those in keep (n of them, any order, -1s ignored).
 * 0 or -errno. */
int jail_close_fds(const int *keep, unsigned n);

/* The jail proper, on a single-threaded process after every file, device
 * and socket it will need is open: new mount, IPC and UTS namespaces and an
 * empty read-only root; as root, uid and gid `uid` (no supplementary
 * groups); every capability dropped, bounding and ambient sets cleared,
 * secure bits locked; no_new_privs; RLIMIT_NOFILE, RLIMIT_CORE 0,
 * RLIMIT_FSIZE 0 (unless c->fsize_anywhere). Steps the host refuses (no
 * namespaces in a container, say) are left out and st says which were taken;
 * a step that half happened is an error. st->userns and st->pidns say what
 * the caller did before (jail_userns, vmmproc.c); jail_enter fills the rest.
 * 0 or -errno with err filled. */
int jail_enter(const struct jail_config *c, uid_t uid, struct jail_state *st, struct sb_error *err);

#endif
