/* Unit tests for guest-init/config_net.c: the run config's network node, valid and hostile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <libfdt.h>
#include <sys/socket.h>

#include "abi.h"
#include "config.h"
#include "netcheck.h"

struct prop {
	const char *name;
	const void *val;
	int len;
};

#define STR(n, s)                                                                                  \
	{                                                                                          \
		n, s, sizeof(s)                                                                    \
	}
#define U32(n, v)                                                                                  \
	{                                                                                          \
		n, (const uint8_t[4]){0, 0, (uint8_t)((v) >> 8), (uint8_t)(v)}, 4                  \
	}
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t be_abi[4] = {0, 0, 0, SANDBOX_ABI_VERSION};

#define P_MODE_NIC STR(ABI_PROP_NET_MODE, "nic")
#define P_MODE_NONE STR(ABI_PROP_NET_MODE, "none")
#define P_ADDR STR(ABI_PROP_NET_ADDRESS, "10.0.2.15")
#define P_PREFIX U32(ABI_PROP_NET_PREFIX, 24)

/* A blob with the required root properties, hostname, and a network node
 * holding net[] (nnet < 0: no node). Exactly sized, so ASan sees overreads. */
static void *build(const char *hostname, const struct prop *net, int nnet, const char *subnode,
		   size_t *len)
{
	size_t cap = 1u << 20;
	char *tmp = malloc(cap);
	assert_non_null(tmp);
	assert_int_equal(fdt_create(tmp, (int)cap), 0);
	assert_int_equal(fdt_finish_reservemap(tmp), 0);
	assert_int_equal(fdt_begin_node(tmp, ""), 0);
	assert_int_equal(fdt_property_string(tmp, "compatible", ABI_FDT_COMPATIBLE), 0);
	assert_int_equal(fdt_property(tmp, ABI_PROP_VERSION, be_abi, 4), 0);
	assert_int_equal(fdt_property(tmp, ABI_PROP_ARGV, "true", 5), 0);
	if (hostname)
		assert_int_equal(fdt_property_string(tmp, ABI_PROP_HOSTNAME, hostname), 0);
	if (nnet >= 0) {
		assert_int_equal(fdt_begin_node(tmp, ABI_NODE_NETWORK), 0);
		for (int i = 0; i < nnet; i++)
			assert_int_equal(fdt_property(tmp, net[i].name, net[i].val, net[i].len), 0);
		if (subnode) {
			assert_int_equal(fdt_begin_node(tmp, subnode), 0);
			assert_int_equal(fdt_end_node(tmp), 0);
		}
		assert_int_equal(fdt_end_node(tmp), 0);
	}
	assert_int_equal(fdt_end_node(tmp), 0);
	assert_int_equal(fdt_finish(tmp), 0);
	*len = fdt_totalsize(tmp);
	void *blob = malloc(*len);
	assert_non_null(blob);
	memcpy(blob, tmp, *len);
	free(tmp);
	return blob;
}

static void *parse_ok(const struct prop *net, int nnet, struct config *cfg)
{
	size_t len;
	void *blob = build(NULL, net, nnet, NULL, &len);
	struct sb_error err = {0};
	if (config_parse(blob, len, cfg, &err) < 0)
		fail_msg("config_parse: %s", err.msg);
	return blob;
}

static void expect_fail_host(const char *hostname, const struct prop *net, int nnet,
			     const char *subnode, const char *want)
{
	size_t len;
	void *blob = build(hostname, net, nnet, subnode, &len);
	struct config cfg;
	struct sb_error err = {0};
	int r = config_parse(blob, len, &cfg, &err);
	if (r == 0 || !strstr(err.msg, want))
		fail_msg("want failure with \"%s\", got r=%d msg=\"%s\"", want, r, err.msg);
	assert_int_equal(cfg.net.ndns, 0);
	assert_null(cfg.net.hosts);
	free(blob);
}

static void expect_fail(const struct prop *net, int nnet, const char *want)
{
	expect_fail_host(NULL, net, nnet, NULL, want);
}

static void assert_ip(const struct config_ip *ip, const char *want)
{
	char got[INET6_ADDRSTRLEN];
	assert_non_null(inet_ntop(ip->family, &ip->u, got, sizeof(got)));
	assert_string_equal(got, want);
}

