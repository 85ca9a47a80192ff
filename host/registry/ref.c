/* Registry image references: docker's grammar (distribution/reference) and
 * its normalization to DOMAIN/PATH:TAG. */
#include "ref.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define REF_INPUT_MAX 1024

static bool lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool alnum(char c)
{
	return lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool xdigit_lower(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* One path component: [a-z0-9]+ ((. | _ | __ | -+) [a-z0-9]+)*. */
static bool path_component_ok(const char *s, size_t n)
{
	size_t i = 0;
	for (;;) {
		if (i >= n || !lower_alnum(s[i]))
			return false;
		while (i < n && lower_alnum(s[i]))
			i++;
		if (i == n)
			return true;
		if (s[i] == '.')
			i++;
		else if (s[i] == '_')
			i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
		else if (s[i] == '-')
			while (i < n && s[i] == '-')
				i++;
		else
			return false;
	}
}

static bool path_ok(const char *p)
{
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (!path_component_ok(p, n))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

/* One DNS label: [A-Za-z0-9] or [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]. */
static bool label_ok(const char *s, size_t n)
{
	if (n == 0 || !alnum(s[0]) || !alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* host[:port]: dotted labels or [IPv6]; port 1-65535. */
static bool domain_ok(const char *d)
{
	const char *end;
	if (d[0] == '[') {
		end = strchr(d, ']');
		if (!end || end == d + 1)
			return false;
		for (const char *p = d + 1; p < end; p++)
			if (!xdigit_lower(*p) && !(*p >= 'A' && *p <= 'F') && *p != ':')
				return false;
		end++;
	} else {
		end = d + strcspn(d, ":");
		for (const char *p = d; p <= end;) {
			const char *dot = memchr(p, '.', (size_t)(end - p));
			const char *stop = dot ? dot : end;
			if (!label_ok(p, (size_t)(stop - p)))
				return false;
			p = stop + 1;
		}
	}
	if (*end == '\0')
		return true;
	if (*end != ':' || end[1] == '\0' || strlen(end + 1) > 5)
		return false;
	unsigned port = 0;
	for (const char *p = end + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		port = port * 10 + (unsigned)(*p - '0');
	}
	return port >= 1 && port <= 65535;
}

static bool tag_ok(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > REF_TAG_MAX || !(alnum(t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!alnum(t[i]) && t[i] != '_' && t[i] != '.' && t[i] != '-')
			return false;
	return true;
}

/* "sha256:" + 64 lowercase hex. Another well-formed algorithm is refused as
 * unsupported, anything else as malformed. */
static int digest_check(const char *in, const char *d, struct sb_error *err)
{
	if (!strncmp(d, "sha256:", 7)) {
		size_t n = strlen(d + 7);
		for (size_t i = 0; i < n; i++)
			if (!xdigit_lower(d[7 + i]))
				n = 0;
		if (n == 64)
			return 0;
		return error_set(
		    err, 0, "invalid reference `%s`: a sha256 digest is 64 lowercase hex digits",
		    in);
	}
	const char *colon = strchr(d, ':');
	if (colon && colon > d && colon[1])
		return error_set(err, 0,
				 "invalid reference `%s`: unsupported digest algorithm `%.*s`", in,
				 (int)(colon - d > 32 ? 32 : colon - d), d);
	return error_set(err, 0, "invalid reference `%s`: bad digest `%s`", in, d);
}

static bool is_hex64(const char *s)
{
	size_t i = 0;
	while (s[i] && xdigit_lower(s[i]))
		i++;
	return i == 64 && s[i] == '\0';
}

/* Split NAME into domain and path by docker's rule: the first component is a
 * domain when it holds '.' or ':', is "localhost", or has an upper-case letter. */
static void split_domain(const char *name, const char **dom, size_t *dlen, const char **path)
{
	const char *slash = strchr(name, '/');
	*dom = REF_DOCKER_HUB;
	*dlen = strlen(REF_DOCKER_HUB);
	*path = name;
	if (!slash)
		return;
	size_t n = (size_t)(slash - name);
	bool upper = false;
	for (size_t i = 0; i < n; i++)
		upper |= name[i] >= 'A' && name[i] <= 'Z';
	if (!memchr(name, '.', n) && !memchr(name, ':', n) &&
	    !(n == 9 && !strncmp(name, "localhost", 9)) && !upper)
		return;
	*dom = name;
	*dlen = n;
	*path = slash + 1;
	if (n == 15 && !strncmp(name, "index.docker.io", 15)) {
		*dom = REF_DOCKER_HUB;
		*dlen = strlen(REF_DOCKER_HUB);
	}
}

static int fill_name(const char *in, const char *name, struct registry_ref *out,
		     struct sb_error *err)
{
	const char *dom, *path;
	size_t dlen;
	split_domain(name, &dom, &dlen, &path);
	bool hub = dlen == strlen(REF_DOCKER_HUB) && !strncmp(dom, REF_DOCKER_HUB, dlen);
	int n = snprintf(out->domain, sizeof(out->domain), "%.*s", (int)dlen, dom);
	int m = snprintf(out->path, sizeof(out->path), "%s%s",
			 hub && !strchr(path, '/') ? "library/" : "", path);
	if (n < 0 || m < 0 || (size_t)n + 1 + (size_t)m > REF_NAME_MAX)
		return error_set(err, 0,
				 "invalid reference `%s`: repository name longer than %d bytes", in,
				 REF_NAME_MAX);
	if (!domain_ok(out->domain))
		return error_set(err, 0, "invalid reference `%s`: bad registry host `%s`", in,
				 out->domain);
	for (const char *p = out->path; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			return error_set(
			    err, 0, "invalid reference `%s`: repository name must be lowercase",
			    in);
	if (!path_ok(out->path))
		return error_set(err, 0, "invalid reference `%s`: bad repository name `%s`", in,
				 out->path);
	return 0;
}

int registry_ref_parse(const char *s, struct registry_ref *out, struct sb_error *err)
{
	memset(out, 0, sizeof(*out));
	const char *in = s;
	if (!strncmp(s, "docker://", 9))
		s += 9;
	size_t len = strnlen(s, REF_INPUT_MAX + 1);
	if (len == 0)
		return error_set(err, 0, "invalid reference `%s`: empty name", in);
	if (len > REF_INPUT_MAX)
		return error_set(err, 0, "invalid reference: longer than %d bytes", REF_INPUT_MAX);
	if (is_hex64(s))
		return error_set(
		    err, 0, "invalid reference `%s`: a name cannot be 64 hex digits (an image ID)",
		    in);
	char buf[REF_INPUT_MAX + 1];
	memcpy(buf, s, len + 1);
	char *at = strchr(buf, '@');
	int r;
	if (at) {
		*at = '\0';
		if ((r = digest_check(in, at + 1, err)) < 0)
			return r;
		snprintf(out->digest, sizeof(out->digest), "%s", at + 1);
	}
	char *slash = strrchr(buf, '/'), *colon = strrchr(slash ? slash : buf, ':');
	if (colon) {
		*colon = '\0';
		if (!tag_ok(colon + 1))
			return error_set(err, 0, "invalid reference `%s`: bad tag `%.*s`", in, 130,
					 colon + 1);
		snprintf(out->tag, sizeof(out->tag), "%s", colon + 1);
	}
	if (buf[0] == '\0')
		return error_set(err, 0, "invalid reference `%s`: empty name", in);
	if ((r = fill_name(in, buf, out, err)) < 0)
		return r;
	if (!out->tag[0] && !out->digest[0])
		strcpy(out->tag, "latest");
	return 0;
}

int registry_ref_format(const struct registry_ref *r, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s%s%s%s%s", r->domain, r->path, r->tag[0] ? ":" : "",
			 r->tag, r->digest[0] ? "@" : "", r->digest);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : n;
}

const char *registry_ref_host(const struct registry_ref *r)
{
	return strcmp(r->domain, REF_DOCKER_HUB) ? r->domain : REF_DOCKER_HUB_HOST;
}

bool registry_ref_is_loopback(const struct registry_ref *r)
{
	char host[REF_NAME_MAX + 1];
	const char *d = r->domain;
	size_t n;
	if (d[0] == '[') {
		d++;
		n = strcspn(d, "]");
	} else {
		n = strcspn(d, ":");
	}
	snprintf(host, sizeof(host), "%.*s", (int)n, d);
	return registry_host_is_loopback(host);
}

bool registry_host_is_loopback(const char *host)
{
	char h[REF_NAME_MAX + 1];
	size_t n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']')
		host++, n -= 2;
	if (n > REF_NAME_MAX)
		return false;
	memcpy(h, host, n);
	h[n] = '\0';
	host = h;
	if (!strcasecmp(host, "localhost"))
		return true;
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

const char *registry_ref_object(const struct registry_ref *r)
{
	return r->digest[0] ? r->digest : r->tag;
}

bool registry_ref_is_local(const char *arg, bool (*exists)(const char *path))
{
	static const char *const local[] = {
	    "oci:", "oci-archive:", "docker-archive:", "docker-daemon:", "/", "./", "../", "~"};
	if (!strncmp(arg, "docker://", 9))
		return false;
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (!strncmp(arg, local[i], strlen(local[i])))
			return true;
	if (!strcmp(arg, ".") || !strcmp(arg, "..") || exists(arg))
		return true;
	struct registry_ref r;
	return registry_ref_parse(arg, &r, NULL) < 0;
}
