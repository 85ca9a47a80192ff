/* The registry session: ping, requests with auth, redirects and retries,
 * and the registry's error messages. */
#include "errors.h"
#include "client.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

#define PING_MAX (64u << 10)

static long env_long(const char *name, long def, long min, long max)
{
	const char *s = getenv(name);
	char *end;
	long v = s && *s ? strtol(s, &end, 10) : def;
	if (s && *s && (*end || v < min || v > max))
		return def;
	return v;
}

int registry_conn(const struct registry *reg, struct http_conn **c, struct sb_error *err)
{
	return http_conn_open(c, &reg->http, err);
}

static const char *status_text(long s)
{
	switch (s) {
	case 400:
		return "bad request";
	case 401:
		return "unauthorized";
	case 403:
		return "denied";
	case 404:
		return "not found";
	case 405:
		return "method not allowed";
	case 416:
		return "range not satisfiable";
	case 429:
		return "too many requests";
	case 500:
		return "internal server error";
	case 502:
		return "bad gateway";
	case 503:
		return "service unavailable";
	case 504:
		return "gateway timeout";
	default:
		return "unexpected status";
	}
}

/* The registry's {"errors":[{"code","message"}]} as one clean line. */
static void registry_says(const char *body, char *out, size_t cap)
{
	out[0] = '\0';
	json_t *root = json_loads(body, 0, NULL);
	json_t *e = json_array_get(json_object_get(root, "errors"), 0);
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	if (code || msg)
		snprintf(out, cap, "%s%s%s", code ? code : "", code && msg ? ": " : "",
			 msg ? msg : "");
	json_decref(root);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
}

