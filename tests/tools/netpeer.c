/* netpeer: TCP/UDP ends for the network cases: a server that names its peers, clients, a burst, a
 * flood. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: netpeer serve [-i ID] tcp:PORT|udp:PORT...\n"
    "       netpeer ask [-b SRC[:PORT]] [-t SECS] tcp|udp HOST PORT TOKEN\n"
    "       netpeer burst [-t SECS] HOST PORT N\n"
    "       netpeer flood [-s BYTES] -n COUNT HOST PORT\n"
    "       netpeer hold tcp:HOST:PORT|udp:PORT...\n"
    "       netpeer chargen [-b ADDR] PORT\n"
    "       netpeer sink [-b ADDR] PORT\n"
    "\n"
    "serve: on each port, answers every TCP line and every UDP datagram with\n"
    "  `ID PEERADDR:PEERPORT TOKEN` (TOKEN: what the peer sent, up to its first\n"
    "  newline); a TCP connection is closed after its answer. Prints `ready` once\n"
    "  every port is bound; a token `quit` ends it after the answer (exit 0).\n"
    "ask: sends TOKEN to HOST:PORT (IPv4, or IPv6 without -b; from address\n"
    "  SRC, port PORT), prints the answer; UDP is resent every second until one\n"
    "  comes; exit 1 if none came in SECS (30).\n"
    "burst: opens N connections to HOST:PORT at once, sends `bK` on the K-th,\n"
    "  counts the answers ending in ` bK`; prints `burst: N connections, A\n"
    "  answered, F failed` (and one line per failure kind); exit 0 iff A == N.\n"
    "  SECS (300) only ends a hung run.\n"
    "flood: sends COUNT UDP datagrams of BYTES (65000) to HOST:PORT as fast as\n"
    "  the socket takes them (send errors are counted, not fatal); prints\n"
    "  `flood: COUNT sent, E errors`.\n"
    "hold: connects to each tcp:HOST:PORT and binds each udp:PORT, never reads\n"
    "  from any of them, prints `holding` and sleeps until killed.\n"
    "chargen: accepts on ADDR:PORT (0.0.0.0) and writes to every connection\n"
    "  until it fails; prints `listening` once ready; runs until killed.\n"
    "sink: reads and discards UDP datagrams on ADDR:PORT; prints `listening`;\n"
    "  runs until killed.\n";

static int bad_usage(void)
{
	fputs(usage, stderr);
	return 2;
}

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int parse_port(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	return *s && !*end && v > 0 && v < 65536 ? (int)v : -1;
}

static int addr_of(const char *host, int port, struct sockaddr_in *a)
{
	*a = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
}

static void peer_text(const struct sockaddr_in *a, char *out, size_t len)
{
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
	snprintf(out, len, "%s:%u", ip, ntohs(a->sin_port));
}

/* A socket of type bound to addr:port; -1 with a message on failure. */
static int bound(int type, const char *addr, int port)
{
	struct sockaddr_in a;
	int one = 1, fd = socket(AF_INET, type, 0);

	if (addr_of(addr, port, &a) < 0) {
		fprintf(stderr, "netpeer: bad address %s\n", addr);
		return -1;
	}
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 1024) < 0)) {
		fprintf(stderr, "netpeer: bind %s %s:%d: %s\n", type == SOCK_STREAM ? "tcp" : "udp",
			addr, port, strerror(errno));
		return -1;
	}
	return fd;
}

/* --- serve ------------------------------------------------------------- */

#define SERVE_MAX 1024 /* open fds polled at once: listeners and connections */
#define LINE_MAX_ 256

struct slot {
	int kind; /* 0 free, 1 tcp listener, 2 udp socket, 3 connection */
	struct sockaddr_in peer;
	char line[LINE_MAX_];
	size_t len;
};

/* The token: text up to the first newline (or the end), without a '\r'. */
static void token_of(char *s, size_t len)
{
	s[len] = '\0';
	s[strcspn(s, "\r\n")] = '\0';
}

