/* Registry authentication: the answer to a 401. Bearer: ask the challenge's
 * realm for a token (anonymously, with Basic credentials from the auth
 * files, or with an identity token through OAuth2's refresh_token grant, as
 * docker does), cache it for its scope until it expires. Basic: the
 * credentials themselves. */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "cleanup.h"
#include "client.h"

#define TOKEN_DEFAULT_TTL 60 /* seconds, when the answer gives none (docker's minimum) */
#define TOKEN_VALUE_MAX (64u << 10)

static time_t now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

int auth_header(struct registry *reg, char **out, struct sb_error *err)
{
	*out = NULL;
	pthread_mutex_lock(&reg->lock);
	if (reg->token && reg->token_expires && now() >= reg->token_expires) {
		free(reg->token);
		reg->token = NULL;
	}
	if (reg->token && !(*out = strdup(reg->token))) {
		pthread_mutex_unlock(&reg->lock);
		return registry_fail(err, ENOMEM, "out of memory");
	}
	pthread_mutex_unlock(&reg->lock);
	return 0;
}

void auth_forget(struct registry *reg)
{
	pthread_mutex_lock(&reg->lock);
	free(reg->token);
	reg->token = NULL;
	pthread_mutex_unlock(&reg->lock);
}

/* Credentials for this registry, looked up once. */
static int creds(struct registry *reg, struct sb_error *err)
{
	if (reg->creds_state)
		return 0;
	reg->creds_state = -1;
	if (reg->opts->creds) {
		reg->creds = *reg->opts->creds;
		reg->creds_state = 1;
		return 0;
	}
	if (reg->opts->no_credentials)
		return 0;
	int r = authfile_find(reg->cred_domain, reg->ref.path, &reg->creds, err);
	if (r < 0)
		return r;
	reg->creds_state = r == 1 ? 1 : -1;
	return 0;
}

static int basic_value(const struct auth_creds *c, char **out, struct sb_error *err)
{
	size_t n = strlen(c->user) + 1 + strlen(c->secret);
	cleanup_free char *plain = malloc(n + 1);
	char *v = malloc(6 + 4 * (n / 3 + 1) + 1);
	if (!plain || !v) {
		free(v);
		return registry_fail(err, ENOMEM, "out of memory");
	}
	snprintf(plain, n + 1, "%s:%s", c->user, c->secret);
	memcpy(v, "Basic ", 6);
	auth_base64_encode(plain, n, v + 6);
	*out = v;
	return 0;
}

/* The realm may get credentials: https, or http on loopback (or when TLS
 * checks are off for this registry anyway). */
static int realm_check(const struct registry *reg, const char *realm, struct sb_error *err)
{
	char origin[600];
	http_origin(realm, origin, sizeof(origin));
	if (!strncmp(origin, "https://", 8))
		return 0;
	if (!strncmp(origin, "http://", 7)) {
		char host[300];
		const char *h = origin + 7;
		size_t n = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":");
		snprintf(host, sizeof(host), "%.*s", (int)n, h);
		if (registry_host_is_loopback(host) || !reg->http.tls_verify)
			return 0;
		return registry_fail(
		    err, EACCES,
		    "registry %s: token service `%.200s` is plain http on another host", reg->host,
		    realm);
	}
	return registry_fail(err, EINVAL, "registry %s: bad token realm `%.200s`", reg->host,
			     realm);
}

static int token_url(const struct auth_challenge *ch, const char *scope, char **out,
		     struct sb_error *err)
{
	char *svc = curl_easy_escape(NULL, ch->service, 0);
	char *sc = curl_easy_escape(NULL, scope, 0);
	int n = -1;
	if (svc && sc)
		n = asprintf(out, "%s%s%s%s%s%s", ch->realm, strchr(ch->realm, '?') ? "&" : "?",
			     ch->service[0] ? "service=" : "", ch->service[0] ? svc : "",
			     ch->service[0] && *scope ? "&scope="
			     : *scope		      ? "scope="
						      : "",
			     sc);
	curl_free(svc);
	curl_free(sc);
	return n < 0 ? registry_fail(err, ENOMEM, "out of memory") : 0;
}

/* {"token": T} or {"access_token": T}, "expires_in": seconds. */
static int token_parse(struct registry *reg, const char *body, size_t len, char **value, long *ttl,
		       struct sb_error *err)
{
	json_t *root = json_loadb(body, len, 0, NULL);
	const char *t = json_string_value(json_object_get(root, "token"));
	if (!t || !*t)
		t = json_string_value(json_object_get(root, "access_token"));
	json_t *exp = json_object_get(root, "expires_in");
	int r = 0;
	if (!json_is_object(root))
		r = registry_fail(err, EBADMSG, "registry %s: token response is not a JSON object",
				  reg->host);
	else if (!t || !*t || strlen(t) > TOKEN_VALUE_MAX || strpbrk(t, "\r\n"))
		r = registry_fail(err, EBADMSG, "registry %s: token response holds no usable token",
				  reg->host);
	else if (asprintf(value, "Bearer %s", t) < 0)
		r = registry_fail(err, ENOMEM, "out of memory");
	*ttl = json_is_integer(exp) && json_integer_value(exp) >= TOKEN_DEFAULT_TTL
		   ? (long)(json_integer_value(exp) > 86400 ? 86400 : json_integer_value(exp))
		   : TOKEN_DEFAULT_TTL;
	json_decref(root);
	return r;
}