static void test_absent_is_none(void **state)
{
	(void)state;
	struct config cfg;
	void *blob = parse_ok(NULL, -1, &cfg);
	assert_int_equal(cfg.net.mode, CONFIG_NET_NONE);
	assert_false(cfg.net.ipv6);
	assert_false(cfg.net.has_dns);
	assert_int_equal(cfg.net.nhosts, 0);
	config_free(&cfg);
	free(blob);
}

static void test_nic_full(void **state)
{
	(void)state;
	const struct prop net[] = {
	    P_MODE_NIC,
	    U32(ABI_PROP_NET_MTU, 65520),
	    P_ADDR,
	    P_PREFIX,
	    STR(ABI_PROP_NET_GATEWAY, "10.0.2.2"),
	    U32(ABI_PROP_NET_IPV6, 1),
	    STR(ABI_PROP_NET_ADDRESS6, "fec0:0::15"),
	    U32(ABI_PROP_NET_PREFIX6, 64),
	    STR(ABI_PROP_NET_GATEWAY6, "fec0::2"),
	    STR(ABI_PROP_NET_DNS, "10.0.2.3\0fec0::3"),
	    STR(ABI_PROP_NET_SEARCH, "example.com\0corp"),
	    STR(ABI_PROP_NET_DNS_OPTIONS, "ndots:2\0edns0"),
	    STR(ABI_PROP_NET_HOSTS, "db\0"
				    "10.0.2.9\0v6-host\0"
				    "2001:db8::1"),
	};
	struct config cfg;
	void *blob = parse_ok(net, N(net), &cfg);
	const struct config_net *n = &cfg.net;
	assert_int_equal(n->mode, CONFIG_NET_NIC);
	assert_int_equal(n->mtu, 65520);
	assert_int_equal(ntohl(n->addr.s_addr), 0x0a00020f);
	assert_int_equal(n->prefix, 24);
	assert_true(n->has_gateway);
	assert_int_equal(ntohl(n->gateway.s_addr), 0x0a000202);
	assert_true(n->ipv6);
	assert_true(n->has_addr6);
	assert_int_equal(n->addr6.s6_addr[0], 0xfe);
	assert_int_equal(n->addr6.s6_addr[15], 0x15);
	assert_int_equal(n->prefix6, 64);
	assert_true(n->has_gateway6);
	assert_true(n->has_dns);
	assert_int_equal(n->ndns, 2);
	assert_ip(&n->dns[0], "10.0.2.3");
	assert_ip(&n->dns[1], "fec0::3");
	assert_int_equal(n->nsearch, 2);
	assert_string_equal(n->search[0], "example.com");
	assert_string_equal(n->search[1], "corp");
	assert_null(n->search[2]);
	assert_int_equal(n->noptions, 2);
	assert_string_equal(n->options[1], "edns0");
	assert_int_equal(n->nhosts, 2);
	assert_string_equal(n->hosts[0].name, "db");
	assert_ip(&n->hosts[0].ip, "10.0.2.9");
	assert_string_equal(n->hosts[1].name, "v6-host");
	assert_ip(&n->hosts[1].ip, "2001:db8::1");
	config_free(&cfg);
	free(blob);
}

static void test_none_and_minimal_nic(void **state)
{
	(void)state;
	/* none: DNS settings and extra hosts still count (docker writes them). */
	const struct prop none[] = {P_MODE_NONE, STR(ABI_PROP_NET_SEARCH, "."),
				    STR(ABI_PROP_NET_HOSTS, "a\0"
							    "1.2.3.4")};
	struct config cfg;
	void *blob = parse_ok(none, N(none), &cfg);
	assert_int_equal(cfg.net.mode, CONFIG_NET_NONE);
	assert_true(cfg.net.has_dns);
	assert_int_equal(cfg.net.ndns, 0);
	assert_int_equal(cfg.net.nhosts, 1);
	config_free(&cfg);
	free(blob);
	/* nic with only an address: no gateway, the device's MTU, IPv6 off. */
	const struct prop nic[] = {P_MODE_NIC, P_ADDR, U32(ABI_PROP_NET_PREFIX, 32)};
	blob = parse_ok(nic, N(nic), &cfg);
	assert_int_equal(cfg.net.mode, CONFIG_NET_NIC);
	assert_false(cfg.net.has_gateway);
	assert_int_equal(cfg.net.mtu, 0);
	assert_false(cfg.net.ipv6);
	assert_false(cfg.net.has_dns);
	config_free(&cfg);
	free(blob);
	/* An empty dns-servers list still asks for a resolv.conf. */
	const struct prop empty[] = {P_MODE_NONE, {ABI_PROP_NET_DNS, "", 0}};
	blob = parse_ok(empty, N(empty), &cfg);
	assert_true(cfg.net.has_dns);
	assert_int_equal(cfg.net.ndns, 0);
	config_free(&cfg);
	free(blob);
}

