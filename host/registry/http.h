/* One HTTP(S) exchange at a time over a libcurl easy handle: no redirects
 * followed, no retries (client.c decides), bounded bodies and headers,
 * timeouts. Each thread uses its own connection. */
#ifndef SB_REGISTRY_HTTP_H
#define SB_REGISTRY_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "certsd.h"
#include "challenge.h"
#include "error.h"

#define HTTP_URL_MAX 4096
#define HTTP_ERRBODY_MAX 4096 /* the start of an error body we keep for messages */

struct http_opts {
	bool tls_verify;
	const char *ca_file;	    /* extra trust: a PEM bundle (NULL: the system store) */
	const struct certsd *certs; /* the registry's certs.d: more CAs, a client pair */
	long connect_timeout_s;	    /* 0: 30 */
	long stall_timeout_s;	    /* fail a transfer under 1 KiB/s for this long; 0: 30 */
};

struct http_response {
	long status;
	char content_type[128];
	char docker_digest[80];		    /* Docker-Content-Digest */
	char challenge[CHALLENGE_MAX + 1];  /* WWW-Authenticate (several joined by ", ") */
	char location[HTTP_URL_MAX];	    /* absolute target of a 3xx */
	long retry_after;		    /* seconds, -1 when absent */
	int64_t content_length;		    /* -1 when unknown */
	int64_t range_start;		    /* 206: first byte of Content-Range, else -1 */
	char errbody[HTTP_ERRBODY_MAX + 1]; /* the start of a non-2xx body, NUL-terminated */
	uint64_t body_bytes;		    /* 2xx body bytes handed to the sink */
};

/* Takes 2xx body bytes; returns 0, or a negative errno with err filled to
 * abort the transfer (http_do then returns it). */
typedef int (*http_sink_fn)(void *ctx, const struct http_response *rs, const void *buf, size_t len,
			    struct sb_error *err);

struct http_request {
	bool head;
	const char *url;
	const char *authorization; /* the header's value, or NULL */
	const char *accept;	   /* or NULL */
	uint64_t range_from;	   /* > 0: ask for bytes from here on */
	bool client_cert;	   /* present certs' client certificate (the registry's origin) */
	const char *form;	   /* POST this application/x-www-form-urlencoded body */
	uint64_t max_body;	   /* a longer 2xx body fails with -EFBIG */
	long timeout_s;		   /* the whole exchange; 0: only the stall timeout */
	http_sink_fn sink;	   /* NULL: 2xx body discarded (still bounded) */
	void *ctx;
};

struct http_conn;

int http_conn_open(struct http_conn **c, const struct http_opts *o, struct sb_error *err);
void http_conn_close(struct http_conn *c);

/* Perform rq. 0 when a response arrived (any status: see rs), else a
 * negative errno with err naming the host: -ECONNRESET (cut: worth a
 * retry, see http_retryable), -ETIMEDOUT, -ECONNREFUSED, -EHOSTUNREACH (name
 * not resolved), -EPROTO (no TLS handshake: maybe a plain-http server),
 * -EKEYREJECTED (the certificate is not trusted), -EFBIG (body over
 * max_body), or what the sink returned. */
int http_do(struct http_conn *c, const struct http_request *rq, struct http_response *rs,
	    struct sb_error *err);

/* A sink that collects the body in memory (bounded by the request's max_body). */
struct http_membuf {
	char *data; /* malloc'd, NUL-terminated */
	size_t len;
};
int http_membuf_sink(void *ctx, const struct http_response *rs, const void *buf, size_t len,
		     struct sb_error *err);
void http_membuf_free(struct http_membuf *m);

/* Transport failures worth another attempt. */
bool http_retryable(int r);

/* scheme://host[:port] of url into buf ("" when it does not parse); the
 * origin decides where credentials may go. */
void http_origin(const char *url, char *buf, size_t len);
/* url without its query and fragment, for messages (signed URLs hold secrets). */
void http_url_for_message(const char *url, char *buf, size_t len);

#endif
