/* HTTP exchanges over libcurl: headers we need, bounded bodies, errors. */
#include "errors.h"
#include "http.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "version.h"

#define HTTP_LOW_SPEED_BYTES 1024
#define HTTP_BUFFER (256 * 1024)

struct http_conn {
	CURL *curl;
	struct http_opts o;
	/* per exchange */
	const struct http_request *rq;
	struct http_response *rs;
	int sink_err;
	struct sb_error *err;
	size_t errbody_len;
	char errbuf[CURL_ERROR_SIZE];
	char tls_msg[600]; /* why the certs.d CAs could not be added */
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int http_conn_open(struct http_conn **out, const struct http_opts *o, struct sb_error *err)
{
	pthread_once(&once, global_init);
	if (global_rc != CURLE_OK)
		return registry_fail(err, EIO, "libcurl init: %s", curl_easy_strerror(global_rc));
	struct http_conn *c = calloc(1, sizeof(*c));
	if (!c || !(c->curl = curl_easy_init())) {
		free(c);
		return registry_fail(err, ENOMEM, "libcurl: out of memory");
	}
	c->o = *o;
	if (!c->o.connect_timeout_s)
		c->o.connect_timeout_s = 30;
	if (!c->o.stall_timeout_s)
		c->o.stall_timeout_s = 30;
	*out = c;
	return 0;
}

void http_conn_close(struct http_conn *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
}

static void copy_value(char *dst, size_t cap, const char *v, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static void reset_headers(struct http_response *rs)
{
	rs->content_type[0] = rs->docker_digest[0] = rs->challenge[0] = '\0';
	rs->content_length = rs->range_start = -1;
}

static size_t on_header(char *buf, size_t size, size_t nmemb, void *ud)
{
	struct http_conn *c = ud;
	struct http_response *rs = c->rs;
	size_t len = size * nmemb, n = len;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n >= 5 && !strncmp(buf, "HTTP/", 5)) {
		reset_headers(rs); /* a new response (after a proxy's CONNECT, or 1xx) */
		return len;
	}
	const char *colon = memchr(buf, ':', n);
	if (!colon)
		return len;
	size_t name = (size_t)(colon - buf);
	const char *v = colon + 1;
	while (v < buf + n && (*v == ' ' || *v == '\t'))
		v++;
	size_t vn = (size_t)(buf + n - v);
	while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
		vn--;
#define IS(h) (name == sizeof(h) - 1 && !strncasecmp(buf, h, name))
	if (IS("content-type")) {
		/* the header is not NUL-terminated: stay within vn */
		const char *semi = memchr(v, ';', vn);
		copy_value(rs->content_type, sizeof(rs->content_type), v,
			   semi ? (size_t)(semi - v) : vn);
		for (size_t i = strlen(rs->content_type); i && rs->content_type[i - 1] == ' '; i--)
			rs->content_type[i - 1] = '\0';
	} else if (IS("docker-content-digest")) {
		copy_value(rs->docker_digest, sizeof(rs->docker_digest), v, vn);
	} else if (IS("www-authenticate")) {
		size_t have = strlen(rs->challenge);
		/* over CHALLENGE_MAX: the parser refuses it (one byte over suffices) */
		if (have && have + 2 <= CHALLENGE_MAX)
			strcat(rs->challenge, ", "), have += 2;
		size_t room = CHALLENGE_MAX + 1 - have;
		copy_value(rs->challenge + have, room, v, vn);
	} else if (IS("content-length")) {
		char tmp[32];
		copy_value(tmp, sizeof(tmp), v, vn);
		char *end;
		long long l = strtoll(tmp, &end, 10);
		rs->content_length = (*tmp && !*end && l >= 0) ? l : -1;
	} else if (IS("content-range")) {
		char tmp[64];
		copy_value(tmp, sizeof(tmp), v, vn);
		unsigned long long a, b;
		rs->range_start =
		    sscanf(tmp, "bytes %llu-%llu", &a, &b) == 2 && a <= b ? (int64_t)a : -1;
	}
#undef IS
	return len;
}

static size_t on_body(char *buf, size_t size, size_t nmemb, void *ud)
{
	struct http_conn *c = ud;
	struct http_response *rs = c->rs;
	size_t len = size * nmemb;
	long status = 0;
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	rs->status = status;
	if (status < 200 || status >= 300) {
		/* keep the start for the message; a long error body is cut short */
		size_t room = HTTP_ERRBODY_MAX - c->errbody_len;
		size_t k = len < room ? len : room;
		memcpy(rs->errbody + c->errbody_len, buf, k);
		c->errbody_len += k;
		rs->errbody[c->errbody_len] = '\0';
		if (c->errbody_len == HTTP_ERRBODY_MAX) {
			c->sink_err = 1; /* enough of it: stop, the response counts */
			return 0;
		}
		return len;
	}
	if (rs->body_bytes + len > c->rq->max_body || rs->body_bytes + len < rs->body_bytes) {
		c->sink_err = -EFBIG;
		return 0;
	}
	if (c->rq->sink) {
		int r = c->rq->sink(c->rq->ctx, rs, buf, len, c->err);
		if (r < 0) {
			c->sink_err = r;
			return 0;
		}
	}
	rs->body_bytes += len;
	return len;
}

void http_url_for_message(const char *url, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", (int)strcspn(url, "?#"), url);
}

void http_origin(const char *url, char *buf, size_t len)
{
	buf[0] = '\0';
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
		for (char *p = host; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		snprintf(buf, len, "%s://%s:%s", scheme, host, port);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

int http_membuf_sink(void *ctx, const struct http_response *rs, const void *buf, size_t len,
		     struct sb_error *err)
{
	(void)rs;
	struct http_membuf *m = ctx;
	char *p = realloc(m->data, m->len + len + 1);
	if (!p)
		return registry_fail(err, ENOMEM, "out of memory");
	memcpy(p + m->len, buf, len);
	m->data = p;
	m->len += len;
	p[m->len] = '\0';
	return 0;
}

void http_membuf_free(struct http_membuf *m)
{
	free(m->data);
	m->data = NULL;
	m->len = 0;
}

bool http_retryable(int r)
{
	return r == -ECONNRESET || r == -ETIMEDOUT;
}

static int curl_error(struct http_conn *c, CURLcode rc, const char *url, struct sb_error *err)
{
	char where[512];
	http_url_for_message(url, where, sizeof(where));
	const char *why = c->tls_msg[0]	 ? c->tls_msg
			  : c->errbuf[0] ? c->errbuf
					 : curl_easy_strerror(rc);
	int code;
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		code = EHOSTUNREACH;
		break;
	case CURLE_COULDNT_CONNECT:
		code = ECONNREFUSED;
		break;
	case CURLE_OPERATION_TIMEDOUT:
		code = ETIMEDOUT;
		break;
	case CURLE_SSL_CONNECT_ERROR:
		code = EPROTO;
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
		code = EKEYREJECTED;
		break;
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		code = ECONNRESET;
		break;
	default:
		code = EIO;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT && strstr(why, "Operation too slow"))
		why = "too slow (stalled)";
	/* no TLS answer at all (a plain-http server waiting for a request line) */
	if (rc == CURLE_OPERATION_TIMEDOUT && strstr(why, "SSL connection timeout"))
		code = EPROTO;
	error_set(err, 0, "%s: %s", where, why);
	err->code = code;
	return -code;
}

/* libcurl has loaded the system store into the new TLS context: add the
 * registry's certs.d CAs to it (docker's and podman's meaning: more trust,
 * not other trust). */
static CURLcode add_cas(CURL *h, void *sslctx, void *parm)
{
	(void)h;
	struct http_conn *c = parm;
	X509_STORE *st = SSL_CTX_get_cert_store(sslctx);
	for (size_t i = 0; i < c->o.certs->ncas; i++) {
		const char *path = c->o.certs->ca[i];
		BIO *b = BIO_new_file(path, "r");
		X509 *x;
		int n = 0;
		while (b && (x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
			X509_STORE_add_cert(st, x); /* a duplicate is no error for us */
			X509_free(x);
			n++;
		}
		BIO_free(b);
		ERR_clear_error();
		if (n == 0) {
			snprintf(c->tls_msg, sizeof(c->tls_msg),
				 "CA file %.500s holds no certificate", path);
			return CURLE_SSL_CERTPROBLEM;
		}
	}
	return CURLE_OK;
}

static void set_certsd(struct http_conn *c, const struct http_request *rq)
{
	const struct certsd *cd = c->o.certs;
	if (!cd)
		return;
	if (cd->ncas) {
		curl_easy_setopt(c->curl, CURLOPT_SSL_CTX_FUNCTION, add_cas);
		curl_easy_setopt(c->curl, CURLOPT_SSL_CTX_DATA, c);
	}
	if (cd->cert && rq->client_cert) {
		curl_easy_setopt(c->curl, CURLOPT_SSLCERT, cd->cert);
		curl_easy_setopt(c->curl, CURLOPT_SSLKEY, cd->key);
	}
}

static void set_common(struct http_conn *c, const struct http_request *rq)
{
	CURL *h = c->curl;
	curl_easy_setopt(h, CURLOPT_URL, rq->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "sandbox/" SANDBOX_VERSION);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->o.connect_timeout_s);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, (long)HTTP_LOW_SPEED_BYTES);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->o.stall_timeout_s);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, rq->timeout_s);
	curl_easy_setopt(h, CURLOPT_BUFFERSIZE, (long)HTTP_BUFFER);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->o.tls_verify ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->o.tls_verify ? 2L : 0L);
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	if (c->o.ca_file) {
		curl_easy_setopt(h, CURLOPT_CAINFO, c->o.ca_file);
	} else if (v->cainfo && access(v->cainfo, R_OK) != 0) {
		/* no system store (a minimal root): TLS then trusts nothing, but
		 * a plain-http loopback registry is still found by its handshake */
		curl_easy_setopt(h, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
	}
	set_certsd(c, rq);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	if (rq->head)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else if (rq->form)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->form);
	else
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
}

