/* Tests for guest-init/net.c on real interfaces: a fresh network namespace per test, a tap as eth0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "net.h"

static int tap_fd = -1;

/* A new network namespace (only lo, down) for each test; SKIP where this
 * process may not make one (not root, or a sandbox without namespaces). */
static int fresh_netns(void **state)
{
	(void)state;
	if (unshare(CLONE_NEWNET) < 0) {
		print_message("SKIP: unshare(CLONE_NEWNET): %s (needs root)\n", strerror(errno));
		return 0;
	}
	*state = (void *)1;
	return 0;
}

static int close_tap(void **state)
{
	(void)state;
	if (tap_fd >= 0)
		close(tap_fd);
	tap_fd = -1;
	return 0;
}

#define NEED_NETNS()                                                                               \
	do {                                                                                       \
		if (!*state)                                                                       \
			skip();                                                                    \
	} while (0)

/* eth0 as a tap, held open (so it has a carrier); SKIP without /dev/net/tun. */
static void make_tap(void)
{
	tap_fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (tap_fd < 0) {
		print_message("SKIP: /dev/net/tun: %s\n", strerror(errno));
		skip();
	}
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI};
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "eth0");
	assert_int_equal(ioctl(tap_fd, TUNSETIFF, &ifr), 0);
}

static struct config_net slirp_nic(void)
{
	struct config_net n = {.mode = CONFIG_NET_NIC, .mtu = 65520, .prefix = 24};
	inet_pton(AF_INET, "10.0.2.15", &n.addr);
	inet_pton(AF_INET, "10.0.2.2", &n.gateway);
	n.has_gateway = true;
	return n;
}

static int if_req(const char *name, unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	int r = ioctl(s, req, ifr);
	close(s);
	return r;
}

static bool is_up(const char *name)
{
	struct ifreq ifr;
	assert_int_equal(if_req(name, SIOCGIFFLAGS, &ifr), 0);
	return ifr.ifr_flags & IFF_UP;
}

static const char *if_addr(const char *name, unsigned long req)
{
	static char text[INET_ADDRSTRLEN];
	struct ifreq ifr;
	if (if_req(name, req, &ifr) < 0)
		return strerror(errno);
	struct sockaddr_in sin;
	memcpy(&sin, &ifr.ifr_addr, sizeof(sin));
	return inet_ntop(AF_INET, &sin.sin_addr, text, sizeof(text));
}

static const char *slurp(const char *path)
{
	static char text[8192];
	FILE *f = fopen(path, "r");
	if (!f)
		return "";
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return text;
}

static void test_none_lo_only(void **state)
{
	NEED_NETNS();
	make_tap();
	struct config_net n = {0};
	struct sb_error err = {0};
	assert_int_equal(net_setup(&n, &err), 0);
	assert_true(is_up("lo"));
	assert_string_equal(if_addr("lo", SIOCGIFADDR), "127.0.0.1");
	assert_false(is_up("eth0")); /* a NIC the run did not ask for stays down */
	/* IPv6 off everywhere: no ::1, no link-local address. */
	assert_string_equal(slurp("/proc/sys/net/ipv6/conf/all/disable_ipv6"), "1\n");
	assert_string_equal(slurp("/proc/sys/net/ipv6/conf/lo/disable_ipv6"), "1\n");
	assert_string_equal(slurp("/proc/sys/net/ipv6/conf/eth0/disable_ipv6"), "1\n");
	assert_string_equal(slurp("/proc/sys/net/ipv6/conf/default/disable_ipv6"), "1\n");
	assert_string_equal(slurp("/proc/net/if_inet6"), "");
}

static void test_nic_ipv4(void **state)
{
	NEED_NETNS();
	make_tap();
	struct config_net n = slirp_nic();
	struct sb_error err = {0};
	if (net_setup(&n, &err) < 0)
		fail_msg("net_setup: %s", err.msg);
	assert_true(is_up("lo"));
	assert_true(is_up("eth0"));
	assert_string_equal(if_addr("eth0", SIOCGIFADDR), "10.0.2.15");
	assert_string_equal(if_addr("eth0", SIOCGIFNETMASK), "255.255.255.0");
	assert_string_equal(if_addr("eth0", SIOCGIFBRDADDR), "10.0.2.255");
	struct ifreq ifr;
	assert_int_equal(if_req("eth0", SIOCGIFMTU, &ifr), 0);
	assert_int_equal(ifr.ifr_mtu, 65520);
	/* The default route: destination 0, gateway 10.0.2.2 (hex in host order). */
	const char *routes = slurp("/proc/net/route");
	if (!strstr(routes, "eth0\t00000000\t0202000A\t0003"))
		fail_msg("no default route via 10.0.2.2 in:\n%s", routes);
	assert_string_equal(slurp("/proc/net/if_inet6"), "");
}

static void test_nic_ipv6(void **state)
{
	NEED_NETNS();
	make_tap();
	struct config_net n = slirp_nic();
	n.mtu = 0; /* the tap's own 1500 stays */
	n.has_gateway = false;
	n.ipv6 = true;
	n.has_addr6 = true;
	n.prefix6 = 64;
	inet_pton(AF_INET6, "fec0::15", &n.addr6);
	inet_pton(AF_INET6, "fec0::2", &n.gateway6);
	n.has_gateway6 = true;
	struct sb_error err = {0};
	if (net_setup(&n, &err) < 0)
		fail_msg("net_setup: %s", err.msg);
	struct ifreq ifr;
	assert_int_equal(if_req("eth0", SIOCGIFMTU, &ifr), 0);
	assert_int_equal(ifr.ifr_mtu, 1500);
	const char *routes = slurp("/proc/net/route");
	assert_null(strstr(routes, "\t00000000\t0202000A")); /* no IPv4 default route */
	const char *addrs = slurp("/proc/net/if_inet6");
	if (!strstr(addrs, "00000000000000000000000000000001 01 80 10 80       lo") ||
	    !strstr(addrs, "fec00000000000000000000000000015 02 40 40 80     eth0"))
		fail_msg("want ::1 on lo and a permanent fec0::15/64 on eth0 in:\n%s", addrs);
	const char *routes6 = slurp("/proc/net/ipv6_route");
	if (!strstr(routes6, "00000000000000000000000000000000 00 00000000000000000000000000000000 "
			     "00 fec00000000000000000000000000002"))
		fail_msg("no IPv6 default route via fec0::2 in:\n%s", routes6);
}

static void test_nic_missing(void **state)
{
	NEED_NETNS();
	struct config_net n = slirp_nic();
	struct sb_error err = {0};
	assert_int_equal(net_setup(&n, &err), -ENODEV);
	assert_string_equal(err.msg, "network: no network interface besides lo: No such device");
	assert_true(is_up("lo"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_none_lo_only, fresh_netns, close_tap),
	    cmocka_unit_test_setup_teardown(test_nic_ipv4, fresh_netns, close_tap),
	    cmocka_unit_test_setup_teardown(test_nic_ipv6, fresh_netns, close_tap),
	    cmocka_unit_test_setup_teardown(test_nic_missing, fresh_netns, close_tap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
