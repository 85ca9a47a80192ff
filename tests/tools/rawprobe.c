/* rawprobe: try to reach a TCP port on the host's loopback from a guest, by every encoding. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: rawprobe probe [-i IF] [-t SECS] PORT\n"
    "       rawprobe listen [-t SECS] PORT\n"
    "probe (in the guest): tries to open a TCP connection to PORT on the host's\n"
    "loopback through every encoding it knows: plain connect() to each address,\n"
    "then hand-built Ethernet frames (AF_PACKET on IF, default eth0): TCP SYNs\n"
    "with IP options, fragments, odd flags, bad headers, IPv6 extension headers,\n"
    "and a UDP datagram (payload: the attempt's name) to each raw destination.\n"
    "It waits SECS (default 4) for answers and prints one line per attempt:\n"
    "  NAME reached|refused|silent [DETAIL]\n"
    "reached: connected, or a SYN-ACK came back; refused: an error, RST or ICMP\n"
    "unreachable came back (for connect(), the guest's own stack may be the one\n"
    "refusing); silent: nothing came back. Exit 0 when nothing reached, 1 when\n"
    "something did, 2 on its own failures (a frame that could not be sent\n"
    "included).\n"
    "listen (on the host): accepts TCP connections on 0.0.0.0:PORT and [::]:PORT\n"
    "and takes UDP datagrams on the same (so every loopback address) for SECS\n"
    "(default 60); prints `listening` once ready, `accepted LOCAL from PEER` per\n"
    "connection, `datagram from PEER: NAME` per datagram (NAME: the attempt\n"
    "that sent it) and `listener: done` at the end; exit 0.\n";

#define MAX_TRIES 160
#define SPORT_BASE 61100 /* above Linux's ephemeral ports (32768-60999) */

/* One attempt and what came back. */
struct
try {
	char name[96];
	int fd; /* connect() attempts: the socket; raw ones: -1 */
	int reached, refused, unsent;
	char detail[48];
};
static struct try tries[MAX_TRIES];
static unsigned ntries;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct try *new_try(const char *fmt, const char *a)
{
	if (ntries == MAX_TRIES) {
		fprintf(stderr, "rawprobe: too many attempts\n");
		exit(2);
	}
	struct try *t = &tries[ntries++];
	snprintf(t->name, sizeof(t->name), fmt, a);
	t->fd = -1;
	return t;
}

/* --- listen ------------------------------------------------------------ */

static int listen_on(int family, int type, uint16_t port)
{
	struct sockaddr_storage ss = {0};
	socklen_t len;
	int one = 1, fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		len = sizeof(*s);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		port = ntohs(s->sin_port);
		snprintf(buf, len, "%s:%u", a, port);
	} else {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		port = ntohs(s->sin6_port);
		snprintf(buf, len, "[%s]:%u", a, port);
	}
}

/* One datagram on fd: printed with its sender and its payload (the name of
 * the attempt that sent it). */
static void take_datagram(int fd)
{
	char buf[128], ps[80];
	struct sockaddr_storage peer;
	socklen_t pl = sizeof(peer);
	ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT, (struct sockaddr *)&peer, &pl);
	if (n < 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	addr_str(&peer, ps, sizeof(ps));
	printf("datagram from %s: %s\n", ps, buf);
}

static void take_connection(int fd)
{
	struct sockaddr_storage peer, local;
	socklen_t pl = sizeof(peer), ll = sizeof(local);
	int c = accept(fd, (struct sockaddr *)&peer, &pl);
	if (c < 0)
		return;
	char ps[80], ls[80];
	getsockname(c, (struct sockaddr *)&local, &ll);
	addr_str(&local, ls, sizeof(ls));
	addr_str(&peer, ps, sizeof(ps));
	printf("accepted %s from %s\n", ls, ps);
	close(c);
}

