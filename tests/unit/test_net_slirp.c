/* Unit tests for the network backend, natively: hand-made frames through its rings, real host
 * sockets. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/net.h"
#include "net/netfilter.h"
#include "test_net_frames.h"

#define G "10.0.2.15"
#define GW "10.0.2.2"
#define WAIT_MS 5000 /* an upper bound: every wait ends as soon as its event is seen */

static struct sysfilter filter;
static uint8_t frame[FRAMERING_FRAME_MAX];
static uint16_t probe_id;

/* --- helpers ------------------------------------------------------------ */

static int64_t ms_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* cmocka puts its own SIGSYS handler in for each test: ours again. */
static void arm(void)
{
	struct sb_error err = {0};
	sysfilter_disarm();
	if (sysfilter_arm(-1, &err) < 0)
		fail_msg("sysfilter_arm: %s", err.msg);
}

/* Open and start (under the real seccomp filter) a backend for cfg. */
static struct net_backend *up(const struct net_config *c)
{
	struct net_backend *b;
	struct sb_error err = {0};
	arm();
	int r = net_backend_open(c, &b, &err);
	if (r < 0)
		fail_msg("net_backend_open: %s", err.msg);
	r = net_backend_start(b, &filter, &err);
	if (r < 0)
		fail_msg("net_backend_start: %s", err.msg);
	return b;
}

/* No thread of ours made a call off its allow-list. */
static void down(struct net_backend *b)
{
	int nr;
	enum sysfilter_kind kind;
	net_backend_close(b);
	if (sysfilter_violation(&nr, &kind)) {
		char why[256];
		sysfilter_reason(why, sizeof(why));
		fail_msg("%s", why);
	}
}

static void send_frame(struct net_backend *b, const uint8_t *f, size_t len)
{
	struct iovec iov = {.iov_base = (void *)f, .iov_len = len};
	struct framering *r = net_backend_from_guest(b);
	int64_t end = ms_now() + WAIT_MS;
	while (framering_push(r, &iov, 1, len) == -ENOSPC) {
		struct pollfd p = {.fd = r->space_fd, .events = POLLIN};
		int64_t left = end - ms_now();
		if (left <= 0 || poll(&p, 1, (int)left) != 1)
			fail_msg("from-guest ring stays full");
		framering_ack_space(r);
	}
}

typedef int (*match_fn)(const struct tf_info *in, const void *arg);

/* The next frame for the guest that m accepts (others are dropped, slirp's
 * ARP requests for the guest answered), within WAIT_MS; 0 when none came. */
static int expect(struct net_backend *b, match_fn m, const void *arg, struct tf_info *out)
{
	static const uint8_t mac[6] = TF_GUEST_MAC;
	struct framering *r = net_backend_to_guest(b);
	int64_t end = ms_now() + WAIT_MS;
	for (;;) {
		ssize_t n;
		while ((n = framering_pop(r, frame, sizeof(frame))) > 0) {
			struct tf_info in;
			if (tf_parse(frame, (size_t)n, &in) < 0)
				continue;
			if (in.ethertype == 0x0806 && in.arp_op == 1 && !strcmp(in.dst, G)) {
				uint8_t reply[64];
				uint8_t smac[6];
				memcpy(smac, in.src_mac, 6);
				size_t rl = tf_arp_reply(reply, G, in.src, smac);
				(void)mac;
				send_frame(b, reply, rl);
				continue;
			}
			if (m(&in, arg)) {
				if (out)
					*out = in;
				return 1;
			}
		}
		struct pollfd p = {.fd = r->ready_fd, .events = POLLIN};
		int64_t left = end - ms_now();
		if (left <= 0 || poll(&p, 1, (int)left) != 1)
			return 0;
		framering_ack_ready(r);
	}
}

static int is_icmp_reply(const struct tf_info *in, const void *arg)
{
	const uint16_t *id = arg;
	(void)id;
	return in->ethertype == 0x0800 && in->proto == TF_PROTO_ICMP && in->icmp_type == 0;
}

/* Every frame sent before has been through the backend: a ping of the
 * gateway sent after them has its answer back. */
