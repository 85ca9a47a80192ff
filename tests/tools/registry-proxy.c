/* registry-proxy: a small HTTP/1.1 proxy in front of a loopback registry for
 * the pull tests: it logs every request (to count them), can stand in for a
 * token service and demand Bearer tokens, and injects faults (429 with
 * Retry-After, a blob cut mid-body, a flipped byte, a 307 to another loopback
 * host, an endless body, a manifest of its own, a redirect loop, 401 forever).
 * One request per connection (it answers Connection: close), one forked child
 * per connection. Loopback only.
 *
 * With --serve DIR instead of --upstream it is a small read-only registry
 * itself: DIR/NAME is an OCI layout served as repository NAME (a tag is the
 * ref.name of an index.json entry; the test host has no docker-registry).
 *
 * usage: registry-proxy --upstream PORT|--serve DIR --port-file FILE [--log FILE] [OPTION...]
 *   --second            also listen on 127.0.0.2 (the redirect target)
 *   --bearer TOKEN      /v2/ on 127.0.0.1 wants "Authorization: Bearer TOKEN"; GET /token
 *                       hands it out
 *   --token-user U:P    /token wants Basic U:P
 *   --token-body TEXT   /token answers TEXT instead of a token
 *   --refresh-token T   /token takes only OAuth2's POST with grant_type=refresh_token,
 *                       refresh_token=T and a client_id (docker's identity tokens);
 *                       the log line gets grant=refresh_token and scope=...
 *   --always-401        every /v2/ request: 401 with a Bearer challenge
 *   --fail-429 N        the first N manifest requests: 429, Retry-After: 1
 *   --cut-blob N        the first blob GET without Range: cut after N body bytes
 *   --flip-blob         blob bodies: byte 10 flipped
 *   --redirect-blobs    blob GETs (on 127.0.0.1): 307 to the same path on 127.0.0.2
 *   --endless-blob      blob GETs: 200 and zeros until the client leaves
 *   --slow-blob         blob bodies: 10 bytes every 100 ms
 *   --rate BYTES        blob bodies share a link of BYTES per second (bench/pull's
 *                       "network": every connection's bytes queue on one clock)
 *   --hold-blob HEX --hold-file F   a GET of blob sha256:HEX is answered only once
 *                       file F exists (the test decides when a layer arrives)
 *   --manifest FILE --manifest-type TYPE   manifest requests: FILE's bytes
 *   --redirect-loop     manifest requests: 302 to themselves
 * Writes "PORT1 [PORT2]" to the port file once it listens. Log lines:
 * "L METHOD PATH auth=none|basic|bearer|other range=R" (L: 1 or 2, the listener). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX 16384

static struct {
	int upstream;
	const char *port_file, *serve, *log, *bearer, *token_user, *token_body, *manifest,
	    *manifest_type, *refresh_token, *hold_blob, *hold_file;
	bool second, always_401, flip, redirect, endless, redirect_loop, slow;
	long fail_429, cut_blob, rate;
	int port[2];
} opt = {.cut_blob = -1};

static struct shared {
	long n429;
	int cut_done;
	int64_t link_free_ns; /* --rate: when the shared link is free again */
} * shared;

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static int write_all(int fd, const void *buf, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, (const char *)buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static int listen_on(const char *addr, int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int one = 1;
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	inet_pton(AF_INET, addr, &sa.sin_addr);
	sa.sin_port = htons((uint16_t)*port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		die(addr);
	*port = ntohs(sa.sin_port);
	return fd;
}

struct request {
	char method[16], path[4096], auth[8192], range[128], accept[1024], body[4096];
	long content_length;
};

/* The body of a request (a token POST's form), after the head in buf. */
static void read_body(int fd, struct request *rq, const char *buf, size_t n)
{
	const char *start = strstr(buf, "\r\n\r\n") + 4;
	size_t have = n - (size_t)(start - buf), want = (size_t)rq->content_length;
	if (want >= sizeof(rq->body))
		want = sizeof(rq->body) - 1;
	if (have > want)
		have = want;
	memcpy(rq->body, start, have);
	while (have < want) {
		ssize_t k = read(fd, rq->body + have, want - have);
		if (k <= 0)
			break;
		have += (size_t)k;
	}
	rq->body[have] = '\0';
}

/* Read the request head (and a short body); 0, or -1 when the client sent
 * nothing usable. */
static int read_request(int fd, struct request *rq)
{
	char buf[HEAD_MAX + 1];
	size_t n = 0;
	while (n < HEAD_MAX) {
		ssize_t k = read(fd, buf + n, HEAD_MAX - n);
		if (k <= 0)
			return -1;
		n += (size_t)k;
		buf[n] = '\0';
		/* not HTTP (a TLS hello): answer 400 at once, as Go's server does */
		if ((unsigned char)buf[0] < 'A' || (unsigned char)buf[0] > 'Z') {
			static const char bad[] =
			    "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP "
			    "request to an HTTPS server.\n";
			write_all(fd, bad, sizeof(bad) - 1);
			return -1;
		}
		if (strstr(buf, "\r\n\r\n"))
			break;
	}
	memset(rq, 0, sizeof(*rq));
	if (sscanf(buf, "%15s %4095s", rq->method, rq->path) != 2)
		return -1;
	for (char *line = strstr(buf, "\r\n"); line && line[2] != '\r';) {
		line += 2;
		char *end = strstr(line, "\r\n");
		if (!end)
			break;
		*end = '\0';
		if (!strncasecmp(line, "Authorization: ", 15))
			snprintf(rq->auth, sizeof(rq->auth), "%s", line + 15);
		else if (!strncasecmp(line, "Range: ", 7))
			snprintf(rq->range, sizeof(rq->range), "%s", line + 7);
		else if (!strncasecmp(line, "Accept: ", 8)) {
			/* several Accept lines (skopeo sends one per type) are one list */
			size_t n = strlen(rq->accept);
			snprintf(rq->accept + n, sizeof(rq->accept) - n, "%s%s", n ? ", " : "",
				 line + 8);
		} else if (!strncasecmp(line, "Content-Length: ", 16))
			rq->content_length = strtol(line + 16, NULL, 10);
		*end = '\r';
		line = end;
	}
	if (rq->content_length > 0)
		read_body(fd, rq, buf, n);
	return 0;
}

static void log_request(int which, const struct request *rq)
{
	if (!opt.log)
		return;
	const char *auth = !rq->auth[0]			      ? "none"
			   : !strncmp(rq->auth, "Basic ", 6)  ? "basic"
			   : !strncmp(rq->auth, "Bearer ", 7) ? "bearer"
							      : "other";
	char line[4400], grant[600] = "";
	const char *g = strstr(rq->body, "grant_type="), *sc = strstr(rq->body, "scope=");
	if (g)
		snprintf(grant, sizeof(grant), " grant=%.*s scope=%.*s", (int)strcspn(g + 11, "&"),
			 g + 11, sc ? (int)strcspn(sc + 6, "&") : 1, sc ? sc + 6 : "-");
	int n = snprintf(line, sizeof(line), "%d %s %s auth=%s range=%s%s\n", which, rq->method,
			 rq->path, auth, rq->range[0] ? rq->range : "-", grant);
	int fd = open(opt.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		write_all(fd, line, (size_t)n);
		close(fd);
	}
}

static void respond(int fd, const char *status, const char *headers, const char *body)
{
	char head[8192];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %s\r\n%sContent-Length: %zu\r\nConnection: close\r\n\r\n",
			 status, headers, strlen(body));
	write_all(fd, head, (size_t)n);
	write_all(fd, body, strlen(body));
}

static void challenge(int fd, const struct request *rq)
{
	char h[8192], repo[4096] = "";
	const char *v2 = rq->path + 4, *cut = strstr(v2, "/manifests/");
	if (!cut)
		cut = strstr(v2, "/blobs/");
	if (cut)
		snprintf(repo, sizeof(repo), "%.*s", (int)(cut - v2), v2);
	snprintf(h, sizeof(h),
		 "WWW-Authenticate: Bearer "
		 "realm=\"http://127.0.0.1:%d/token\",service=\"test\"%s%s%s\r\n"
		 "Content-Type: application/json\r\n",
		 opt.port[0], repo[0] ? ",scope=\"repository:" : "", repo,
		 repo[0] ? ":pull\"" : "");
	respond(
	    fd, "401 Unauthorized", h,
	    "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
}

/* Form field name's value ("" when absent), not unescaped. */
static void form_field(const char *body, const char *name, char *out, size_t cap)
{
	size_t k = strlen(name);
	out[0] = '\0';
	for (const char *p = body; *p; p += strcspn(p, "&"), p += *p == '&')
		if (!strncmp(p, name, k) && p[k] == '=')
			snprintf(out, cap, "%.*s", (int)strcspn(p + k + 1, "&"), p + k + 1);
}

/* OAuth2's refresh_token grant, as docker sends it for an identity token. */
static void token_oauth(int fd, const struct request *rq)
{
	char grant[64], refresh[1024], client[128], service[128], body[2560];
	form_field(rq->body, "grant_type", grant, sizeof(grant));
	form_field(rq->body, "refresh_token", refresh, sizeof(refresh));
	form_field(rq->body, "client_id", client, sizeof(client));
	form_field(rq->body, "service", service, sizeof(service));
	if (strcmp(rq->method, "POST") || strcmp(grant, "refresh_token") || !client[0] ||
	    strcmp(service, "test")) {
		respond(fd, "400 Bad Request", "Content-Type: application/json\r\n",
			"{\"error\":\"unsupported_grant_type\"}");
		return;
	}
	if (strcmp(refresh, opt.refresh_token)) {
		respond(fd, "400 Bad Request", "Content-Type: application/json\r\n",
			"{\"error\":\"invalid_grant\"}");
		return;
	}
	snprintf(body, sizeof(body),
		 "{\"access_token\":\"%s\",\"expires_in\":300,\"refresh_token\":\"%s\"}",
		 opt.bearer, refresh);
	respond(fd, "200 OK", "Content-Type: application/json\r\n", body);
}

static void token(int fd, const struct request *rq)
{
	if (opt.refresh_token)
		return token_oauth(fd, rq);
	if (opt.token_user) {
		/* the header a client with U:P sends: "Basic " base64(U:P) */
		static const char b64[] =
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		char want[512] = "Basic ";
		size_t len = strlen(opt.token_user), o = 6;
		const unsigned char *s = (const unsigned char *)opt.token_user;
		for (size_t i = 0; i < len && o + 5 < sizeof(want); i += 3) {
			unsigned v = (unsigned)s[i] << 16 | (i + 1 < len ? s[i + 1] << 8 : 0) |
				     (i + 2 < len ? s[i + 2] : 0);
			want[o++] = b64[v >> 18 & 63];
			want[o++] = b64[v >> 12 & 63];
			want[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
			want[o++] = i + 2 < len ? b64[v & 63] : '=';
		}
		want[o] = '\0';
		if (strcmp(rq->auth, want)) {
			respond(fd, "401 Unauthorized", "Content-Type: application/json\r\n",
				"{\"details\":\"bad credentials\"}");
			return;
		}
	}
	char body[1024];
	if (opt.token_body)
		snprintf(body, sizeof(body), "%s", opt.token_body);
	else
		snprintf(body, sizeof(body), "{\"token\":\"%s\",\"expires_in\":300}", opt.bearer);
	respond(fd, "200 OK", "Content-Type: application/json\r\n", body);
}

static void serve_manifest(int fd, const struct request *rq)
{
	int m = open(opt.manifest, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (m < 0 || fstat(m, &st) < 0)
		die(opt.manifest);
	char head[1024];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %lld\r\n"
			 "Connection: close\r\n\r\n",
			 opt.manifest_type ? opt.manifest_type
					   : "application/vnd.oci.image.manifest.v1+json",
			 (long long)st.st_size);
	write_all(fd, head, (size_t)n);
	if (strcmp(rq->method, "HEAD")) {
		char buf[65536];
		ssize_t k;
		while ((k = read(m, buf, sizeof(buf))) > 0)
			if (write_all(fd, buf, (size_t)k) < 0)
				break;
	}
	close(m);
}

static void endless(int fd)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
				   "Connection: close\r\n\r\n";
	static char zeros[65536];
	write_all(fd, head, sizeof(head) - 1);
	while (write_all(fd, zeros, sizeof(zeros)) == 0)
		;
}

static int connect_upstream(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.upstream)};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect upstream");
	return fd;
}