static void test_mode_and_shape(void **state)
{
	(void)state;
	expect_fail((const struct prop[]){P_ADDR}, 1, "no mode");
	expect_fail((const struct prop[]){STR(ABI_PROP_NET_MODE, "bridge")}, 1, "not \"none\"");
	expect_fail((const struct prop[]){{ABI_PROP_NET_MODE, "nic", 3}}, 1, "not \"none\"");
	expect_fail((const struct prop[]){P_MODE_NONE, STR("mac", "x")}, 2, "unknown property");
	expect_fail((const struct prop[]){P_MODE_NONE, P_MODE_NONE}, 2, "appears twice");
	expect_fail((const struct prop[]){P_MODE_NONE, P_ADDR}, 2, "needs mode \"nic\"");
	expect_fail((const struct prop[]){P_MODE_NONE, U32(ABI_PROP_NET_MTU, 1500)}, 2,
		    "needs mode \"nic\"");
	expect_fail((const struct prop[]){P_MODE_NIC}, 1, "without address");
	expect_fail((const struct prop[]){P_MODE_NIC, P_ADDR}, 2, "without address");
	expect_fail_host(NULL, (const struct prop[]){P_MODE_NONE}, 1, "x", "unexpected node");
}

static void test_addresses(void **state)
{
	(void)state;
#define NIC(...) ((const struct prop[]){P_MODE_NIC, __VA_ARGS__})
	expect_fail(NIC(STR(ABI_PROP_NET_ADDRESS, "10.0.2"), P_PREFIX), 3, "not an IPv4 address");
	expect_fail(NIC(STR(ABI_PROP_NET_ADDRESS, "10.0.2.15 "), P_PREFIX), 3, "not an IPv4");
	expect_fail(NIC(STR(ABI_PROP_NET_ADDRESS, "fec0::1"), P_PREFIX), 3, "not an IPv4");
	expect_fail(NIC(STR(ABI_PROP_NET_ADDRESS, "127.0.0.1"), P_PREFIX), 3, "not a unicast");
	expect_fail(NIC(STR(ABI_PROP_NET_ADDRESS, "0.0.0.0"), P_PREFIX), 3, "not a unicast");
	expect_fail(NIC(STR(ABI_PROP_NET_ADDRESS, "224.0.0.1"), P_PREFIX), 3, "not a unicast");
	expect_fail(NIC(STR(ABI_PROP_NET_ADDRESS, "255.255.255.255"), P_PREFIX), 3, "unicast");
	expect_fail(NIC(P_ADDR, U32(ABI_PROP_NET_PREFIX, 0)), 3, "out of range");
	expect_fail(NIC(P_ADDR, U32(ABI_PROP_NET_PREFIX, 33)), 3, "out of range");
	expect_fail(NIC(P_ADDR, {ABI_PROP_NET_PREFIX, "\0\0\0\0\0\0\0\x18", 8}), 3, "32-bit");
	expect_fail(NIC(P_ADDR, P_PREFIX, STR(ABI_PROP_NET_GATEWAY, "10.0.3.2")), 4,
		    "not another unicast address");
	expect_fail(NIC(P_ADDR, P_PREFIX, STR(ABI_PROP_NET_GATEWAY, "10.0.2.15")), 4,
		    "not another unicast address");
	expect_fail(
	    NIC(P_ADDR, U32(ABI_PROP_NET_PREFIX, 32), STR(ABI_PROP_NET_GATEWAY, "10.0.2.2")), 4,
	    "not another unicast address");
	expect_fail(NIC(P_ADDR, P_PREFIX, U32(ABI_PROP_NET_MTU, 67)), 4, "out of range");
	expect_fail(NIC(P_ADDR, P_PREFIX, U32(ABI_PROP_NET_MTU, 65536)), 4, "out of range");
	/* IPv6 */
	expect_fail(NIC(P_ADDR, P_PREFIX, U32(ABI_PROP_NET_IPV6, 2)), 4, "out of range");
	expect_fail(NIC(P_ADDR, P_PREFIX, STR(ABI_PROP_NET_ADDRESS6, "fec0::15"),
			U32(ABI_PROP_NET_PREFIX6, 64)),
		    5, "with ipv6 = <0>");
	expect_fail(NIC(P_ADDR, P_PREFIX, U32(ABI_PROP_NET_IPV6, 1),
			STR(ABI_PROP_NET_ADDRESS6, "fec0::15")),
		    5, "go together");
	expect_fail(
	    NIC(P_ADDR, P_PREFIX, U32(ABI_PROP_NET_IPV6, 1), STR(ABI_PROP_NET_GATEWAY6, "fec0::2")),
	    5, "without address6");
	expect_fail(NIC(P_ADDR, P_PREFIX, U32(ABI_PROP_NET_IPV6, 1),
			STR(ABI_PROP_NET_ADDRESS6, "10.0.2.16"), U32(ABI_PROP_NET_PREFIX6, 64)),
		    6, "not an IPv6 address");
	expect_fail(NIC(P_ADDR, P_PREFIX, U32(ABI_PROP_NET_IPV6, 1),
			STR(ABI_PROP_NET_ADDRESS6, "ff02::1"), U32(ABI_PROP_NET_PREFIX6, 64)),
		    6, "not a unicast");
	expect_fail(NIC(P_ADDR, P_PREFIX, U32(ABI_PROP_NET_IPV6, 1),
			STR(ABI_PROP_NET_ADDRESS6, "fec0::15"), U32(ABI_PROP_NET_PREFIX6, 129)),
		    6, "out of range");
	expect_fail(NIC(P_ADDR, P_PREFIX, U32(ABI_PROP_NET_IPV6, 1),
			STR(ABI_PROP_NET_ADDRESS6, "fec0::15"), U32(ABI_PROP_NET_PREFIX6, 64),
			STR(ABI_PROP_NET_GATEWAY6, "fec1::2")),
		    7, "not another unicast address");
#undef NIC
}

