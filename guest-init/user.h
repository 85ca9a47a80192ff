/* docker -u resolution (name|uid[:group|gid]) against the image's /etc/passwd and /etc/group. */
#ifndef GUEST_USER_H
#define GUEST_USER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "abi.h"
#include "error.h"

#define USER_MAX_GROUPS 1024	     /* supplementary groups, gid included */
#define USER_DB_MAX_BYTES (4u << 20) /* largest passwd/group file read */
#define USER_ID_MAX 2147483647u	     /* docker's id range is 0..2^31-1 */

struct user_ids {
	uid_t uid;
	gid_t gid;
	size_t ngroups; /* supplementary groups: gid first, then (implicit-group form only)
			   the groups whose member list names the user, as docker does */
	gid_t groups[USER_MAX_GROUPS];
	char home[ABI_PATH_MAX]; /* from passwd, "/" without an entry */
};

/* Resolve spec with docker's rules: numeric ids need no entry, names must
 * exist, an explicit group replaces the passwd group and is then the only
 * supplementary group (no /etc/group memberships), "" means root. passwd and
 * group are the files' text (NUL-terminated) or NULL when the file does not
 * exist. Returns 0 or -EINVAL or -E2BIG with docker's message in err. */
int user_resolve(const char *spec, const char *passwd, const char *group, struct user_ids *ids,
		 struct sb_error *err);

/* Read a passwd/group file (at most USER_DB_MAX_BYTES) as a NUL-terminated
 * string; a missing file gives *text = NULL and 0. Returns 0 or a negative errno. */
int user_read_db(const char *path, char **text, struct sb_error *err);

/* What a process started now gets: spec resolved against /etc/passwd and
 * /etc/group as they are (the container may have changed them since boot),
 * then the extra groups (an OCI spec's additionalGids) after the user's own,
 * each once, up to USER_MAX_GROUPS. Returns 0 or a negative errno with err set. */
int user_load(const char *spec, const uint32_t *groups, unsigned n_groups, struct user_ids *ids,
	      struct sb_error *err);

#endif