static int answer(char *out, size_t cap, const char *id, const struct sockaddr_in *peer,
		  const char *tok)
{
	char p[64];
	peer_text(peer, p, sizeof(p));
	return snprintf(out, cap, "%s %s %s\n", id, p, tok);
}

/* One readable connection: 1 when done with it (answered or failed), 2 when
 * it asked to quit. */
static int serve_conn(int fd, struct slot *s, const char *id)
{
	ssize_t n = read(fd, s->line + s->len, sizeof(s->line) - 1 - s->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n > 0)
		s->len += (size_t)n;
	if (n > 0 && !memchr(s->line, '\n', s->len) && s->len < sizeof(s->line) - 1)
		return 0;
	if (n < 0 || s->len == 0)
		return 1;
	char out[LINE_MAX_ + 128];
	token_of(s->line, s->len);
	int k = answer(out, sizeof(out), id, &s->peer, s->line);
	if (write(fd, out, (size_t)k) != k) {
		/* the peer went away: nothing to answer */
	}
	return strcmp(s->line, "quit") ? 1 : 2;
}

static int serve_udp(int fd, const char *id)
{
	char buf[65536], out[LINE_MAX_ + 128];
	struct sockaddr_in peer;
	socklen_t pl = sizeof(peer);
	ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&peer, &pl);
	if (n < 0)
		return 0;
	token_of(buf, (size_t)(n < LINE_MAX_ ? n : LINE_MAX_ - 1));
	int k = answer(out, sizeof(out), id, &peer, buf);
	sendto(fd, out, (size_t)k, 0, (struct sockaddr *)&peer, pl);
	return strcmp(buf, "quit") ? 0 : 2;
}

/* A new connection on listener fd, as slot *n (which grows). */
static void serve_accept(int fd, struct pollfd *p, struct slot *s, int *n)
{
	struct sockaddr_in peer;
	socklen_t pl = sizeof(peer);
	int c = accept(fd, (struct sockaddr *)&peer, &pl);

	if (c < 0)
		return;
	if (*n == SERVE_MAX) {
		close(c); /* over the limit: the peer sees its failure */
		return;
	}
	fcntl(c, F_SETFL, O_NONBLOCK);
	p[*n] = (struct pollfd){.fd = c, .events = POLLIN};
	s[(*n)++] = (struct slot){.kind = 3, .peer = peer};
}

static int cmd_serve(const char *id, char **spec, int nspec)
{
	static struct pollfd p[SERVE_MAX];
	static struct slot s[SERVE_MAX];
	int n = 0, nlisten;

	for (int i = 0; i < nspec; i++) {
		int tcp = !strncmp(spec[i], "tcp:", 4), port = parse_port(spec[i] + 4);
		if ((!tcp && strncmp(spec[i], "udp:", 4)) || port < 0 || n == SERVE_MAX)
			return bad_usage();
		int fd = bound(tcp ? SOCK_STREAM : SOCK_DGRAM, "0.0.0.0", port);
		if (fd < 0)
			return 1;
		p[n] = (struct pollfd){.fd = fd, .events = POLLIN};
		s[n++].kind = tcp ? 1 : 2;
	}
	nlisten = n;
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("netpeer: poll");
			return 1;
		}
		int quit = 0;
		for (int i = 0; i < n; i++) {
			if (!p[i].revents)
				continue;
			if (s[i].kind == 2) {
				quit |= serve_udp(p[i].fd, id) == 2;
			} else if (s[i].kind == 1) {
				serve_accept(p[i].fd, p, s, &n);
			} else {
				int r = serve_conn(p[i].fd, &s[i], id);
				if (r) {
					close(p[i].fd);
					p[i].fd = -1;
					s[i].kind = 0;
					quit |= r == 2;
				}
			}
		}
		if (quit)
			return 0;
		/* compact: closed connections out, order of the rest kept */
		int k = nlisten;
		for (int i = nlisten; i < n; i++)
			if (s[i].kind) {
				p[k] = p[i];
				s[k++] = s[i];
			}
		n = k;
	}
}

