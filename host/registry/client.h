/* A session with one repository of one registry (the OCI distribution API):
 * the /v2/ ping that picks https or, for loopback and --tls-verify=false,
 * plain http; requests with authentication (auth.c), redirects (credentials
 * never leave the registry's origin), bounded retries with backoff on
 * 429/5xx and cut connections, honouring Retry-After. Threads share one
 * struct registry (the token cache is locked), each with its own http_conn. */
#ifndef SB_REGISTRY_CLIENT_H
#define SB_REGISTRY_CLIENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "authfile.h"
#include "certsd.h"
#include "challenge.h"
#include "error.h"
#include "http.h"
#include "mirrors.h"
#include "ref.h"

#define REGISTRY_ATTEMPTS 5 /* per request, for 429/5xx and cut connections */
#define REGISTRY_REDIRECTS 5
#define REGISTRY_RETRY_AFTER_MAX 60 /* seconds we wait when told to; more is an error */
#define REGISTRY_TOKEN_MAX (1u << 20)
#define REGISTRY_DOC_TIMEOUT 120 /* seconds for a manifest, config or token */

struct registry_opts {
	bool tls_verify;
	const char *ca_file;		/* NULL: $SSL_CERT_FILE if set, else the system store */
	const char *cert_dir;		/* podman's --cert-dir; NULL: the certs.d directories */
	long stall_timeout_s;		/* 0: 30 (SANDBOX_REGISTRY_STALL_TIMEOUT overrides) */
	bool no_mirrors;		/* docker.io itself, not its mirrors (mirrors.h) */
	bool no_credentials;		/* do not look in the credential files */
	const struct auth_creds *creds; /* these instead of the files' (sandbox login) */
};

struct registry {
	struct registry_ref ref;
	char host[REF_NAME_MAX + 1];  /* what messages name: "registry HOST" */
	char base[REF_NAME_MAX + 16]; /* scheme://host[:port] */
	char origin[REF_NAME_MAX + 32];
	char scope[REF_NAME_MAX + 32]; /* repository:PATH:pull */
	struct http_opts http;
	struct certsd certs;   /* of the host at base (certsd.h) */
	struct mirrors daemon; /* daemon.json: Docker Hub mirrors, insecure registries */
	char
	    cred_domain[REF_NAME_MAX + 1]; /* whose credentials: the domain, or the mirror's host */
	bool plain_ok; /* http allowed when https fails (loopback, --tls-verify=false) */
	const struct registry_opts *opts;
	long retry_base_ms;
	pthread_mutex_t lock; /* the fields below */
	struct auth_challenge challenge;
	int creds_state; /* 0 not looked up, 1 found, -1 none */
	struct auth_creds creds;
	char *token; /* "Bearer ..." or "Basic ...", malloc'd */
	time_t token_expires;
	char token_scope[REF_NAME_MAX + 32];
};

/* Ping DOMAIN's /v2/ (for docker.io its mirrors' first, in order, then Docker
 * Hub; a mirror gets its own credentials, never Docker Hub's) and set up
 * the session; *c is then a connection with its TLS settings, for the
 * caller (http_conn_close). On failure there is nothing to close. */
int registry_open(struct registry *reg, const struct registry_ref *ref,
		  const struct registry_opts *o, struct http_conn **c, struct sb_error *err);
void registry_close(struct registry *reg);
/* A connection with reg's TLS settings. */
int registry_conn(const struct registry *reg, struct http_conn **c, struct sb_error *err);

struct registry_get {
	bool head;
	const char *path; /* "/v2/..." */
	const char *accept;
	uint64_t max_body;
	long timeout_s;
	http_sink_fn sink;
	void *ctx;
	/* Called before each attempt: where to resume (0: from the start). */
	int (*before)(void *ctx, uint64_t *range_from, struct sb_error *err);
};

/* Perform g against reg: authenticates on 401, follows redirects (without
 * credentials when the target is another origin, never from https to
 * http), retries 429/5xx and cut transfers (bounded, with backoff,
 * Retry-After honoured up to REGISTRY_RETRY_AFTER_MAX). 0 with the final
 * response in rs (any status but 401/429/5xx), or a negative errno with
 * err saying "registry HOST: ...". */
int registry_request(struct registry *reg, struct http_conn *c, const struct registry_get *g,
		     struct http_response *rs, struct sb_error *err);

/* err = "registry HOST: WHAT: STATUS (the registry's own error code and
 * message, sanitized)". Returns -EIO (-ENOENT for 404, -EACCES for 401/403). */
int registry_status_error(const struct registry *reg, const struct http_response *rs,
			  const char *what, struct sb_error *err);

/* auth.c: the Authorization value for the next request (malloc'd, NULL for
 * none), and the answer to a 401's challenge (token flow or Basic). */
int auth_header(struct registry *reg, char **out, struct sb_error *err);
int auth_answer(struct registry *reg, struct http_conn *c, const char *challenge,
		struct sb_error *err);

/* `sandbox login`: whether the registry takes o->creds (GET /v2/ with them:
 * a token for no particular repository, or Basic). 0, or -EACCES with err
 * saying the registry refused them. */
int registry_login_check(const char *domain, const struct registry_opts *o, struct sb_error *err);
/* Drop the cached token (after a 401 with one). */
void auth_forget(struct registry *reg);

#endif
