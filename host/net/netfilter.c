/* The policy on the guest's Ethernet frames before libslirp sees them (netfilter.h). */
#include <string.h>

#include "net/netfilter.h"

#define ETH_HLEN 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV6 0x86dd
#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58
#define TCP_SYN 0x02
#define TCP_ACK 0x10
#define PORT_BOOTP 67
#define PORT_TFTP 69
#define PORT_DHCPV6 547

/* The parts of an IP packet the policy looks at. */
struct pkt {
	uint8_t proto;
	const uint8_t *src, *dst; /* 4 or 16 bytes, network order */
	const uint8_t *l4;	  /* transport header and payload */
	size_t l4len;
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const char *const names[NETFILTER_VERDICTS] = {
    [NETFILTER_PASS] = "pass",		 [NETFILTER_MALFORMED] = "malformed",
    [NETFILTER_ETHERTYPE] = "ethertype", [NETFILTER_IPV6_OFF] = "ipv6-off",
    [NETFILTER_PROTOCOL] = "protocol",	 [NETFILTER_FRAGMENT] = "fragment",
    [NETFILTER_LOOPBACK] = "loopback",	 [NETFILTER_GATEWAY] = "gateway",
    [NETFILTER_BROADCAST] = "broadcast", [NETFILTER_VNET] = "vnet",
    [NETFILTER_SERVICE] = "service",
};

const char *netfilter_verdict_name(enum netfilter_verdict v)
{
	return (unsigned)v < NETFILTER_VERDICTS ? names[v] : "?";
}

void netfilter_init(struct netfilter *f, const struct netfilter_config *cfg)
{
	unsigned max = sizeof(f->udp_fwd_ports) / sizeof(f->udp_fwd_ports[0]);

	memset(f, 0, sizeof(*f));
	f->cfg = *cfg;
	f->cfg.n_udp_fwd = cfg->n_udp_fwd < max ? cfg->n_udp_fwd : max;
	for (unsigned i = 0; i < f->cfg.n_udp_fwd; i++)
		f->udp_fwd_ports[i] = cfg->udp_fwd_ports[i];
	f->cfg.udp_fwd_ports = f->udp_fwd_ports;
}

/* IPv4 header of frame: 0 and *p filled, or a drop verdict. */
static enum netfilter_verdict parse4(const uint8_t *ip, size_t avail, struct pkt *p)
{
	if (avail < 20 || ip[0] >> 4 != 4)
		return NETFILTER_MALFORMED;
	size_t ihl = (size_t)(ip[0] & 15) * 4, tot = be16(ip + 2);
	if (ihl < 20 || tot < ihl || tot > avail)
		return NETFILTER_MALFORMED;
	if (be16(ip + 6) & 0x3fff) /* more fragments, or an offset */
		return NETFILTER_FRAGMENT;
	*p = (struct pkt){
	    .proto = ip[9], .src = ip + 12, .dst = ip + 16, .l4 = ip + ihl, .l4len = tot - ihl};
	return NETFILTER_PASS;
}

static enum netfilter_verdict parse6(const uint8_t *ip, size_t avail, struct pkt *p)
{
	if (avail < 40 || ip[0] >> 4 != 6)
		return NETFILTER_MALFORMED;
	size_t plen = be16(ip + 4);
	if (plen > avail - 40)
		return NETFILTER_MALFORMED;
	*p = (struct pkt){
	    .proto = ip[6], .src = ip + 8, .dst = ip + 24, .l4 = ip + 40, .l4len = plen};
	return NETFILTER_PASS;
}

static int udp_peer_known(const struct netfilter *f, uint16_t guest_port, uint16_t client_port,
			  uint64_t now_ms)
{
	for (unsigned i = 0; i < NETFILTER_UDP_PEERS; i++) {
		const struct netfilter_peer *e = &f->peer[i];
		if (e->guest_port == guest_port && e->client_port == client_port &&
		    now_ms - e->seen_ms < NETFILTER_UDP_PEER_MS)
			return 1;
	}
	return 0;
}

static int is_udp_fwd_port(const struct netfilter *f, uint16_t port)
{
	for (unsigned i = 0; i < f->cfg.n_udp_fwd; i++)
		if (f->udp_fwd_ports[i] == port)
			return 1;
	return 0;
}

/* A packet to the gateway, which libslirp maps to the host's loopback: with
 * allow_host_loopback anything goes; else only what belongs to a flow the
 * host started through a port forward: TCP segments other than a SYN opening
 * a connection, UDP replies to a known forward client. ICMP is answered by
 * libslirp itself. */
static enum netfilter_verdict to_gateway(const struct netfilter *f, const struct pkt *p, int v6,
					 uint64_t now_ms)
{
	if (p->proto == PROTO_ICMP || p->proto == PROTO_ICMPV6)
		return NETFILTER_PASS;
	if (p->proto == PROTO_TCP) {
		if (p->l4len < 20)
			return NETFILTER_MALFORMED;
		if (f->cfg.allow_host_loopback)
			return NETFILTER_PASS;
		int syn = p->l4[13] & TCP_SYN, ack = p->l4[13] & TCP_ACK;
		return syn && !ack ? NETFILTER_GATEWAY : NETFILTER_PASS;
	}
	/* UDP (the caller let no other protocol through) */
	if (p->l4len < 8)
		return NETFILTER_MALFORMED;
	uint16_t sport = be16(p->l4), dport = be16(p->l4 + 2);
	if (dport == PORT_BOOTP || dport == PORT_TFTP)
		return NETFILTER_SERVICE;
	if (f->cfg.allow_host_loopback)
		return NETFILTER_PASS;
	/* forwards (and so their peers) are IPv4 only */
	if (!v6 && is_udp_fwd_port(f, sport) && udp_peer_known(f, sport, dport, now_ms))
		return NETFILTER_PASS;
	return NETFILTER_GATEWAY;
}

/* 0/8 ("this host") and 127/8 reach the host's own stack. */
static int host_local4(uint32_t a)
{
	return a >> 24 == 0 || a >> 24 == 127;
}

static enum netfilter_verdict check4(const struct netfilter *f, const struct pkt *p,
				     uint64_t now_ms)
{
	const struct netfilter_config *c = &f->cfg;
	uint32_t d = be32(p->dst);
	uint32_t net = ntohl(c->net.s_addr), mask = ntohl(c->mask.s_addr);

	if (host_local4(d))
		return NETFILTER_LOOPBACK;
	if (d >> 28 >= 0xe) /* multicast 224/4, reserved 240/4, 255.255.255.255 */
		return NETFILTER_BROADCAST;
	if (p->proto != PROTO_TCP && p->proto != PROTO_UDP && p->proto != PROTO_ICMP)
		return NETFILTER_PROTOCOL;
	if ((d & mask) != net)
		return NETFILTER_PASS;
	if (d == ntohl(c->dns.s_addr))
		return NETFILTER_PASS; /* libslirp forwards port 53 only */
	if (d == ntohl(c->gateway.s_addr))
		return to_gateway(f, p, 0, now_ms);
	return (d & ~mask) == ~mask ? NETFILTER_BROADCAST : NETFILTER_VNET;
}

static int prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bytes)
{
	return memcmp(a, b, bytes) == 0;
}

