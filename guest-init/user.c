/* docker -u resolution against passwd/group text; no I/O besides user_read_db(). */
#include "user.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

struct field {
	const char *p;
	size_t n;
};

/* Split line [p, p+len) at ':' into at most max fields; returns the count. */
static size_t split(const char *p, size_t len, struct field *f, size_t max)
{
	size_t n = 0;
	while (n < max) {
		const char *c = memchr(p, ':', len);
		size_t l = c ? (size_t)(c - p) : len;
		f[n++] = (struct field){p, l};
		if (!c)
			break;
		p += l + 1;
		len -= l + 1;
	}
	return n;
}

/* A decimal id in [0, USER_ID_MAX]: 0 ok, -EINVAL not a number, -ERANGE too big. */
static int parse_id(const char *p, size_t n, unsigned *out)
{
	unsigned long long v = 0;
	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(p[i] - '0');
		if (v > USER_ID_MAX)
			return -ERANGE;
	}
	*out = (unsigned)v;
	return 0;
}

static bool field_is(struct field f, const char *s, size_t n)
{
	return f.n == n && memcmp(f.p, s, n) == 0;
}

/* Calls match(fields, count, ctx) for each well-formed line of text until it returns true. */
typedef bool (*line_fn)(struct field *f, size_t n, void *ctx);

static void each_line(const char *text, size_t min_fields, line_fn fn, void *ctx)
{
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *line = p;
		p = nl ? nl + 1 : p + len;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len == 0 || line[0] == '#')
			continue;
		struct field f[7];
		size_t n = split(line, len, f, 7);
		if (n >= min_fields && fn(f, n, ctx))
			return;
	}
}

struct want {
	const char *name; /* the spec's user or group part */
	size_t len;
	int num_ok; /* parse_id() result for it */
	unsigned num;
	bool passwd; /* passwd lines also need a numeric gid */
	struct field match[7];
	size_t nmatch;
	bool found;
};

static bool match_entry(struct field *f, size_t n, void *ctx)
{
	struct want *w = ctx;
	unsigned id, gid;
	if (parse_id(f[2].p, f[2].n, &id) < 0 || (w->passwd && parse_id(f[3].p, f[3].n, &gid) < 0))
		return false; /* malformed line */
	if (!field_is(f[0], w->name, w->len) && !(w->num_ok == 0 && id == w->num))
		return false;
	memcpy(w->match, f, n * sizeof(*f));
	w->nmatch = n;
	w->found = true;
	return true;
}

struct members {
	struct field user;
	struct user_ids *ids;
	bool overflow;
};

/* Adds the group's gid when its member list names the user. */
static bool collect_group(struct field *f, size_t n, void *ctx)
{
	struct members *m = ctx;
	unsigned gid;
	if (n < 4 || parse_id(f[2].p, f[2].n, &gid) < 0)
		return false;
	for (const char *p = f[3].p, *end = f[3].p + f[3].n; p < end;) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		size_t l = c ? (size_t)(c - p) : (size_t)(end - p);
		if (field_is((struct field){p, l}, m->user.p, m->user.n)) {
			if (gid == m->ids->gid) /* already first in the list */
				break;
			if (m->ids->ngroups == USER_MAX_GROUPS) {
				m->overflow = true;
				return true;
			}
			m->ids->groups[m->ids->ngroups++] = gid;
			break;
		}
		p += l + 1;
	}
	return false;
}

static void want_init(struct want *w, const char *name, size_t len, bool passwd)
{
	memset(w, 0, sizeof(*w));
	w->name = name;
	w->len = len;
	w->passwd = passwd;
	w->num_ok = parse_id(name, len, &w->num);
}

