/* Confinement of a file server process: namespaces, root, capabilities, limits, seccomp. */
#ifndef SB_FSD_CONFINE_H
#define SB_FSD_CONFINE_H

#include <stdbool.h>

/* What confine_namespaces managed (each step is best effort). */
struct confine_state {
	bool userns;   /* a new user namespace (not as root) */
	bool mountns;  /* a new mount namespace */
	bool netns;    /* a new network namespace */
	bool pivoted;  /* the share is the root of our mount namespace */
	bool chrooted; /* else chroot'ed into it */
	bool ro_mount; /* read-only on the mount itself (readonly shares) */
};

/* Enter new namespaces and make the share our root. *root_fd (the share,
 * O_PATH) may be replaced by a fd for the new "/". host_path is checked to
 * still name *root_fd before it is used. Quietly does what the host allows:
 * st says what that was. as_root: we are root in the initial namespace.
 * 0, or -errno when a user namespace was entered but its id map failed. */
int confine_namespaces(const char *host_path, int *root_fd, bool as_root, bool readonly,
		       struct confine_state *st);
/* Room for max_fds open fds (raises the soft limit up to the hard one).
 * The number of fds allowed. */
unsigned confine_nofile(unsigned max_fds);
/* Keep only the capabilities a file server needs (chown, DAC override and
 * read-search, fowner); drop the rest, bounding set included. Quiet when
 * we have none. */
void confine_caps(void);
/* no_new_privs, then the server's own seccomp allow-list (anything else
 * kills the process). 0 or -errno. */
int confine_seccomp(void);

#endif
