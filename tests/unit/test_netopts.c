/* Unit tests for host/netopts.c and netopts_port.c: every networking option, valid and hostile. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "netopts.h"

#define N(a) (sizeof(a) / sizeof(*(a)))

typedef int (*parse_fn)(const char *s, struct netopts *n, struct sb_error *err);

/* s is refused with one line that names opt and starts "invalid OPT `". */
static void refused(parse_fn f, const char *opt, const char *s, const char *want)
{
	struct netopts n;
	struct sb_error err = {0};
	char head[64];
	netopts_init(&n);
	int r = f(s, &n, &err);
	if (r != -EINVAL || !strstr(err.msg, want))
		fail_msg("%s `%s`: r=%d msg [%s], want [%s]", opt, s, r, err.msg, want);
	snprintf(head, sizeof(head), "invalid %s `", opt);
	if (strncmp(err.msg, head, strlen(head)))
		fail_msg("%s `%s`: message [%s] does not start with [%s]", opt, s, err.msg, head);
	assert_null(strchr(err.msg, '\n'));
	netopts_free(&n);
}

static void test_defaults(void **state)
{
	(void)state;
	struct netopts n;
	netopts_init(&n);
	assert_int_equal(n.mode, NET_MODE_SLIRP);
	assert_int_equal(n.mtu, 0);
	assert_int_equal(n.nport + n.ndns + n.ndns_search + n.ndns_option + n.nhost, 0);
	assert_false(n.publish_all || n.mac_set || n.ipv6 || n.allow_host_loopback ||
		     n.dns_search_set);
	assert_int_equal(netopts_check(&n, NULL), 0);
	netopts_free(&n);
	netopts_free(&n); /* twice is fine */
}

static void test_network(void **state)
{
	(void)state;
	struct netopts n;
	struct sb_error err = {0};
	netopts_init(&n);
	assert_int_equal(netopts_parse_network("none", &n, &err), 0);
	assert_int_equal(n.mode, NET_MODE_NONE);
	assert_int_equal(netopts_parse_network("slirp:mtu=1500", &n, &err), 0);
	assert_int_equal(n.mode, NET_MODE_SLIRP);
	assert_int_equal(n.mtu, 1500);
	assert_int_equal(netopts_parse_network("slirp:mtu=576,mtu=65520", &n, &err), 0);
	assert_int_equal(n.mtu, 65520);
	assert_int_equal(netopts_parse_network("tap:tap0", &n, &err), 0);
	assert_int_equal(n.mode, NET_MODE_TAP);
	assert_string_equal(n.tap, "tap0");
	assert_int_equal(n.mtu, 0); /* the last --network wins whole */
	assert_int_equal(netopts_parse_network("tap:abcdefghijklmno", &n, &err), 0);
	assert_string_equal(n.tap, "abcdefghijklmno"); /* IFNAMSIZ - 1 */
	assert_int_equal(netopts_parse_network("slirp", &n, &err), 0);
	assert_int_equal(n.mode, NET_MODE_SLIRP);
	assert_string_equal(n.tap, "");
	netopts_free(&n);

	refused(netopts_parse_network, "--network", "host", "use the default (slirp) and -p");
	refused(netopts_parse_network, "--network", "bridge", "sandbox has no bridge");
	refused(netopts_parse_network, "--network", "default", "sandbox has no bridge");
	refused(netopts_parse_network, "--network", "container:web", "its own VM");
	const char *bogus[] = {"bogus", "", "SLIRP", "slirp4netns", "none:x", " slirp", "tap"};
	for (size_t i = 0; i < N(bogus); i++)
		refused(netopts_parse_network, "--network", bogus[i],
			"expected slirp, none or tap:NAME");
	const char *mtu[] = {"slirp:mtu=575",  "slirp:mtu=65521", "slirp:mtu=",
			     "slirp:mtu=-1",   "slirp:mtu=1e3",	  "slirp:mtu=99999999999999999999",
			     "slirp:mtu=1500 "};
	for (size_t i = 0; i < N(mtu); i++)
		refused(netopts_parse_network, "--network", mtu[i], "mtu must be a number");
	const char *opts[] = {"slirp:", "slirp:mtu", "slirp:mtu=1500,", "slirp:ipv6=1",
			      "slirp:,mtu=1500"};
	for (size_t i = 0; i < N(opts); i++)
		refused(netopts_parse_network, "--network", opts[i], "slirp takes mtu=N");
	const char *tap[] = {"tap:",	 "tap:abcdefghijklmnop",
			     "tap:a/b",	 "tap:a b",
			     "tap:.",	 "tap:..",
			     "tap:a:b",	 "tap:\t",
			     "tap:a\nb", "tap:\xc3\xa9"};
	for (size_t i = 0; i < N(tap); i++)
		refused(netopts_parse_network, "--network", tap[i], "not an interface name");
	const char *tap_ip[] = {
	    "tap:t0,ip=",	    "tap:t0,ip=10.0.0.2",    "tap:t0,ip=10.0.0.2/",
	    "tap:t0,ip=10.0.0.2/0", "tap:t0,ip=10.0.0.2/33", "tap:t0,ip=fe80::1/64",
	    "tap:t0,ip=10.0.0/24",  "tap:t0,ip=/24",	     "tap:t0,ip=10.0.0.2/2x"};
	for (size_t i = 0; i < N(tap_ip); i++)
		refused(netopts_parse_network, "--network", tap_ip[i],
			"ip must be an IPv4 address");
	refused(netopts_parse_network, "--network", "tap:t0,gateway=x", "gateway must be an IPv4");
	refused(netopts_parse_network, "--network", "tap:t0,mtu=70000", "mtu must be a number");
	const char *tap_opts[] = {"tap:t0,", "tap:t0,ip", "tap:t0,dhcp", "tap:t0,,mtu=1500"};
	for (size_t i = 0; i < N(tap_opts); i++)
		refused(netopts_parse_network, "--network", tap_opts[i],
			"tap takes ip=ADDR/PREFIX");
}