static int cmd_listen(uint16_t port, int secs)
{
	struct pollfd p[4] = {{.fd = listen_on(AF_INET, SOCK_STREAM, port), .events = POLLIN},
			      {.fd = listen_on(AF_INET6, SOCK_STREAM, port), .events = POLLIN},
			      {.fd = listen_on(AF_INET, SOCK_DGRAM, port), .events = POLLIN},
			      {.fd = listen_on(AF_INET6, SOCK_DGRAM, port), .events = POLLIN}};

	if (p[0].fd < 0 || p[2].fd < 0) {
		fprintf(stderr, "rawprobe: listen on 0.0.0.0:%u: %s\n", port, strerror(errno));
		return 2;
	}
	if (p[1].fd < 0 || p[3].fd < 0) /* a host without IPv6: say so, keep IPv4 */
		printf("no IPv6 listener: %s\n", strerror(errno));
	printf("listening\n");
	fflush(stdout);
	uint64_t end = now_ms() + (uint64_t)secs * 1000;
	for (uint64_t t; (t = now_ms()) < end;) {
		if (poll(p, 4, (int)(end - t)) <= 0)
			continue;
		for (int i = 0; i < 4; i++)
			if (p[i].revents & POLLIN)
				i < 2 ? take_connection(p[i].fd) : take_datagram(p[i].fd);
		fflush(stdout);
	}
	printf("listener: done\n");
	return 0;
}

/* --- plain connect() ----------------------------------------------------- */

static void connect_start(const char *addr, uint16_t port, unsigned ifindex)
{
	struct try *t = new_try("connect:%s", addr);
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;

	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		len = sizeof(*s4);
	} else {
		char a[INET6_ADDRSTRLEN];
		snprintf(a, sizeof(a), "%.*s", (int)strcspn(addr, "%"), addr);
		if (inet_pton(AF_INET6, a, &s6->sin6_addr) != 1) {
			fprintf(stderr, "rawprobe: bad address %s\n", addr);
			exit(2);
		}
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (strchr(addr, '%'))
			s6->sin6_scope_id = ifindex;
		len = sizeof(*s6);
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)) {
		t->refused = 1;
		snprintf(t->detail, sizeof(t->detail), "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	t->fd = fd;
}

/* Wait for the connect() attempts: until each has an answer or end_ms. */
static void connect_wait(uint64_t end_ms)
{
	for (uint64_t t; (t = now_ms()) < end_ms;) {
		struct pollfd p[MAX_TRIES];
		unsigned map[MAX_TRIES], n = 0;
		for (unsigned i = 0; i < ntries; i++)
			if (tries[i].fd >= 0) {
				p[n] = (struct pollfd){.fd = tries[i].fd, .events = POLLOUT};
				map[n++] = i;
			}
		if (!n || poll(p, n, (int)(end_ms - t)) <= 0)
			continue;
		for (unsigned k = 0; k < n; k++) {
			if (!p[k].revents)
				continue;
			struct try *tr = &tries[map[k]];
			int e = 0;
			socklen_t el = sizeof(e);
			getsockopt(tr->fd, SOL_SOCKET, SO_ERROR, &e, &el);
			if (e) {
				tr->refused = 1;
				snprintf(tr->detail, sizeof(tr->detail), "%s", strerror(e));
			} else {
				tr->reached = 1;
			}
			close(tr->fd);
			tr->fd = -1;
		}
	}
}

/* --- frames -------------------------------------------------------------- */

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10
#define F_URG 0x20

struct link {
	int fd;
	unsigned ifindex;
	uint8_t mac[6], gw_mac[6];
	uint8_t src4[4];
	uint8_t src6[16];
	uint16_t port;
};

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A 20-byte TCP header for sport -> port with flags, checksummed against the
 * pseudo header of src/dst (alen 4 or 16). */
static void tcp_build(uint8_t *tcp, uint16_t sport, uint16_t dport, uint8_t flags,
		      const uint8_t *src, const uint8_t *dst, size_t alen)
{
	memset(tcp, 0, 20);
	put16(tcp, sport);
	put16(tcp + 2, dport);
	tcp[4] = 0x5a; /* sequence number: anything */
	if (flags & F_ACK)
		tcp[11] = 1;
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put16(tcp + 14, 64240);
	uint32_t s = sum16(src, alen, 0);
	s = sum16(dst, alen, s);
	s += 6 + 20;
	put16(tcp + 16, fold(sum16(tcp, 20, s)));
}

static void eth_build(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, type);
}