static enum netfilter_verdict check6(const struct netfilter *f, const struct pkt *p,
				     uint64_t now_ms)
{
	static const uint8_t zero[8];
	static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b};		   /* 64:ff9b::/96 */
	static const uint8_t nat64_local[6] = {0, 0x64, 0xff, 0x9b, 0, 1}; /* 64:ff9b:1::/48 */
	const uint8_t *d = p->dst;

	/* ::/64 (::, ::1, IPv4-compatible ::a.b.c.d, IPv4-mapped ::ffff:a.b.c.d,
	 * IPv4-translated ::ffff:0:a.b.c.d) and the NAT64 prefixes: IPv4 behind
	 * an IPv6 socket, past the IPv4 rules */
	if (prefix_eq(d, zero, 8) || prefix_eq(d, nat64, 12) || prefix_eq(d, nat64_local, 6))
		return NETFILTER_LOOPBACK;
	/* 6to4 2002:V4ADDR::/48 of a host-local IPv4 address */
	if (d[0] == 0x20 && d[1] == 0x02 && host_local4(be32(d + 2)))
		return NETFILTER_LOOPBACK;
	if (p->proto != PROTO_TCP && p->proto != PROTO_UDP && p->proto != PROTO_ICMPV6)
		return NETFILTER_PROTOCOL;
	if (p->proto == PROTO_UDP && (p->l4len < 8 || be16(p->l4 + 2) == PORT_DHCPV6))
		return p->l4len < 8 ? NETFILTER_MALFORMED : NETFILTER_SERVICE;
	/* multicast ff00::/8, link-local fe80::/10: neighbour discovery only
	 * (libslirp answers it itself) */
	if (d[0] == 0xff || (d[0] == 0xfe && (d[1] & 0xc0) == 0x80))
		return p->proto == PROTO_ICMPV6 ? NETFILTER_PASS : NETFILTER_BROADCAST;
	if (!prefix_eq(d, f->cfg.prefix6.s6_addr, 8))
		return NETFILTER_PASS;
	if (prefix_eq(d, f->cfg.dns6.s6_addr, 16))
		return NETFILTER_PASS;
	/* libslirp maps every other address of its /64 to the host's ::1 */
	return to_gateway(f, p, 1, now_ms);
}

