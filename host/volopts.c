/* `sandbox run`'s volume options: -v, --mount, --tmpfs, --read-only (docker's spellings). */
#include "volopts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"


/* The k bytes at p as messages show them (at most 32). */
static const char *word(const char *p, size_t k, char buf[SHOWN_MAX])
{
	char tmp[33];
	if (k > 32)
		k = 32;
	memcpy(tmp, p, k);
	tmp[k] = '\0';
	return shown_text(tmp, buf);
}

void volopts_init(struct volopts *v)
{
	memset(v, 0, sizeof(*v));
}

void volopts_free(struct volopts *v)
{
	for (unsigned i = 0; i < v->n; i++) {
		free(v->m[i].source);
		free(v->m[i].target);
	}
	v->n = v->nbind = 0;
}

/* Is path (len bytes of a normalized path) p or below it? */
static int under(const char *path, size_t len, const char *p)
{
	size_t k = strlen(p);
	return len >= k && !memcmp(path, p, k) && (len == k || path[k] == '/');
}

int volopts_guest_path(const char *s, char out[VOLOPTS_PATH_MAX])
{
	size_t n = 0;

	if (s[0] != '/')
		return -EINVAL;
	for (const char *p = s; *p;) {
		while (*p == '/')
			p++;
		size_t k = strcspn(p, "/");
		if (!k)
			break;
		if (k == 2 && !memcmp(p, "..", 2))
			return -EINVAL;
		if (!(k == 1 && *p == '.')) {
			if (n + 1 + k + 1 > VOLOPTS_PATH_MAX)
				return -ENAMETOOLONG;
			out[n++] = '/';
			memcpy(out + n, p, k);
			n += k;
		}
		p += k;
	}
	out[n] = '\0';
	if (!n || under(out, n, "/proc") || under(out, n, "/sys") || under(out, n, "/.sandbox") ||
	    !strcmp(out, "/dev"))
		return -EINVAL;
	return 0;
}

/* A new mount slot (zeroed), or NULL with err set. */
static struct volopts_mount *add(struct volopts *v, const char *option, const char *s,
				 enum volopts_type type, struct sb_error *err)
{
	char b[SHOWN_MAX];
	if (v->n == VOLOPTS_MAX_MOUNTS) {
		error_set(err, 0, "invalid %s `%s`: more than %u mounts", option, shown_text(s, b),
			  VOLOPTS_MAX_MOUNTS);
		return NULL;
	}
	if (type == VOLOPTS_BIND && v->nbind == VOLOPTS_MAX_BINDS) {
		error_set(err, 0, "invalid %s `%s`: more than %u volumes", option, shown_text(s, b),
			  VOLOPTS_MAX_BINDS);
		return NULL;
	}
	struct volopts_mount *m = &v->m[v->n];
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->option = option;
	m->spec = s;
	m->tmpfs_mode = 01777;
	return m;
}

/* Keep m (filled by the caller): count it. */
static void commit(struct volopts *v, struct volopts_mount *m)
{
	v->n++;
	if (m->type == VOLOPTS_BIND)
		v->nbind++;
}

static void drop(struct volopts_mount *m)
{
	free(m->source);
	free(m->target);
	m->source = m->target = NULL;
}

/* The guest path part (len bytes of p) into m->target. */
static int set_target(struct volopts_mount *m, const char *p, size_t len, struct sb_error *err)
{
	char b[SHOWN_MAX], path[VOLOPTS_PATH_MAX],
	    *dup = len < VOLOPTS_PATH_MAX ? strndup(p, len) : NULL;
	if (!dup)
		return error_set(err, 0, "invalid %s `%s`: the container path is too long",
				 m->option, shown_text(m->spec, b));
	int r = volopts_guest_path(dup, path);
	free(dup);
	if (r < 0)
		return error_set(err, 0,
				 "invalid %s `%s`: the container path must be absolute, without "
				 "`..`, and not /, /dev, /proc, /sys or /.sandbox",
				 m->option, shown_text(m->spec, b));
	free(m->target);
	m->target = strdup(path);
	return m->target ? 0 : error_set(err, ENOMEM, "%s", m->option);
}

/* A host path part: absolute, or relative starting with `.`. */
static int set_source(struct volopts_mount *m, const char *p, size_t len, struct sb_error *err)
{
	char b[SHOWN_MAX];
	if (!len || (p[0] != '/' && p[0] != '.'))
		return error_set(err, 0,
				 "invalid %s `%s`: named volumes are not supported (give a host "
				 "path: absolute, or relative starting with `.`)",
				 m->option, shown_text(m->spec, b));
	if (len >= VOLOPTS_PATH_MAX)
		return error_set(err, 0, "invalid %s `%s`: the host path is too long", m->option,
				 shown_text(m->spec, b));
	free(m->source);
	m->source = strndup(p, len);
	return m->source ? 0 : error_set(err, ENOMEM, "%s", m->option);
}

/* Is the len bytes at p the word w? */
static int is(const char *p, size_t len, const char *w)
{
	return strlen(w) == len && !memcmp(p, w, len);
}

