/* stamp: run a command and prefix each line of its output with the time since its start. */
/*
 * usage: stamp CMD [ARG...]
 *
 * Runs CMD with its stdout and stderr on a pipe and copies what comes to
 * stdout, each line prefixed with the microseconds from just before CMD's
 * fork to the line's first byte (CLOCK_MONOTONIC, the host's clock), and a
 * space. So two VMMs' consoles get one clock, where each guest's own clock
 * starts at a different point of its boot. Exits with CMD's status (125 if
 * it could not run). Built by the bench scripts (static, to run in the test
 * host); not part of sandbox.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	int p[2];
	if (argc < 2) {
		fputs("usage: stamp CMD [ARG...]\n", stderr);
		return 125;
	}
	if (pipe(p) < 0) {
		perror("stamp: pipe");
		return 125;
	}
	int64_t t0 = now_us();
	pid_t pid = fork();
	if (pid < 0) {
		perror("stamp: fork");
		return 125;
	}
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		execvp(argv[1], argv + 1);
		fprintf(stderr, "stamp: %s: %s\n", argv[1], strerror(errno));
		_exit(125);
	}
	close(p[1]);
	char buf[4096];
	int at_start = 1;
	ssize_t n;
	while ((n = read(p[0], buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		int64_t t = now_us() - t0;
		for (ssize_t i = 0; i < n; i++) {
			if (at_start)
				printf("%lld ", (long long)t);
			putchar(buf[i]);
			at_start = buf[i] == '\n';
		}
		fflush(stdout);
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
