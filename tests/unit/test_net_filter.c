/* Unit tests for the guest frame policy (netfilter): every loopback encoding, the gateway, extras.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/netfilter.h"
#include "test_net_frames.h"

#define G "10.0.2.15"
#define GW "10.0.2.2"
#define G6 "fec0::5054:ff:fe12:3456"

static uint8_t f[4096];
static const uint16_t udp_fwd[] = {53, 5353};

static void init(struct netfilter *nf, int ipv6, int allow)
{
	struct netfilter_config c = {.ipv6 = ipv6, .allow_host_loopback = allow};
	inet_pton(AF_INET, "10.0.2.0", &c.net);
	inet_pton(AF_INET, "255.255.255.0", &c.mask);
	inet_pton(AF_INET, GW, &c.gateway);
	inet_pton(AF_INET, "10.0.2.3", &c.dns);
	inet_pton(AF_INET6, "fec0::", &c.prefix6);
	inet_pton(AF_INET6, "fec0::3", &c.dns6);
	c.udp_fwd_ports = udp_fwd;
	c.n_udp_fwd = 2;
	netfilter_init(nf, &c);
}

static enum netfilter_verdict check(const struct netfilter *nf, size_t len)
{
	return netfilter_check(nf, f, len, 1000);
}

static enum netfilter_verdict syn4(const struct netfilter *nf, const char *dst)
{
	return check(nf, tf_tcp4(f, G, 40000, dst, 22, 1, 0, TF_SYN, NULL, 0));
}

static enum netfilter_verdict udp4(const struct netfilter *nf, const char *dst, uint16_t dport)
{
	return check(nf, tf_udp4(f, G, 40000, dst, dport, "x", 1));
}

static enum netfilter_verdict syn6(const struct netfilter *nf, const char *dst)
{
	return check(nf, tf_tcp6(f, G6, 40000, dst, 22, TF_SYN));
}

static void test_link_layer(void **state)
{
	struct netfilter nf;
	(void)state;
	init(&nf, 0, 0);
	assert_int_equal(check(&nf, tf_arp_request(f, G, GW)), NETFILTER_PASS);
	assert_int_equal(netfilter_check(&nf, f, 13, 0), NETFILTER_MALFORMED);
	assert_int_equal(netfilter_check(&nf, f, 0, 0), NETFILTER_MALFORMED);
	size_t n = tf_udp4(f, G, 1, "8.8.8.8", 53, "x", 1);
	f[12] = 0x81, f[13] = 0x00; /* a VLAN tag */
	assert_int_equal(check(&nf, n), NETFILTER_ETHERTYPE);
	f[12] = 0x88, f[13] = 0xf8; /* NC-SI */
	assert_int_equal(check(&nf, n), NETFILTER_ETHERTYPE);
	assert_int_equal(syn6(&nf, "2001:db8::1"), NETFILTER_IPV6_OFF);
}

/* Host-local IPv4 destinations, with and without allow_host_loopback. */
static void test_loopback4(void **state)
{
	static const char *const dsts[] = {"127.0.0.1", "127.0.0.53", "127.255.255.254", "0.0.0.0",
					   "0.1.2.3"};
	struct netfilter nf;
	(void)state;
	for (int allow = 0; allow < 2; allow++) {
		init(&nf, 0, allow);
		for (unsigned i = 0; i < sizeof(dsts) / sizeof(dsts[0]); i++) {
			assert_int_equal(syn4(&nf, dsts[i]), NETFILTER_LOOPBACK);
			assert_int_equal(udp4(&nf, dsts[i], 53), NETFILTER_LOOPBACK);
			assert_int_equal(check(&nf, tf_icmp4_echo(f, G, dsts[i], 1, 1)),
					 NETFILTER_LOOPBACK);
		}
	}
}