static int send_frame(const struct link *l, const uint8_t *f, size_t len, struct try *t)
{
	struct sockaddr_ll a = {
	    .sll_family = AF_PACKET, .sll_ifindex = (int)l->ifindex, .sll_halen = 6};
	memcpy(a.sll_addr, f, 6);
	if (sendto(l->fd, f, len, 0, (struct sockaddr *)&a, sizeof(a)) < 0) {
		snprintf(t->detail, sizeof(t->detail), "not sent: %s", strerror(errno));
		t->unsent = 1;
		return -1;
	}
	return 0;
}

/* How an IPv4 attempt bends the rules. */
struct v4opts {
	const uint8_t *dst_mac; /* NULL: the gateway's */
	uint16_t ethertype;	/* 0: IPv4 */
	const uint8_t *ipopt;	/* IP options (a multiple of 4 bytes) */
	size_t ipoptlen;
	uint8_t ttl;   /* 0: 64 */
	uint8_t flags; /* TCP flags; 0: SYN */
	uint16_t frag; /* ORed into the flags/offset field */
	int ihl;       /* 0: computed; else this IHL (lies) */
	int bad_csum;  /* wrong IP header checksum */
	int vlan;      /* an 802.1Q tag before the IP header */
	int split;     /* 1: two fragments (8 + 12 bytes of TCP); 2: overlapping */
};

/* id: the attempt's source port, so that no two attempts share a reassembly queue */
static void ip4_header(uint8_t *ip, size_t hl, size_t tot, uint16_t id, uint16_t frag, uint8_t ttl,
		       const uint8_t *src, const uint8_t *dst, const struct v4opts *o)
{
	memset(ip, 0, 20);
	ip[0] = (uint8_t)(0x40 | (o->ihl ? o->ihl : (int)(hl / 4)));
	put16(ip + 2, (uint16_t)tot);
	put16(ip + 4, id);
	put16(ip + 6, frag);
	ip[8] = ttl;
	ip[9] = 6;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	if (o->ipoptlen)
		memcpy(ip + 20, o->ipopt, o->ipoptlen);
	put16(ip + 10, (uint16_t)(fold(sum16(ip, hl, 0)) ^ (o->bad_csum ? 0x5555 : 0)));
}

/* One IPv4 SYN (or two fragments) to dst as attempt t, from source port sport. */
static void send4(const struct link *l, struct try *t, uint16_t sport, const uint8_t *dst,
		  const struct v4opts *o)
{
	uint8_t f[256], tcp[20];
	size_t hl = 20 + o->ipoptlen, off = 14 + (o->vlan ? 4 : 0);
	uint8_t ttl = o->ttl ? o->ttl : 64;
	uint16_t type = o->ethertype ? o->ethertype : 0x0800;

	tcp_build(tcp, sport, l->port, o->flags ? o->flags : F_SYN, l->src4, dst, 4);
	eth_build(f, o->dst_mac ? o->dst_mac : l->gw_mac, l->mac, o->vlan ? 0x8100 : type);
	if (o->vlan) {
		put16(f + 14, 1);
		put16(f + 16, type);
	}
	if (!o->split) {
		ip4_header(f + off, hl, hl + 20, sport, o->frag, ttl, l->src4, dst, o);
		memcpy(f + off + hl, tcp, 20);
		send_frame(l, f, off + hl + 20, t);
		return;
	}
	/* fragments: [0, 8) with MF, then [8, 20) at offset 1 */
	uint8_t first[20];
	memcpy(first, tcp, 20);
	if (o->split == 2) /* overlap: the first piece says ACK, the second SYN */
		tcp_build(first, sport, l->port, F_ACK, l->src4, dst, 4);
	size_t n1 = o->split == 2 ? 16 : 8;
	ip4_header(f + off, hl, hl + n1, sport, 0x2000, ttl, l->src4, dst, o);
	memcpy(f + off + hl, first, n1);
	if (send_frame(l, f, off + hl + n1, t) < 0)
		return;
	ip4_header(f + off, hl, hl + 12, sport, 1, ttl, l->src4, dst, o);
	memcpy(f + off + hl, tcp + 8, 12);
	send_frame(l, f, off + hl + 12, t);
}

/* How an IPv6 attempt bends the rules. */
struct v6opts {
	const uint8_t *ext;	  /* extension headers, ext[0] = the first one's type */
	size_t extlen;		  /* their bytes (after the type byte) */
	uint8_t hops;		  /* 0: 64 */
	uint8_t flags;		  /* TCP flags; 0: SYN */
	const uint8_t *final_dst; /* for the checksum (routing header): else dst */
};