static void test_network_tap_options(void **state)
{
	(void)state;
	struct netopts n;
	struct sb_error err = {0};
	netopts_init(&n);
	assert_int_equal(netopts_parse_network("tap:tap0,mtu=9000,gateway=10.1.0.1,"
					       "ip=010.1.0.2/16",
					       &n, &err),
			 -EINVAL); /* inet_pton refuses leading zeros */
	assert_int_equal(
	    netopts_parse_network("tap:tap0,mtu=9000,gateway=10.1.0.1,ip=10.1.0.2/16", &n, &err),
	    0);
	assert_int_equal(n.mode, NET_MODE_TAP);
	assert_string_equal(n.tap, "tap0");
	assert_string_equal(n.tap_addr, "10.1.0.2");
	assert_int_equal(n.tap_prefix, 16);
	assert_string_equal(n.tap_gateway, "10.1.0.1");
	assert_int_equal(n.mtu, 9000);
	assert_int_equal(netopts_check(&n, &err), 0);
	/* the gateway must be another address of the subnet */
	assert_int_equal(netopts_parse_network("tap:t1,ip=10.1.0.2/24,gateway=10.2.0.1", &n, &err),
			 0);
	assert_int_equal(netopts_check(&n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "gateway 10.2.0.1 is not another address in 10.1.0.2/24"));
	assert_int_equal(netopts_parse_network("tap:t1,ip=10.1.0.2/24,gateway=10.1.0.2", &n, &err),
			 0);
	assert_int_equal(netopts_check(&n, &err), -EINVAL);
	/* no gateway: no default route, fine; a later --network wins whole */
	assert_int_equal(netopts_parse_network("tap:t1,ip=10.1.0.2/32", &n, &err), 0);
	assert_string_equal(n.tap_gateway, "");
	assert_int_equal(n.mtu, 0);
	assert_int_equal(netopts_check(&n, &err), 0);
	/* without ip= the guest would have no address */
	assert_int_equal(netopts_parse_network("tap:t1", &n, &err), 0);
	assert_int_equal(netopts_check(&n, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "--network tap:t1 needs the guest's address: add "
			    "ip=ADDR/PREFIX (e.g. tap:t1,ip=10.0.0.2/24,gateway=10.0.0.1)");
	netopts_free(&n);
}

/* One -p; its ports as "PROTO ADDR HOST-LAST GUEST" lines into out. */
static int publish(const char *s, char *out, size_t len)
{
	struct netopts n;
	netopts_init(&n);
	int r = netopts_parse_publish(s, &n, NULL);
	out[0] = '\0';
	for (unsigned i = 0; r == 0 && i < n.nport; i++) {
		const struct netopts_port *p = &n.port[i];
		size_t u = strlen(out);
		snprintf(out + u, len - u, "%s%s %s %u-%u %u", i ? "\n" : "",
			 p->proto == NET_PROTO_UDP ? "udp" : "tcp",
			 p->host_addr[0] ? p->host_addr : "*", p->host_port, p->host_port_last,
			 p->guest_port);
		assert_ptr_equal(p->spec, s);
	}
	netopts_free(&n);
	return r;
}

static void test_publish_forms(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} ok[] = {
	    {"8080:80", "tcp * 8080-8080 80"},
	    {"80", "tcp * 0-0 80"},
	    {"80/udp", "udp * 0-0 80"},
	    {"53:53/UDP", "udp * 53-53 53"},
	    {"8080:80/tcp", "tcp * 8080-8080 80"},
	    {"127.0.0.1:8080:80", "tcp 127.0.0.1 8080-8080 80"},
	    {"127.0.0.1::80", "tcp 127.0.0.1 0-0 80"},
	    {"0.0.0.0:1:65535/udp", "udp 0.0.0.0 1-1 65535"},
	    {":80", "tcp * 0-0 80"},  /* docker: an empty host port is a free one */
	    {"::80", "tcp * 0-0 80"}, /* and an empty IP is every address */
	    {"00080:080", "tcp * 80-80 80"},
	    {"8000-8002:80-82", "tcp * 8000-8000 80\ntcp * 8001-8001 81\ntcp * 8002-8002 82"},
	    {"80-81", "tcp * 0-0 80\ntcp * 0-0 81"},
	    {"10.0.0.1::80-81/udp", "udp 10.0.0.1 0-0 80\nudp 10.0.0.1 0-0 81"},
	    {"8000-8010:80", "tcp * 8000-8010 80"}, /* docker: any free port of the range */
	    {"8080-8080:80-80", "tcp * 8080-8080 80"},
	    {"65535:65535", "tcp * 65535-65535 65535"},
	    {"[10.0.0.1]:80:80", "tcp 10.0.0.1 80-80 80"}, /* docker strips the brackets */
	    {"[::]:80:80", "tcp :: 80-80 80"},
	    {"::1:80:80", "tcp ::1 80-80 80"}, /* IP is all before the last two parts */
	    {"[::1]::80/udp", "udp ::1 0-0 80"},
	    {"[2001:DB8:0::1]:8000-8001:80-81",
	     "tcp 2001:db8::1 8000-8000 80\ntcp 2001:db8::1 8001-8001 81"}, /* canonical */
	};
	char out[512];
	for (size_t i = 0; i < N(ok); i++) {
		if (publish(ok[i].in, out, sizeof(out)) != 0)
			fail_msg("-p %s refused", ok[i].in);
		if (strcmp(out, ok[i].want))
			fail_msg("-p %s: [%s], want [%s]", ok[i].in, out, ok[i].want);
	}
}