/* Relay the upstream's answer; body faults for blobs. */
/* --rate: n bytes take their turn on the one shared link; sleep until sent. */
static void pace(size_t n)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	int64_t cost = (int64_t)((double)n * 1e9 / (double)opt.rate), start, end;
	int64_t cur = __atomic_load_n(&shared->link_free_ns, __ATOMIC_SEQ_CST);
	do {
		start = cur > now ? cur : now;
		end = start + cost;
	} while (!__atomic_compare_exchange_n(&shared->link_free_ns, &cur, end, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	struct timespec until = {end / 1000000000, end % 1000000000};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
		;
}

static void forward(int fd, const struct request *rq, bool blob)
{
	int up = connect_upstream();
	char req[16384];
	int n = snprintf(req, sizeof(req),
			 "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n",
			 rq->method, rq->path, opt.upstream);
	if (rq->accept[0])
		n += snprintf(req + n, sizeof(req) - (size_t)n, "Accept: %s\r\n", rq->accept);
	if (rq->range[0])
		n += snprintf(req + n, sizeof(req) - (size_t)n, "Range: %s\r\n", rq->range);
	n += snprintf(req + n, sizeof(req) - (size_t)n, "\r\n");
	if (write_all(up, req, (size_t)n) < 0)
		die("write upstream");
	bool get = !strcmp(rq->method, "GET");
	/* only the first body that gets that far is cut */
	bool cut = blob && get && !rq->range[0] && opt.cut_blob >= 0;
	char buf[65536];
	size_t head = 0; /* bytes of the head still to pass before the body */
	bool in_body = false;
	long long body = 0;
	char acc[HEAD_MAX + 1];
	size_t accn = 0;
	ssize_t k;
	while ((k = read(up, buf, sizeof(buf))) > 0) {
		size_t off = 0;
		if (!in_body) {
			size_t take = (size_t)k < HEAD_MAX - accn ? (size_t)k : HEAD_MAX - accn;
			memcpy(acc + accn, buf, take);
			accn += take;
			acc[accn] = '\0';
			char *end = strstr(acc, "\r\n\r\n");
			if (!end) {
				write_all(fd, buf, (size_t)k);
				continue;
			}
			head = (size_t)(end + 4 - acc) - (accn - take);
			in_body = true;
			off = head;
			if (write_all(fd, buf, head) < 0)
				break;
		}
		for (size_t i = off; i < (size_t)k; i++, body++) {
			if (blob && opt.flip && body == 10)
				buf[i] ^= 0x55;
			if (cut && body == opt.cut_blob &&
			    !__atomic_exchange_n(&shared->cut_done, 1, __ATOMIC_SEQ_CST)) {
				write_all(fd, buf + off, i - off);
				close(up);
				return; /* the client sees the connection end mid-body */
			}
		}
		if (blob && opt.rate > 0 && (size_t)k > off)
			pace((size_t)k - off);
		if (blob && opt.slow) {
			for (size_t i = off; i < (size_t)k; i += 10) {
				if (write_all(fd, buf + i,
					      (size_t)k - i < 10 ? (size_t)k - i : 10) < 0)
					break;
				usleep(100 * 1000);
			}
			continue;
		}
		if (write_all(fd, buf + off, (size_t)k - off) < 0)
			break;
	}
	close(up);
}

/* The last `"KEY":"` value in text[0, end) (KEY's string, up to its quote). */
static int last_value(const char *text, const char *end, const char *key, char *out, size_t cap)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	const char *found = NULL;
	for (const char *p = text; (p = strstr(p, pat)) && p < end; p++)
		found = p + strlen(pat);
	const char *q = found ? strchr(found, '"') : NULL;
	if (!q || (size_t)(q - found) >= cap)
		return -1;
	snprintf(out, cap, "%.*s", (int)(q - found), found);
	return 0;
}

