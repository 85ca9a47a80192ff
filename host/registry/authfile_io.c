/* Credentials: which files, reading them, credential helpers, and writing
 * the file `sandbox login` keeps them in. */
#include "errors.h"
#include "authfile.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "readall.h"
#include "ref.h"

extern char **environ;

#define HELPER_OUT_MAX (64u << 10)
#define HELPER_TIMEOUT_MS 30000

/* Read a whole small file: 0 and *out (NUL-terminated), -ENOENT when absent. */
static int read_small(const char *path, size_t max, char **out, size_t *len, struct sb_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? -ENOENT
							   : error_set(err, errno, "`%s`", path);
	cleanup_free char *buf = malloc(max + 1);
	if (!buf)
		return registry_fail(err, ENOMEM, "out of memory");
	ssize_t n = readall_bounded(fd, buf, max);
	if (n == -EFBIG)
		return registry_fail(err, EFBIG, "`%s` is larger than %zu bytes", path, max);
	if (n < 0)
		return error_set(err, (int)-n, "read `%s`", path);
	buf[n] = '\0';
	*out = steal_ptr(buf);
	*len = (size_t)n;
	return 0;
}

/* The files to search, in order ("" for one that does not apply). */
static void candidates(char files[4][PATH_MAX])
{
	const char *e = getenv("REGISTRY_AUTH_FILE"), *rt = getenv("XDG_RUNTIME_DIR");
	const char *cfg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	const char *dc = getenv("DOCKER_CONFIG");
	memset(files, 0, 4 * PATH_MAX);
	if (e && *e)
		snprintf(files[0], PATH_MAX, "%s", e);
	if (rt && *rt)
		snprintf(files[1], PATH_MAX, "%s/containers/auth.json", rt);
	if (cfg && *cfg)
		snprintf(files[2], PATH_MAX, "%s/containers/auth.json", cfg);
	else if (home && *home)
		snprintf(files[2], PATH_MAX, "%s/.config/containers/auth.json", home);
	if (dc && *dc)
		snprintf(files[3], PATH_MAX, "%s/config.json", dc);
	else if (home && *home)
		snprintf(files[3], PATH_MAX, "%s/.docker/config.json", home);
}

int authfile_default_path(char *buf, size_t len, struct sb_error *err)
{
	char files[4][PATH_MAX];
	candidates(files);
	for (int i = 0; i < 4; i++)
		if (files[i][0] && i != 2) {
			if ((size_t)snprintf(buf, len, "%s", files[i]) >= len)
				return registry_fail(err, ENAMETOOLONG, "auth file path");
			return 0;
		}
	return error_set(err, 0, "no auth file: set REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR or HOME");
}