static void test_publish_bad(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} bad[] = {
	    {"99999:80", "host port must be a number from 1 to 65535"},
	    {"65536:80", "host port must be"},
	    {"0:80", "leave it out for a free one"},
	    {"80:0", "guest port must be"},
	    {"0", "guest port must be"},
	    {"a:b", "guest port must be"},
	    {"a:80", "host port must be"},
	    {"8080:", "no guest port"},
	    {"", "no guest port"},
	    {":", "no guest port"},
	    {"/tcp", "no guest port"},
	    {"80/", "protocol must be tcp or udp"},
	    {"80/sctp", "protocol must be tcp or udp"},
	    {"80/tcp/udp", "protocol must be tcp or udp"},
	    {"8080/tcp:80", "host port must be"},
	    {"-80", "guest port must be"},
	    {"80-", "guest port must be"},
	    {"82-80", "guest port must be"},
	    {"1-2-3", "guest port must be"},
	    {"+80", "guest port must be"},
	    {" 80", "guest port must be"},
	    {"80 ", "guest port must be"},
	    {"1.2.3.4:80", "host port must be"}, /* an IP without a host port: IP::80 */
	    {"1.2.3:80:80", "not an IPv4 or IPv6 address"},
	    {"1.2.3.4.5:80:80", "not an IPv4 or IPv6 address"},
	    {"01.2.3.4:80:80", "not an IPv4 or IPv6 address"},
	    {"localhost:80:80", "not an IPv4 or IPv6 address"},
	    {"256.0.0.1:80:80", "not an IPv4 or IPv6 address"},
	    {"[::g]:80:80", "not an IPv4 or IPv6 address"},
	    {"[:::1]:80:80", "not an IPv4 or IPv6 address"},
	    {"[fe80::1%eth0]:80:80", "a plain IPv6 address (no %zone"},
	    {"[::ffff:127.0.0.1]:80:80", "no IPv4-mapped form"},
	    {"[1.2.3.4]x:80:80", "not an IPv4 or IPv6 address"},
	    {"[]:80:80", "not an IPv4 or IPv6 address"},
	    {"8000-8001:80-82", "ranges of different lengths (2 host ports, 3 guest ports)"},
	    {"8000:80-82", "ranges of different lengths (1 host ports, 3 guest ports)"},
	    {"1-65535", "at most 64 published ports"},
	    {"18446744073709551617:80", "host port must be"},
	    {"4294967376:80", "host port must be"}, /* 2^32 + 80 */
	    {"80:4294967376", "guest port must be"},
	};
	for (size_t i = 0; i < N(bad); i++)
		refused(netopts_parse_publish, "-p", bad[i].in, bad[i].want);
	/* a very long argument is refused for its length, and shown cut */
	char big[4096];
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	refused(netopts_parse_publish, "-p", big, "longer than 128 bytes");
	struct netopts n;
	struct sb_error err = {0};
	netopts_init(&n);
	assert_true(netopts_parse_publish(big, &n, &err) < 0);
	assert_true(strlen(err.msg) < 200);
	assert_non_null(strstr(err.msg, "1111...`"));
	/* control bytes never reach the message */
	assert_true(netopts_parse_publish("80\n:81\x1b[2J", &n, &err) < 0);
	assert_null(strchr(err.msg, '\n'));
	assert_null(strchr(err.msg, '\x1b'));
	assert_non_null(strstr(err.msg, "`80?:81?[2J`"));
	netopts_free(&n);
}