static void send6(const struct link *l, struct try *t, uint16_t sport, const uint8_t *dst,
		  const struct v6opts *o)
{
	uint8_t f[256], *ip = f + 14;
	size_t ext = o->ext ? o->extlen : 0;

	eth_build(f, l->gw_mac, l->mac, 0x86dd);
	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)(ext + 20));
	ip[6] = o->ext ? o->ext[0] : 6;
	ip[7] = o->hops ? o->hops : 64;
	memcpy(ip + 8, l->src6, 16);
	memcpy(ip + 24, dst, 16);
	if (ext)
		memcpy(ip + 40, o->ext + 1, ext);
	tcp_build(ip + 40 + ext, sport, l->port, o->flags ? o->flags : F_SYN, l->src6,
		  o->final_dst ? o->final_dst : dst, 16);
	send_frame(l, f, 14 + 40 + ext + 20, t);
}

/* A UDP datagram carrying t's name to dst (alen 4 or 16) from sport: the
 * listener prints the name of whatever reaches it. */
static void send_udp(const struct link *l, struct try *t, uint16_t sport, const uint8_t *dst,
		     size_t alen)
{
	uint8_t f[256], *ip = f + 14, *udp;
	size_t plen = strlen(t->name), ulen = 8 + plen, hl = alen == 4 ? 20 : 40;
	const uint8_t *src = alen == 4 ? l->src4 : l->src6;

	eth_build(f, l->gw_mac, l->mac, alen == 4 ? 0x0800 : 0x86dd);
	memset(ip, 0, hl);
	if (alen == 4) {
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(hl + ulen));
		put16(ip + 4, sport);
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		put16(ip + 10, fold(sum16(ip, 20, 0)));
	} else {
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)ulen);
		ip[6] = 17;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
	}
	udp = ip + hl;
	put16(udp, sport);
	put16(udp + 2, l->port);
	put16(udp + 4, (uint16_t)ulen);
	put16(udp + 6, 0);
	memcpy(udp + 8, t->name, plen);
	uint32_t sum = sum16(dst, alen, sum16(src, alen, 0)) + 17 + (uint32_t)ulen;
	uint16_t c = fold(sum16(udp, ulen, sum));
	put16(udp + 6, c ? c : 0xffff);
	send_frame(l, f, 14 + hl + ulen, t);
}

/* --- what comes back ------------------------------------------------------ */

static struct try *by_sport(uint16_t sport)
{
	if (sport < SPORT_BASE || sport >= SPORT_BASE + MAX_TRIES)
		return NULL;
	struct try *t = &tries[sport - SPORT_BASE];
	return t < &tries[ntries] && !strncmp(t->name, "raw", 3) ? t : NULL;
}

/* A TCP segment to us (dport = an attempt's port): SYN-ACK or RST. */
static void note_tcp(const uint8_t *tcp, size_t len, const char *from)
{
	if (len < 14)
		return;
	struct try *t = by_sport((uint16_t)(tcp[2] << 8 | tcp[3]));
	if (!t)
		return;
	if ((tcp[13] & (F_SYN | F_ACK)) == (F_SYN | F_ACK)) {
		t->reached = 1;
		snprintf(t->detail, sizeof(t->detail), "SYN-ACK from %s", from);
	} else if (tcp[13] & F_RST && !t->reached) {
		t->refused = 1;
		snprintf(t->detail, sizeof(t->detail), "RST from %s", from);
	}
}

/* An ICMP error quoting one of our SYNs (inner: the quoted IP header). */
static void note_icmp(const uint8_t *inner, size_t len, int v6, const char *from)
{
	size_t hl = v6 ? 40 : (size_t)(inner[0] & 15) * 4;
	uint8_t proto = v6 ? inner[6] : inner[9];
	if (len < hl + 4 || (proto != 6 && proto != 17))
		return;
	struct try *t = by_sport((uint16_t)(inner[hl] << 8 | inner[hl + 1]));
	if (t && !t->reached) {
		t->refused = 1;
		snprintf(t->detail, sizeof(t->detail), "ICMP error from %s", from);
	}
}