static void sync_backend(struct net_backend *b)
{
	uint8_t f[128];
	probe_id++;
	send_frame(b, f, tf_icmp4_echo(f, G, GW, probe_id, 1));
	if (!expect(b, is_icmp_reply, &probe_id, NULL))
		fail_msg("no answer to a ping of the gateway");
}

static int tcp_listener(const char *addr, uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	inet_pton(AF_INET, addr, &a.sin_addr);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, 16), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return s;
}

static int udp_socket(const char *addr, uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	inet_pton(AF_INET, addr, &a.sin_addr);
	a.sin_port = htons(*port);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(s);
		return -errno;
	}
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return s;
}

static int readable_within(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms) == 1;
}

static struct net_config base(void)
{
	struct net_config c;
	net_config_default(&c);
	return c;
}

/* --- tests ------------------------------------------------------------- */

static void test_config_errors(void **state)
{
	struct net_backend *b;
	struct sb_error err = {0};
	struct net_config c = base();
	(void)state;
	c.mode = NET_MODE_TAP;
	assert_int_equal(net_backend_open(&c, &b, &err), -ENOTSUP);
	assert_null(b);
	c = base();
	c.mode = NET_MODE_NONE;
	assert_int_equal(net_backend_open(&c, &b, &err), -EINVAL);
	c = base();
	c.mtu = 100;
	assert_int_equal(net_backend_open(&c, &b, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "MTU"));
	c = base();
	struct net_forward f6 = {
	    .proto = NET_PROTO_TCP, .host_addr = "::ffff:127.0.0.1", .guest_port = 80};
	c.fwd = &f6;
	c.nfwd = 1;
	assert_int_equal(net_backend_open(&c, &b, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "::ffff:127.0.0.1"));
	f6.host_addr = "localhost";
	assert_int_equal(net_backend_open(&c, &b, &err), -EINVAL);
	c = base();
	inet_pton(AF_INET, "10.0.3.2", &c.gateway);
	assert_int_equal(net_backend_open(&c, &b, &err), -EINVAL);
	net_backend_close(NULL);
}

static int is_arp_reply_gw(const struct tf_info *in, const void *arg)
{
	(void)arg;
	return in->ethertype == 0x0806 && in->arp_op == 2 && !strcmp(in->src, GW);
}

static void test_arp_and_ping_gateway(void **state)
{
	struct net_config c = base();
	(void)state;
	struct net_backend *b = up(&c);
	uint8_t f[128];
	send_frame(b, f, tf_arp_request(f, G, GW));
	assert_true(expect(b, is_arp_reply_gw, NULL, NULL));
	send_frame(b, f, tf_icmp4_echo(f, G, GW, 7, 1));
	struct tf_info in;
	assert_true(expect(b, is_icmp_reply, NULL, &in));
	assert_string_equal(in.src, GW);
	assert_string_equal(in.dst, G);
	struct net_stats st;
	net_backend_stats(b, &st);
	assert_int_equal(st.from_guest, 2);
	assert_int_equal(st.filtered, 0);
	assert_true(st.to_guest >= 1); /* counted just after the push: the reply may be ahead */
	down(b);
}

struct syn_ack_want {
	const char *src;
	uint16_t sport;
};

static int is_syn_ack(const struct tf_info *in, const void *arg)
{
	const struct syn_ack_want *w = arg;
	return in->proto == TF_PROTO_TCP && (in->flags & (TF_SYN | TF_ACK)) == (TF_SYN | TF_ACK) &&
	       !strcmp(in->src, w->src) && in->sport == w->sport;
}

/* A listener on the host's 127.0.0.1, reached by every encoding we know:
 * nothing connects by default; with allow_host_loopback the gateway does. */
