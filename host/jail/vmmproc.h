/* The VMM in a process of its own, jailed (jail.h) before its vCPUs start; its result comes back by
 * pipe. */
#ifndef SB_JAIL_VMMPROC_H
#define SB_JAIL_VMMPROC_H

#include "jail.h"
#include "vmm.h"

/* The fds a VMM for cfg holds (its streams, the volume and network
 * fds), -1s left out: up to max into fds; how many there are. */
unsigned vmmproc_fds(const struct vmm_config *cfg, int *fds, unsigned max);

/* vmm_run(cfg) in a child process (comm "sandbox-vmm"), jailed as jail
 * says: with no fd but vmmproc_fds(cfg); as an ordinary user in a user
 * namespace of its own; as pid 1 of a pid namespace where allowed (as root
 * we make it before the fork; an ordinary user's child makes it after its
 * user namespace, and waits as "sandbox-vmm-ns" for the VMM); jail_enter once
 * the VM's files and devices are open; then the process-wide seccomp
 * program. The child dies with us (SIGKILL). With jail->enabled false,
 * vmm_run in this process. Returns what vmm_run returned there (0, 1 or
 * -errno with err filled), or -EIO when the child ended without a result
 * (a crash: its signal in err). st (may be NULL) gets what the jail took. */
int vmmproc_run(const struct vmm_config *cfg, const struct jail_config *jail,
		struct vmm_result *res, struct jail_state *st, struct sb_error *err);

/* The child's message, checked: its numbers in range, its strings ended
 * and without control bytes (last_log keeps its newlines). 0 if it holds a
 * result, else -EIO. vmmproc_run's reader, apart for the fuzz and unit tests. */
int vmmproc_take(const void *buf, size_t len, int *ret, struct vmm_result *res,
		 struct jail_state *st, struct sb_error *err);

#endif
