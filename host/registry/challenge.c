/* WWW-Authenticate parsing: challenges are `scheme [token68 | #(name=value)]`,
 * separated by commas; a value is a token or a quoted string. */
#include "errors.h"
#include "challenge.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

struct cursor {
	const char *p;
};

static bool tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static void skip_ws(struct cursor *c)
{
	while (*c->p == ' ' || *c->p == '\t')
		c->p++;
}

static void skip_ws_commas(struct cursor *c)
{
	while (*c->p == ' ' || *c->p == '\t' || *c->p == ',')
		c->p++;
}

static size_t token_len(const char *p)
{
	size_t n = 0;
	while (tchar(p[n]))
		n++;
	return n;
}

/* A value (token or quoted string with \-escapes) into buf; -EINVAL when
 * malformed, -ENAMETOOLONG when it does not fit (buf NULL: skip it). */
static int read_value(struct cursor *c, char *buf, size_t cap)
{
	size_t n = 0;
	bool over = false;
	if (*c->p == '"') {
		c->p++;
		for (; *c->p != '"'; c->p++) {
			if (*c->p == '\\' && c->p[1])
				c->p++;
			if (!*c->p || (unsigned char)*c->p < 0x20)
				return -EINVAL;
			if (buf && n + 1 < cap)
				buf[n++] = *c->p;
			else
				over = buf != NULL;
		}
		c->p++;
	} else {
		size_t len = token_len(c->p);
		if (len == 0)
			return -EINVAL;
		for (size_t i = 0; i < len; i++) {
			if (buf && n + 1 < cap)
				buf[n++] = c->p[i];
			else
				over = buf != NULL;
		}
		c->p += len;
	}
	if (buf)
		buf[n] = '\0';
	return over ? -ENAMETOOLONG : 0;
}

static char *field(struct auth_challenge *ch, const char *name, size_t len, size_t *cap)
{
	if (len == 5 && !strncasecmp(name, "realm", 5))
		return *cap = sizeof(ch->realm), ch->realm;
	if (len == 7 && !strncasecmp(name, "service", 7))
		return *cap = sizeof(ch->service), ch->service;
	if (len == 5 && !strncasecmp(name, "scope", 5))
		return *cap = sizeof(ch->scope), ch->scope;
	return NULL;
}

/* The parameters of one challenge, up to the next scheme or the end. */
static int read_params(struct cursor *c, struct auth_challenge *ch, struct sb_error *err)
{
	for (;;) {
		skip_ws_commas(c);
		if (!*c->p)
			return 0;
		size_t n = token_len(c->p);
		if (n == 0)
			return registry_fail(err, EINVAL, "WWW-Authenticate: unexpected `%c`",
					     *c->p);
		/* token68 ("abc==", then the end or a comma) belongs to this challenge */
		struct cursor look = {c->p + n};
		while (*look.p == '=')
			look.p++;
		if (look.p > c->p + n) {
			struct cursor after = look;
			skip_ws(&after);
			if (*after.p == '\0' || *after.p == ',') {
				c->p = after.p;
				continue;
			}
		}
		look.p = c->p + n;
		skip_ws(&look);
		if (*look.p != '=')
			return 0; /* a token and no '=': the next challenge's scheme */
		const char *name = c->p;
		c->p = look.p + 1;
		skip_ws(c);
		size_t cap = 0;
		char *dst = ch ? field(ch, name, n, &cap) : NULL;
		int r = read_value(c, dst, cap);
		if (r == -ENAMETOOLONG)
			return registry_fail(err, EINVAL,
					     "WWW-Authenticate: %.*s longer than %zu bytes",
					     (int)(n > 32 ? 32 : n), name, cap - 1);
		if (r < 0)
			return registry_fail(err, EINVAL, "WWW-Authenticate: bad value for `%.*s`",
					     (int)(n > 32 ? 32 : n), name);
	}
}

int challenge_parse(const char *value, struct auth_challenge *out, struct sb_error *err)
{
	memset(out, 0, sizeof(*out));
	if (strnlen(value, CHALLENGE_MAX + 1) > CHALLENGE_MAX)
		return registry_fail(err, EINVAL, "WWW-Authenticate longer than %d bytes",
				     CHALLENGE_MAX);
	struct cursor c = {value};
	struct auth_challenge basic = {0}, tmp;
	bool have_basic = false;
	for (;;) {
		skip_ws_commas(&c);
		if (!*c.p)
			break;
		size_t n = token_len(c.p);
		if (n == 0)
			return registry_fail(err, EINVAL, "WWW-Authenticate: unexpected `%c`",
					     *c.p);
		enum auth_scheme s = AUTH_NONE;
		if (n == 6 && !strncasecmp(c.p, "bearer", 6))
			s = AUTH_BEARER;
		else if (n == 5 && !strncasecmp(c.p, "basic", 5))
			s = AUTH_BASIC;
		c.p += n;
		/* another challenge of the same kind does not overwrite the first */
		bool keep = (s == AUTH_BEARER && out->scheme == AUTH_NONE) ||
			    (s == AUTH_BASIC && !have_basic);
		memset(&tmp, 0, sizeof(tmp));
		tmp.scheme = s;
		int r = read_params(&c, keep ? &tmp : NULL, err);
		if (r < 0)
			return r;
		if (keep && s == AUTH_BEARER)
			*out = tmp;
		else if (keep) {
			basic = tmp;
			have_basic = true;
		}
	}
	if (out->scheme == AUTH_BEARER) {
		if (!out->realm[0])
			return registry_fail(err, EINVAL,
					     "WWW-Authenticate: Bearer challenge without realm");
		return 0;
	}
	if (have_basic) {
		*out = basic;
		return 0;
	}
	return registry_fail(err, ENOTSUP, "WWW-Authenticate: neither Bearer nor Basic");
}