static void note_frame(const uint8_t *f, size_t len)
{
	char from[INET6_ADDRSTRLEN];
	if (len < 14 + 20)
		return;
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
	const uint8_t *ip = f + 14;
	len -= 14;
	if (type == 0x0800 && ip[0] >> 4 == 4) {
		size_t hl = (size_t)(ip[0] & 15) * 4;
		if (hl < 20 || len < hl)
			return;
		inet_ntop(AF_INET, ip + 12, from, sizeof(from));
		if (ip[9] == 6)
			note_tcp(ip + hl, len - hl, from);
		else if (ip[9] == 1 && len >= hl + 8 + 20 && ip[hl] == 3)
			note_icmp(ip + hl + 8, len - hl - 8, 0, from);
	} else if (type == 0x86dd && len >= 40 && ip[0] >> 4 == 6) {
		inet_ntop(AF_INET6, ip + 8, from, sizeof(from));
		if (ip[6] == 6)
			note_tcp(ip + 40, len - 40, from);
		else if (ip[6] == 58 && len >= 48 + 40 && ip[40] == 1)
			note_icmp(ip + 48, len - 48, 1, from);
	}
}

static void listen_raw(const struct link *l, uint64_t end_ms)
{
	uint8_t f[70000];
	for (uint64_t t; (t = now_ms()) < end_ms;) {
		struct pollfd p = {.fd = l->fd, .events = POLLIN};
		if (poll(&p, 1, (int)(end_ms - t)) <= 0)
			continue;
		struct sockaddr_ll a;
		socklen_t al = sizeof(a);
		ssize_t n = recvfrom(l->fd, f, sizeof(f), MSG_DONTWAIT, (struct sockaddr *)&a, &al);
		if (n > 0 && a.sll_pkttype != PACKET_OUTGOING)
			note_frame(f, (size_t)n);
	}
}

/* --- the guest's own addresses ------------------------------------------ */

static int link_open(struct link *l, const char *ifname)
{
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	l->ifindex = if_nametoindex(ifname);
	l->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(0x0003 /* ETH_P_ALL */));
	if (!l->ifindex || l->fd < 0)
		return -1;
	struct sockaddr_ll a = {
	    .sll_family = AF_PACKET, .sll_protocol = htons(0x0003), .sll_ifindex = (int)l->ifindex};
	if (bind(l->fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    ioctl(l->fd, SIOCGIFHWADDR, &ifr) < 0)
		return -1;
	memcpy(l->mac, ifr.ifr_hwaddr.sa_data, 6);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	inet_pton(AF_INET, "10.0.2.15", l->src4);
	if (s >= 0 && ioctl(s, SIOCGIFADDR, &ifr) == 0)
		memcpy(l->src4, &((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr, 4);
	if (s >= 0)
		close(s);
	return 0;
}

/* The gateway's MAC from the ARP cache (the connect() attempts filled it),
 * else libslirp's (52:55 and the address); the guest's IPv6 address on
 * ifname: global first, else link-local, else fec0::15. */
/* The best usable IPv6 address of ifname into l->src6: 2 global or site, 1
 * link-local, 0 none (src6 untouched). Tentative or failed ones skipped. */
static int src6_pick(struct link *l, const char *ifname)
{
	char line[256], dev[64], hex[33];
	unsigned scope, flags;
	int best = 0;
	FILE *f = fopen("/proc/net/if_inet6", "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%32s %*x %*x %x %x %63s", hex, &scope, &flags, dev) != 4 ||
		    strcmp(dev, ifname) || flags & 0x48 /* IFA_F_TENTATIVE, IFA_F_DADFAILED */)
			continue;
		/* scope: 0x10 host, 0x20 link; global (0) and site-local (0x40, fec0::) rank first
		 */
		int rank = scope == 0x10 ? 0 : scope == 0x20 ? 1 : 2;
		if (rank <= best)
			continue;
		best = rank;
		for (int i = 0; i < 16; i++)
			sscanf(hex + 2 * i, "%2hhx", &l->src6[i]);
	}
	if (f)
		fclose(f);
	return best;
}