static int read_file(const char *path, char *buf, size_t cap)
{
	int f = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = f < 0 ? -1 : read(f, buf, cap - 1);
	if (f >= 0)
		close(f);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Send DIR/NAME/blobs/sha256/HEX with its content type. */
static void send_blob(int fd, const struct request *rq, const char *repo, const char *hex,
		      const char *type)
{
	char path[8192], head[1024];
	snprintf(path, sizeof(path), "%s/%s/blobs/sha256/%s", opt.serve, repo, hex);
	int f = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (f < 0 || fstat(f, &st) < 0) {
		respond(fd, "404 Not Found", "Content-Type: application/json\r\n",
			"{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown\"}]}");
		return;
	}
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %lld\r\n"
			 "Docker-Content-Digest: sha256:%s\r\nConnection: close\r\n\r\n",
			 type, (long long)st.st_size, hex);
	write_all(fd, head, (size_t)n);
	char buf[65536];
	ssize_t k;
	while (strcmp(rq->method, "HEAD") && (k = read(f, buf, sizeof(buf))) > 0)
		if (write_all(fd, buf, (size_t)k) < 0)
			break;
	close(f);
}

/* --serve: /v2/, manifests by tag (index.json's ref.name) or digest, blobs. */
static void serve_layout(int fd, const struct request *rq, bool manifest, bool blob)
{
	const char *v2 = rq->path + 4, *mid = manifest ? strstr(v2, "/manifests/")
					      : blob   ? strstr(v2, "/blobs/")
						       : NULL;
	if (!strcmp(rq->path, "/v2/"))
		return respond(fd, "200 OK", "Content-Type: application/json\r\n", "{}");
	char repo[4096], ref[256], hex[80] = "", type[128] = "application/octet-stream";
	const char *obj = mid ? strchr(mid + 1, '/') + 1 : NULL;
	if (!mid || strstr(rq->path, "..") || (size_t)(mid - v2) >= sizeof(repo) ||
	    strlen(obj) >= sizeof(ref))
		return respond(fd, "404 Not Found", "", "");
	snprintf(repo, sizeof(repo), "%.*s", (int)(mid - v2), v2);
	snprintf(ref, sizeof(ref), "%s", obj);
	static char text[1 << 20];
	char path[8300];
	if (!strncmp(ref, "sha256:", 7)) {
		snprintf(hex, sizeof(hex), "%.64s", ref + 7);
		snprintf(path, sizeof(path), "%s/%s/blobs/sha256/%s", opt.serve, repo, hex);
		if (manifest && read_file(path, text, sizeof(text)) == 0)
			last_value(text, text + strlen(text), "mediaType", type, sizeof(type));
	} else if (manifest) {
		snprintf(path, sizeof(path), "%s/%s/index.json", opt.serve, repo);
		char pat[300];
		snprintf(pat, sizeof(pat), "\"org.opencontainers.image.ref.name\":\"%s\"", ref);
		const char *at =
		    read_file(path, text, sizeof(text)) == 0 ? strstr(text, pat) : NULL;
		char digest[80];
		if (!at || last_value(text, at, "digest", digest, sizeof(digest)) < 0 ||
		    last_value(text, at, "mediaType", type, sizeof(type)) < 0)
			return respond(fd, "404 Not Found", "Content-Type: application/json\r\n",
				       "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":"
				       "\"manifest unknown\"}]}");
		snprintf(hex, sizeof(hex), "%.64s", digest + 7);
	}
	send_blob(fd, rq, repo, hex, type);
}

