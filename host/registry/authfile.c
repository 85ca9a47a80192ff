/* Credentials lookup in auth.json / config.json files (pure part), base64. */
#include "errors.h"
#include "authfile.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void auth_base64_encode(const void *in, size_t n, char *out)
{
	const unsigned char *s = in;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
}

int auth_base64_decode(const char *in, size_t len, unsigned char *out, size_t cap, size_t *n)
{
	unsigned v = 0;
	int bits = 0;
	size_t o = 0, pad = 0;
	for (size_t i = 0; i < len; i++) {
		const char *k = in[i] ? strchr(b64, in[i]) : NULL;
		if (in[i] == '=') {
			pad++;
			continue;
		}
		if (!k || pad)
			return -EINVAL;
		v = (v << 6) | (unsigned)(k - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o + 1 >= cap)
				return -EINVAL;
			out[o++] = (unsigned char)(v >> bits);
		}
	}
	if (pad > 2 || bits >= 6)
		return -EINVAL;
	out[o] = '\0';
	*n = o;
	return 0;
}

/* A key as docker and podman write it -> "host[:port][/path]": a URL keeps
 * its host only; Docker Hub's names become docker.io. */
static void key_normalize(const char *key, char *out, size_t cap)
{
	bool url = false;
	if (!strncmp(key, "https://", 8) || !strncmp(key, "http://", 7)) {
		key = strstr(key, "://") + 3;
		url = true;
	}
	size_t n = url ? strcspn(key, "/") : strlen(key);
	while (n && key[n - 1] == '/')
		n--;
	size_t host = strcspn(key, "/");
	if (host > n)
		host = n;
	static const char *const hub[] = {"index.docker.io", "registry-1.docker.io"};
	for (size_t i = 0; i < 2; i++)
		if (host == strlen(hub[i]) && !strncmp(key, hub[i], host)) {
			snprintf(out, cap, "docker.io%.*s", (int)(n - host), key + host);
			return;
		}
	snprintf(out, cap, "%.*s", (int)n, key);
}

/* How specific key is for domain/path: its length when it is the domain or
 * the domain and a leading part of path (whole components), else -1. */
static long key_match(const char *key, const char *domain, const char *path)
{
	char k[600];
	key_normalize(key, k, sizeof(k));
	size_t dl = strlen(domain);
	if (strncmp(k, domain, dl))
		return -1;
	if (k[dl] == '\0')
		return (long)dl;
	if (k[dl] != '/')
		return -1;
	size_t pl = strlen(k + dl + 1);
	if (pl == 0 || strncmp(k + dl + 1, path, pl) || (path[pl] != '\0' && path[pl] != '/'))
		return -1;
	return (long)(dl + 1 + pl);
}

/* The member of obj whose key matches best, or NULL. */
static json_t *best(json_t *obj, const char *domain, const char *path)
{
	const char *key;
	json_t *v, *found = NULL;
	long best_len = -1;
	json_object_foreach(obj, key, v)
	{
		long m = key_match(key, domain, path);
		if (m > best_len) {
			best_len = m;
			found = v;
		}
	}
	return found;
}

static int set_helper(struct auth_creds *out, const char *name, struct sb_error *err)
{
	size_t n = strlen(name);
	if (n == 0 || n >= sizeof(out->helper) ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != n)
		return registry_fail(err, EINVAL, "bad credential helper name `%.64s`", name);
	memcpy(out->helper, name, n + 1);
	return 1;
}

/* {"identitytoken": T} (docker login's OAuth2 refresh token; "auth" then
 * holds the user name and no password): 1 with creds. */
static int identity_entry(const char *tok, struct auth_creds *out, struct sb_error *err)
{
	size_t n = strlen(tok);
	if (n >= sizeof(out->secret) || strpbrk(tok, "\r\n"))
		return registry_fail(err, EINVAL, "\"identitytoken\" is too long or not one line");
	snprintf(out->user, sizeof(out->user), "%s", AUTH_IDENTITY_USER);
	memcpy(out->secret, tok, n + 1);
	out->identity = true;
	return 1;
}

/* auths entry {"auth": base64("user:secret")} or {"identitytoken": T}: 1
 * with creds, 0 when empty. */
static int auth_entry(json_t *e, struct auth_creds *out, struct sb_error *err)
{
	const char *tok = json_string_value(json_object_get(e, "identitytoken"));
	if (tok && *tok)
		return identity_entry(tok, out, err);
	const char *a = json_string_value(json_object_get(e, "auth"));
	if (!a || !*a)
		return 0;
	unsigned char buf[sizeof(out->user) + sizeof(out->secret) + 4];
	size_t n;
	if (auth_base64_decode(a, strlen(a), buf, sizeof(buf), &n) < 0)
		return registry_fail(err, EINVAL, "\"auth\" is not base64 of USER:PASSWORD");
	unsigned char *colon = memchr(buf, ':', n);
	if (!colon || memchr(buf, '\0', n))
		return registry_fail(err, EINVAL, "\"auth\" is not base64 of USER:PASSWORD");
	size_t ul = (size_t)(colon - buf), sl = n - ul - 1;
	if (ul == 0 || ul >= sizeof(out->user) || sl >= sizeof(out->secret))
		return registry_fail(err, EINVAL, "\"auth\": user or password too long or empty");
	memcpy(out->user, buf, ul);
	out->user[ul] = '\0';
	memcpy(out->secret, colon + 1, sl);
	out->secret[sl] = '\0';
	return 1;
}

int authfile_lookup(const char *json, size_t len, const char *domain, const char *path,
		    struct auth_creds *out, struct sb_error *err)
{
	memset(out, 0, sizeof(*out));
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr);
	if (!root || !json_is_object(root)) {
		json_decref(root);
		return registry_fail(err, EINVAL, "not a JSON object (line %d)", jerr.line);
	}
	int r = 0;
	json_t *helpers = json_object_get(root, "credHelpers"), *h;
	json_t *auths = json_object_get(root, "auths"), *a;
	const char *store = json_string_value(json_object_get(root, "credsStore"));
	if (json_is_object(helpers) && (h = best(helpers, domain, path)) && json_is_string(h))
		r = set_helper(out, json_string_value(h), err);
	if (r == 0 && json_is_object(auths) && (a = best(auths, domain, path)))
		r = json_is_object(a)
			? auth_entry(a, out, err)
			: registry_fail(err, EINVAL, "an \"auths\" entry is not an object");
	if (r == 0 && store && *store)
		r = set_helper(out, store, err);
	json_decref(root);
	return r;
}