/* Wait for pid for at most ms; kill it after that. Its exit status, or -1. */
static int reap(pid_t pid, int ms)
{
	int st;
	for (int waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (r < 0 && errno != EINTR)
			return -1;
		if (waited >= ms) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
}

/* Feed `in` to the helper and collect its stdout (bounded, time-limited). */
static int helper_talk(pid_t pid, int to, int from, const char *in, char *out, size_t cap,
		       size_t *n)
{
	size_t inlen = strlen(in), sent = 0;
	*n = 0;
	struct pollfd p[2] = {{to, POLLOUT, 0}, {from, POLLIN, 0}};
	for (int waited = 0; waited < HELPER_TIMEOUT_MS;) {
		int k = poll(p, 2, 100);
		if (k < 0 && errno != EINTR)
			return -errno;
		waited += k == 0 ? 100 : 0;
		if (p[0].fd >= 0 && (p[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(to, in + sent, inlen - sent);
			if (w > 0)
				sent += (size_t)w;
			if (w < 0 || sent == inlen) {
				close(to);
				p[0].fd = -1;
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = read(from, out + *n, cap - 1 - *n);
			if (r <= 0) {
				if (p[0].fd >= 0)
					close(to);
				out[*n] = '\0';
				return 0;
			}
			*n += (size_t)r;
			if (*n >= cap - 1) {
				kill(pid, SIGKILL);
				return -EFBIG;
			}
		}
	}
	kill(pid, SIGKILL);
	return -ETIMEDOUT;
}

/* `docker-credential-NAME get`, the server on stdin; JSON {"Username","Secret"} out. */
static int run_helper(const char *domain, struct auth_creds *out, struct sb_error *err)
{
	char prog[96], server[REF_NAME_MAX + 32];
	snprintf(prog, sizeof(prog), "docker-credential-%s", out->helper);
	snprintf(server, sizeof(server), "%s",
		 strcmp(domain, REF_DOCKER_HUB) ? domain : "https://index.docker.io/v1/");
	int in[2], o[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return error_set(err, errno, "pipe");
	if (pipe2(o, O_CLOEXEC) < 0) {
		close(in[0]), close(in[1]);
		return error_set(err, errno, "pipe");
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, o[1], 1);
	char *argv[] = {prog, "get", NULL};
	pid_t pid;
	int r = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(o[1]);
	if (r != 0) {
		close(in[1]), close(o[0]);
		return error_set(err, r, "credential helper `%s` (from %s)", prog, out->source);
	}
	cleanup_free char *buf = malloc(HELPER_OUT_MAX);
	size_t n = 0;
	r = buf ? helper_talk(pid, in[1], o[0], server, buf, HELPER_OUT_MAX, &n) : -ENOMEM;
	close(o[0]);
	int status = reap(pid, r == 0 ? HELPER_TIMEOUT_MS : 0);
	if (r < 0)
		return error_set(err, -r, "credential helper `%s`", prog);
	if (status != 0) {
		if (strstr(buf, "credentials not found"))
			return 0;
		return error_set(err, 0, "credential helper `%s` failed (exit %d)", prog, status);
	}
	json_t *root = json_loadb(buf, n, 0, NULL);
	const char *u = json_string_value(json_object_get(root, "Username"));
	const char *s = json_string_value(json_object_get(root, "Secret"));
	if (!u || !s || !*u || strlen(u) >= sizeof(out->user) || strlen(s) >= sizeof(out->secret)) {
		json_decref(root);
		return error_set(err, 0, "credential helper `%s`: bad answer", prog);
	}
	snprintf(out->user, sizeof(out->user), "%s", u);
	snprintf(out->secret, sizeof(out->secret), "%s", s);
	/* docker's convention: the secret of user "<token>" is an identity token */
	out->identity = !strcmp(u, AUTH_IDENTITY_USER);
	json_decref(root);
	return 1;
}

int authfile_find(const char *domain, const char *path, struct auth_creds *out,
		  struct sb_error *err)
{
	char files[4][PATH_MAX];
	candidates(files);
	for (int i = 0; i < 4; i++) {
		if (!files[i][0])
			continue;
		cleanup_free char *json = NULL;
		size_t len;
		int r = read_small(files[i], AUTHFILE_MAX, &json, &len, err);
		if (r == -ENOENT)
			continue;
		if (r == 0)
			r = authfile_lookup(json, len, domain, path, out, err);
		if (r < 0)
			return error_prefix(err, "credentials file `%s`", files[i]);
		if (r == 0)
			continue;
		snprintf(out->source, sizeof(out->source), "%.255s", files[i]);
		if (out->helper[0])
			return run_helper(domain, out, err);
		return 1;
	}
	memset(out, 0, sizeof(*out));
	return 0;
}

static int mkdir_parent(const char *path, struct sb_error *err)
{
	cleanup_free char *p = strdup(path);
	if (!p)
		return registry_fail(err, ENOMEM, "out of memory");
	for (char *s = p + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return error_set(err, errno, "create `%s`", p);
		*s = '/';
	}
	return 0;
}

int authfile_store(const char *path, const char *key, const char *user, const char *secret,
		   struct sb_error *err)
{
	cleanup_free char *json = NULL;
	size_t len = 0;
	int r = read_small(path, AUTHFILE_MAX, &json, &len, err);
	if (r < 0 && r != -ENOENT)
		return r;
	json_t *root = r == 0 ? json_loadb(json, len, 0, NULL) : json_object();
	if (!json_is_object(root)) {
		json_decref(root);
		return error_set(err, 0, "`%s` is not a JSON object: not changing it", path);
	}
	json_t *auths = json_object_get(root, "auths");
	if (!json_is_object(auths)) {
		auths = json_object();
		json_object_set_new(root, "auths", auths);
	}
	if (secret) {
		size_t n = strlen(user) + 1 + strlen(secret);
		cleanup_free char *plain = malloc(n + 1), *enc = malloc(4 * (n / 3 + 1) + 1);
		if (!plain || !enc) {
			json_decref(root);
			return registry_fail(err, ENOMEM, "out of memory");
		}
		snprintf(plain, n + 1, "%s:%s", user, secret);
		auth_base64_encode(plain, n, enc);
		json_object_set_new(auths, key, json_pack("{s:s}", "auth", enc));
	} else if (json_object_del(auths, key) < 0) {
		json_decref(root);
		return -ENOENT;
	}
	cleanup_free char *tmp = NULL;
	if ((r = mkdir_parent(path, err)) < 0 ||
	    asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0) {
		json_decref(root);
		return r < 0 ? r : registry_fail(err, ENOMEM, "out of memory");
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	r = fd < 0 ? error_set(err, errno, "create `%s`", tmp) : 0;
	if (r == 0 && json_dumpfd(root, fd, JSON_INDENT(1)) < 0)
		r = registry_fail(err, EIO, "write `%s`", tmp);
	if (r == 0 && (write(fd, "\n", 1) != 1 || fsync(fd) < 0))
		r = error_set(err, errno, "write `%s`", tmp);
	if (fd >= 0 && close(fd) < 0 && r == 0)
		r = error_set(err, errno, "close `%s`", tmp);
	if (r == 0 && rename(tmp, path) < 0)
		r = error_set(err, errno, "rename to `%s`", path);
	if (r < 0 && fd >= 0)
		unlink(tmp);
	json_decref(root);
	return r;
}