int registry_status_error(const struct registry *reg, const struct http_response *rs,
			  const char *what, struct sb_error *err)
{
	char says[200];
	registry_says(rs->errbody, says, sizeof(says));
	int code = rs->status == 404			      ? ENOENT
		   : (rs->status == 401 || rs->status == 403) ? EACCES
							      : EIO;
	error_set(err, 0, "registry %s: %s: %ld %s%s%s%s", reg->host, what, rs->status,
		  status_text(rs->status), says[0] ? " (" : "", says, says[0] ? ")" : "");
	err->code = code;
	return -code;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* How long to wait before attempt n+1 (n >= 1), or -1 to give up. */
static long backoff_ms(const struct registry *reg, const struct http_response *rs, int n,
		       bool got_response, struct sb_error *err)
{
	if (got_response && rs->retry_after > REGISTRY_RETRY_AFTER_MAX) {
		error_set(err, 0, "registry %s: %ld %s, retry after %ld s (more than we wait)",
			  reg->host, rs->status, status_text(rs->status), rs->retry_after);
		return -1;
	}
	if (n >= REGISTRY_ATTEMPTS)
		return -1;
	if (got_response && rs->retry_after >= 0)
		return rs->retry_after * 1000;
	long ms = reg->retry_base_ms << (n - 1);
	return ms > 10000 ? 10000 : ms;
}

static bool same_origin(const char *url, const char *origin)
{
	char o[600];
	http_origin(url, o, sizeof(o));
	return o[0] && !strcmp(o, origin);
}

/* A 3xx: the next URL, checked. */
static int redirect(const struct registry *reg, const char *from, const struct http_response *rs,
		    int *hops, char **url, struct sb_error *err)
{
	if (!rs->location[0])
		return registry_fail(err, EPROTO, "registry %s: %ld redirect without Location",
				     reg->host, rs->status);
	if (++*hops > REGISTRY_REDIRECTS)
		return registry_fail(err, ELOOP, "registry %s: more than %d redirects", reg->host,
				     REGISTRY_REDIRECTS);
	char o[600];
	http_origin(rs->location, o, sizeof(o));
	if (strncmp(o, "https://", 8) && strncmp(o, "http://", 7))
		return registry_fail(err, EPROTO, "registry %s: redirect to a bad URL", reg->host);
	if (!strncmp(from, "https://", 8) && !strncmp(o, "http://", 7))
		return registry_fail(err, EPROTO,
				     "registry %s: redirect from https to plain http refused",
				     reg->host);
	char *next = strdup(rs->location);
	if (!next)
		return registry_fail(err, ENOMEM, "out of memory");
	free(*url);
	*url = next;
	return 0;
}

int registry_request(struct registry *reg, struct http_conn *c, const struct registry_get *g,
		     struct http_response *rs, struct sb_error *err)
{
	cleanup_free char *url = NULL;
	if (asprintf(&url, "%s%s", reg->base, g->path) < 0)
		return registry_fail(err, ENOMEM, "out of memory");
	int attempt = 1, hops = 0, auths = 0;
	for (;;) {
		struct http_request rq = {.head = g->head,
					  .url = url,
					  .accept = g->accept,
					  .max_body = g->max_body,
					  .timeout_s = g->timeout_s,
					  .sink = g->sink,
					  .ctx = g->ctx};
		int r = g->before ? g->before(g->ctx, &rq.range_from, err) : 0;
		cleanup_free char *auth = NULL;
		bool home = same_origin(url, reg->origin);
		/* credentials go to the registry's own origin only */
		if (r == 0 && home)
			r = auth_header(reg, &auth, err);
		if (r < 0)
			return r;
		rq.authorization = auth;
		rq.client_cert = home;
		r = http_do(c, &rq, rs, err);
		long wait;
		if (r < 0) {
			if (!http_retryable(r) ||
			    (wait = backoff_ms(reg, rs, attempt, false, err)) < 0)
				return error_prefix(err, "registry %s", reg->host);
			sleep_ms(wait);
			attempt++;
			continue;
		}
		if (rs->status == 401 && home && rs->challenge[0]) {
			if (++auths > 2)
				return registry_status_error(
				    reg, rs, "access denied after authenticating", err);
			if (auth)
				auth_forget(reg);
			if ((r = auth_answer(reg, c, rs->challenge, err)) < 0)
				return r;
			continue;
		}
		if (rs->status >= 300 && rs->status < 400 && rs->status != 304) {
			if ((r = redirect(reg, url, rs, &hops, &url, err)) < 0)
				return r;
			continue;
		}
		if (rs->status == 429 || (rs->status >= 500 && rs->status <= 599)) {
			if ((wait = backoff_ms(reg, rs, attempt, true, err)) < 0)
				return err->msg[0] && strstr(err->msg, "more than we wait")
					   ? -EAGAIN
					   : registry_status_error(reg, rs, "gave up after retries",
								   err);
			sleep_ms(wait);
			attempt++;
			continue;
		}
		return 0;
	}
}

/* GET /v2/: 200 (open) or 401 (with the challenge to answer). */
static int ping(struct registry *reg, struct http_conn *c, struct sb_error *err)
{
	struct http_response *rs = malloc(sizeof(*rs));
	if (!rs)
		return registry_fail(err, ENOMEM, "out of memory");
	cleanup_free char *url = NULL;
	int r = asprintf(&url, "%s/v2/", reg->base) < 0
		    ? registry_fail(err, ENOMEM, "out of memory")
		    : 0;
	struct http_request rq = {.url = url,
				  .max_body = PING_MAX,
				  .timeout_s = REGISTRY_DOC_TIMEOUT,
				  .client_cert = true};
	for (int attempt = 1; r == 0; attempt++) {
		r = http_do(c, &rq, rs, err);
		bool again = r < 0 ? http_retryable(r) : (rs->status == 429 || rs->status >= 500);
		if (!again || attempt >= REGISTRY_ATTEMPTS)
			break;
		long wait = r == 0 ? backoff_ms(reg, rs, attempt, true, err) : reg->retry_base_ms;
		if (wait < 0)
			break;
		sleep_ms(wait);
		r = 0;
	}
	if (r < 0) {
		free(rs);
		return r;
	}
	if (rs->status == 401 && rs->challenge[0]) {
		struct auth_challenge ch;
		if (challenge_parse(rs->challenge, &ch, NULL) == 0)
			reg->challenge = ch; /* answered on the first request's 401 */
	} else if (rs->status != 200) {
		r = registry_status_error(reg, rs, "no registry API at /v2/", err);
	}
	free(rs);
	return r;
}

static int setup(struct registry *reg, const char *base, struct sb_error *err)
{
	if ((size_t)snprintf(reg->base, sizeof(reg->base), "%s", base) >= sizeof(reg->base))
		return registry_fail(err, ENAMETOOLONG, "registry URL");
	http_origin(reg->base, reg->origin, sizeof(reg->origin));
	if (!reg->origin[0])
		return registry_fail(err, EINVAL, "bad registry URL `%s`", base);
	/* this host's certs.d: HOST[:PORT] as the name (or the mirror) writes it */
	char hostport[REF_NAME_MAX + 1];
	const char *h = strstr(reg->base, "://") + 3;
	snprintf(hostport, sizeof(hostport), "%.*s", (int)strcspn(h, "/"), h);
	certsd_free(&reg->certs);
	return certsd_load(&reg->certs, reg->opts->cert_dir, hostport, err);
}

/* Ping base; on loopback (or without TLS checks) a TLS failure means: try http. */
static int open_at(struct registry *reg, const char *host, struct http_conn *c,
		   struct sb_error *err)
{
	char base[REF_NAME_MAX + 16];
	snprintf(base, sizeof(base), "https://%s", host);
	int r = setup(reg, base, err);
	if (r == 0)
		r = ping(reg, c, err);
	if (r == -EPROTO && reg->plain_ok) {
		/* not TLS at all: plain http; if that fails too, the TLS error says more */
		struct sb_error tls_err = *err;
		snprintf(base, sizeof(base), "http://%s", host);
		if ((r = setup(reg, base, err)) == 0)
			r = ping(reg, c, err);
		if (r < 0 && r != -EACCES) {
			*err = tls_err;
			r = -tls_err.code;
		}
	}
	return r < 0 ? error_prefix(err, "registry %s", reg->host) : 0;
}

static int open_pinged(struct registry *reg, struct http_conn *c, struct sb_error *err)
{
	int r;
	const struct mirrors *m = &reg->daemon;
	if (!reg->opts->no_mirrors && !strcmp(reg->ref.domain, REF_DOCKER_HUB)) {
		/* each mirror in turn (an http:// one is taken as given), then Docker Hub */
		for (size_t i = 0; i < m->n; i++) {
			snprintf(reg->host, sizeof(reg->host), "%s (mirror of docker.io)",
				 m->url[i]);
			if ((r = setup(reg, m->url[i], err)) < 0)
				return r; /* its certs.d is broken: say so */
			if (ping(reg, c, err) == 0) {
				const char *h = strstr(m->url[i], "://") + 3;
				snprintf(reg->cred_domain, sizeof(reg->cred_domain), "%s", h);
				return 0;
			}
		}
		snprintf(reg->host, sizeof(reg->host), "%s", reg->ref.domain);
	}
	return open_at(reg, registry_ref_host(&reg->ref), c, err);
}

int registry_open(struct registry *reg, const struct registry_ref *ref,
		  const struct registry_opts *o, struct http_conn **c, struct sb_error *err)
{
	memset(reg, 0, sizeof(*reg));
	pthread_mutex_init(&reg->lock, NULL);
	reg->ref = *ref;
	reg->opts = o;
	reg->retry_base_ms = env_long("SANDBOX_REGISTRY_RETRY_MS", 500, 0, 60000);
	snprintf(reg->host, sizeof(reg->host), "%s", ref->domain);
	snprintf(reg->cred_domain, sizeof(reg->cred_domain), "%s", ref->domain);
	snprintf(reg->scope, sizeof(reg->scope), "repository:%s:pull", ref->path);
	int r = mirrors_load(&reg->daemon, err);
	if (r < 0) {
		pthread_mutex_destroy(&reg->lock);
		return error_prefix(err, "registry settings");
	}
	/* daemon.json's insecure-registries: as --tls-verify=false */
	bool verify = o->tls_verify && !mirrors_insecure(&reg->daemon, ref->domain);
	reg->plain_ok = registry_ref_is_loopback(ref) || !verify;
	reg->http = (struct http_opts){
	    .tls_verify = verify,
	    .ca_file = o->ca_file ? o->ca_file : getenv("SSL_CERT_FILE"),
	    .stall_timeout_s = o->stall_timeout_s
				   ? o->stall_timeout_s
				   : env_long("SANDBOX_REGISTRY_STALL_TIMEOUT", 30, 1, 3600),
	};
	if (reg->http.ca_file && !*reg->http.ca_file)
		reg->http.ca_file = NULL;
	reg->http.certs = &reg->certs;
	*c = NULL;
	r = http_conn_open(c, &reg->http, err);
	if (r == 0)
		r = open_pinged(reg, *c, err);
	if (r < 0) {
		http_conn_close(*c);
		*c = NULL;
		registry_close(reg);
	}
	return r;
}

void registry_close(struct registry *reg)
{
	free(reg->token);
	reg->token = NULL;
	certsd_free(&reg->certs);
	pthread_mutex_destroy(&reg->lock);
}

int registry_login_check(const char *domain, const struct registry_opts *o, struct sb_error *err)
{
	struct registry_ref ref;
	char probe[REF_NAME_MAX + 8];
	snprintf(probe, sizeof(probe), "%s/x", domain);
	int r = registry_ref_parse(probe, &ref, err);
	if (r < 0)
		return r;
	struct registry reg;
	struct http_conn *c = NULL;
	if ((r = registry_open(&reg, &ref, o, &c, err)) < 0)
		return r;
	reg.scope[0] = '\0'; /* a login token is for no repository in particular */
	struct http_response *rs = malloc(sizeof(*rs));
	struct registry_get g = {
	    .path = "/v2/", .max_body = PING_MAX, .timeout_s = REGISTRY_DOC_TIMEOUT};
	r = rs ? registry_request(&reg, c, &g, rs, err)
	       : registry_fail(err, ENOMEM, "out of memory");
	if (r == 0 && rs->status != 200)
		r = registry_status_error(&reg, rs, "login refused", err);
	free(rs);
	http_conn_close(c);
	registry_close(&reg);
	return r;
}
