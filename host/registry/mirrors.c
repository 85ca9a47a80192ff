/* daemon.json's registry settings: Docker Hub mirrors (or the variable) and
 * insecure registries. */
#include "errors.h"
#include "mirrors.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
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

/* A.B.C.D/N: 1 with net and mask, else 0. */
static int cidr4(const char *s, uint32_t *net, uint32_t *mask)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	char *end;
	if (!slash || (size_t)(slash - s) >= sizeof(ip) || !slash[1])
		return 0;
	long bits = strtol(slash + 1, &end, 10);
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	struct in_addr a;
	if (*end || bits < 0 || bits > 32 || inet_pton(AF_INET, ip, &a) != 1)
		return 0;
	*mask = bits ? htonl(~0u << (32 - bits)) : 0;
	*net = a.s_addr & *mask;
	return 1;
}

/* An insecure-registries entry: HOST[:PORT] (no scheme, no path) or a CIDR. */
static int insecure_check(const char *s)
{
	uint32_t net, mask;
	size_t n = strlen(s);
	if (n == 0 || n >= MIRROR_URL_MAX || strstr(s, "://"))
		return -EINVAL;
	if (strchr(s, '/'))
		return cidr4(s, &net, &mask) ? 0 : -EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e ||
		    strchr("?#@\"", s[i]))
			return -EINVAL;
	return 0;
}

static int insecure_list(json_t *list, struct mirrors *m, struct sb_error *err)
{
	size_t i;
	json_t *v;
	if (list && !json_is_array(list))
		return registry_fail(err, EINVAL, "\"insecure-registries\" is not a list");
	json_array_foreach(list, i, v)
	{
		const char *s = json_string_value(v);
		if (i >= INSECURE_MAX)
			return registry_fail(err, EINVAL, "\"insecure-registries\": more than %d",
					     INSECURE_MAX);
		if (!s || insecure_check(s) < 0)
			return registry_fail(err, EINVAL,
					     "\"insecure-registries\" entry %zu is not HOST[:PORT] "
					     "or an IPv4 CIDR",
					     i + 1);
		snprintf(m->insecure[m->ninsecure++], MIRROR_URL_MAX, "%s", s);
	}
	return 0;
}

bool mirrors_insecure(const struct mirrors *m, const char *domain)
{
	char host[MIRROR_URL_MAX];
	snprintf(host, sizeof(host), "%.*s", (int)strcspn(domain, ":"), domain);
	struct in_addr a;
	bool ip4 = inet_pton(AF_INET, host, &a) == 1;
	for (size_t i = 0; i < m->ninsecure; i++) {
		uint32_t net, mask;
		if (!strcmp(m->insecure[i], domain))
			return true;
		if (ip4 && cidr4(m->insecure[i], &net, &mask) && (a.s_addr & mask) == net)
			return true;
	}
	return false;
}

int mirrors_parse(const char *json, size_t len, struct mirrors *m, struct sb_error *err)
{
	m->n = 0;
	m->ninsecure = 0;
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
	if (r == 0)
		r = insecure_list(json_object_get(root, "insecure-registries"), m, err);
	json_decref(root);
	if (r < 0)
		m->n = m->ninsecure = 0;
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
	if (r < 0)
		return r;
	const char *env = getenv("SANDBOX_REGISTRY_MIRROR");
	if (env && *env) {
		if (url_check(env, m->url[0]) < 0)
			return registry_fail(err, EINVAL,
					     "SANDBOX_REGISTRY_MIRROR `%.200s` is not "
					     "http(s)://HOST[:PORT]",
					     env);
		m->n = 1;
		snprintf(m->source, sizeof(m->source), "SANDBOX_REGISTRY_MIRROR");
	}
	return 0;
}