static void test_host_loopback(void **state)
{
	static const char *const encodings[] = {GW, "127.0.0.1", "127.1.2.3", "0.0.0.0", "0.0.0.1"};
	uint16_t port;
	uint8_t f[256];
	(void)state;
	int l = tcp_listener("127.0.0.1", &port);
	struct net_config c = base();
	struct net_backend *b = up(&c);
	for (unsigned i = 0; i < sizeof(encodings) / sizeof(encodings[0]); i++)
		send_frame(b, f,
			   tf_tcp4(f, G, (uint16_t)(41000 + i), encodings[i], port, 1, 0, TF_SYN,
				   NULL, 0));
	/* and over IPv6 (off: the whole family is refused) */
	send_frame(b, f, tf_tcp6(f, "fec0::15", 41100, "::1", port, TF_SYN));
	send_frame(b, f, tf_tcp6(f, "fec0::15", 41101, "::ffff:127.0.0.1", port, TF_SYN));
	sync_backend(b);
	assert_int_equal(accept(l, NULL, NULL), -1);
	assert_int_equal(errno, EAGAIN);
	struct net_stats st;
	net_backend_stats(b, &st);
	assert_int_equal(st.filtered_by[NETFILTER_GATEWAY], 1);
	assert_int_equal(st.filtered_by[NETFILTER_LOOPBACK], 4);
	assert_int_equal(st.filtered_by[NETFILTER_IPV6_OFF], 2);
	down(b);

	/* opted in: the gateway is the host's loopback; 127.0.0.1 itself still is not */
	c.allow_host_loopback = true;
	b = up(&c);
	send_frame(b, f, tf_tcp4(f, G, 42001, "127.0.0.1", port, 1, 0, TF_SYN, NULL, 0));
	send_frame(b, f, tf_tcp4(f, G, 42000, GW, port, 1, 0, TF_SYN, NULL, 0));
	struct syn_ack_want w = {GW, port};
	assert_true(expect(b, is_syn_ack, &w, NULL));
	assert_true(readable_within(l, WAIT_MS));
	int s = accept(l, NULL, NULL);
	assert_true(s >= 0);
	close(s);
	assert_int_equal(accept(l, NULL, NULL), -1); /* only the gateway's */
	down(b);
	close(l);
}

struct syn_want {
	uint16_t dport;
	const char *src; /* NULL: any */
};

static int is_syn_to(const struct tf_info *in, const void *arg)
{
	const struct syn_want *w = arg;
	return in->proto == TF_PROTO_TCP && (in->flags & (TF_SYN | TF_ACK)) == TF_SYN &&
	       !strcmp(in->dst, G) && in->dport == w->dport &&
	       (!w->src || !strcmp(in->src, w->src));
}

static int nb_connect(const char *src, const char *dst, uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	if (src) {
		struct sockaddr_in me = {.sin_family = AF_INET};
		inet_pton(AF_INET, src, &me.sin_addr);
		assert_int_equal(bind(s, (struct sockaddr *)&me, sizeof(me)), 0);
	}
	inet_pton(AF_INET, dst, &a.sin_addr);
	int r = connect(s, (struct sockaddr *)&a, sizeof(a));
	assert_true(r == 0 || errno == EINPROGRESS);
	return s;
}

static int is_data_from_guest(const struct tf_info *in, const void *arg)
{
	(void)arg;
	return in->proto == TF_PROTO_TCP && (in->flags & TF_ACK) && !strcmp(in->dst, G);
}

/* The guest takes the connection syn opened (on its port 80) and sends
 * text; client (the host side) reads exactly that. */
static void guest_answers(struct net_backend *b, const struct tf_info *syn, int client,
			  const char *text)
{
	uint8_t f[256];
	char buf[16] = {0};
	size_t n = strlen(text);
	send_frame(
	    b, f,
	    tf_tcp4(f, G, 80, syn->src, syn->sport, 5000, syn->seq + 1, TF_SYN | TF_ACK, NULL, 0));
	assert_true(expect(b, is_data_from_guest, NULL, NULL)); /* slirp's ACK */
	send_frame(
	    b, f,
	    tf_tcp4(f, G, 80, syn->src, syn->sport, 5001, syn->seq + 1, TF_ACK | 0x08, text, n));
	assert_true(readable_within(client, WAIT_MS));
	assert_int_equal(read(client, buf, sizeof(buf) - 1), (ssize_t)n);
	assert_string_equal(buf, text);
}

/* -p 127.0.0.1:0:80: a host client's connection comes out of the to-guest
 * ring as a SYN for port 80; the guest's answer reaches the client. */
