/* The libc calls libslirp makes that we decide (resolv.conf, listen backlog, bind, the addresses
 * of IPv6 listeners), and its glib log. */
#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "net/slirphooks.h"

/* libslirp is built with 64-bit file offsets and calls stat64: same layout here. */
_Static_assert(sizeof(struct stat) == sizeof(struct stat64), "struct stat is not stat64");

#define RESOLV_PATH "/etc/resolv.conf"
#define BACKLOG 4096 /* the kernel caps it at net.core.somaxconn */

static char resolv[SLIRPHOOKS_RESOLV_MAX + 1];
static size_t resolv_len;
static unsigned resolv_gen; /* a new "inode" for each text: libslirp re-reads it */
static _Thread_local int last_bound = -1;

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_last[256];
static _Atomic uint64_t log_count;

void slirphooks_set_resolv(const char *text)
{
	size_t n = strlen(text);
	if (n > SLIRPHOOKS_RESOLV_MAX)
		n = SLIRPHOOKS_RESOLV_MAX;
	memcpy(resolv, text, n);
	resolv[n] = '\0';
	resolv_len = n;
	resolv_gen++;
}

FILE *sb_slirp_fopen(const char *path, const char *mode)
{
	if (strcmp(path, RESOLV_PATH) != 0 || strcmp(mode, "r") != 0) {
		errno = EACCES; /* nothing else: no TFTP files, nothing to exec */
		return NULL;
	}
	if (!resolv_len) {
		errno = ENOENT;
		return NULL;
	}
	return fmemopen(resolv, resolv_len, "r"); /* malloc only, no system call */
}

int sb_slirp_stat(const char *path, struct stat *st)
{
	if (strcmp(path, RESOLV_PATH) != 0) {
		errno = EACCES;
		return -1;
	}
	if (!resolv_len) {
		errno = ENOENT;
		return -1;
	}
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFREG | 0444;
	st->st_dev = 0x5b; /* stands for "sandbox": any constant would do */
	st->st_ino = resolv_gen;
	st->st_mtime = (time_t)resolv_gen;
	st->st_size = (off_t)resolv_len;
	st->st_nlink = 1;
	return 0;
}

int sb_slirp_open(const char *path, int flags, ...)
{
	(void)path;
	(void)flags;
	errno = EACCES;
	return -1;
}

int sb_slirp_listen(int fd, int backlog)
{
	return listen(fd, backlog < BACKLOG ? BACKLOG : backlog);
}

static _Thread_local struct slirphooks_v6 *v6;

void slirphooks_v6_attach(struct slirphooks_v6 *t)
{
	v6 = t;
}

int sb_slirp_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	int r = bind(fd, addr, len);
	if (r == 0)
		last_bound = fd;
	if (r == 0 && v6 && v6->registering && addr->sa_family == AF_INET6 &&
	    v6->nsock < SLIRPHOOKS_V6_SOCKS) {
		int only = 1; /* libslirp set it before bind */
		socklen_t ol = sizeof(only);
		getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &only, &ol);
		v6->sock[v6->nsock++] = (struct slirphooks_v6_sock){.fd = fd, .dual = !only};
	}
	return r;
}

static struct slirphooks_v6_sock *v6_sock(int fd)
{
	for (unsigned i = 0; v6 && i < v6->nsock; i++)
		if (v6->sock[i].fd == fd)
			return &v6->sock[i];
	return NULL;
}

void slirphooks_v6_to_v4(const struct sockaddr_in6 *a, struct sockaddr_in *out)
{
	*out = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = a->sin6_port};
	if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr))
		memcpy(&out->sin_addr, &a->sin6_addr.s6_addr[12], 4);
	else if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr))
		out->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		out->sin_addr.s_addr = htonl(INADDR_ANY);
}

/* An address a call of libslirp's got back for s (buffer of size cap):
 * rewritten to IPv4 in place. */
static void show_v4(struct sockaddr *addr, socklen_t cap, socklen_t *len)
{
	struct sockaddr_in6 a;
	if (!addr || cap < sizeof(a) || *len < sizeof(a) || addr->sa_family != AF_INET6)
		return;
	memcpy(&a, addr, sizeof(a));
	struct sockaddr_in out;
	slirphooks_v6_to_v4(&a, &out);
	memcpy(addr, &out, sizeof(out));
	*len = sizeof(out);
}