static int resolve_user(const char *name, size_t len, const char *passwd, struct user_ids *ids,
			struct want *w, struct sb_error *err)
{
	want_init(w, name, len, true);
	each_line(passwd, 4, match_entry, w);
	if (w->found) {
		unsigned uid, gid;
		parse_id(w->match[2].p, w->match[2].n, &uid);
		parse_id(w->match[3].p, w->match[3].n, &gid);
		ids->uid = uid;
		ids->gid = gid;
		struct field home = w->nmatch > 5 ? w->match[5] : (struct field){"", 0};
		if (home.n > 0 && home.n < sizeof(ids->home)) {
			memcpy(ids->home, home.p, home.n);
			ids->home[home.n] = '\0';
		}
		return 0;
	}
	if (w->num_ok == -ERANGE)
		return error_set(err, 0, "uids and gids must be in range 0-%u", USER_ID_MAX);
	if (w->num_ok < 0)
		return error_set(err, 0,
				 "unable to find user %.*s: no matching entries in passwd file",
				 (int)len, name);
	ids->uid = w->num;
	return 0;
}

static int resolve_group(const char *name, size_t len, const char *group, struct user_ids *ids,
			 struct sb_error *err)
{
	struct want w;
	want_init(&w, name, len, false);
	each_line(group, 3, match_entry, &w);
	unsigned gid = w.num;
	if (w.found)
		parse_id(w.match[2].p, w.match[2].n, &gid);
	else if (w.num_ok == -ERANGE)
		return error_set(err, 0, "uids and gids must be in range 0-%u", USER_ID_MAX);
	else if (w.num_ok < 0)
		return error_set(err, 0,
				 "unable to find group %.*s: no matching entries in group file",
				 (int)len, name);
	ids->gid = gid;
	return 0;
}

int user_resolve(const char *spec, const char *passwd, const char *group, struct user_ids *ids,
		 struct sb_error *err)
{
	memset(ids, 0, sizeof(*ids));
	strcpy(ids->home, "/");
	const char *colon = strchr(spec, ':');
	size_t ulen = colon ? (size_t)(colon - spec) : strlen(spec);
	const char *uname = ulen ? spec : "0";
	struct want w;
	int r = resolve_user(uname, ulen ? ulen : 1, passwd, ids, &w, err);
	if (r < 0)
		return r;
	if (colon && colon[1] != '\0' &&
	    (r = resolve_group(colon + 1, strlen(colon + 1), group, ids, err)) < 0)
		return r;
	/* docker (moby's getUser) passes the primary group as the first supplementary one */
	ids->groups[0] = ids->gid;
	ids->ngroups = 1;
	if ((colon && colon[1] != '\0') || !w.found || w.match[0].n == 0)
		return 0;
	struct members m = {.user = w.match[0], .ids = ids};
	each_line(group, 4, collect_group, &m);
	if (m.overflow)
		return error_set(err, E2BIG, "user %.*s: more than %d supplementary groups",
				 (int)w.match[0].n, w.match[0].p, USER_MAX_GROUPS);
	return 0;
}

int user_read_db(const char *path, char **text, struct sb_error *err)
{
	*text = NULL;
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return error_set(err, errno, "open `%s`", path);
	size_t cap = 4096, len = 0;
	cleanup_free char *buf = NULL;
	for (;;) {
		if (len + 1 >= cap || !buf) {
			if (buf && cap >= USER_DB_MAX_BYTES)
				return error_set(err, EFBIG, "read `%s`", path);
			cap = buf ? cap * 2 : cap;
			char *nb = realloc(buf, cap);
			if (!nb)
				return error_set(err, ENOMEM, "read `%s`", path);
			buf = nb;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set(err, errno, "read `%s`", path);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*text = steal_ptr(buf);
	return 0;
}

int user_load(const char *spec, const uint32_t *groups, unsigned n_groups, struct user_ids *ids,
	      struct sb_error *err)
{
	cleanup_free char *passwd = NULL;
	cleanup_free char *group = NULL;
	int r;
	if ((r = user_read_db("/etc/passwd", &passwd, err)) < 0 ||
	    (r = user_read_db("/etc/group", &group, err)) < 0 ||
	    (r = user_resolve(spec, passwd, group, ids, err)) < 0)
		return r;
	for (unsigned i = 0; i < n_groups && ids->ngroups < USER_MAX_GROUPS; i++) {
		bool have = false;
		for (size_t k = 0; k < ids->ngroups && !have; k++)
			have = ids->groups[k] == (gid_t)groups[i];
		if (!have)
			ids->groups[ids->ngroups++] = (gid_t)groups[i];
	}
	return 0;
}
