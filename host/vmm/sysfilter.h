/* Seccomp allow-lists for the VMM's guest-facing threads: built once, installed by each thread. */
#ifndef SB_VMM_SYSFILTER_H
#define SB_VMM_SYSFILTER_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Named sysfilter, not seccomp: a seccomp.h here would hide libseccomp's
 * <seccomp.h> behind -Ihost/vmm. */

/* The thread kinds that parse guest input; each has its own allow-list.
 * SYSFILTER_NET is the network backend's thread (host/net/): IPv4/IPv6
 * sockets and poll, but no KVM ioctl, no file, no exec. SYSFILTER_PROCESS
 * is the jailed VMM process as a whole (host/jail/): the union of the
 * others and what its main thread does after the jail (threads, vCPU set-up,
 * the end); no file opened by name, no new process, no exec. */
enum sysfilter_kind {
	SYSFILTER_VCPU,
	SYSFILTER_EVENTLOOP,
	SYSFILTER_NET,
	SYSFILTER_PROCESS,
	SYSFILTER_KINDS
};

/* Classic BPF programs, one per kind, ready for SECCOMP_SET_MODE_FILTER. */
struct sysfilter {
	struct sock_fprog prog[SYSFILTER_KINDS];
};

/* Build every kind's program (libseccomp, exported to memory), the
 * process one only if process (a jailed VMM: it is the largest, ~1/4 of
 * the time in the test host); net: the process program allows the network
 * thread's calls (a backend thread will run). Installs nothing: call before
 * the threads start. 0 or -errno. */
int sysfilter_build(struct sysfilter *f, bool net, bool process, struct sb_error *err);
/* Free the programs (the installed filters stay with their threads). */
void sysfilter_free(struct sysfilter *f);

/* Install the process-wide SIGSYS handler and forget earlier violations.
 * A forbidden call then fails with EPERM, is recorded (the first one wins)
 * and writes an 8-byte 1 to wake_fd (an eventfd the caller watches; -1 for
 * none): the caller ends the VM from there. One VM per process. 0 or -errno. */
int sysfilter_arm(int wake_fd, struct sb_error *err);
/* Stop writing to wake_fd and restore the previous SIGSYS action. */
void sysfilter_disarm(void);

/* On the calling thread, before it handles any guest input: unblock SIGSYS,
 * set no_new_privs and install kind's program (this thread only). 0 or -errno. */
int sysfilter_enter(const struct sysfilter *f, enum sysfilter_kind kind);

/* The first forbidden call since sysfilter_arm: 1 with its number and the kind
 * of thread that made it, else 0. Async-signal-safe, any thread. */
int sysfilter_violation(int *nr, enum sysfilter_kind *kind);
/* If there was one, 1 and a line like "VMM vCPU thread made a forbidden
 * system call: openat (seccomp)" in buf; else 0. Not in a filtered thread
 * (it allocates). */
int sysfilter_reason(char *buf, size_t len);

#endif