static void test_dns_and_hosts(void **state)
{
	(void)state;
#define NONE(...) ((const struct prop[]){P_MODE_NONE, __VA_ARGS__})
	expect_fail(NONE(STR(ABI_PROP_NET_DNS, "10.0.2.3\0"
					       "1.2.3")),
		    2, "entry 1 is not an IP");
	expect_fail(NONE({ABI_PROP_NET_DNS, "10.0.2.3", 8}), 2, "not NUL-terminated");
	expect_fail(NONE(STR(ABI_PROP_NET_SEARCH, "a b")), 2, "entry 0 is not");
	expect_fail(NONE(STR(ABI_PROP_NET_SEARCH, "ok\0bad\nline")), 2, "entry 1 is not");
	expect_fail(NONE(STR(ABI_PROP_NET_SEARCH, "ok\0\0")), 2, "entry 1 is not");
	expect_fail(NONE(STR(ABI_PROP_NET_DNS_OPTIONS, "ndots 2")), 2, "entry 0 is not");
	expect_fail(NONE(STR(ABI_PROP_NET_SEARCH, "a:b")), 2, "entry 0 is not");
	expect_fail(NONE(STR(ABI_PROP_NET_HOSTS, "a\0"
						 "1.2.3.4\0b")),
		    2, "not NAME, IP pairs");
	expect_fail(NONE(STR(ABI_PROP_NET_HOSTS, "a b\0"
						 "1.2.3.4")),
		    2, "not a host name");
	expect_fail(NONE(STR(ABI_PROP_NET_HOSTS, "a\0"
						 "1.2.3.4.5")),
		    2, "not an IP address");
	expect_fail(NONE(STR(ABI_PROP_NET_HOSTS, "a\0host-gateway")), 2, "not an IP address");
#undef NONE
	/* Counts and lengths at and past the bounds. */
	char dns[(ABI_NET_MAX_DNS + 1) * 12];
	size_t n = 0;
	for (int i = 0; i < ABI_NET_MAX_DNS + 1; i++)
		n += (size_t)sprintf(dns + n, "1.1.1.%d", i) + 1;
	expect_fail((const struct prop[]){P_MODE_NONE, {ABI_PROP_NET_DNS, dns, (int)n}}, 2,
		    "more than 16 entries");
	char name[ABI_NET_NAME_MAX + 2];
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	expect_fail((const struct prop[]){P_MODE_NONE, {ABI_PROP_NET_SEARCH, name, sizeof(name)}},
		    2, "entry 0 is not");
	name[sizeof(name) - 2] = '\0'; /* exactly ABI_NET_NAME_MAX */
	struct config cfg;
	void *blob = parse_ok(
	    (const struct prop[]){P_MODE_NONE, {ABI_PROP_NET_SEARCH, name, sizeof(name) - 1}}, 2,
	    &cfg);
	assert_int_equal(strlen(cfg.net.search[0]), ABI_NET_NAME_MAX);
	config_free(&cfg);
	free(blob);
	static char hosts[(2 * ABI_NET_MAX_HOSTS + 2) * 9];
	n = 0;
	for (int i = 0; i < ABI_NET_MAX_HOSTS + 1; i++) {
		n += (size_t)sprintf(hosts + n, "h%d", i) + 1;
		n += (size_t)sprintf(hosts + n, "1.2.3.4") + 1;
	}
	expect_fail((const struct prop[]){P_MODE_NONE, {ABI_PROP_NET_HOSTS, hosts, (int)n}}, 2,
		    "more than 512 entries");
}