static void handle(int fd, int which)
{
	struct request rq;
	if (read_request(fd, &rq) < 0)
		return;
	log_request(which, &rq);
	bool v2 = !strncmp(rq.path, "/v2/", 4);
	bool manifest = v2 && strstr(rq.path, "/manifests/");
	bool blob = v2 && strstr(rq.path, "/blobs/");
	char want[8300], h[4600];
	if (!strncmp(rq.path, "/token", 6))
		return token(fd, &rq);
	if (v2 && opt.always_401)
		return challenge(fd, &rq);
	snprintf(want, sizeof(want), "Bearer %s", opt.bearer ? opt.bearer : "");
	/* 127.0.0.2 is the redirect target (a CDN with signed URLs): no token asked */
	if (v2 && opt.bearer && which == 1 && strcmp(rq.auth, want))
		return challenge(fd, &rq);
	if (manifest && __atomic_fetch_add(&shared->n429, 1, __ATOMIC_SEQ_CST) < opt.fail_429)
		return respond(
		    fd, "429 Too Many Requests",
		    "Retry-After: 1\r\nContent-Type: application/json\r\n",
		    "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"slow down\"}]}");
	if (manifest && opt.redirect_loop) {
		snprintf(h, sizeof(h), "Location: http://127.0.0.1:%d%s\r\n", opt.port[0], rq.path);
		return respond(fd, "302 Found", h, "");
	}
	if (manifest && opt.manifest)
		return serve_manifest(fd, &rq);
	if (blob && opt.redirect && which == 1) {
		snprintf(h, sizeof(h), "Location: http://127.0.0.2:%d%s\r\n", opt.port[1], rq.path);
		return respond(fd, "307 Temporary Redirect", h, "");
	}
	if (blob && opt.endless && !strcmp(rq.method, "GET"))
		return endless(fd);
	if (blob && opt.hold_blob && opt.hold_file && !strcmp(rq.method, "GET") &&
	    strstr(rq.path, opt.hold_blob))
		while (access(opt.hold_file, F_OK) < 0)
			usleep(20 * 1000);
	if (opt.serve)
		serve_layout(fd, &rq, manifest, blob);
	else
		forward(fd, &rq, blob);
}