int sb_slirp_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	socklen_t cap = len ? *len : 0;
	int r = accept(fd, addr, len);
	if (r >= 0 && len && v6_sock(fd))
		show_v4(addr, cap, len);
	return r;
}

int sb_slirp_getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	socklen_t cap = *len;
	int r = getsockname(fd, addr, len);
	if (r == 0 && v6_sock(fd))
		show_v4(addr, cap, len);
	return r;
}

/* Whether IPv6 address a loses itself in its IPv4 form (everything but an
 * IPv4-mapped address). */
static bool lossy(const struct in6_addr *a)
{
	return !IN6_IS_ADDR_V4MAPPED(a);
}

ssize_t sb_slirp_recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr,
			  socklen_t *len)
{
	socklen_t cap = len ? *len : 0;
	ssize_t r = recvfrom(fd, buf, n, flags, addr, len);
	struct slirphooks_v6_sock *s;
	if (r < 0 || !addr || !len || !(s = v6_sock(fd)))
		return r;
	if (cap >= sizeof(struct sockaddr_in6) && *len >= sizeof(struct sockaddr_in6) &&
	    addr->sa_family == AF_INET6) {
		struct sockaddr_in6 p;
		memcpy(&p, addr, sizeof(p));
		if (lossy(&p.sin6_addr)) { /* kept: its IPv4 form cannot say where it is */
			s->peer[s->next] = p;
			s->next = (s->next + 1) % SLIRPHOOKS_V6_PEERS;
		}
	}
	show_v4(addr, cap, len);
	return r;
}

/* Where an IPv4 destination libslirp gives a registered socket really is. */
static void v6_destination(const struct slirphooks_v6_sock *s, const struct sockaddr_in *to,
			   struct sockaddr_in6 *out)
{
	uint32_t a = ntohl(to->sin_addr.s_addr);
	*out = (struct sockaddr_in6){.sin6_family = AF_INET6, .sin6_port = to->sin_port};
	if (a == INADDR_ANY || a >> 24 == 127) { /* maybe an IPv6 peer's stand-in */
		for (unsigned k = 1; k <= SLIRPHOOKS_V6_PEERS; k++) { /* newest first */
			const struct sockaddr_in6 *p =
			    &s->peer[(s->next + SLIRPHOOKS_V6_PEERS - k) % SLIRPHOOKS_V6_PEERS];
			if (p->sin6_family == AF_INET6 && p->sin6_port == to->sin_port) {
				*out = *p;
				return;
			}
		}
		if (!s->dual) {
			out->sin6_addr = in6addr_loopback;
			return;
		}
	}
	out->sin6_addr.s6_addr[10] = out->sin6_addr.s6_addr[11] = 0xff; /* ::ffff:a.b.c.d */
	memcpy(&out->sin6_addr.s6_addr[12], &to->sin_addr, 4);
}

ssize_t sb_slirp_sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
			socklen_t len)
{
	const struct slirphooks_v6_sock *s;
	if (addr && len >= sizeof(struct sockaddr_in) && addr->sa_family == AF_INET &&
	    (s = v6_sock(fd))) {
		struct sockaddr_in to;
		struct sockaddr_in6 dst;
		memcpy(&to, addr, sizeof(to));
		v6_destination(s, &to, &dst);
		return sendto(fd, buf, n, flags, (const struct sockaddr *)&dst, sizeof(dst));
	}
	return sendto(fd, buf, n, flags, addr, len);
}

int slirphooks_last_bound(void)
{
	return last_bound;
}

void slirphooks_forget_bound(void)
{
	last_bound = -1;
}

static void on_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	(void)level;
	(void)data;
	atomic_fetch_add(&log_count, 1);
	pthread_mutex_lock(&log_lock);
	snprintf(log_last, sizeof(log_last), "%s: %s", domain ? domain : "glib", msg ? msg : "");
	pthread_mutex_unlock(&log_lock);
}

static void log_install(void)
{
	g_log_set_default_handler(on_log, NULL);
}

void slirphooks_log_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, log_install);
}

uint64_t slirphooks_log_count(void)
{
	return atomic_load(&log_count);
}

void slirphooks_log_last(char *buf, size_t len)
{
	pthread_mutex_lock(&log_lock);
	snprintf(buf, len, "%s", log_last);
	pthread_mutex_unlock(&log_lock);
}