/* An identity token's request: POST to the realm itself (RFC 6749 section 6),
 * form grant_type=refresh_token, service, scope, client_id, refresh_token. */
static int oauth_form(const struct auth_challenge *ch, const char *scope, const char *refresh,
		      char **url, char **form, struct sb_error *err)
{
	char *svc = curl_easy_escape(NULL, ch->service, 0);
	char *sc = curl_easy_escape(NULL, scope, 0);
	char *rt = curl_easy_escape(NULL, refresh, 0);
	int n = -1;
	if (svc && sc && rt)
		n = asprintf(
		    form,
		    "grant_type=refresh_token&service=%s%s%s&client_id=sandbox&refresh_token=%s",
		    svc, *scope ? "&scope=" : "", sc, rt);
	curl_free(svc);
	curl_free(sc);
	curl_free(rt);
	if (n < 0 || !(*url = strdup(ch->realm))) {
		if (n >= 0)
			free(*form);
		*form = NULL;
		return registry_fail(err, ENOMEM, "out of memory");
	}
	return 0;
}

static int fetch_token(struct registry *reg, struct http_conn *c, const struct auth_challenge *ch,
		       struct sb_error *err)
{
	const char *scope = ch->scope[0] ? ch->scope : reg->scope;
	cleanup_free char *url = NULL, *basic = NULL, *form = NULL;
	bool identity = reg->creds_state == 1 && reg->creds.identity;
	int r = realm_check(reg, ch->realm, err);
	if (r == 0 && identity)
		r = oauth_form(ch, scope, reg->creds.secret, &url, &form, err);
	else if (r == 0)
		r = token_url(ch, scope, &url, err);
	if (r == 0 && reg->creds_state == 1 && !identity)
		r = basic_value(&reg->creds, &basic, err);
	if (r < 0)
		return r;
	struct http_membuf body = {0};
	struct http_response *rs = malloc(sizeof(*rs));
	if (!rs)
		return registry_fail(err, ENOMEM, "out of memory");
	struct http_request rq = {.url = url,
				  .authorization = basic,
				  .form = form,
				  .max_body = REGISTRY_TOKEN_MAX,
				  .timeout_s = REGISTRY_DOC_TIMEOUT,
				  .sink = http_membuf_sink,
				  .ctx = &body};
	for (int attempt = 1;; attempt++) {
		http_membuf_free(&body);
		r = http_do(c, &rq, rs, err);
		bool again = r < 0 ? http_retryable(r) : (rs->status == 429 || rs->status >= 500);
		if (!again || attempt >= 3)
			break;
		nanosleep(&(struct timespec){attempt, 0}, NULL);
	}
	if (r < 0)
		error_prefix(err, "registry %s: token service", reg->host);
	else if (rs->status == 401 || rs->status == 403)
		r = registry_fail(err, EACCES, "registry %s: the token service refused %s (%ld)",
				  reg->host,
				  identity		  ? "the identity token"
				  : reg->creds_state == 1 ? "the credentials"
							  : "an anonymous token",
				  rs->status);
	else if (identity && rs->status == 400)
		/* RFC 6749: an expired or revoked refresh token is invalid_grant */
		r = registry_fail(err, EACCES,
				  "registry %s: the token service refused the identity token (400: "
				  "log in again)",
				  reg->host);
	else if (rs->status != 200)
		r = registry_fail(err, EIO, "registry %s: token service answered %ld", reg->host,
				  rs->status);
	char *value = NULL;
	long ttl = 0;
	if (r == 0)
		r = token_parse(reg, body.data ? body.data : "", body.len, &value, &ttl, err);
	if (r == 0) {
		free(reg->token);
		reg->token = value;
		reg->token_expires = now() + ttl - (ttl > 30 ? 10 : 0);
		snprintf(reg->token_scope, sizeof(reg->token_scope), "%.280s", scope);
	}
	http_membuf_free(&body);
	free(rs);
	return r;
}

int auth_answer(struct registry *reg, struct http_conn *c, const char *challenge,
		struct sb_error *err)
{
	struct auth_challenge ch;
	int r = challenge_parse(challenge, &ch, err);
	if (r == -ENOTSUP)
		return registry_fail(
		    err, EACCES, "registry %s: needs an authentication we do not speak", reg->host);
	if (r < 0)
		return error_prefix(err, "registry %s", reg->host);
	pthread_mutex_lock(&reg->lock);
	reg->challenge = ch;
	r = creds(reg, err);
	if (r == 0 && ch.scheme == AUTH_BASIC) {
		if (reg->creds_state == 1 && reg->creds.identity)
			r = registry_fail(err, EACCES,
					  "registry %s asks for a password, and %s has only an "
					  "identity token for it",
					  reg->host, reg->creds.source);
		else if (reg->creds_state != 1)
			r = registry_fail(err, EACCES,
					  "registry %s requires a login (sandbox login %s, or an "
					  "auth file: see sandbox pull --help)",
					  reg->host, reg->host);
		char *v = NULL;
		if (r == 0 && (r = basic_value(&reg->creds, &v, err)) == 0) {
			free(reg->token);
			reg->token = v;
			reg->token_expires = 0;
		}
	} else if (r == 0) {
		r = fetch_token(reg, c, &ch, err);
	}
	pthread_mutex_unlock(&reg->lock);
	return r;
}
