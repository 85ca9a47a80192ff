/* Hand-made Ethernet frames for the network tests (test_net_frames.h). */
#include <arpa/inet.h>
#include <string.h>

#include "test_net_frames.h"

static const uint8_t guest_mac[6] = TF_GUEST_MAC;
static const uint8_t slirp_mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t sum(const uint8_t *p, size_t len, uint32_t s)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += get16(p + i);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static size_t eth(uint8_t *buf, uint16_t type)
{
	memcpy(buf, slirp_mac, 6);
	memcpy(buf + 6, guest_mac, 6);
	put16(buf + 12, type);
	return 14;
}

/* IPv4 header + l4 (whose checksum at csum_off is filled, with the pseudo
 * header unless ICMP). */
static size_t ip4(uint8_t *buf, uint8_t proto, const char *src, const char *dst, uint8_t *l4,
		  size_t l4len, size_t csum_off)
{
	uint8_t *ip = buf + eth(buf, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + l4len));
	put16(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = proto;
	inet_pton(AF_INET, src, ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	put16(ip + 10, fold(sum(ip, 20, 0)));
	put16(l4 + csum_off, 0);
	uint32_t s = 0;
	if (proto != TF_PROTO_ICMP) {
		s = sum(ip + 12, 8, 0) + proto + (uint32_t)l4len;
	}
	put16(l4 + csum_off, fold(sum(l4, l4len, s)));
	memmove(ip + 20, l4, l4len);
	return 14 + 20 + l4len;
}

static size_t ip6(uint8_t *buf, uint8_t proto, const char *src, const char *dst, uint8_t *l4,
		  size_t l4len, size_t csum_off)
{
	uint8_t *ip = buf + eth(buf, 0x86dd);
	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)l4len);
	ip[6] = proto;
	ip[7] = 64;
	inet_pton(AF_INET6, src, ip + 8);
	inet_pton(AF_INET6, dst, ip + 24);
	put16(l4 + csum_off, 0);
	uint32_t s = sum(ip + 8, 32, 0) + (uint32_t)l4len + proto;
	put16(l4 + csum_off, fold(sum(l4, l4len, s)));
	memmove(ip + 40, l4, l4len);
	return 14 + 40 + l4len;
}

static size_t arp(uint8_t *buf, uint16_t op, const char *sender, const char *target,
		  const uint8_t tmac[6])
{
	uint8_t *a = buf + eth(buf, 0x0806);
	if (op == 1)
		memset(buf, 0xff, 6);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, guest_mac, 6);
	inet_pton(AF_INET, sender, a + 14);
	memcpy(a + 18, tmac, 6);
	inet_pton(AF_INET, target, a + 24);
	return 14 + 28;
}

size_t tf_arp_request(uint8_t *buf, const char *sender, const char *target)
{
	static const uint8_t zero[6];
	return arp(buf, 1, sender, target, zero);
}

size_t tf_arp_reply(uint8_t *buf, const char *sender, const char *target,
		    const uint8_t target_mac[6])
{
	size_t n = arp(buf, 2, sender, target, target_mac);
	memcpy(buf, target_mac, 6);
	return n;
}

static size_t tcp_hdr(uint8_t *t, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		      uint8_t flags)
{
	memset(t, 0, 20);
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 65535);
	return 20;
}

size_t tf_tcp4(uint8_t *buf, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	       uint32_t seq, uint32_t ack, uint8_t flags, const void *data, size_t len)
{
	uint8_t t[2048];
	size_t h = tcp_hdr(t, sport, dport, seq, ack, flags);
	if (len)
		memcpy(t + h, data, len);
	return ip4(buf, TF_PROTO_TCP, src, dst, t, h + len, 16);
}

size_t tf_udp4(uint8_t *buf, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	       const void *data, size_t len)
{
	uint8_t u[2048];
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + len));
	memcpy(u + 8, data, len);
	return ip4(buf, TF_PROTO_UDP, src, dst, u, 8 + len, 6);
}

size_t tf_icmp4_echo(uint8_t *buf, const char *src, const char *dst, uint16_t id, uint16_t seq)
{
	uint8_t m[16] = {8, 0};
	put16(m + 4, id);
	put16(m + 6, seq);
	memcpy(m + 8, "sandbox!", 8);
	return ip4(buf, TF_PROTO_ICMP, src, dst, m, sizeof(m), 2);
}

size_t tf_tcp6(uint8_t *buf, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	       uint8_t flags)
{
	uint8_t t[20];
	tcp_hdr(t, sport, dport, 1, 0, flags);
	return ip6(buf, TF_PROTO_TCP, src, dst, t, 20, 16);
}

size_t tf_udp6(uint8_t *buf, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	       const void *data, size_t len)
{
	uint8_t u[2048];
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + len));
	memcpy(u + 8, data, len);
	return ip6(buf, TF_PROTO_UDP, src, dst, u, 8 + len, 6);
}

static void l4_info(const uint8_t *l4, size_t len, struct tf_info *o)
{
	if ((o->proto == TF_PROTO_TCP && len >= 20) || (o->proto == TF_PROTO_UDP && len >= 8)) {
		o->sport = get16(l4);
		o->dport = get16(l4 + 2);
	}
	if (o->proto == TF_PROTO_TCP && len >= 20) {
		size_t off = (size_t)(l4[12] >> 4) * 4;
		o->flags = l4[13];
		o->seq = (uint32_t)get16(l4 + 4) << 16 | get16(l4 + 6);
		o->ack = (uint32_t)get16(l4 + 8) << 16 | get16(l4 + 10);
		o->data = l4 + (off <= len ? off : len);
		o->len = off <= len ? len - off : 0;
	} else if (o->proto == TF_PROTO_UDP && len >= 8) {
		o->data = l4 + 8;
		o->len = len - 8;
	} else if ((o->proto == TF_PROTO_ICMP || o->proto == TF_PROTO_ICMP6) && len >= 1) {
		o->icmp_type = l4[0];
	}
}

int tf_parse(const uint8_t *f, size_t len, struct tf_info *o)
{
	memset(o, 0, sizeof(*o));
	if (len < 14)
		return -1;
	memcpy(o->src_mac, f + 6, 6);
	o->ethertype = get16(f + 12);
	const uint8_t *p = f + 14;
	size_t n = len - 14;
	if (o->ethertype == 0x0806 && n >= 28) {
		o->arp_op = get16(p + 6);
		inet_ntop(AF_INET, p + 14, o->src, sizeof(o->src));
		inet_ntop(AF_INET, p + 24, o->dst, sizeof(o->dst));
		return 0;
	}
	if (o->ethertype == 0x0800 && n >= 20) {
		size_t ihl = (size_t)(p[0] & 15) * 4, tot = get16(p + 2);
		if (tot > n || ihl > tot)
			return -1;
		o->proto = p[9];
		inet_ntop(AF_INET, p + 12, o->src, sizeof(o->src));
		inet_ntop(AF_INET, p + 16, o->dst, sizeof(o->dst));
		l4_info(p + ihl, tot - ihl, o);
		return 0;
	}
	if (o->ethertype == 0x86dd && n >= 40) {
		o->proto = p[6];
		inet_ntop(AF_INET6, p + 8, o->src, sizeof(o->src));
		inet_ntop(AF_INET6, p + 24, o->dst, sizeof(o->dst));
		size_t pl = get16(p + 4);
		l4_info(p + 40, pl <= n - 40 ? pl : n - 40, o);
		return 0;
	}
	return -1;
}