static void test_publish_many(void **state)
{
	(void)state;
	struct netopts n;
	struct sb_error err = {0};
	char s[32];
	netopts_init(&n);
	assert_int_equal(netopts_parse_publish("1000-1059:80-139", &n, &err), 0);
	assert_int_equal(n.nport, 60);
	for (unsigned i = 0; i < 4; i++) {
		snprintf(s, sizeof(s), "%u", 2000 + i);
		assert_int_equal(netopts_parse_publish(s, &n, &err), 0);
	}
	assert_int_equal(n.nport, NET_MAX_FORWARDS);
	assert_int_equal(netopts_parse_publish("3000", &n, &err), -EINVAL);
	assert_string_equal(err.msg, "invalid -p `3000`: at most 64 published ports in all");
	assert_int_equal(n.nport, NET_MAX_FORWARDS);
	netopts_free(&n);

	/* a range that would cross the bound adds nothing */
	netopts_init(&n);
	assert_int_equal(netopts_parse_publish("1000-1062:80-142", &n, &err), 0);
	assert_int_equal(netopts_parse_publish("2000-2001:80-81", &n, &err), -EINVAL);
	assert_int_equal(n.nport, 63);
	assert_int_equal(netopts_parse_publish("2000", &n, &err), 0);
	netopts_free(&n);
}

static void test_publish_clash(void **state)
{
	(void)state;
	struct netopts n;
	struct sb_error err = {0};
	netopts_init(&n);
	assert_int_equal(netopts_parse_publish("8080:80", &n, &err), 0);
	assert_int_equal(netopts_parse_publish("8080:80/udp", &n, &err), 0); /* other proto */
	assert_int_equal(netopts_parse_publish("8081:80", &n, &err), 0);     /* guest port twice */
	assert_int_equal(netopts_parse_publish("80", &n, &err), 0);	     /* free ports never */
	assert_int_equal(netopts_parse_publish("80", &n, &err), 0);
	assert_int_equal(netopts_parse_publish("127.0.0.1:9000:90", &n, &err), 0);
	assert_int_equal(netopts_parse_publish("127.0.0.2:9000:91", &n, &err), 0);
	assert_int_equal(netopts_parse_publish("8080:81", &n, &err), -EINVAL);
	assert_string_equal(err.msg, "invalid -p `8080:81`: host port 8080/tcp is published "
				     "already (by -p `8080:80`)");
	assert_int_equal(netopts_parse_publish("127.0.0.1:8080:81", &n, &err), -EINVAL);
	assert_int_equal(netopts_parse_publish("0.0.0.0:9000:92", &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "(by -p `127.0.0.1:9000:90`)"));
	assert_int_equal(netopts_parse_publish("127.0.0.1:9000:93", &n, &err), -EINVAL);
	/* IPv6: "every address" covers it; 0.0.0.0 and 127.0.0.1 do not */
	assert_int_equal(netopts_parse_publish("[::1]:9000:94", &n, &err), 0);
	assert_int_equal(netopts_parse_publish("[::]:9000:95", &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "(by -p `[::1]:9000:94`)"));
	assert_int_equal(netopts_parse_publish("[::1]:8080:96", &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "(by -p `8080:80`)"));
	/* a range clashing in its middle adds none of its ports */
	unsigned before = n.nport;
	assert_int_equal(netopts_parse_publish("8079-8081:70-72/udp", &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "host port 8080/udp"));
	assert_int_equal(n.nport, before);
	netopts_free(&n);
}

static void test_publish_exposed(void **state)
{
	(void)state;
	struct netopts n;
	struct sb_error err = {0};
	netopts_init(&n);
	assert_int_equal(netopts_parse_publish("8080:80", &n, &err), 0);
	/* -P skips a port -p already publishes, with the same protocol */
	assert_int_equal(netopts_publish_exposed(&n, NET_PROTO_TCP, 80, "80/tcp", &err), 0);
	assert_int_equal(n.nport, 1);
	assert_int_equal(netopts_publish_exposed(&n, NET_PROTO_UDP, 80, "80/udp", &err), 0);
	assert_int_equal(n.nport, 2);
	assert_int_equal(n.port[1].host_port, 0);
	assert_int_equal(n.port[1].guest_port, 80);
	assert_int_equal(n.port[1].proto, NET_PROTO_UDP);
	assert_string_equal(n.port[1].spec, "80/udp");
	assert_int_equal(netopts_publish_exposed(&n, NET_PROTO_TCP, 0, "0/tcp", &err), -EINVAL);
	for (uint16_t p = 1000; n.nport < NET_MAX_FORWARDS; p++)
		assert_int_equal(netopts_publish_exposed(&n, NET_PROTO_TCP, p, "p", &err), 0);
	assert_int_equal(netopts_publish_exposed(&n, NET_PROTO_TCP, 2000, "2000/tcp", &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "-P: the image exposes more ports than the 64"));
	netopts_free(&n);
}

