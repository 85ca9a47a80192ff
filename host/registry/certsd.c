/* certs.d lookup: CA files and a client certificate per registry host. */
#include "errors.h"
#include "certsd.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void certsd_free(struct certsd *c)
{
	for (size_t i = 0; i < c->ncas; i++)
		free(c->ca[i]);
	free(c->cert);
	free(c->key);
	memset(c, 0, sizeof(*c));
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n > k && !strcmp(s + n - k, suffix);
}

static int sorted_names(const char *dir, struct dirent ***names, struct sb_error *err)
{
	int n = scandir(dir, names, NULL, alphasort);
	if (n < 0 && errno != ENOENT && errno != ENOTDIR)
		return error_set(err, errno, "certificate directory %s", dir);
	return n < 0 ? 0 : n;
}

/* NAME.cert -> NAME.key (or back), which must exist in dir. */
static int pair(const char *dir, const char *name, const char *from, const char *to, char **out,
		struct sb_error *err)
{
	size_t base = strlen(name) - strlen(from);
	char *p = NULL;
	if (asprintf(&p, "%s/%.*s%s", dir, (int)base, name, to) < 0)
		return registry_fail(err, ENOMEM, "out of memory");
	if (access(p, R_OK) < 0) {
		int e = errno;
		free(p);
		return error_set(err, e, "%s/%s has no %.*s%s beside it", dir, name, (int)base,
				 name, to);
	}
	*out = p;
	return 0;
}

static int scan(struct certsd *c, const char *dir, struct sb_error *err)
{
	struct dirent **names = NULL;
	int n = sorted_names(dir, &names, err), r = 0;
	for (int i = 0; i < (n > 0 ? n : 0); i++) {
		const char *name = names[i]->d_name;
		char *path = NULL, *other = NULL;
		if (r < 0 || name[0] == '.')
			; /* skip */
		else if (ends_with(name, ".crt")) {
			if (c->ncas == CERTSD_MAX_FILES)
				r = registry_fail(err, E2BIG,
						  "more than %d CA files in certificate "
						  "directories (at %s)",
						  CERTSD_MAX_FILES, dir);
			else if (asprintf(&path, "%s/%s", dir, name) < 0)
				r = registry_fail(err, ENOMEM, "out of memory");
			else
				c->ca[c->ncas++] = path;
		} else if (ends_with(name, ".cert")) {
			if ((r = pair(dir, name, ".cert", ".key", &other, err)) == 0 && !c->cert) {
				if (asprintf(&path, "%s/%s", dir, name) < 0)
					r = registry_fail(err, ENOMEM, "out of memory");
				c->cert = path;
				c->key = other;
				other = NULL;
			}
			free(other);
		} else if (ends_with(name, ".key")) {
			r = pair(dir, name, ".key", ".cert", &other, err);
			free(other);
		}
		free(names[i]);
	}
	free(names);
	return r;
}

int certsd_load_dirs(struct certsd *c, const char *const *dirs, struct sb_error *err)
{
	memset(c, 0, sizeof(*c));
	int r = 0;
	for (size_t i = 0; r == 0 && dirs[i]; i++)
		r = scan(c, dirs[i], err);
	if (r < 0)
		certsd_free(c);
	return r;
}

int certsd_load(struct certsd *c, const char *cert_dir, const char *hostport, struct sb_error *err)
{
	memset(c, 0, sizeof(*c));
	struct stat st;
	if (cert_dir) {
		if (stat(cert_dir, &st) < 0)
			return error_set(err, errno, "--cert-dir %s", cert_dir);
		if (!S_ISDIR(st.st_mode))
			return error_set(err, ENOTDIR, "--cert-dir %s", cert_dir);
		const char *one[] = {cert_dir, NULL};
		return certsd_load_dirs(c, one, err);
	}
	/* a host name that could climb out of the directory is nobody's */
	if (!*hostport || strchr(hostport, '/') || !strcmp(hostport, "..") ||
	    !strcmp(hostport, "."))
		return 0;
	char user[PATH_MAX], etc_c[PATH_MAX], etc_d[PATH_MAX];
	const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	if (x && *x)
		snprintf(user, sizeof(user), "%s/containers/certs.d/%s", x, hostport);
	else if (h && *h)
		snprintf(user, sizeof(user), "%s/.config/containers/certs.d/%s", h, hostport);
	else
		user[0] = '\0';
	snprintf(etc_c, sizeof(etc_c), "/etc/containers/certs.d/%s", hostport);
	snprintf(etc_d, sizeof(etc_d), "/etc/docker/certs.d/%s", hostport);
	const char *dirs[] = {user[0] ? user : etc_c, etc_c, etc_d, NULL};
	if (!user[0])
		dirs[1] = etc_d, dirs[2] = NULL;
	return certsd_load_dirs(c, dirs, err);
}
