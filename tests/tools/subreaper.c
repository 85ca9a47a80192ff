/* subreaper LOG CMD [ARG...]: what conmon and containerd's shim are to a runtime's
 * processes, for tests. Becomes a child subreaper, runs CMD, and reaps CMD and every
 * descendant orphaned to it, appending "PID STATUS" to LOG for each (STATUS: the exit
 * code, or 128+N for signal N). Exits with CMD's status once all of them are gone. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: subreaper LOG CMD [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("subreaper: PR_SET_CHILD_SUBREAPER");
		return 2;
	}
	pid_t cmd = fork();
	if (cmd < 0) {
		perror("subreaper: fork");
		return 2;
	}
	if (cmd == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "subreaper: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	int cmd_status = 0;
	for (;;) {
		int ws;
		pid_t pid = wait(&ws);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: nobody left */
		}
		int st = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
		if (pid == cmd)
			cmd_status = st;
		int fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0) {
			dprintf(fd, "%d %d\n", (int)pid, st);
			close(fd);
		}
	}
	return cmd_status;
}