static void test_dns(void **state)
{
	(void)state;
	struct netopts n;
	struct sb_error err = {0};
	netopts_init(&n);
	assert_int_equal(netopts_parse_dns("1.1.1.1", &n, &err), 0);
	assert_int_equal(netopts_parse_dns("2001:DB8:0:0::1", &n, &err), 0);
	assert_int_equal(netopts_parse_dns("::ffff:10.0.0.1", &n, &err), 0);
	assert_int_equal(n.ndns, 3);
	assert_string_equal(n.dns[0], "1.1.1.1");
	assert_string_equal(n.dns[1], "2001:db8::1"); /* canonical */
	assert_string_equal(n.dns[2], "::ffff:10.0.0.1");
	assert_int_equal(netopts_parse_dns("9.9.9.9", &n, &err), -EINVAL);
	assert_string_equal(
	    err.msg, "invalid --dns `9.9.9.9`: at most 3 servers (the resolver reads no more)");
	netopts_free(&n);
	const char *bad[] = {"1.2.3",
			     "",
			     "1.2.3.4 ",
			     " 1.2.3.4",
			     "01.2.3.4",
			     "1.2.3.256",
			     "::g",
			     "[::1]",
			     "fe80::1%eth0",
			     "dns.google",
			     "1.2.3.4.5",
			     "1.2.3.4/32",
			     "1111:2222:3333:4444:5555:6666:7777:8888:9999"};
	for (size_t i = 0; i < N(bad); i++)
		refused(netopts_parse_dns, "--dns", bad[i], "expected an IPv4 or IPv6 address");
}

static void test_dns_search(void **state)
{
	(void)state;
	struct netopts n;
	struct sb_error err = {0};
	netopts_init(&n);
	assert_int_equal(netopts_parse_dns_search("example.com", &n, &err), 0);
	assert_int_equal(netopts_parse_dns_search("Corp.Example.com.", &n, &err), 0);
	assert_int_equal(netopts_parse_dns_search("a-b.x1", &n, &err), 0);
	assert_int_equal(netopts_parse_dns_search("lan", &n, &err), 0);
	assert_int_equal(n.ndns_search, 4);
	assert_true(n.dns_search_set);
	assert_string_equal(n.dns_search[1], "Corp.Example.com"); /* final dot dropped */
	assert_int_equal(netopts_parse_dns_search(".", &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "others were given"));
	assert_int_equal(netopts_parse_dns_search("e.f", &n, &err), 0);
	assert_int_equal(netopts_parse_dns_search("g.h", &n, &err), 0);
	assert_int_equal(netopts_parse_dns_search("i.j", &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "at most 6 domains"));
	netopts_free(&n);

	netopts_init(&n);
	assert_int_equal(netopts_parse_dns_search(".", &n, &err), 0);
	assert_true(n.dns_search_set);
	assert_int_equal(n.ndns_search, 0);
	assert_int_equal(netopts_parse_dns_search(".", &n, &err), 0);
	assert_int_equal(netopts_parse_dns_search("x.com", &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "`.` (no search domains) was given too"));
	netopts_free(&n);

	/* the line stays within what resolvers read */
	char label[64], d[256];
	memset(label, 'a', 63);
	label[63] = '\0';
	snprintf(d, sizeof(d), "%s.%s.%s", label, label, label); /* 191 bytes */
	netopts_init(&n);
	assert_int_equal(netopts_parse_dns_search(d, &n, &err), 0);
	assert_int_equal(netopts_parse_dns_search(d, &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "248 bytes in all"));
	netopts_free(&n);

	char longlabel[80], toolong[300];
	memset(longlabel, 'a', 64);
	longlabel[64] = '\0';
	snprintf(toolong, sizeof(toolong), "%s.%s.%s.%s", label, label, label, label);
	const char *bad[] = {"",	"..",	 "a..b", ".a",	    "-a.com",
			     "a-.com",	"a_b.c", "a b",	 "1.2.3.4", "123",
			     "a.com..", "x\n",	 "é.fr", longlabel, toolong};
	for (size_t i = 0; i < N(bad); i++)
		refused(netopts_parse_dns_search, "--dns-search", bad[i], "not a domain name");
}

