/* PID 1's loop: relay the workload's output, reap every child, forward signals, drain at the end.
 */
#ifndef GUEST_SUPERVISE_H
#define GUEST_SUPERVISE_H

#include <stdbool.h>
#include <sys/types.h>

#include "execd.h"
#include "pump.h"

#define SUPERVISE_DRAIN_MS 3000 /* after the final kill, give up on pipes held open */

struct supervise {
	int sfd;		 /* signalfd for all signals (all blocked) */
	int out_fd, err_fd;	 /* read ends of the workload's stdout/stderr; closed here */
	struct pump *in;	 /* host stdin -> the workload's stdin pipe; closed here */
	int ctl_fd;		 /* control port: ABI_CTL_* frames (-1 none; not closed) */
	int tty_fd;		 /* pty master for ABI_CTL_WINSIZE (-1 none; not closed) */
	pid_t child;		 /* the workload */
	const char *cgroup_root; /* NULL: no workload cgroup */
	bool pid1;		 /* we are the VM's init: kill(-1) ends the rest */
	struct execd *execd;	 /* exec sessions (NULL: none; not destroyed here) */
};

/* Run until the workload exited, whatever was left of it was killed and
 * both pipes are drained (or SUPERVISE_DRAIN_MS passed). Returns the
 * workload's waitpid() status. */
int supervise_run(struct supervise *s);

#endif