/* -v's third field: ro, rw, cached, delegated, consistent. */
static int volume_opts(struct volopts_mount *m, const char *p, struct sb_error *err)
{
	char b[SHOWN_MAX], w[SHOWN_MAX];
	int ro = 0, rw = 0;
	for (;;) {
		size_t k = strcspn(p, ",");
		if (is(p, k, "ro"))
			ro = 1;
		else if (is(p, k, "rw"))
			rw = 1;
		else if (is(p, k, "cached") || is(p, k, "delegated"))
			m->cache = VOLOPTS_CACHE_AUTO;
		else if (is(p, k, "consistent"))
			m->cache = VOLOPTS_CACHE_STRICT;
		else
			return error_set(err, 0,
					 "invalid -v `%s`: option `%s` is not supported (ro, rw, "
					 "cached, delegated, consistent)",
					 shown_text(m->spec, b), word(p, k, w));
		if (!p[k])
			break;
		p += k + 1;
	}
	if (ro && rw)
		return error_set(err, 0, "invalid -v `%s`: both ro and rw", shown_text(m->spec, b));
	m->readonly = ro;
	return 0;
}

int volopts_parse_volume(const char *s, struct volopts *v, struct sb_error *err)
{
	char b[SHOWN_MAX];
	struct volopts_mount *m = add(v, "-v", s, VOLOPTS_BIND, err);
	if (!m)
		return -EINVAL;
	const char *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c1)
		return error_set(err, 0,
				 "invalid -v `%s`: anonymous volumes are not supported (use "
				 "HOSTPATH:CONTAINERPATH or --tmpfs)",
				 shown_text(s, b));
	if (c2 && strchr(c2 + 1, ':'))
		return error_set(err, 0,
				 "invalid -v `%s`: expected HOSTPATH:CONTAINERPATH[:OPTIONS]",
				 shown_text(s, b));
	size_t glen = c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1);
	int r = set_source(m, s, (size_t)(c1 - s), err);
	if (r == 0)
		r = set_target(m, c1 + 1, glen, err);
	if (r == 0 && c2)
		r = volume_opts(m, c2 + 1, err);
	if (r < 0) {
		drop(m);
		return r;
	}
	m->create = true;
	commit(v, m);
	return 0;
}