/* --- ask --------------------------------------------------------------- */

/* A socket of type bound to src (ADDR[:PORT], IPv4 only), connected to to;
 * -1 with a message on failure. */
static int connect_from(int type, const char *src, const struct sockaddr *to, socklen_t tolen)
{
	int fd = socket(to->sa_family, type, 0);
	if (fd < 0)
		return -1;
	if (src) { /* ADDR or ADDR:PORT */
		struct sockaddr_in a;
		char host[64];
		const char *colon = strchr(src, ':');
		int port = colon ? parse_port(colon + 1) : 0, one = 1;
		snprintf(host, sizeof(host), "%.*s", colon ? (int)(colon - src) : 63, src);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (port < 0 || addr_of(host, port, &a) < 0 ||
		    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			fprintf(stderr, "netpeer: bind to %s: %s\n", src, strerror(errno));
			close(fd);
			return -1;
		}
	}
	if (connect(fd, to, tolen) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static int cmd_ask(const char *src, int secs, int udp, const char *host, int port,
		   const char *token)
{
	struct sockaddr_in to;
	struct sockaddr_in6 to6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
	char buf[1024];
	int64_t end = now_ms() + secs * 1000;
	int v6 = strchr(host, ':') != NULL; /* an IPv6 HOST: no -b */

	if (v6 ? src || inet_pton(AF_INET6, host, &to6.sin6_addr) != 1
	       : addr_of(host, port, &to) < 0)
		return bad_usage();
	int fd = v6 ? connect_from(udp ? SOCK_DGRAM : SOCK_STREAM, NULL,
				   (const struct sockaddr *)&to6, sizeof(to6))
		    : connect_from(udp ? SOCK_DGRAM : SOCK_STREAM, src,
				   (const struct sockaddr *)&to, sizeof(to));
	if (fd < 0) {
		fprintf(stderr, "netpeer: connect %s:%d: %s\n", host, port, strerror(errno));
		return 1;
	}
	if (!udp) {
		struct timeval tv = {.tv_sec = secs};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		size_t got = 0;
		ssize_t n;
		dprintf(fd, "%s\n", token);
		while (got < sizeof(buf) - 1 &&
		       (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
			got += (size_t)n;
		if (!got) {
			fprintf(stderr, "netpeer: no answer from %s:%d\n", host, port);
			return 1;
		}
		fwrite(buf, 1, got, stdout);
		return 0;
	}
	while (now_ms() < end) {
		if (send(fd, token, strlen(token), 0) < 0 && errno != ECONNREFUSED) {
			fprintf(stderr, "netpeer: send to %s:%d: %s\n", host, port,
				strerror(errno));
			return 1;
		}
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		if (poll(&pf, 1, 1000) == 1) {
			ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
			if (n > 0) {
				fwrite(buf, 1, (size_t)n, stdout);
				return 0;
			}
		}
	}
	fprintf(stderr, "netpeer: no UDP answer from %s:%d in %d s\n", host, port, secs);
	return 1;
}

/* --- burst ------------------------------------------------------------- */

enum { B_CONNECTING, B_READING, B_OK, B_REFUSED, B_RESET, B_WRONG, B_HUNG };
static const char *const b_what[] = {
    "still connecting", "no full answer", "answered", "connect failed",
    "reset or error",	"wrong answer",	  "hung"};

struct bconn {
	int state;
	char buf[LINE_MAX_];
	size_t len;
};

/* Connection i became ready: send its token, or read (part of) its answer.
 * 1 when it is done. */
static int burst_step(struct pollfd *p, struct bconn *c, int i)
{
	if (c->state == B_CONNECTING) {
		int e = 0, k;
		socklen_t el = sizeof(e);
		char tok[32];
		getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e, &el);
		if (e) {
			c->state = B_REFUSED;
			return 1;
		}
		k = snprintf(tok, sizeof(tok), "b%d\n", i);
		c->state = write(p->fd, tok, (size_t)k) == k ? B_READING : B_RESET;
		p->events = POLLIN;
		return c->state == B_RESET;
	}
	ssize_t n = read(p->fd, c->buf + c->len, LINE_MAX_ - 1 - c->len);
	if (n > 0) {
		c->len += (size_t)n;
		if (c->len < LINE_MAX_ - 1)
			return 0;
	} else if (n < 0 && errno == EAGAIN) {
		return 0;
	} else if (n < 0) {
		c->state = B_RESET;
		return 1;
	}
	/* the end of the answer (or of what a line may hold): is it ours? */
	char want[32];
	int k = snprintf(want, sizeof(want), " b%d\n", i);
	c->buf[c->len] = '\0';
	if (c->len >= (size_t)k && !strcmp(c->buf + c->len - (size_t)k, want))
		c->state = B_OK;
	else if (c->len)
		c->state = B_WRONG;
	return 1;
}

static int cmd_burst(int secs, const char *host, int port, int count)
{
	struct sockaddr_in to;
	struct pollfd *p = calloc((size_t)count, sizeof(*p));
	struct bconn *c = calloc((size_t)count, sizeof(*c));
	int64_t end = now_ms() + secs * 1000;
	int open_n = 0, kinds[7] = {0};

	if (!p || !c || addr_of(host, port, &to) < 0)
		return bad_usage();
	for (int i = 0; i < count; i++) { /* all connects first: the burst */
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		p[i] = (struct pollfd){.fd = fd, .events = POLLOUT};
		if (fd >= 0 && (connect(fd, (struct sockaddr *)&to, sizeof(to)) == 0 ||
				errno == EINPROGRESS)) {
			open_n++;
			continue;
		}
		c[i].state = B_REFUSED;
		if (fd >= 0)
			close(fd);
		p[i].fd = -1;
	}
	while (open_n > 0 && now_ms() < end) {
		int r = poll(p, (nfds_t)count, 1000);
		if (r < 0 && errno != EINTR)
			break;
		for (int i = 0; i < count && r > 0; i++) {
			if (p[i].fd >= 0 && p[i].revents && burst_step(&p[i], &c[i], i)) {
				close(p[i].fd);
				p[i].fd = -1;
				open_n--;
			}
		}
	}
	for (int i = 0; i < count; i++)
		kinds[p[i].fd >= 0 ? B_HUNG : c[i].state]++;
	printf("burst: %d connections, %d answered, %d failed\n", count, kinds[B_OK],
	       count - kinds[B_OK]);
	for (int k = 0; k < 7; k++)
		if (k != B_OK && kinds[k])
			printf("burst: %d %s\n", kinds[k], b_what[k]);
	return kinds[B_OK] == count ? 0 : 1;
}

/* --- flood, hold, chargen, sink ------------------------------------------ */

static int cmd_flood(size_t size, long count, const char *host, int port)
{
	struct sockaddr_in to;
	static char buf[65507];
	long errors = 0;

	if (addr_of(host, port, &to) < 0 || size > sizeof(buf))
		return bad_usage();
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return perror("netpeer: socket"), 1;
	memset(buf, 'f', size);
	for (long i = 0; i < count; i++)
		if (sendto(fd, buf, size, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			errors++;
	printf("flood: %ld sent, %ld errors\n", count, errors);
	return 0;
}

static int cmd_hold(char **spec, int nspec)
{
	for (int i = 0; i < nspec; i++) {
		if (!strncmp(spec[i], "udp:", 4)) {
			int port = parse_port(spec[i] + 4);
			if (port < 0)
				return bad_usage();
			if (bound(SOCK_DGRAM, "0.0.0.0", port) < 0)
				return 1;
			continue;
		}
		char host[64];
		const char *colon = strrchr(spec[i], ':');
		struct sockaddr_in to;
		if (strncmp(spec[i], "tcp:", 4) || !colon ||
		    colon - spec[i] - 4 >= (long)sizeof(host))
			return bad_usage();
		snprintf(host, sizeof(host), "%.*s", (int)(colon - spec[i] - 4), spec[i] + 4);
		if (addr_of(host, parse_port(colon + 1), &to) < 0)
			return bad_usage();
		if (connect_from(SOCK_STREAM, NULL, (const struct sockaddr *)&to, sizeof(to)) < 0) {
			fprintf(stderr, "netpeer: connect %s: %s\n", spec[i] + 4, strerror(errno));
			return 1;
		}
	}
	printf("holding\n");
	fflush(stdout);
	for (;;)
		pause();
}

static int cmd_chargen(const char *addr, int port)
{
	static char buf[65536];
	int fd = bound(SOCK_STREAM, addr, port);
	if (fd < 0)
		return 1;
	memset(buf, 'c', sizeof(buf));
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		int c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		if (fork() == 0) {
			while (write(c, buf, sizeof(buf)) > 0)
				;
			_exit(0);
		}
		close(c);
	}
}

static int cmd_sink(const char *addr, int port)
{
	static char buf[65536];
	int fd = bound(SOCK_DGRAM, addr, port);
	if (fd < 0)
		return 1;
	printf("listening\n");
	fflush(stdout);
	for (;;)
		if (recv(fd, buf, sizeof(buf), 0) < 0 && errno != EINTR)
			return perror("netpeer: recv"), 1;
}

int main(int argc, char **argv)
{
	const char *id = "netpeer", *src = NULL, *addr = "0.0.0.0";
	int secs = 0, opt;
	long count = -1;
	size_t size = 65000;

	if (argc < 2)
		return bad_usage();
	const char *cmd = argv[1];
	argv++;
	argc--;
	while ((opt = getopt(argc, argv, "i:b:t:n:s:")) != -1) {
		switch (opt) {
		case 'i':
			id = optarg;
			break;
		case 'b':
			src = addr = optarg;
			break;
		case 't':
			secs = atoi(optarg);
			break;
		case 'n':
			count = atol(optarg);
			break;
		case 's':
			size = (size_t)atol(optarg);
			break;
		default:
			return bad_usage();
		}
	}
	char **a = argv + optind;
	int n = argc - optind;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN); /* a peer that left: its write fails, we go on */
	signal(SIGCHLD, SIG_IGN); /* chargen's children reap themselves */
	if (!strcmp(cmd, "serve") && n > 0)
		return cmd_serve(id, a, n);
	if (!strcmp(cmd, "ask") && n == 4 && (!strcmp(a[0], "tcp") || !strcmp(a[0], "udp")) &&
	    parse_port(a[2]) > 0)
		return cmd_ask(src, secs > 0 ? secs : 30, a[0][0] == 'u', a[1], parse_port(a[2]),
			       a[3]);
	if (!strcmp(cmd, "burst") && n == 3 && parse_port(a[1]) > 0 && atoi(a[2]) > 0)
		return cmd_burst(secs > 0 ? secs : 300, a[0], parse_port(a[1]), atoi(a[2]));
	if (!strcmp(cmd, "flood") && n == 2 && count > 0 && parse_port(a[1]) > 0)
		return cmd_flood(size, count, a[0], parse_port(a[1]));
	if (!strcmp(cmd, "hold") && n > 0)
		return cmd_hold(a, n);
	if (!strcmp(cmd, "chargen") && n == 1 && parse_port(a[0]) > 0)
		return cmd_chargen(addr, parse_port(a[0]));
	if (!strcmp(cmd, "sink") && n == 1 && parse_port(a[0]) > 0)
		return cmd_sink(addr, parse_port(a[0]));
	return bad_usage();
}