static void parse(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define VAL(name) (!strcmp(a, name) && v && (i++, 1))
		if (VAL("--upstream"))
			opt.upstream = atoi(v);
		else if (VAL("--serve"))
			opt.serve = v;
		else if (VAL("--port-file"))
			opt.port_file = v;
		else if (VAL("--log"))
			opt.log = v;
		else if (VAL("--bearer"))
			opt.bearer = v;
		else if (VAL("--token-user"))
			opt.token_user = v;
		else if (VAL("--token-body"))
			opt.token_body = v;
		else if (VAL("--refresh-token"))
			opt.refresh_token = v;
		else if (VAL("--rate"))
			opt.rate = atol(v);
		else if (VAL("--hold-blob"))
			opt.hold_blob = v;
		else if (VAL("--hold-file"))
			opt.hold_file = v;
		else if (VAL("--fail-429"))
			opt.fail_429 = atol(v);
		else if (VAL("--cut-blob"))
			opt.cut_blob = atol(v);
		else if (VAL("--manifest"))
			opt.manifest = v;
		else if (VAL("--manifest-type"))
			opt.manifest_type = v;
		else if (!strcmp(a, "--second"))
			opt.second = true;
		else if (!strcmp(a, "--always-401"))
			opt.always_401 = true;
		else if (!strcmp(a, "--flip-blob"))
			opt.flip = true;
		else if (!strcmp(a, "--redirect-blobs"))
			opt.redirect = opt.second = true;
		else if (!strcmp(a, "--slow-blob"))
			opt.slow = true;
		else if (!strcmp(a, "--endless-blob"))
			opt.endless = true;
		else if (!strcmp(a, "--redirect-loop"))
			opt.redirect_loop = true;
		else {
			fprintf(stderr, "registry-proxy: bad argument `%s`\n", a);
			exit(2);
		}
#undef VAL
	}
	if ((!opt.upstream && !opt.serve) || !opt.port_file) {
		fprintf(stderr, "usage: registry-proxy --upstream PORT|--serve DIR --port-file "
				"FILE [OPTION...]\n");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	parse(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = {.sa_handler = SIG_DFL, .sa_flags = SA_NOCLDWAIT};
	sigaction(SIGCHLD, &sa, NULL);
	shared =
	    mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		die("mmap");
	struct pollfd p[2] = {{listen_on("127.0.0.1", &opt.port[0]), POLLIN, 0}, {-1, POLLIN, 0}};
	if (opt.second) {
		opt.port[1] = 0;
		p[1].fd = listen_on("127.0.0.2", &opt.port[1]);
	}
	/* the port file appears complete (rename) */
	char tmp[4200], line[64];
	const char *pf = opt.port_file;
	snprintf(tmp, sizeof(tmp), "%s.tmp", pf);
	int n = opt.second ? snprintf(line, sizeof(line), "%d %d\n", opt.port[0], opt.port[1])
			   : snprintf(line, sizeof(line), "%d\n", opt.port[0]);
	int f = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (f < 0 || write_all(f, line, (size_t)n) < 0 || close(f) < 0 || rename(tmp, pf) < 0)
		die(pf);
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !(p[i].revents & POLLIN))
				continue;
			int c = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (c < 0)
				continue;
			pid_t pid = fork();
			if (pid == 0) {
				close(p[0].fd);
				if (p[1].fd >= 0)
					close(p[1].fd);
				handle(c, i + 1);
				shutdown(c, SHUT_WR);
				close(c);
				_exit(0);
			}
			close(c);
		}
	}
}
