/* docker's exit statuses: wait status -> 0..255, exec failures -> 126/127 with runc's messages. */
#include "status.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

int status_from_wait(int wstatus, uint64_t oom_kills, bool *oom)
{
	*oom = false;
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus)) {
		int sig = WTERMSIG(wstatus);
		*oom = sig == SIGKILL && oom_kills > 0;
		return (STATUS_SIGNAL_BASE + sig) & 0xff;
	}
	return 255; /* stopped/continued: waitpid() was not asked for those */
}

int status_exec_failure(const char *name, int errnum, bool searched, char *msg, size_t len)
{
	if (errnum == ENOENT && searched) {
		snprintf(msg, len, "exec: \"%s\": executable file not found in $PATH", name);
		return STATUS_NOT_FOUND;
	}
	char reason[128];
	snprintf(reason, sizeof(reason), "%s", strerror(errnum));
	reason[0] = (char)tolower((unsigned char)reason[0]); /* Go/runc style */
	snprintf(msg, len, "exec: \"%s\": %s", name, reason);
	return errnum == ENOENT || errnum == ENOTDIR ? STATUS_NOT_FOUND : STATUS_CANNOT_EXEC;
}

size_t status_oom_note(uint64_t memory_max, char *buf, size_t len)
{
	char limit[64] = "the VM's memory";
	if (memory_max)
		snprintf(limit, sizeof(limit), "memory limit %llu bytes",
			 (unsigned long long)memory_max);
	int n = snprintf(buf, len,
			 "sandbox: workload killed: out of memory (%s; raise it with --memory)\n",
			 limit);
	if (n < 0 || len == 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}
