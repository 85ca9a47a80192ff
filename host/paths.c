/* Where sandbox finds its guest kernel, guest init and cache. */
#include "paths.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int paths_exe_dir(char *buf, size_t len, struct sb_error *err)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return error_set(err, errno, "readlink /proc/self/exe");
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	if ((size_t)snprintf(buf, len, "%s", exe) >= len)
		return error_set(err, ENAMETOOLONG, "executable path");
	return 0;
}

int paths_cache_dir(char *buf, size_t len, struct sb_error *err)
{
	const char *e = getenv("SANDBOX_CACHE"), *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
	int n;
	if (e && *e)
		n = snprintf(buf, len, "%s", e);
	else if (x && *x)
		n = snprintf(buf, len, "%s/sandbox", x);
	else if (h && *h)
		n = snprintf(buf, len, "%s/.cache/sandbox", h);
	else
		return error_set(err, 0, "no cache directory: set SANDBOX_CACHE or HOME");
	if (n < 0 || (size_t)n >= len)
		return error_set(err, ENAMETOOLONG, "cache directory");
	return 0;
}

static int beside_exe(const char *env, const char *rel, char *buf, size_t len, struct sb_error *err)
{
	const char *e = getenv(env);
	if (e && *e) {
		if ((size_t)snprintf(buf, len, "%s", e) >= len)
			return error_set(err, ENAMETOOLONG, "%s", env);
		return 0;
	}
	char dir[PATH_MAX];
	int r = paths_exe_dir(dir, sizeof(dir), err);
	if (r < 0)
		return r;
	if ((size_t)snprintf(buf, len, "%s/%s", dir, rel) >= len)
		return error_set(err, ENAMETOOLONG, "%s", rel);
	return 0;
}

int paths_kernel(const char *override, char *buf, size_t len, struct sb_error *err)
{
	int r;
	if (override) {
		if ((size_t)snprintf(buf, len, "%s", override) >= len)
			return error_set(err, ENAMETOOLONG, "--kernel");
	} else if ((r = beside_exe("SANDBOX_KERNEL", "kernel/bzImage", buf, len, err)) < 0) {
		return r;
	}
	if (access(buf, R_OK) != 0)
		return error_set(err, errno,
				 "guest kernel `%s` not readable (build it with `make kernel`, "
				 "or pass --kernel PATH)",
				 buf);
	return 0;
}

int paths_init_archive(char *buf, size_t len, struct sb_error *err)
{
	int r = beside_exe("SANDBOX_INIT", "guest/init.cpio", buf, len, err);
	if (r < 0)
		return r;
	if (access(buf, R_OK) != 0)
		return error_set(err, errno,
				 "guest init archive `%s` not readable (build it with `make init`)",
				 buf);
	return 0;
}

int paths_check_image(const char *ref, struct sb_error *err)
{
	static const char *const transports[] = {"oci:", "oci-archive:", "docker-archive:"};
	for (size_t i = 0; i < sizeof(transports) / sizeof(transports[0]); i++)
		if (strncmp(ref, transports[i], strlen(transports[i])) == 0)
			return 0;
	if (access(ref, F_OK) == 0 || errno != ENOENT)
		return 0;
	/* A path (absolute or relative to here) names no registry image: no hint. */
	if (ref[0] == '/' || strncmp(ref, "./", 2) == 0 || strncmp(ref, "../", 3) == 0) {
		error_set(err, 0, "image `%s` not found: no such file or directory", ref);
		return -ENOENT;
	}
	if (strncmp(ref, "docker://", 9) == 0)
		ref += 9;
	error_set(err, 0,
			 "image `%s` not found: no such file or directory. sandbox runs local "
			 "images (an OCI layout directory, oci:DIR[:TAG], oci-archive:FILE, "
			 "docker-archive:FILE); get one with `skopeo copy docker://%s oci:DIR:TAG` "
			 "or `docker save -o FILE %s`",
			 ref, ref, ref);
	return -ENOENT;
}