static void link_neighbours(struct link *l, const char *ifname)
{
	static const uint8_t slirp_gw[6] = {0x52, 0x55, 10, 0, 2, 2};
	char line[256], ip[64], hw[64], dev[64];
	memcpy(l->gw_mac, slirp_gw, 6);
	FILE *f = fopen("/proc/net/arp", "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %*s %*s %63s %*s %63s", ip, hw, dev) == 3 &&
		    !strcmp(ip, "10.0.2.2") && !strcmp(dev, ifname))
			sscanf(hw, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &l->gw_mac[0], &l->gw_mac[1],
			       &l->gw_mac[2], &l->gw_mac[3], &l->gw_mac[4], &l->gw_mac[5]);
	if (f)
		fclose(f);
	inet_pton(AF_INET6, "fec0::15", l->src6);
	/* with IPv6 on, wait (up to 5 s) for a global address past DAD: a
	 * source the guest does not own gets no neighbour answer, so libslirp's
	 * replies to it would never arrive */
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	f = fopen(path, "re");
	int v6on = f && fgetc(f) == '0';
	if (f)
		fclose(f);
	for (uint64_t end = now_ms() + 5000;; usleep(100000)) {
		if (src6_pick(l, ifname) == 2 || !v6on || now_ms() > end)
			break;
	}
}

/* --- the attempts --------------------------------------------------------- */

static const char *const connect_addrs[] = {
    "10.0.2.2",
    "127.0.0.1",
    "127.1.2.3",
    "0.0.0.0",
    "0.1.2.3",
    "10.0.2.255",
    "255.255.255.255",
    "10.0.2.3",
    "::1",
    "::",
    "::ffff:127.0.0.1",
    "::127.0.0.1",
    "::ffff:0:127.0.0.1",
    "64:ff9b::7f00:1",
    "64:ff9b:1::7f00:1",
    "2002:7f00:1::1",
    "fec0::2",
    "fec0::1234",
    "fe80::2%if",
    "ff02::1%if",
};

/* IPv4 destinations that are, or map to, the host's loopback. */
static const char *const raw4_addrs[] = {
    "10.0.2.2",	  "127.0.0.1",	     "127.1.2.3", "0.0.0.0",  "0.1.2.3",
    "10.0.2.255", "255.255.255.255", "10.0.2.3",  "10.0.2.4", "224.0.0.1",
};

static const char *const raw6_addrs[] = {
    "::1",
    "::",
    "::ffff:127.0.0.1",
    "::127.0.0.1",
    "::ffff:0:127.0.0.1",
    "64:ff9b::7f00:1",
    "64:ff9b:1::7f00:1",
    "2002:7f00:1::1",
    "2002:0:1::1",
    "fec0::2",
    "fec0::1234",
    "fec0::3",
    "fe80::2",
    "ff02::1",
    "ff02::2",
};

static void raw4_tries(struct link *l, const char *a, int tricks)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t bogus[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
	static const uint8_t nops[4] = {1, 1, 1, 0};
	uint8_t lsrr[12] = {1, 131, 11, 4}, ra[4] = {148, 4, 0, 0}, dst[4], lo[4];
	inet_pton(AF_INET, a, dst);
	inet_pton(AF_INET, "127.0.0.1", lo);
	memcpy(lsrr + 4, lo, 4); /* loose source route through 127.0.0.1 */
	memcpy(lsrr + 8, lo, 4);
	struct {
		const char *name;
		struct v4opts o;
	} v[] = {
	    {"syn", {0}},
	    {"ipopt-nop", {.ipopt = nops, .ipoptlen = 4}},
	    {"ipopt-lsrr-127", {.ipopt = lsrr, .ipoptlen = 12}},
	    {"ipopt-router-alert", {.ipopt = ra, .ipoptlen = 4}},
	    {"frag-first", {.frag = 0x2000}},
	    {"frag-pair", {.split = 1}},
	    {"frag-overlap-ack-then-syn", {.split = 2}},
	    {"frag-offset-only", {.frag = 0x0001}},
	    {"df", {.frag = 0x4000}},
	    {"evil-bit", {.frag = 0x8000}},
	    {"ttl1", {.ttl = 1}},
	    {"dstmac-bcast", {.dst_mac = bcast}},
	    {"dstmac-bogus", {.dst_mac = bogus}},
	    {"ihl4", {.ihl = 4}},
	    {"ihl15", {.ihl = 15}},
	    {"bad-ip-csum", {.bad_csum = 1}},
	    {"vlan", {.vlan = 1}},
	    {"ethertype-ipv6", {.ethertype = 0x86dd}},
	    {"syn-fin", {.flags = F_SYN | F_FIN}},
	    {"syn-urg-psh", {.flags = F_SYN | F_URG | F_PSH}},
	    {"syn-rst", {.flags = F_SYN | F_RST}},
	    {"syn-ack", {.flags = F_SYN | F_ACK}},
	};
	unsigned n = tricks ? sizeof(v) / sizeof(v[0]) : 1;
	for (unsigned i = 0; i < n; i++) {
		char fmt[64];
		snprintf(fmt, sizeof(fmt), "raw4:%s:%%s", v[i].name);
		struct try *t = new_try(fmt, a);
		send4(l, t, (uint16_t)(SPORT_BASE + (t - tries)), dst, &v[i].o);
	}
}