enum netfilter_verdict netfilter_check(const struct netfilter *f, const uint8_t *frame, size_t len,
				       uint64_t now_ms)
{
	struct pkt p;
	enum netfilter_verdict v;

	if (len < ETH_HLEN)
		return NETFILTER_MALFORMED;
	switch (be16(frame + 12)) {
	case ETHERTYPE_ARP:
		return NETFILTER_PASS;
	case ETHERTYPE_IPV4:
		v = parse4(frame + ETH_HLEN, len - ETH_HLEN, &p);
		return v != NETFILTER_PASS ? v : check4(f, &p, now_ms);
	case ETHERTYPE_IPV6:
		if (!f->cfg.ipv6)
			return NETFILTER_IPV6_OFF;
		v = parse6(frame + ETH_HLEN, len - ETH_HLEN, &p);
		return v != NETFILTER_PASS ? v : check6(f, &p, now_ms);
	default:
		return NETFILTER_ETHERTYPE;
	}
}

void netfilter_note_to_guest(struct netfilter *f, const uint8_t *frame, size_t len, uint64_t now_ms)
{
	struct pkt p;

	if (!f->cfg.n_udp_fwd || len < ETH_HLEN || be16(frame + 12) != ETHERTYPE_IPV4 ||
	    parse4(frame + ETH_HLEN, len - ETH_HLEN, &p) != NETFILTER_PASS ||
	    p.proto != PROTO_UDP || p.l4len < 8 || be32(p.src) != ntohl(f->cfg.gateway.s_addr))
		return;
	uint16_t client = be16(p.l4), guest = be16(p.l4 + 2);
	if (!is_udp_fwd_port(f, guest))
		return;
	/* refresh the pair, else take a free or the oldest entry (entries are
	 * never freed, so the free ones all come after the used ones) */
	struct netfilter_peer *slot = &f->peer[0];
	for (unsigned i = 0; i < NETFILTER_UDP_PEERS; i++) {
		struct netfilter_peer *e = &f->peer[i];
		if (e->guest_port == guest && e->client_port == client) {
			slot = e;
			break;
		}
		if (!e->guest_port || e->seen_ms < slot->seen_ms)
			slot = e;
		if (!slot->guest_port)
			break;
	}
	*slot =
	    (struct netfilter_peer){.guest_port = guest, .client_port = client, .seen_ms = now_ms};
}