static void test_hostname_checked(void **state)
{
	(void)state;
	expect_fail_host("a b", NULL, -1, NULL, "hostname is not");
	expect_fail_host("", NULL, -1, NULL, "hostname is not");
	expect_fail_host("web\n1", NULL, -1, NULL, "hostname is not");
	size_t len;
	void *blob = build("web-1.example_x", NULL, -1, NULL, &len);
	struct config cfg;
	struct sb_error err = {0};
	assert_int_equal(config_parse(blob, len, &cfg, &err), 0);
	config_free(&cfg);
	free(blob);
}

/* Flip bits all over a full network node: parse succeeds or fails, never
 * crashes, and what it accepts keeps the node's invariants. */
static void test_byte_flips(void **state)
{
	(void)state;
	const struct prop net[] = {
	    P_MODE_NIC,
	    U32(ABI_PROP_NET_MTU, 1500),
	    P_ADDR,
	    P_PREFIX,
	    STR(ABI_PROP_NET_GATEWAY, "10.0.2.2"),
	    U32(ABI_PROP_NET_IPV6, 1),
	    STR(ABI_PROP_NET_ADDRESS6, "fec0::15"),
	    U32(ABI_PROP_NET_PREFIX6, 64),
	    STR(ABI_PROP_NET_DNS, "10.0.2.3"),
	    STR(ABI_PROP_NET_SEARCH, "example.com"),
	    STR(ABI_PROP_NET_DNS_OPTIONS, "ndots:1"),
	    STR(ABI_PROP_NET_HOSTS, "db\0"
				    "10.0.2.9"),
	};
	size_t len;
	unsigned char *blob = build(NULL, net, N(net), NULL, &len);
	size_t failures = 0;
	for (size_t i = 0; i < len; i++) {
		for (unsigned v = 1; v < 256; v <<= 1) {
			blob[i] ^= (unsigned char)v;
			struct config cfg;
			struct sb_error err = {0};
			if (config_parse(blob, len, &cfg, &err) == 0) {
				const struct config_net *n = &cfg.net;
				if (n->mode == CONFIG_NET_NIC)
					assert_true(n->prefix >= 1 && n->prefix <= 32);
				assert_true(n->mtu == 0 || n->mtu >= ABI_NET_MTU_MIN);
				assert_true(!n->has_addr6 || n->ipv6);
				for (size_t k = 0; k < n->nhosts; k++)
					assert_true(netcheck_name(n->hosts[k].name,
								  ABI_NET_NAME_MAX, NULL));
				for (size_t k = 0; k < n->nsearch; k++)
					assert_null(strpbrk(n->search[k], " \t\n#"));
			} else {
				failures++;
				assert_true(err.msg[0] != '\0');
			}
			config_free(&cfg);
			blob[i] ^= (unsigned char)v;
		}
	}
	assert_true(failures > len);
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_absent_is_none),
	    cmocka_unit_test(test_nic_full),
	    cmocka_unit_test(test_none_and_minimal_nic),
	    cmocka_unit_test(test_mode_and_shape),
	    cmocka_unit_test(test_addresses),
	    cmocka_unit_test(test_dns_and_hosts),
	    cmocka_unit_test(test_hostname_checked),
	    cmocka_unit_test(test_byte_flips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