/* readonly / ro with an optional =true|false|1|0. */
static int bool_value(const char *val, size_t len, bool *out)
{
	if (!val || is(val, len, "true") || is(val, len, "1")) {
		*out = true;
		return 0;
	}
	if (is(val, len, "false") || is(val, len, "0")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

/* One key[=value] of --mount into m; type is already known. */
static int mount_key(struct volopts_mount *m, const char *p, size_t k, struct sb_error *err)
{
	char b[SHOWN_MAX], w[SHOWN_MAX], tmp[64];
	const char *eq = memchr(p, '=', k), *val = eq ? eq + 1 : NULL;
	size_t klen = eq ? (size_t)(eq - p) : k, vlen = eq ? k - klen - 1 : 0;
	int bind = m->type == VOLOPTS_BIND;

	if (is(p, klen, "type"))
		return 0; /* read before */
	if (val && (is(p, klen, "source") || is(p, klen, "src")) && bind)
		return set_source(m, val, vlen, err);
	if (val && (is(p, klen, "target") || is(p, klen, "destination") || is(p, klen, "dst")))
		return set_target(m, val, vlen, err);
	if (is(p, klen, "readonly") || is(p, klen, "ro")) {
		if (bool_value(val, vlen, &m->readonly) < 0)
			goto bad_value;
		return 0;
	}
	if (val && is(p, klen, "consistency") && bind) {
		if (is(val, vlen, "consistent"))
			m->cache = VOLOPTS_CACHE_STRICT;
		else if (is(val, vlen, "cached") || is(val, vlen, "delegated") ||
			 is(val, vlen, "default"))
			m->cache = VOLOPTS_CACHE_AUTO;
		else
			goto bad_value;
		return 0;
	}
	if (val && vlen < sizeof(tmp) && is(p, klen, "tmpfs-size") && !bind) {
		memcpy(tmp, val, vlen);
		tmp[vlen] = '\0';
		if (cli_parse_size(tmp, "tmpfs-size", &m->tmpfs_size, NULL) < 0)
			goto bad_value;
		return 0;
	}
	if (val && vlen < sizeof(tmp) && is(p, klen, "tmpfs-mode") && !bind) {
		char *end;
		memcpy(tmp, val, vlen);
		tmp[vlen] = '\0';
		unsigned long mode = strtoul(tmp, &end, 8);
		if (!vlen || *end || mode > 07777 || tmp[0] == '-' || tmp[0] == '+' ||
		    tmp[0] == ' ')
			goto bad_value;
		m->tmpfs_mode = (uint32_t)mode;
		return 0;
	}
	return error_set(err, 0, "invalid --mount `%s`: unexpected key `%s` for type=%s",
			 shown_text(m->spec, b), word(p, klen, w), bind ? "bind" : "tmpfs");
bad_value:
	return error_set(err, 0, "invalid --mount `%s`: bad value for `%s`", shown_text(m->spec, b),
			 word(p, klen, w));
}

/* type=... of a --mount argument: VOLOPTS_BIND, VOLOPTS_TMPFS, or -EINVAL. */
static int mount_type(const char *s, struct sb_error *err)
{
	char b[SHOWN_MAX];
	for (const char *p = s;;) {
		size_t k = strcspn(p, ",");
		if (k > 5 && !memcmp(p, "type=", 5)) {
			if (is(p + 5, k - 5, "bind"))
				return VOLOPTS_BIND;
			if (is(p + 5, k - 5, "tmpfs"))
				return VOLOPTS_TMPFS;
			if (is(p + 5, k - 5, "volume"))
				return error_set(err, 0,
						 "invalid --mount `%s`: named volumes are not "
						 "supported (use type=bind or type=tmpfs)",
						 shown_text(s, b));
			return error_set(err, 0, "invalid --mount `%s`: type must be bind or tmpfs",
					 shown_text(s, b));
		}
		if (!p[k])
			break;
		p += k + 1;
	}
	return error_set(err, 0, "invalid --mount `%s`: no type= (bind or tmpfs)", shown_text(s, b));
}

int volopts_parse_mount(const char *s, struct volopts *v, struct sb_error *err)
{
	char b[SHOWN_MAX];
	int type = mount_type(s, err);
	if (type < 0)
		return type;
	struct volopts_mount *m = add(v, "--mount", s, (enum volopts_type)type, err);
	if (!m)
		return -EINVAL;
	int r = 0;
	for (const char *p = s; r == 0;) {
		size_t k = strcspn(p, ",");
		if (!k)
			r = error_set(err, 0, "invalid --mount `%s`: empty field", shown_text(s, b));
		else
			r = mount_key(m, p, k, err);
		if (!p[k])
			break;
		p += k + 1;
	}
	if (r == 0 && !m->target)
		r = error_set(err, 0, "invalid --mount `%s`: no target=", shown_text(s, b));
	if (r == 0 && type == VOLOPTS_BIND && !m->source)
		r = error_set(err, 0, "invalid --mount `%s`: no source=", shown_text(s, b));
	if (r < 0) {
		drop(m);
		return r;
	}
	commit(v, m);
	return 0;
}

/* --tmpfs options: size=, mode=, ro, rw, exec, noexec, nosuid, nodev. */
static int tmpfs_opt(struct volopts_mount *m, const char *p, size_t k, struct sb_error *err)
{
	char b[SHOWN_MAX], w[SHOWN_MAX], tmp[64];
	if (is(p, k, "ro") || is(p, k, "rw")) {
		m->readonly = p[1] == 'o';
		return 0;
	}
	if (is(p, k, "exec") || is(p, k, "noexec")) {
		m->tmpfs_exec = p[0] == 'e';
		return 0;
	}
	if (is(p, k, "nosuid") || is(p, k, "nodev"))
		return 0; /* always */
	if (k > 5 && k - 5 < sizeof(tmp) && !memcmp(p, "size=", 5)) {
		memcpy(tmp, p + 5, k - 5);
		tmp[k - 5] = '\0';
		if (cli_parse_size(tmp, "size", &m->tmpfs_size, NULL) == 0)
			return 0;
	} else if (k > 5 && k - 5 < sizeof(tmp) && !memcmp(p, "mode=", 5)) {
		char *end;
		memcpy(tmp, p + 5, k - 5);
		tmp[k - 5] = '\0';
		unsigned long mode = strtoul(tmp, &end, 8);
		if (!*end && mode <= 07777 && tmp[0] >= '0' && tmp[0] <= '7') {
			m->tmpfs_mode = (uint32_t)mode;
			return 0;
		}
	}
	return error_set(err, 0,
			 "invalid --tmpfs `%s`: option `%s` is not supported (size=, mode=, ro, "
			 "rw, exec, noexec)",
			 shown_text(m->spec, b), word(p, k, w));
}

int volopts_parse_tmpfs(const char *s, struct volopts *v, struct sb_error *err)
{
	struct volopts_mount *m = add(v, "--tmpfs", s, VOLOPTS_TMPFS, err);
	if (!m)
		return -EINVAL;
	const char *colon = strchr(s, ':');
	int r = set_target(m, s, colon ? (size_t)(colon - s) : strlen(s), err);
	for (const char *p = colon ? colon + 1 : NULL; r == 0 && p;) {
		size_t k = strcspn(p, ",");
		r = tmpfs_opt(m, p, k, err);
		p = p[k] ? p + k + 1 : NULL;
	}
	if (r < 0) {
		drop(m);
		return r;
	}
	commit(v, m);
	return 0;
}

int volopts_check(const struct volopts *v, struct sb_error *err)
{
	char b[SHOWN_MAX], t[SHOWN_MAX];
	for (unsigned i = 0; i < v->n; i++)
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(v->m[i].target, v->m[j].target))
				return error_set(err, 0,
						 "invalid %s `%s`: duplicate mount point %s",
						 v->m[i].option, shown_text(v->m[i].spec, b),
						 shown_text(v->m[i].target, t));
	return 0;
}
