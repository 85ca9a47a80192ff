/* PID 1's exec sessions: extra processes in the running sandbox, over the exec port
 * (host/vmm/virtio/execproto.h frames). */
#ifndef GUEST_EXECD_H
#define GUEST_EXECD_H

#include <poll.h>
#include <stdbool.h>
#include <sys/types.h>

#include "virtio/execproto.h"

/* The pollfds execd_fill_poll fills: the port, then stdout, stderr and stdin
 * of each session slot. */
#define EXECD_POLL_MAX (1 + 3 * EXEC_MAX_SESSIONS)
/* After a session's process exited, how long its output may take to reach
 * EOF (a grandchild holding the pipe, a host not giving credit). */
#define EXECD_DRAIN_MS 3000

struct execd;

/* Serve the exec port port_fd (O_NONBLOCK, owned from here). Sessions join
 * cgroup_root (NULL: none) and get hostname as HOSTNAME (NULL: their
 * config's); both strings must outlive execd. NULL when out of memory
 * (port_fd is then closed). Memory stays bounded: about 1 MiB of buffers, plus
 * at most EXEC_WINDOW of stdin per session. */
struct execd *execd_create(int port_fd, const char *cgroup_root, const char *hostname);

/* SIGKILL every session's process, close everything, free e (NULL is fine). */
void execd_destroy(struct execd *e);

/* Fill fds[0..EXECD_POLL_MAX) (unused entries have fd -1). Returns
 * EXECD_POLL_MAX, or 0 once execd no longer serves (the port failed or
 * carried a bad frame header: the sessions were killed) and needs no poll. */
int execd_fill_poll(struct execd *e, struct pollfd *fds);

/* Milliseconds until execd must run again without any fd ready (an exited
 * session's drain deadline), 0 when overdue, -1 when there is none. */
int execd_timeout(const struct execd *e);

/* Act on what poll reported in fds (as filled by execd_fill_poll; also call
 * it after a poll timeout): host frames, session I/O, finished sessions. */
void execd_handle(struct execd *e, const struct pollfd *fds);

/* A child PID 1 reaped: when pid is a session's process, note its status
 * (its EXIT goes out once its output is drained) and return true. */
bool execd_reaped(struct execd *e, pid_t pid, int wstatus);

/* The workload ended: SIGKILL and drop every session (no EXITs: the VM is
 * ending); later EXEC_NEWs are refused. */
void execd_workload_ended(struct execd *e);

#endif