int http_do(struct http_conn *c, const struct http_request *rq, struct http_response *rs,
	    struct sb_error *err)
{
	memset(rs, 0, offsetof(struct http_response, errbody));
	rs->errbody[0] = '\0';
	rs->body_bytes = 0;
	reset_headers(rs);
	rs->retry_after = -1;
	c->rq = rq;
	c->rs = rs;
	c->sink_err = 0;
	c->err = err;
	c->errbody_len = 0;
	c->errbuf[0] = '\0';
	c->tls_msg[0] = '\0';
	char *auth = NULL, *accept = NULL, range[64];
	struct curl_slist *hdrs = NULL, *t;
	int r = 0;
	if (rq->authorization && asprintf(&auth, "Authorization: %s", rq->authorization) < 0)
		auth = NULL, r = -ENOMEM;
	if (rq->accept && asprintf(&accept, "Accept: %s", rq->accept) < 0)
		accept = NULL, r = -ENOMEM;
	snprintf(range, sizeof(range), "Range: bytes=%llu-", (unsigned long long)rq->range_from);
	const char *lines[] = {auth, accept, rq->range_from ? range : NULL};
	for (size_t i = 0; r == 0 && i < 3; i++)
		if (lines[i] && !(t = curl_slist_append(hdrs, lines[i])))
			r = -ENOMEM;
		else if (lines[i])
			hdrs = t;
	if (r < 0) {
		curl_slist_free_all(hdrs);
		free(auth);
		free(accept);
		return registry_fail(err, ENOMEM, "out of memory");
	}
	curl_easy_reset(c->curl);
	set_common(c, rq);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
	CURLcode rc = curl_easy_perform(c->curl);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &rs->status);
	curl_off_t ra = -1;
	if (curl_easy_getinfo(c->curl, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
		rs->retry_after = (long)(ra > 86400 ? 86400 : ra);
	char *loc = NULL;
	if (rs->status >= 300 && rs->status < 400 &&
	    curl_easy_getinfo(c->curl, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
		snprintf(rs->location, sizeof(rs->location), "%s", loc);
	if (rc == CURLE_WRITE_ERROR && c->sink_err == 1)
		rc = CURLE_OK; /* an error body cut short: the response is complete enough */
	if (rc == CURLE_OK)
		r = 0;
	else if (rc == CURLE_WRITE_ERROR && c->sink_err < 0) {
		char where[512];
		http_url_for_message(rq->url, where, sizeof(where));
		r = c->sink_err;
		if (r == -EFBIG)
			error_set(err, 0, "%s: response larger than %llu bytes", where,
				  (unsigned long long)rq->max_body);
	} else
		r = curl_error(c, rc, rq->url, err);
	if (r == -EFBIG && err)
		err->code = EFBIG;
	curl_slist_free_all(hdrs);
	free(auth);
	free(accept);
	/* the location may be longer than we keep: refuse rather than cut */
	if (r == 0 && loc && strlen(loc) >= sizeof(rs->location))
		r = error_set(err, 0, "redirect target longer than %d bytes", HTTP_URL_MAX - 1);
	return r;
}