static void raw6_tries(struct link *l, const char *a, int tricks)
{
	uint8_t dst[16], lo[16];
	inet_pton(AF_INET6, a, dst);
	inet_pton(AF_INET6, "::1", lo);
	/* type byte, then the header: next header, length, ... */
	uint8_t hbh[9] = {0, 6, 0, 1, 4, 0, 0, 0, 0};	   /* hop-by-hop, PadN */
	uint8_t dopt[9] = {60, 6, 0, 1, 4, 0, 0, 0, 0};	   /* destination options */
	uint8_t frag[9] = {44, 6, 0, 0, 0, 0, 0, 0, 0};	   /* atomic fragment */
	uint8_t frag_mf[9] = {44, 6, 0, 0, 1, 0, 0, 0, 0}; /* first fragment, M=1 */
	uint8_t rh0[25] = {43, 6, 2, 0, 1};		   /* type 0, 1 segment left: ::1 */
	uint8_t rh2[25] = {43, 6, 2, 2, 1};		   /* type 2 (mobile IPv6): ::1 */
	memcpy(rh0 + 9, lo, 16);
	memcpy(rh2 + 9, lo, 16);
	struct {
		const char *name;
		struct v6opts o;
	} v[] = {
	    {"syn", {0}},
	    {"hop-by-hop", {.ext = hbh, .extlen = 8}},
	    {"dest-opts", {.ext = dopt, .extlen = 8}},
	    {"frag-atomic", {.ext = frag, .extlen = 8}},
	    {"frag-first", {.ext = frag_mf, .extlen = 8}},
	    {"rh0-via-lo", {.ext = rh0, .extlen = 24, .final_dst = lo}},
	    {"rh2-home-lo", {.ext = rh2, .extlen = 24, .final_dst = lo}},
	    {"hops1", {.hops = 1}},
	    {"syn-fin", {.flags = F_SYN | F_FIN}},
	    {"syn-ack", {.flags = F_SYN | F_ACK}},
	};
	unsigned n = tricks ? sizeof(v) / sizeof(v[0]) : 1;
	for (unsigned i = 0; i < n; i++) {
		char fmt[64];
		snprintf(fmt, sizeof(fmt), "raw6:%s:%%s", v[i].name);
		struct try *t = new_try(fmt, a);
		frag[7] = frag_mf[7] = (uint8_t)(t - tries); /* identification: one per attempt */
		send6(l, t, (uint16_t)(SPORT_BASE + (t - tries)), dst, &v[i].o);
	}
}