static void test_dns_option(void **state)
{
	(void)state;
	struct netopts n;
	struct sb_error err = {0};
	netopts_init(&n);
	assert_int_equal(netopts_parse_dns_option("ndots:2", &n, &err), 0);
	assert_int_equal(netopts_parse_dns_option("edns0", &n, &err), 0);
	assert_string_equal(n.dns_option[0], "ndots:2");
	for (int i = 2; i < NETOPTS_MAX_DNS_OPTIONS; i++)
		assert_int_equal(netopts_parse_dns_option("rotate", &n, &err), 0);
	assert_int_equal(netopts_parse_dns_option("rotate", &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "at most 16 options"));
	netopts_free(&n);
	char big[65];
	memset(big, 'x', 64);
	big[64] = '\0';
	const char *bad[] = {"", "a b", "ndots:2\nnameserver 6.6.6.6", "#x", "a;b", "\t", big};
	for (size_t i = 0; i < N(bad); i++)
		refused(netopts_parse_dns_option, "--dns-option", bad[i],
			"expected one resolv.conf");
	big[63] = '\0';
	netopts_init(&n);
	assert_int_equal(netopts_parse_dns_option(big, &n, &err), 0);
	netopts_free(&n);
}

static void test_add_host(void **state)
{
	(void)state;
	struct netopts n;
	struct sb_error err = {0};
	netopts_init(&n);
	assert_int_equal(netopts_parse_add_host("db:10.0.0.5", &n, &err), 0);
	assert_int_equal(netopts_parse_add_host("web.local=192.168.1.2", &n, &err), 0);
	assert_int_equal(netopts_parse_add_host("v6:::1", &n, &err), 0);
	assert_int_equal(netopts_parse_add_host("v6b=[2001:DB8::0:1]", &n, &err), 0);
	assert_int_equal(netopts_parse_add_host("v4b=[10.1.1.1]", &n, &err), 0);
	assert_int_equal(netopts_parse_add_host("host.docker.internal:host-gateway", &n, &err), 0);
	assert_int_equal(netopts_parse_add_host("my_host-1=fe80::1", &n, &err), 0);
	assert_int_equal(n.nhost, 7);
	assert_string_equal(n.host[0].name, "db");
	assert_string_equal(n.host[0].addr, "10.0.0.5");
	assert_string_equal(n.host[1].name, "web.local");
	assert_string_equal(n.host[2].name, "v6");
	assert_string_equal(n.host[2].addr, "::1");
	assert_string_equal(n.host[3].addr, "2001:db8::1");
	assert_string_equal(n.host[4].addr, "10.1.1.1");
	assert_string_equal(n.host[5].name, "host.docker.internal");
	assert_string_equal(n.host[5].addr, NETOPTS_HOST_GATEWAY);
	assert_true(n.host[5].gateway);
	assert_false(n.host[0].gateway);
	assert_string_equal(n.host[6].addr, "fe80::1");
	netopts_free(&n);

	/* bounded */
	netopts_init(&n);
	for (int i = 0; i < NETOPTS_MAX_HOSTS; i++)
		assert_int_equal(netopts_parse_add_host("a:1.2.3.4", &n, &err), 0);
	assert_int_equal(netopts_parse_add_host("a:1.2.3.4", &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "at most 256 entries"));
	netopts_free(&n);

	refused(netopts_parse_add_host, "--add-host", "x", "expected NAME:IP or NAME=IP");
	refused(netopts_parse_add_host, "--add-host", "", "expected NAME:IP or NAME=IP");
	const char *badname[] = {":1.2.3.4",	"=1.2.3.4",    "a b:1.2.3.4",
				 "-a:1.2.3.4",	".a:1.2.3.4",  "a\n1.2.3.4 evil:1.2.3.4",
				 "a#b:1.2.3.4", "a/b=1.2.3.4", "[a]:1.2.3.4"};
	for (size_t i = 0; i < N(badname); i++)
		refused(netopts_parse_add_host, "--add-host", badname[i], "bad host name");
	const char *badip[] = {"a:",	    "a=",	   "a:1.2.3",	  "a:host-gateway2",
			       "a:[]",	    "a:[::1",	   "a:1.2.3.4 ",  "a=b=1.2.3.4",
			       "a:[[::1]]", "a:localhost", "a:1.2.3.4:5", "a:fe80::1%eth0"};
	for (size_t i = 0; i < N(badip); i++)
		refused(netopts_parse_add_host, "--add-host", badip[i], "expected an IPv4 or IPv6");
	char name[300];
	memset(name, 'a', 254);
	strcpy(name + 254, ":1.2.3.4");
	refused(netopts_parse_add_host, "--add-host", name, "bad host name");
	memmove(name + 253, name + 254, strlen(name + 254) + 1); /* 253: fine */
	netopts_init(&n);
	assert_int_equal(netopts_parse_add_host(name, &n, &err), 0);
	netopts_free(&n);
}

