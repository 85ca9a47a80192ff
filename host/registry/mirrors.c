/* Docker Hub mirrors: daemon.json's registry-mirrors, or the variable. */
#include "errors.h"
#include "mirrors.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "readall.h"

/* http(s)://HOST[:PORT] with an optional "/" -> out without it. */
static int url_check(const char *u, char out[MIRROR_URL_MAX])
{
	size_t skip = !strncmp(u, "https://", 8) ? 8 : !strncmp(u, "http://", 7) ? 7 : 0;
	size_t n = strlen(u);
	if (!skip || n >= MIRROR_URL_MAX)
		return -EINVAL;
	if (n > skip && u[n - 1] == '/')
		n--;
	const char *host = u + skip;
	size_t hl = n - skip;
	if (hl == 0 || strcspn(host, "/?#@ \t\r\n") < hl)
		return -EINVAL;
	for (size_t i = 0; i < hl; i++)
		if ((unsigned char)host[i] < 0x21 || (unsigned char)host[i] > 0x7e)
			return -EINVAL;
	memcpy(out, u, n);
	out[n] = '\0';
	return 0;
}

int mirrors_parse(const char *json, size_t len, struct mirrors *m, struct sb_error *err)
{
	m->n = 0;
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr);
	int r = 0;
	if (!json_is_object(root))
		r = registry_fail(err, EINVAL, "not a JSON object (line %d)", jerr.line);
	json_t *list = r == 0 ? json_object_get(root, "registry-mirrors") : NULL;
	if (list && !json_is_array(list))
		r = registry_fail(err, EINVAL, "\"registry-mirrors\" is not a list");
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		if (r < 0)
			break;
		const char *u = json_string_value(v);
		if (i >= MIRRORS_MAX)
			r = registry_fail(err, EINVAL, "\"registry-mirrors\": more than %d",
					  MIRRORS_MAX);
		else if (!u || url_check(u, m->url[m->n]) < 0)
			r = registry_fail(err, EINVAL,
					  "\"registry-mirrors\" entry %zu is not "
					  "http(s)://HOST[:PORT]",
					  i + 1);
		else
			m->n++;
	}
	json_decref(root);
	if (r < 0)
		m->n = 0;
	return r;
}

/* 1 and *m from path, 0 when it does not exist. */
static int load_file(const char *path, struct mirrors *m, struct sb_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0
							   : error_set(err, errno, "`%s`", path);
	cleanup_free char *buf = malloc(MIRRORS_FILE_MAX + 1);
	ssize_t n = buf ? readall_bounded(fd, buf, MIRRORS_FILE_MAX) : -ENOMEM;
	close(fd);
	if (n < 0)
		return error_set(err, (int)-n, "`%s`", path);
	int r = mirrors_parse(buf, (size_t)n, m, err);
	if (r < 0)
		return error_prefix(err, "%s", path);
	snprintf(m->source, sizeof(m->source), "%.255s", path);
	return 1;
}

int mirrors_load(struct mirrors *m, struct sb_error *err)
{
	memset(m, 0, sizeof(*m));
	const char *env = getenv("SANDBOX_REGISTRY_MIRROR");
	if (env && *env) {
		if (url_check(env, m->url[0]) < 0)
			return registry_fail(err, EINVAL,
					     "SANDBOX_REGISTRY_MIRROR `%.200s` is not "
					     "http(s)://HOST[:PORT]",
					     env);
		m->n = 1;
		snprintf(m->source, sizeof(m->source), "SANDBOX_REGISTRY_MIRROR");
		return 0;
	}
	char user[PATH_MAX];
	const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	user[0] = '\0';
	if (x && *x)
		snprintf(user, sizeof(user), "%s/docker/daemon.json", x);
	else if (h && *h)
		snprintf(user, sizeof(user), "%s/.config/docker/daemon.json", h);
	int r = user[0] ? load_file(user, m, err) : 0;
	if (r == 0)
		r = load_file("/etc/docker/daemon.json", m, err);
	return r < 0 ? r : 0;
}
