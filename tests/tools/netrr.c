/* netrr: a small TCP request/response tool for bench/net (static: it also runs in guests).
 *
 *   netrr serve PORT           echo every connection's bytes back, one connection at a time
 *   netrr wait HOST PORT SECS  until one byte comes back through HOST:PORT (a forwarded
 *                              port accepts before the guest listens), else exit 1
 *   netrr rr HOST PORT N       one connection, N one-byte ping-pongs: median and p99 in us
 *   netrr crr HOST PORT N      N times connect, one ping-pong, close: connections per second
 *   netrr unix PATH TEXT       send TEXT to the Unix stream socket PATH, print the reply (e.g.
 *                              a slirp4netns API request); exit 1 when it has "error"
 *
 * Results are one line each, "rr median_us=M p99_us=P" and "crr conn_per_s=C lost=L",
 * for the bench to parse. A lost connection (refused, reset, no echo) counts, never
 * aborts the run. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define IO_TIMEOUT_MS 5000

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int parse_port(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 1 || v > 65535) {
		fprintf(stderr, "netrr: bad port %s\n", s);
		exit(2);
	}
	return (int)v;
}

static long parse_count(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 1 || v > 10000000) {
		fprintf(stderr, "netrr: bad count %s\n", s);
		exit(2);
	}
	return v;
}

static void nodelay(int fd)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Wait until fd is readable; 0 on timeout. */
static int readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, IO_TIMEOUT_MS) > 0;
}

static int serve(int port)
{
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 128) < 0) {
		perror("netrr: listen");
		return 1;
	}
	for (;;) {
		int c = accept(l, NULL, NULL);
		if (c < 0)
			continue;
		nodelay(c);
		char buf[65536];
		ssize_t n;
		while ((n = read(c, buf, sizeof(buf))) > 0)
			if (write(c, buf, (size_t)n) != n)
				break;
		close(c);
	}
}

static int dial(const char *host, int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		fprintf(stderr, "netrr: bad IPv4 address %s\n", host);
		exit(2);
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	nodelay(fd);
	return fd;
}

/* One byte there and back on fd: 0, or -1 when it did not come back. */
static int ping(int fd)
{
	char b = 'x';
	if (write(fd, &b, 1) != 1 || !readable(fd) || read(fd, &b, 1) != 1)
		return -1;
	return 0;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

static int rr(const char *host, int port, long n)
{
	int fd = dial(host, port);
	double *t = calloc((size_t)n, sizeof(*t));
	if (fd < 0 || !t) {
		fprintf(stderr, "netrr: rr: cannot connect to %s:%d\n", host, port);
		return 1;
	}
	for (long i = 0; i < n; i++) {
		double t0 = now_us();
		if (ping(fd) < 0) {
			fprintf(stderr, "netrr: rr: no echo after %ld ping-pongs\n", i);
			return 1;
		}
		t[i] = now_us() - t0;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("rr median_us=%.1f p99_us=%.1f\n", t[n / 2], t[(n * 99) / 100]);
	free(t);
	close(fd);
	return 0;
}

static int crr(const char *host, int port, long n)
{
	long lost = 0;
	double t0 = now_us();
	for (long i = 0; i < n; i++) {
		int fd = dial(host, port);
		if (fd < 0 || ping(fd) < 0)
			lost++;
		if (fd >= 0)
			close(fd);
	}
	double secs = (now_us() - t0) / 1e6;
	printf("crr conn_per_s=%.1f lost=%ld\n", (double)(n - lost) / secs, lost);
	return lost != 0;
}

static int wait_echo(const char *host, int port, long secs)
{
	double end = now_us() + (double)secs * 1e6;
	do {
		int fd = dial(host, port);
		int ok = fd >= 0 && ping(fd) == 0;
		if (fd >= 0)
			close(fd);
		if (ok)
			return 0;
		usleep(100000);
	} while (now_us() < end);
	fprintf(stderr, "netrr: no echo from %s:%d within %ld s\n", host, port, secs);
	return 1;
}

static int unix_request(const char *path, const char *text)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char reply[4096];
	size_t n = 0;
	if (strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "netrr: socket path too long\n");
		return 1;
	}
	strcpy(a.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		fprintf(stderr, "netrr: %s: %s\n", path, strerror(errno));
		return 1;
	}
	shutdown(fd, SHUT_WR);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	while (n < sizeof(reply) - 1 && poll(&p, 1, IO_TIMEOUT_MS) == 1) {
		ssize_t k = read(fd, reply + n, sizeof(reply) - 1 - n);
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	reply[n] = '\0';
	printf("%s\n", reply);
	return n && !strstr(reply, "error") ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "unix"))
		return unix_request(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(parse_port(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "wait"))
		return wait_echo(argv[2], parse_port(argv[3]), parse_count(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "rr"))
		return rr(argv[2], parse_port(argv[3]), parse_count(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "crr"))
		return crr(argv[2], parse_port(argv[3]), parse_count(argv[4]));
	fprintf(stderr, "usage: netrr serve PORT | wait HOST PORT SECS | rr HOST PORT N | "
			"crr HOST PORT N | unix PATH TEXT\n");
	return 2;
}