static void test_port_forward_tcp(void **state)
{
	struct net_forward fw = {
	    .proto = NET_PROTO_TCP, .host_addr = "127.0.0.1", .guest_port = 80};
	struct net_config c = base();
	(void)state;
	c.fwd = &fw;
	c.nfwd = 1;
	struct net_backend *b = up(&c);
	uint16_t port = net_backend_host_port(b, 0);
	assert_int_not_equal(port, 0);
	assert_int_equal(net_backend_host_port(b, 1), 0);

	int s = nb_connect(NULL, "127.0.0.1", port);
	struct syn_want w = {80, GW}; /* a loopback client shows as the gateway */
	struct tf_info syn;
	assert_true(expect(b, is_syn_to, &w, &syn));
	guest_answers(b, &syn, s, "hello");
	close(s);
	down(b);
}

/* A client on a non-loopback address of this host: the guest sees that
 * address, not the gateway's. */
static void test_port_forward_real_client_address(void **state)
{
	struct ifaddrs *ifs, *i;
	char addr[INET_ADDRSTRLEN] = "";
	(void)state;
	assert_int_equal(getifaddrs(&ifs), 0);
	for (i = ifs; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		struct in_addr a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		if (ntohl(a.s_addr) >> 24 != 127) {
			inet_ntop(AF_INET, &a, addr, sizeof(addr));
			break;
		}
	}
	freeifaddrs(ifs);
	if (!addr[0])
		skip(); /* SKIP: this host has no non-loopback IPv4 address to connect from */
	struct net_forward fw = {.proto = NET_PROTO_TCP, .guest_port = 8080};
	struct net_config c = base();
	c.fwd = &fw;
	c.nfwd = 1;
	struct net_backend *b = up(&c);
	int s = nb_connect(addr, addr, net_backend_host_port(b, 0));
	struct syn_want w = {8080, addr};
	assert_true(expect(b, is_syn_to, &w, NULL));
	close(s);
	down(b);
}

/* A burst of 100 connections while nobody accepts yet: all complete their
 * handshake in the kernel (backlog SOMAXCONN, not libslirp's 1), then all
 * reach the guest. */