static void test_mac(void **state)
{
	(void)state;
	struct netopts n;
	struct sb_error err = {0};
	netopts_init(&n);
	assert_int_equal(netopts_parse_mac("02:42:ac:11:00:02", &n, &err), 0);
	assert_true(n.mac_set);
	static const uint8_t want[6] = {0x02, 0x42, 0xac, 0x11, 0x00, 0x02};
	assert_memory_equal(n.mac, want, 6);
	assert_int_equal(netopts_parse_mac("FE:FF:FF:FF:FF:FF", &n, &err), 0);
	assert_int_equal(n.mac[0], 0xfe);
	netopts_free(&n);
	refused(netopts_parse_mac, "--mac-address", "01:00:00:00:00:00", "a multicast address");
	refused(netopts_parse_mac, "--mac-address", "ff:ff:ff:ff:ff:ff", "a multicast address");
	refused(netopts_parse_mac, "--mac-address", "33:33:00:00:00:01", "a multicast address");
	refused(netopts_parse_mac, "--mac-address", "00:00:00:00:00:00", "all zero");
	const char *bad[] = {"",
			     "02:42:ac:11:00",
			     "02:42:ac:11:00:02:03",
			     "02-42-ac-11-00-02",
			     "0242.ac11.0002",
			     "2:42:ac:11:00:02",
			     "02:42:ac:11:00:0g",
			     "02:42:ac:11:00:2 ",
			     "02:42:ac:11:00:-2",
			     "02:42:ac:11::002",
			     "+2:42:ac:11:00:02",
			     "02:42:ac:11:00:02\n"};
	for (size_t i = 0; i < N(bad); i++)
		refused(netopts_parse_mac, "--mac-address", bad[i], "expected xx:xx:xx:xx:xx:xx");
}

/* netopts_check after --network NETWORK and one other option, `what`. */
static int check_after(const char *network, const char *what, struct sb_error *err)
{
	struct netopts n;
	netopts_init(&n);
	assert_int_equal(netopts_parse_network(network, &n, err), 0);
	if (!strcmp(what, "-p"))
		assert_int_equal(netopts_parse_publish("80", &n, err), 0);
	else if (!strcmp(what, "-P"))
		n.publish_all = true;
	else if (!strcmp(what, "--mac-address"))
		assert_int_equal(netopts_parse_mac("02:00:00:00:00:01", &n, err), 0);
	else if (!strcmp(what, "--ipv6"))
		n.ipv6 = true;
	else if (!strcmp(what, "--allow-host-loopback"))
		n.allow_host_loopback = true;
	else if (!strcmp(what, "host-gateway"))
		assert_int_equal(netopts_parse_add_host("h:host-gateway", &n, err), 0);
	else if (!strcmp(what, "--add-host"))
		assert_int_equal(netopts_parse_add_host("h:1.2.3.4", &n, err), 0);
	else if (!strcmp(what, "--dns"))
		assert_int_equal(netopts_parse_dns("1.2.3.4", &n, err), 0);
	else if (!strcmp(what, "--dns-search"))
		assert_int_equal(netopts_parse_dns_search("x.com", &n, err), 0);
	else if (!strcmp(what, "--dns-option"))
		assert_int_equal(netopts_parse_dns_option("ndots:1", &n, err), 0);
	int r = netopts_check(&n, err);
	netopts_free(&n);
	return r;
}

static void test_check(void **state)
{
	(void)state;
	struct sb_error err = {0};
	const char *all[] = {
	    "-p",	    "-P",	  "--mac-address", "--ipv6",	   "--allow-host-loopback",
	    "host-gateway", "--add-host", "--dns",	   "--dns-search", "--dns-option"};
	for (size_t i = 0; i < N(all); i++)
		assert_int_equal(check_after("slirp", all[i], &err), 0);
	/* none: the device and host-side options conflict; the guest files do not */
	for (size_t i = 0; i < N(all); i++) {
		int r = check_after("none", all[i], &err);
		if (i < 6) {
			assert_int_equal(r, -EINVAL);
			assert_non_null(strstr(err.msg, "conflicting options: "));
			assert_non_null(strstr(err.msg, "and --network none"));
			assert_null(strchr(err.msg, '\n'));
		} else {
			assert_int_equal(r, 0);
		}
	}
	assert_int_equal(check_after("none", "-p", &err), -EINVAL);
	assert_string_equal(err.msg, "conflicting options: -p and --network none (the VM has no "
				     "network device)");
	/* tap: slirp's host side conflicts; MAC and IPv6 are the guest's own */
	const char *tap_bad[] = {"-p", "-P", "--allow-host-loopback", "host-gateway"};
	for (size_t i = 0; i < N(tap_bad); i++) {
		assert_int_equal(check_after("tap:tap0,ip=10.0.0.2/24", tap_bad[i], &err), -EINVAL);
		assert_non_null(strstr(err.msg, "needs --network slirp, not tap:tap0"));
	}
	assert_int_equal(check_after("tap:tap0,ip=10.0.0.2/24", "--mac-address", &err), 0);
	assert_int_equal(check_after("tap:tap0,ip=10.0.0.2/24", "--ipv6", &err), 0);
	assert_int_equal(check_after("tap:tap0,ip=10.0.0.2/24", "--dns", &err), 0);
	/* IPv6 needs a 1280-byte link */
	assert_int_equal(check_after("slirp:mtu=1279", "--ipv6", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "IPv6 needs an MTU of at least 1280"));
	assert_int_equal(check_after("slirp:mtu=1280", "--ipv6", &err), 0);
	assert_int_equal(check_after("slirp:mtu=1279", "-p", &err), 0);
}