static void test_broadcast_vnet(void **state)
{
	struct netfilter nf;
	(void)state;
	init(&nf, 0, 1);
	assert_int_equal(udp4(&nf, "255.255.255.255", 9), NETFILTER_BROADCAST);
	assert_int_equal(udp4(&nf, "255.255.255.255", 67), NETFILTER_BROADCAST);
	assert_int_equal(udp4(&nf, "224.0.0.251", 5353), NETFILTER_BROADCAST);
	assert_int_equal(udp4(&nf, "239.1.1.1", 9), NETFILTER_BROADCAST);
	assert_int_equal(udp4(&nf, "240.0.0.1", 9), NETFILTER_BROADCAST);
	assert_int_equal(udp4(&nf, "10.0.2.255", 9), NETFILTER_BROADCAST);
	assert_int_equal(syn4(&nf, "10.0.2.4"), NETFILTER_VNET);
	assert_int_equal(syn4(&nf, "10.0.2.0"), NETFILTER_VNET);
}

static void test_outbound_and_dns(void **state)
{
	struct netfilter nf;
	(void)state;
	init(&nf, 0, 0);
	assert_int_equal(syn4(&nf, "93.184.216.34"), NETFILTER_PASS);
	assert_int_equal(syn4(&nf, "10.0.3.1"), NETFILTER_PASS); /* outside the /24 */
	assert_int_equal(udp4(&nf, "192.168.1.1", 53), NETFILTER_PASS);
	assert_int_equal(udp4(&nf, "10.0.2.3", 53), NETFILTER_PASS);
	assert_int_equal(syn4(&nf, "10.0.2.3"), NETFILTER_PASS); /* slirp takes port 53 only */
	assert_int_equal(check(&nf, tf_icmp4_echo(f, G, "192.168.1.1", 1, 1)), NETFILTER_PASS);
	assert_int_equal(check(&nf, tf_icmp4_echo(f, G, GW, 1, 1)), NETFILTER_PASS);
}

static void test_gateway_tcp(void **state)
{
	struct netfilter nf;
	(void)state;
	init(&nf, 0, 0);
	assert_int_equal(syn4(&nf, GW), NETFILTER_GATEWAY);
	assert_int_equal(check(&nf, tf_tcp4(f, G, 1, GW, 22, 1, 0, TF_SYN | TF_FIN, NULL, 0)),
			 NETFILTER_GATEWAY);
	/* the guest's side of a connection that came in through a port forward */
	assert_int_equal(check(&nf, tf_tcp4(f, G, 80, GW, 41000, 1, 2, TF_SYN | TF_ACK, NULL, 0)),
			 NETFILTER_PASS);
	assert_int_equal(check(&nf, tf_tcp4(f, G, 80, GW, 41000, 1, 2, TF_ACK, "hi", 2)),
			 NETFILTER_PASS);
	assert_int_equal(check(&nf, tf_tcp4(f, G, 80, GW, 41000, 1, 2, TF_RST, NULL, 0)),
			 NETFILTER_PASS);
	/* a TCP header cut short */
	size_t n = tf_tcp4(f, G, 1, GW, 22, 1, 0, TF_ACK, NULL, 0);
	f[14 + 3] = 20 + 12;
	assert_int_equal(check(&nf, n - 8), NETFILTER_MALFORMED);
	init(&nf, 0, 1);
	assert_int_equal(syn4(&nf, GW), NETFILTER_PASS);
}

static void test_gateway_udp_and_services(void **state)
{
	struct netfilter nf;
	(void)state;
	for (int allow = 0; allow < 2; allow++) {
		init(&nf, 0, allow);
		assert_int_equal(udp4(&nf, GW, 69), NETFILTER_SERVICE);
		assert_int_equal(udp4(&nf, GW, 67), NETFILTER_SERVICE);
		assert_int_equal(udp4(&nf, GW, 5000), allow ? NETFILTER_PASS : NETFILTER_GATEWAY);
	}
}

