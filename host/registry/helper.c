/* Starting sandbox-registry (the libcurl half of host/registry/) from sandbox. */
#include "errors.h"
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "paths.h"

extern char **environ;

#define REPORT_FD 3

int helper_path(char *buf, size_t len, struct sb_error *err)
{
	char dir[PATH_MAX];
	int r = paths_exe_dir(dir, sizeof(dir), err);
	if (r < 0)
		return r;
	if ((size_t)snprintf(buf, len, "%s/%s", dir, HELPER_NAME) >= len)
		return error_set(err, ENAMETOOLONG, "%s/%s", dir, HELPER_NAME);
	if (access(buf, X_OK) < 0)
		return error_set(err, errno,
				 "the registry client %s is missing (it is built beside sandbox; "
				 "install both)",
				 buf);
	return 0;
}

int helper_exec(const char *verb, int argc, char **argv, struct sb_error *err)
{
	char path[PATH_MAX];
	int r = helper_path(path, sizeof(path), err);
	if (r < 0)
		return r;
	char **av = calloc((size_t)argc + 2, sizeof(*av));
	if (!av)
		return error_set(err, ENOMEM, "registry client");
	av[0] = HELPER_NAME;
	av[1] = (char *)verb;
	for (int i = 1; i < argc; i++)
		av[i + 1] = argv[i];
	execv(path, av);
	r = error_set(err, errno, "cannot run the registry client %s", path);
	free(av);
	return r;
}

int helper_report_parse(const char *line, size_t len, char hex[DIGEST_HEX_LEN + 1],
			struct sb_error *err)
{
	char buf[HELPER_REPORT_MAX + 1];
	if (len > HELPER_REPORT_MAX || memchr(line, '\0', len))
		return registry_fail(err, EPROTO, "the registry client's report is malformed");
	memcpy(buf, line, len);
	buf[len] = '\0';
	char *nl = strchr(buf, '\n');
	if (!nl || nl[1])
		return registry_fail(err, EPROTO, "the registry client's report is malformed");
	*nl = '\0';
	if (!strncmp(buf, "ok ", 3) && strlen(buf + 3) == DIGEST_HEX_LEN &&
	    strspn(buf + 3, "0123456789abcdef") == DIGEST_HEX_LEN) {
		memcpy(hex, buf + 3, DIGEST_HEX_LEN + 1);
		return 0;
	}
	char *end;
	long code = !strncmp(buf, "error ", 6) ? strtol(buf + 6, &end, 10) : 0;
	if (code <= 0 || code > 4095 || *end != ' ' || !end[1])
		return registry_fail(err, EPROTO, "the registry client's report is malformed");
	for (char *p = end + 1; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
	return registry_fail(err, (int)code, "%s", end + 1);
}

/* The client with fd REPORT_FD = wfd and stdout = our stderr (whatever it
 * would print must not mix with a workload's stdout). */
static int spawn(const char *path, char **av, int wfd, pid_t *pid, struct sb_error *err)
{
	posix_spawn_file_actions_t fa;
	int r = posix_spawn_file_actions_init(&fa);
	if (r == 0)
		r = posix_spawn_file_actions_adddup2(&fa, wfd, REPORT_FD);
	if (r == 0)
		r = posix_spawn_file_actions_adddup2(&fa, 2, 1);
	if (r == 0)
		r = posix_spawn(pid, path, &fa, NULL, av, environ);
	posix_spawn_file_actions_destroy(&fa);
	return r ? error_set(err, r, "cannot run the registry client %s", path) : 0;
}

/* Everything the client wrote to the report pipe (bounded). */
static size_t read_report(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	for (;;) {
		ssize_t k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
		if (n == cap) {
			char sink[256];
			while (read(fd, sink, sizeof(sink)) > 0)
				; /* drain: the client must not block on a full pipe */
			break;
		}
	}
	return n;
}

int helper_pull(const char *name, bool quiet, bool pack, char hex[DIGEST_HEX_LEN + 1],
		struct sb_error *err)
{
	char path[PATH_MAX];
	int r = helper_path(path, sizeof(path), err);
	if (r < 0)
		return r;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return error_set(err, errno, "pipe");
	/* the write end must not already be REPORT_FD (dup2 onto itself keeps CLOEXEC) */
	int wfd = fcntl(p[1], F_DUPFD_CLOEXEC, REPORT_FD + 1);
	close(p[1]);
	if (wfd < 0) {
		close(p[0]);
		return error_set(err, errno, "fcntl");
	}
	char fdarg[32];
	snprintf(fdarg, sizeof(fdarg), "--report-fd=%d", REPORT_FD);
	char *av[8];
	int k = 0;
	av[k++] = HELPER_NAME;
	av[k++] = "pull";
	av[k++] = fdarg;
	if (quiet)
		av[k++] = "-q";
	if (pack)
		av[k++] = "--pack";
	av[k++] = "--";
	av[k++] = (char *)name;
	av[k] = NULL;
	pid_t pid;
	r = spawn(path, av, wfd, &pid, err);
	close(wfd);
	char buf[HELPER_REPORT_MAX + 1];
	size_t n = r == 0 ? read_report(p[0], buf, sizeof(buf)) : 0;
	close(p[0]);
	if (r < 0)
		return r;
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return error_set(err, errno, "waitpid (registry client)");
	if (n > 0)
		r = helper_report_parse(buf, n, hex, err);
	if (n > 0 && r == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		r = registry_fail(err, EPROTO, "the registry client reported success but failed");
	else if (n == 0 && WIFSIGNALED(st))
		r = registry_fail(err, EINTR, "the registry client was killed by signal %d (%s)",
				  WTERMSIG(st), strsignal(WTERMSIG(st)));
	else if (n == 0)
		r = registry_fail(err, EPROTO, "the registry client exited %d without a report",
				  WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return r;
}