#define BURST 100
static void test_port_forward_burst(void **state)
{
	struct net_forward fw = {
	    .proto = NET_PROTO_TCP, .host_addr = "127.0.0.1", .guest_port = 80};
	struct net_config c = base();
	struct net_backend *b;
	struct sb_error err = {0};
	int s[BURST];
	(void)state;
	c.fwd = &fw;
	c.nfwd = 1;
	assert_int_equal(net_backend_open(&c, &b, &err), 0);
	uint16_t port = net_backend_host_port(b, 0);
	for (int i = 0; i < BURST; i++)
		s[i] = nb_connect(NULL, "127.0.0.1", port);
	int connected = 0;
	int64_t end = ms_now() + WAIT_MS;
	for (int i = 0; i < BURST; i++) {
		struct pollfd p = {.fd = s[i], .events = POLLOUT};
		int64_t left = end - ms_now();
		int e = 0;
		socklen_t el = sizeof(e);
		if (poll(&p, 1, left > 0 ? (int)left : 0) == 1 &&
		    getsockopt(s[i], SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0)
			connected++;
	}
	assert_int_equal(connected, BURST);
	arm();
	assert_int_equal(net_backend_start(b, &filter, &err), 0);
	uint8_t seen[65536 / 8] = {0};
	int syns = 0;
	struct syn_want w = {80, GW};
	struct tf_info in;
	while (syns < BURST && expect(b, is_syn_to, &w, &in)) {
		if (!(seen[in.sport / 8] & (1u << (in.sport % 8))))
			syns++;
		seen[in.sport / 8] |= (uint8_t)(1u << (in.sport % 8));
	}
	assert_int_equal(syns, BURST);
	for (int i = 0; i < BURST; i++)
		close(s[i]);
	down(b);
}

struct udp_want {
	const char *src, *dst;
	uint16_t dport;
	const char *data;
};

static int is_udp(const struct tf_info *in, const void *arg)
{
	const struct udp_want *w = arg;
	return in->proto == TF_PROTO_UDP && !strcmp(in->src, w->src) && !strcmp(in->dst, w->dst) &&
	       in->dport == w->dport && in->len == strlen(w->data) &&
	       !memcmp(in->data, w->data, in->len);
}

/* -p 127.0.0.1:0:5353/udp: a datagram in, the guest's reply out to that
 * client; from the same guest port, nothing to another host-loopback port. */
static void test_port_forward_udp(void **state)
{
	struct net_forward fw = {
	    .proto = NET_PROTO_UDP, .host_addr = "127.0.0.1", .guest_port = 5353};
	struct net_config c = base();
	(void)state;
	c.fwd = &fw;
	c.nfwd = 1;
	struct net_backend *b = up(&c);
	uint16_t port = net_backend_host_port(b, 0), cport = 0, oport = 0;
	assert_int_not_equal(port, 0);
	int cl = udp_socket("127.0.0.1", &cport);
	int other = udp_socket("127.0.0.1", &oport); /* a host loopback service */
	assert_true(cl >= 0 && other >= 0);
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	assert_int_equal(sendto(cl, "ping", 4, 0, (struct sockaddr *)&to, sizeof(to)), 4);
	struct udp_want w = {GW, G, 5353, "ping"};
	struct tf_info in;
	assert_true(expect(b, is_udp, &w, &in));
	assert_int_equal(in.sport, cport);
	uint8_t f[256];
	send_frame(b, f, tf_udp4(f, G, 5353, GW, oport, "sneak", 5));
	send_frame(b, f, tf_udp4(f, G, 5354, GW, cport, "sneak", 5));
	send_frame(b, f, tf_udp4(f, G, 5353, GW, cport, "pong", 4));
	assert_true(readable_within(cl, WAIT_MS));
	char buf[16] = {0};
	assert_int_equal(recv(cl, buf, sizeof(buf), MSG_DONTWAIT), 4);
	assert_string_equal(buf, "pong");
	sync_backend(b);
	assert_int_equal(recv(other, buf, sizeof(buf), MSG_DONTWAIT), -1);
	assert_int_equal(recv(cl, buf, sizeof(buf), MSG_DONTWAIT), -1);
	struct net_stats st;
	net_backend_stats(b, &st);
	assert_int_equal(st.filtered_by[NETFILTER_GATEWAY], 2);
	close(cl);
	close(other);
	down(b);
}

/* --- IPv6 listeners in front of the IPv4 guest ------------------------ */

/* [::1]:port */
static struct sockaddr_in6 loop6(uint16_t port)
{
	return (struct sockaddr_in6){
	    .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT, .sin6_port = htons(port)};
}

/* This host has ::1 (the kernel's IPv6 is on). */
static int have_v6_loopback(void)
{
	struct sockaddr_in6 a = loop6(0);
	int s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ok = s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (s >= 0)
		close(s);
	return ok;
}

static int v6_socket(int type, uint16_t port, uint16_t *bound)
{
	struct sockaddr_in6 a = loop6(port);
	socklen_t len = sizeof(a);
	int s = socket(AF_INET6, type | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	*bound = ntohs(a.sin6_port);
	return s;
}

static int nb_connect6(uint16_t port)
{
	struct sockaddr_in6 a = loop6(port);
	int s = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	int r = connect(s, (struct sockaddr *)&a, sizeof(a));
	assert_true(r == 0 || errno == EINPROGRESS);
	return s;
}

/* -p [::1]:0:80: an IPv6 client's connection reaches the IPv4 guest as an
 * IPv4 SYN from the gateway, and the guest's bytes reach the client. */
static void test_port_forward_tcp6(void **state)
{
	(void)state;
	if (!have_v6_loopback())
		skip(); /* SKIP: this host has no ::1 */
	struct net_forward fw = {.proto = NET_PROTO_TCP, .host_addr = "::1", .guest_port = 80};
	struct net_config c = base();
	c.fwd = &fw;
	c.nfwd = 1;
	struct net_backend *b = up(&c);
	uint16_t port = net_backend_host_port(b, 0);
	assert_int_not_equal(port, 0);
	assert_false(net_backend_host_v6(b, 0)); /* that is for "every address" */
	int s = nb_connect6(port);
	struct syn_want w = {80, GW};
	struct tf_info syn;
	assert_true(expect(b, is_syn_to, &w, &syn));
	guest_answers(b, &syn, s, "hi6");
	close(s);
	down(b);
}

/* Two clients' datagrams to a UDP forward reach the guest's port gport from
 * the gateway, each with its client's port; the guest's answer to each gets
 * back to that client. */
static void two_udp_clients(struct net_backend *b, uint16_t gport, const int fd[2],
			    const uint16_t port[2], const struct sockaddr *const to[2],
			    const socklen_t tolen[2])
{
	static const char *const q[2] = {"q1", "q2"}, *const a[2] = {"a1", "a2"};
	uint8_t f[256];
	for (int i = 0; i < 2; i++) {
		struct udp_want w = {GW, G, gport, q[i]};
		struct tf_info in;
		assert_int_equal(sendto(fd[i], q[i], 2, 0, to[i], tolen[i]), 2);
		assert_true(expect(b, is_udp, &w, &in));
		assert_int_equal(in.sport, port[i]);
	}
	for (int i = 0; i < 2; i++)
		send_frame(b, f, tf_udp4(f, G, gport, GW, port[i], a[i], 2));
	for (int i = 0; i < 2; i++) {
		char buf[8] = {0};
		assert_true(readable_within(fd[i], WAIT_MS));
		assert_int_equal(recv(fd[i], buf, sizeof(buf), MSG_DONTWAIT), 2);
		assert_string_equal(buf, a[i]);
	}
}

/* -p [::1]:0:5353/udp: two IPv6 clients' datagrams reach the guest from the
 * gateway with their own source ports; each answer goes back to its client. */
static void test_port_forward_udp6(void **state)
{
	(void)state;
	if (!have_v6_loopback())
		skip(); /* SKIP: this host has no ::1 */
	struct net_forward fw = {.proto = NET_PROTO_UDP, .host_addr = "::1", .guest_port = 5353};
	struct net_config c = base();
	c.fwd = &fw;
	c.nfwd = 1;
	struct net_backend *b = up(&c);
	uint16_t port = net_backend_host_port(b, 0), p[2];
	int fd[2] = {v6_socket(SOCK_DGRAM, 0, &p[0]), v6_socket(SOCK_DGRAM, 0, &p[1])};
	struct sockaddr_in6 to = loop6(port);
	const struct sockaddr *const dst[2] = {(struct sockaddr *)&to, (struct sockaddr *)&to};
	const socklen_t len[2] = {sizeof(to), sizeof(to)};
	two_udp_clients(b, 5353, fd, p, dst, len);
	close(fd[0]);
	close(fd[1]);
	down(b);
}

/* Docker's "every address" (-p 0:80, no IP): one socket on [::] that takes
 * IPv4 and IPv6 clients, TCP and UDP. */
static void test_port_forward_every_address(void **state)
{
	(void)state;
	if (!have_v6_loopback())
		skip(); /* SKIP: this host has no ::1 */
	struct net_forward fw = {.proto = NET_PROTO_TCP, .guest_port = 80};
	struct net_config c = base();
	c.fwd = &fw;
	c.nfwd = 1;
	struct net_backend *b = up(&c);
	uint16_t port = net_backend_host_port(b, 0);
	assert_true(net_backend_host_v6(b, 0));
	int s4 = nb_connect(NULL, "127.0.0.1", port), s6 = nb_connect6(port);
	struct syn_want w = {80, GW};
	struct tf_info a, z;
	assert_true(expect(b, is_syn_to, &w, &a));
	assert_true(expect(b, is_syn_to, &w, &z));
	assert_int_not_equal(a.sport, z.sport);
	close(s4);
	close(s6);
	down(b);

	/* UDP: one socket takes both families, and each answer finds its client */
	struct net_forward fu = {.proto = NET_PROTO_UDP, .guest_port = 53};
	c.fwd = &fu;
	b = up(&c);
	port = net_backend_host_port(b, 0);
	assert_true(net_backend_host_v6(b, 0));
	uint16_t pu[2] = {0, 0};
	int fd[2] = {udp_socket("127.0.0.1", &pu[0]), v6_socket(SOCK_DGRAM, 0, &pu[1])};
	struct sockaddr_in to4 = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct sockaddr_in6 to6 = loop6(port);
	inet_pton(AF_INET, "127.0.0.1", &to4.sin_addr);
	const struct sockaddr *const dst[2] = {(struct sockaddr *)&to4, (struct sockaddr *)&to6};
	const socklen_t len[2] = {sizeof(to4), sizeof(to6)};
	two_udp_clients(b, 53, fd, pu, dst, len);
	close(fd[0]);
	close(fd[1]);
	down(b);
}

/* A port someone holds on IPv6 alone is taken: on [::1] for -p [::1]:P:80,
 * on [::] (V6ONLY) for docker's "every address". */
static void test_port_taken_v6(void **state)
{
	(void)state;
	if (!have_v6_loopback())
		skip(); /* SKIP: this host has no ::1 */
	struct net_forward fw = {.proto = NET_PROTO_TCP, .guest_port = 80};
	struct net_config c = base();
	struct net_backend *b;
	c.fwd = &fw;
	c.nfwd = 1;
	uint16_t held;
	int h = v6_socket(SOCK_STREAM, 0, &held); /* [::1]:held, IPv6 only */
	assert_int_equal(listen(h, 1), 0);
	struct sb_error err = {0};
	fw.host_port = held;
	fw.host_addr = "::1";
	assert_int_equal(net_backend_open(&c, &b, &err), -EADDRINUSE);
	assert_non_null(strstr(err.msg, "[::1]:"));
	close(h);

	/* held on [::] only (V6ONLY): 0.0.0.0 binds, [::] does not */
	struct sockaddr_in6 any = {.sin6_family = AF_INET6};
	socklen_t alen = sizeof(any);
	int one = 1;
	h = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(setsockopt(h, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), 0);
	assert_int_equal(bind(h, (struct sockaddr *)&any, sizeof(any)), 0);
	assert_int_equal(listen(h, 1), 0);
	assert_int_equal(getsockname(h, (struct sockaddr *)&any, &alen), 0);
	fw.host_port = ntohs(any.sin6_port);
	fw.host_addr = NULL;
	assert_int_equal(net_backend_open(&c, &b, &err), -EADDRINUSE);
	char want[32];
	snprintf(want, sizeof(want), "every address, port %u ", fw.host_port);
	assert_non_null(strstr(err.msg, want));
	close(h);
}

/* A taken host port fails net_backend_open, naming the port; a range moves on. */
static void test_port_taken(void **state)
{
	uint16_t port, uport = 0;
	struct net_backend *b;
	struct sb_error err = {0};
	char want[32];
	(void)state;
	int l = tcp_listener("127.0.0.1", &port);
	int u = udp_socket("127.0.0.1", &uport);
	struct net_forward fw[2] = {
	    {.proto = NET_PROTO_TCP, .host_addr = "127.0.0.1", .host_port = port, .guest_port = 80},
	    {.proto = NET_PROTO_UDP,
	     .host_addr = "127.0.0.1",
	     .host_port = uport,
	     .guest_port = 53},
	};
	struct net_config c = base();
	c.fwd = &fw[0];
	c.nfwd = 1;
	assert_int_equal(net_backend_open(&c, &b, &err), -EADDRINUSE);
	snprintf(want, sizeof(want), ":%u ", port);
	assert_non_null(strstr(err.msg, want));
	c.fwd = &fw[1];
	assert_int_equal(net_backend_open(&c, &b, &err), -EADDRINUSE);
	snprintf(want, sizeof(want), ":%u ", uport);
	assert_non_null(strstr(err.msg, want));
	assert_null(strchr(err.msg, '\n'));
	/* a host range (docker's -p 8000-8010:80) skips the taken port: it gets
	 * the next one, or, should that be taken too, fails naming the range */
	if (port < 65535) {
		fw[0].host_port_last = (uint16_t)(port + 1);
		c.fwd = &fw[0];
		int r = net_backend_open(&c, &b, &err);
		if (r == 0) {
			assert_int_equal(net_backend_host_port(b, 0), port + 1);
			net_backend_close(b);
		} else {
			assert_int_equal(r, -EADDRINUSE);
			snprintf(want, sizeof(want), ":%u-%u ", port, port + 1);
			assert_non_null(strstr(err.msg, want));
		}
	}
	close(l);
	close(u);
}

/* The DNS forwarder at 10.0.2.3 asks the upstream from the resolv.conf we
 * name (a fake server on 127.0.0.77:53), under the seccomp filter. */
static void test_dns_forwarder(void **state)
{
	uint16_t port = 53;
	(void)state;
	int srv = udp_socket("127.0.0.77", &port);
	if (srv < 0)
		skip(); /* SKIP: cannot bind 127.0.0.77:53 here (needs root or the port is taken) */
	char path[] = "/tmp/test_net_slirp.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "nameserver 127.0.0.77\n", 22), 22);
	close(fd);
	const char *paths[] = {path};
	struct net_config c = base();
	c.resolv_paths = paths;
	c.nresolv_paths = 1;
	struct net_backend *b = up(&c);
	assert_non_null(strstr(net_backend_dns(b), "127.0.0.77"));
	uint8_t f[256];
	send_frame(b, f, tf_udp4(f, G, 3333, "10.0.2.3", 53, "query", 5));
	assert_true(readable_within(srv, WAIT_MS));
	char buf[16] = {0};
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	assert_int_equal(recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), 5);
	assert_string_equal(buf, "query");
	assert_int_equal(sendto(srv, "answer", 6, 0, (struct sockaddr *)&from, fl), 6);
	struct udp_want w = {"10.0.2.3", G, 3333, "answer"};
	assert_true(expect(b, is_udp, &w, NULL));
	down(b);
	unlink(path);
	close(srv);
}

/* A guest that sends and never reads: its receive ring stays within its
 * bounds, the rest is dropped and counted. */
static void test_flood_bounded(void **state)
{
	struct net_config c = base();
	(void)state;
	c.ring_slots = 8;
	c.ring_bytes = FRAMERING_FRAME_MAX;
	struct net_backend *b = up(&c);
	uint8_t f[128];
	for (unsigned i = 0; i < 2000; i++)
		send_frame(b, f, tf_icmp4_echo(f, G, GW, 9, (uint16_t)i));
	struct framering *from = net_backend_from_guest(b);
	int64_t end = ms_now() + WAIT_MS;
	struct net_stats st;
	do {
		net_backend_stats(b, &st);
		if (st.from_guest == 2000 && !framering_peek(from))
			break;
		struct pollfd p = {.fd = from->space_fd, .events = POLLIN};
		poll(&p, 1, 10); /* bounded re-check while the thread drains the ring */
	} while (ms_now() < end);
	assert_int_equal(st.from_guest, 2000);
	struct framering *to = net_backend_to_guest(b);
	assert_true(to->count <= 8);
	assert_true(st.to_guest_dropped >= 2000 - 8);
	assert_int_equal(st.to_guest + st.to_guest_dropped, 2000);
	down(b);
}

static int group_setup(void **state)
{
	struct sb_error err = {0};
	(void)state;
	if (sysfilter_build(&filter, true, false, &err) < 0) {
		fprintf(stderr, "seccomp: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	sysfilter_disarm();
	sysfilter_free(&filter);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_errors),
	    cmocka_unit_test(test_arp_and_ping_gateway),
	    cmocka_unit_test(test_host_loopback),
	    cmocka_unit_test(test_port_forward_tcp),
	    cmocka_unit_test(test_port_forward_real_client_address),
	    cmocka_unit_test(test_port_forward_burst),
	    cmocka_unit_test(test_port_forward_udp),
	    cmocka_unit_test(test_port_forward_tcp6),
	    cmocka_unit_test(test_port_forward_udp6),
	    cmocka_unit_test(test_port_forward_every_address),
	    cmocka_unit_test(test_port_taken),
	    cmocka_unit_test(test_port_taken_v6),
	    cmocka_unit_test(test_dns_forwarder),
	    cmocka_unit_test(test_flood_bounded),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