/* Replies of a UDP port forward to a loopback client, and only those. */
static void test_udp_forward_peers(void **state)
{
	struct netfilter nf;
	(void)state;
	init(&nf, 0, 0);
	size_t reply = tf_udp4(f, G, 53, GW, 40000, "a", 1);
	assert_int_equal(netfilter_check(&nf, f, reply, 1000), NETFILTER_GATEWAY);
	/* the client's datagram reaches the guest through the forward */
	uint8_t in[256];
	size_t n = tf_udp4(in, GW, 40000, G, 53, "q", 1);
	netfilter_note_to_guest(&nf, in, n, 1000);
	reply = tf_udp4(f, G, 53, GW, 40000, "a", 1);
	assert_int_equal(netfilter_check(&nf, f, reply, 2000), NETFILTER_PASS);
	/* another port of the host, another guest port, or too late: no */
	assert_int_equal(check(&nf, tf_udp4(f, G, 53, GW, 40001, "a", 1)), NETFILTER_GATEWAY);
	assert_int_equal(check(&nf, tf_udp4(f, G, 54, GW, 40000, "a", 1)), NETFILTER_GATEWAY);
	reply = tf_udp4(f, G, 53, GW, 40000, "a", 1);
	assert_int_equal(netfilter_check(&nf, f, reply, 1000 + NETFILTER_UDP_PEER_MS),
			 NETFILTER_GATEWAY);
	/* a datagram to a port that is not forwarded records nothing */
	n = tf_udp4(in, GW, 40002, G, 99, "q", 1);
	netfilter_note_to_guest(&nf, in, n, 1000);
	assert_int_equal(check(&nf, tf_udp4(f, G, 99, GW, 40002, "a", 1)), NETFILTER_GATEWAY);
	/* bounded: the oldest peers are forgotten, the newest kept */
	for (unsigned i = 0; i < NETFILTER_UDP_PEERS + 10; i++) {
		n = tf_udp4(in, GW, (uint16_t)(20000 + i), G, 5353, "q", 1);
		netfilter_note_to_guest(&nf, in, n, 2000 + i);
	}
	reply = tf_udp4(f, G, 5353, GW, 20000, "a", 1);
	assert_int_equal(netfilter_check(&nf, f, reply, 3000), NETFILTER_GATEWAY);
	reply = tf_udp4(f, G, 5353, GW, 20000 + NETFILTER_UDP_PEERS + 9, "a", 1);
	assert_int_equal(netfilter_check(&nf, f, reply, 3000), NETFILTER_PASS);
}

static void test_ipv4_malformed(void **state)
{
	struct netfilter nf;
	(void)state;
	init(&nf, 0, 0);
	size_t n = tf_udp4(f, G, 1, "8.8.8.8", 53, "x", 1);
	f[14] = 0x44; /* IHL 4 */
	assert_int_equal(check(&nf, n), NETFILTER_MALFORMED);
	n = tf_udp4(f, G, 1, "8.8.8.8", 53, "x", 1);
	f[14] = 0x65; /* version 6 */
	assert_int_equal(check(&nf, n), NETFILTER_MALFORMED);
	n = tf_udp4(f, G, 1, "8.8.8.8", 53, "x", 1);
	assert_int_equal(check(&nf, n - 1), NETFILTER_MALFORMED); /* total length > frame */
	assert_int_equal(check(&nf, 14 + 19), NETFILTER_MALFORMED);
	n = tf_udp4(f, G, 1, "8.8.8.8", 53, "x", 1);
	f[14 + 6] = 0x20; /* more fragments */
	assert_int_equal(check(&nf, n), NETFILTER_FRAGMENT);
	n = tf_udp4(f, G, 1, "8.8.8.8", 53, "x", 1);
	f[14 + 7] = 0x01; /* offset 8 */
	assert_int_equal(check(&nf, n), NETFILTER_FRAGMENT);
	n = tf_udp4(f, G, 1, "8.8.8.8", 53, "x", 1);
	f[14 + 6] = 0x40; /* don't fragment: fine */
	assert_int_equal(check(&nf, n), NETFILTER_PASS);
	f[14 + 9] = 47; /* GRE */
	assert_int_equal(check(&nf, n), NETFILTER_PROTOCOL);
	n = tf_udp4(f, G, 1, GW, 53, "x", 1);
	f[14 + 3] = 20 + 4; /* a UDP header cut short, to the gateway */
	assert_int_equal(check(&nf, n - 5), NETFILTER_MALFORMED);
}

