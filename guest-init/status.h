/* docker's exit statuses: wait status -> 0..255, exec failures -> 126/127 with runc's messages. */
#ifndef GUEST_STATUS_H
#define GUEST_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATUS_INIT_FAILED 125 /* sandbox's own failure (OR'd with ABI_EXIT_INIT_FAILED) */
#define STATUS_CANNOT_EXEC 126
#define STATUS_NOT_FOUND 127
#define STATUS_SIGNAL_BASE 128

/* The status for a waitpid() status: exit code, or 128+signal. *oom is set
 * when the workload died of SIGKILL and the cgroup counted oom_kills. */
int status_from_wait(int wstatus, uint64_t oom_kills, bool *oom);

/* The status for a failed exec of name (errnum from execve, or ENOENT when
 * a PATH search found nothing: searched = true) and the message, e.g.
 * `exec: "foo": executable file not found in $PATH`, into msg. */
int status_exec_failure(const char *name, int errnum, bool searched, char *msg, size_t len);

/* The one line for the host's stderr when the workload was OOM-killed:
 * "sandbox: workload killed: out of memory (memory limit N bytes)\n", without
 * the limit part when memory_max is 0 (the VM's own memory ran out). Into buf
 * (truncated, always terminated when len > 0); returns the length written. */
size_t status_oom_note(uint64_t memory_max, char *buf, size_t len);

#endif