static int cmd_probe(const char *ifname, uint16_t port, int secs)
{
	unsigned ifindex = if_nametoindex(ifname);
	struct link l = {.port = port};

	/* raw attempts first: their source ports are SPORT_BASE + index */
	if (link_open(&l, ifname) < 0) {
		fprintf(stderr, "rawprobe: AF_PACKET on %s: %s\n", ifname, strerror(errno));
		return 2;
	}
	/* one connect() to the gateway first fills the ARP cache */
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in gw = {.sin_family = AF_INET, .sin_port = htons(9)};
	inet_pton(AF_INET, "10.0.2.2", &gw.sin_addr);
	if (s >= 0 && connect(s, (struct sockaddr *)&gw, sizeof(gw)) == 0)
		(void)!write(s, "", 0), usleep(300000);
	if (s >= 0)
		close(s);
	link_neighbours(&l, ifname);
	char a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET, l.src4, a4, sizeof(a4));
	inet_ntop(AF_INET6, l.src6, a6, sizeof(a6));
	printf("rawprobe: from %s and %s, gateway MAC %02x:%02x:%02x:%02x:%02x:%02x\n", a4, a6,
	       l.gw_mac[0], l.gw_mac[1], l.gw_mac[2], l.gw_mac[3], l.gw_mac[4], l.gw_mac[5]);
	for (unsigned i = 0; i < sizeof(raw4_addrs) / sizeof(raw4_addrs[0]); i++)
		raw4_tries(&l, raw4_addrs[i],
			   !strcmp(raw4_addrs[i], "10.0.2.2") ||
			       !strcmp(raw4_addrs[i], "127.0.0.1"));
	for (unsigned i = 0; i < sizeof(raw6_addrs) / sizeof(raw6_addrs[0]); i++)
		raw6_tries(&l, raw6_addrs[i],
			   !strcmp(raw6_addrs[i], "::1") || !strcmp(raw6_addrs[i], "fec0::2"));
	for (unsigned i = 0; i < sizeof(raw4_addrs) / sizeof(raw4_addrs[0]); i++) {
		struct try *t = new_try("rawudp4:%s", raw4_addrs[i]);
		uint8_t d[4];
		inet_pton(AF_INET, raw4_addrs[i], d);
		send_udp(&l, t, (uint16_t)(SPORT_BASE + (t - tries)), d, 4);
	}
	for (unsigned i = 0; i < sizeof(raw6_addrs) / sizeof(raw6_addrs[0]); i++) {
		struct try *t = new_try("rawudp6:%s", raw6_addrs[i]);
		uint8_t d[16];
		inet_pton(AF_INET6, raw6_addrs[i], d);
		send_udp(&l, t, (uint16_t)(SPORT_BASE + (t - tries)), d, 16);
	}
	unsigned nraw = ntries;
	for (unsigned i = 0; i < sizeof(connect_addrs) / sizeof(connect_addrs[0]); i++) {
		char a[64];
		snprintf(a, sizeof(a), "%s", connect_addrs[i]);
		char *pct = strstr(a, "%if");
		if (pct)
			snprintf(pct + 1, sizeof(a) - (size_t)(pct + 1 - a), "%s", ifname);
		connect_start(a, port, ifindex);
	}
	uint64_t end = now_ms() + (uint64_t)secs * 1000;
	connect_wait(end);
	/* the raw replies queued meanwhile, and the late ones */
	listen_raw(&l, now_ms() + 500 > end ? now_ms() + 500 : end);
	close(l.fd);

	int reached = 0;
	unsigned unsent = 0;
	for (unsigned i = 0; i < ntries; i++) {
		struct try *t = &tries[i];
		const char *r = t->reached ? "reached" : t->refused ? "refused" : "silent";
		reached |= t->reached;
		unsent += (unsigned)t->unsent;
		printf("%s %s%s%s\n", t->name, r, t->detail[0] ? " " : "", t->detail);
	}
	if (unsent) { /* a frame that never left proves nothing */
		fprintf(stderr, "rawprobe: %u frames could not be sent\n", unsent);
		return 2;
	}
	printf("rawprobe: %u attempts (%u raw), %s\n", ntries, nraw,
	       reached ? "SOMETHING REACHED" : "nothing reached");
	return reached ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *ifname = "eth0";
	int secs = -1, opt;

	if (argc < 2 || (strcmp(argv[1], "probe") && strcmp(argv[1], "listen"))) {
		fputs(usage, stderr);
		return 2;
	}
	int probe = !strcmp(argv[1], "probe");
	optind = 2;
	while ((opt = getopt(argc, argv, "i:t:")) != -1) {
		if (opt == 'i')
			ifname = optarg;
		else if (opt == 't')
			secs = atoi(optarg);
		else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind + 1 != argc || atoi(argv[optind]) <= 0 || atoi(argv[optind]) > 65535) {
		fputs(usage, stderr);
		return 2;
	}
	uint16_t port = (uint16_t)atoi(argv[optind]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (probe)
		return cmd_probe(ifname, port, secs > 0 ? secs : 4);
	return cmd_listen(port, secs > 0 ? secs : 60);
}