/* Every IPv6 spelling of a host-local destination. */
static void test_loopback6(void **state)
{
	static const char *const dsts[] = {"::1",
					   "::",
					   "::ffff:127.0.0.1",
					   "::ffff:0.0.0.0",
					   "::ffff:8.8.8.8",
					   "::127.0.0.1",
					   "::0.0.0.1",
					   "64:ff9b::7f00:1",
					   "64:ff9b::808:808",
					   "64:ff9b:1::1",
					   "2002:7f00:1::1",
					   "2002:0:1::1",
					   "::ffff:0:7f00:1"};
	struct netfilter nf;
	(void)state;
	for (int allow = 0; allow < 2; allow++) {
		init(&nf, 1, allow);
		for (unsigned i = 0; i < sizeof(dsts) / sizeof(dsts[0]); i++) {
			assert_int_equal(syn6(&nf, dsts[i]), NETFILTER_LOOPBACK);
			assert_int_equal(check(&nf, tf_udp6(f, G6, 1, dsts[i], 53, "x", 1)),
					 NETFILTER_LOOPBACK);
		}
	}
}

static void test_ipv6(void **state)
{
	struct netfilter nf;
	(void)state;
	init(&nf, 1, 0);
	assert_int_equal(syn6(&nf, "2001:db8::1"), NETFILTER_PASS);
	assert_int_equal(syn6(&nf, "2002:808:808::1"), NETFILTER_PASS);
	assert_int_equal(syn6(&nf, "fec0::2"), NETFILTER_GATEWAY);
	assert_int_equal(syn6(&nf, "fec0::1234"), NETFILTER_GATEWAY); /* all of slirp's /64 */
	assert_int_equal(check(&nf, tf_udp6(f, G6, 53, "fec0::2", 40000, "a", 1)),
			 NETFILTER_GATEWAY); /* forwards are IPv4: no IPv6 peer */
	assert_int_equal(check(&nf, tf_udp6(f, G6, 1, "fec0::3", 53, "q", 1)), NETFILTER_PASS);
	assert_int_equal(check(&nf, tf_udp6(f, G6, 1, "ff02::1", 9, "q", 1)), NETFILTER_BROADCAST);
	assert_int_equal(syn6(&nf, "fe80::2"), NETFILTER_BROADCAST);
	assert_int_equal(check(&nf, tf_udp6(f, G6, 546, "ff02::1:2", 547, "q", 1)),
			 NETFILTER_SERVICE);
	assert_int_equal(check(&nf, tf_udp6(f, G6, 546, "fec0::2", 547, "q", 1)),
			 NETFILTER_SERVICE);
	/* neighbour discovery (ICMPv6 to multicast and link-local) goes through */
	size_t n = tf_udp6(f, G6, 1, "ff02::1:ff00:2", 9, "q", 1);
	f[14 + 6] = TF_PROTO_ICMP6;
	assert_int_equal(check(&nf, n), NETFILTER_PASS);
	n = tf_udp6(f, G6, 1, "fe80::2", 9, "q", 1);
	f[14 + 6] = TF_PROTO_ICMP6;
	assert_int_equal(check(&nf, n), NETFILTER_PASS);
	f[14 + 6] = 0; /* hop-by-hop options: libslirp takes none */
	assert_int_equal(check(&nf, n), NETFILTER_PROTOCOL);
	n = tf_udp6(f, G6, 1, "2001:db8::1", 9, "q", 1);
	assert_int_equal(check(&nf, n - 1), NETFILTER_MALFORMED); /* payload length > frame */
	f[14] = 0x40;
	assert_int_equal(check(&nf, n), NETFILTER_MALFORMED);
	init(&nf, 1, 1);
	assert_int_equal(syn6(&nf, "fec0::2"), NETFILTER_PASS);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(netfilter_verdict_name(NETFILTER_LOOPBACK), "loopback");
	assert_string_equal(netfilter_verdict_name(NETFILTER_VERDICTS), "?");
	for (int v = 0; v < NETFILTER_VERDICTS; v++)
		assert_non_null(netfilter_verdict_name((enum netfilter_verdict)v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_link_layer),
	    cmocka_unit_test(test_loopback4),
	    cmocka_unit_test(test_broadcast_vnet),
	    cmocka_unit_test(test_outbound_and_dns),
	    cmocka_unit_test(test_gateway_tcp),
	    cmocka_unit_test(test_gateway_udp_and_services),
	    cmocka_unit_test(test_udp_forward_peers),
	    cmocka_unit_test(test_ipv4_malformed),
	    cmocka_unit_test(test_loopback6),
	    cmocka_unit_test(test_ipv6),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