static void test_apply(void **state)
{
	(void)state;
	struct netopts n;
	struct net_config c;
	struct net_forward fwd[NET_MAX_FORWARDS];
	struct sb_error err = {0};
	static const uint8_t mac0[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

	/* nothing given: the config keeps its defaults */
	netopts_init(&n);
	memset(&c, 0, sizeof(c));
	c.mode = NET_MODE_SLIRP;
	c.mtu = NET_MTU_SLIRP;
	memcpy(c.mac, mac0, 6);
	netopts_apply(&n, &c, fwd);
	assert_int_equal(c.mode, NET_MODE_SLIRP);
	assert_int_equal(c.mtu, NET_MTU_SLIRP);
	assert_memory_equal(c.mac, mac0, 6);
	assert_int_equal(c.nfwd, 0);
	assert_false(c.ipv6 || c.allow_host_loopback);

	assert_int_equal(netopts_parse_network("slirp:mtu=9000", &n, &err), 0);
	assert_int_equal(netopts_parse_mac("02:00:00:00:00:07", &n, &err), 0);
	assert_int_equal(netopts_parse_publish("127.0.0.1:8080:80", &n, &err), 0);
	assert_int_equal(netopts_parse_publish("53/udp", &n, &err), 0);
	assert_int_equal(netopts_parse_publish("9000-9005:90", &n, &err), 0);
	n.ipv6 = n.allow_host_loopback = true;
	netopts_apply(&n, &c, fwd);
	assert_int_equal(c.mtu, 9000);
	assert_int_equal(c.mac[5], 7);
	assert_true(c.ipv6 && c.allow_host_loopback);
	assert_ptr_equal(c.fwd, fwd);
	assert_int_equal(c.nfwd, 3);
	assert_int_equal(fwd[0].proto, NET_PROTO_TCP);
	assert_string_equal(fwd[0].host_addr, "127.0.0.1");
	assert_int_equal(fwd[0].host_port, 8080);
	assert_int_equal(fwd[0].guest_port, 80);
	assert_int_equal(fwd[1].proto, NET_PROTO_UDP);
	assert_null(fwd[1].host_addr);
	assert_int_equal(fwd[1].host_port, 0);
	assert_int_equal(fwd[1].guest_port, 53);
	assert_int_equal(fwd[2].host_port, 9000); /* a host range: its first port */
	assert_int_equal(netopts_parse_network("none", &n, &err), 0);
	netopts_apply(&n, &c, fwd);
	assert_int_equal(c.mode, NET_MODE_NONE);
	netopts_free(&n);
}

static void test_shown(void **state)
{
	(void)state;
	char b[SHOWN_MAX], in[200];
	assert_string_equal(shown_text("", b), "");
	assert_string_equal(shown_text("a\tb\xff", b), "a?b?");
	memset(in, 'x', 80);
	in[80] = '\0';
	assert_int_equal(strlen(shown_text(in, b)), 80);
	in[80] = 'y';
	in[81] = '\0';
	assert_int_equal(strlen(shown_text(in, b)), 83);
	assert_string_equal(b + 80, "...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_network),
	    cmocka_unit_test(test_network_tap_options),
	    cmocka_unit_test(test_publish_forms),
	    cmocka_unit_test(test_publish_bad),
	    cmocka_unit_test(test_publish_many),
	    cmocka_unit_test(test_publish_clash),
	    cmocka_unit_test(test_publish_exposed),
	    cmocka_unit_test(test_dns),
	    cmocka_unit_test(test_dns_search),
	    cmocka_unit_test(test_dns_option),
	    cmocka_unit_test(test_add_host),
	    cmocka_unit_test(test_mac),
	    cmocka_unit_test(test_check),
	    cmocka_unit_test(test_apply),
	    cmocka_unit_test(test_shown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
