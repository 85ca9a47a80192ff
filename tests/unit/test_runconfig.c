/* Unit tests for host/runconfig*.c: round trips through the guest parser, and host-side checks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <libfdt.h>

#include "abi.h"
#include "config.h"
#include "netfiles.h"
#include "runconfig.h"

/* Build rc, parse it back; returns the blob (free it after config_free). */
static void *round_trip(const struct runconfig *rc, struct config *cfg)
{
	void *blob = NULL;
	size_t len = 0;
	struct sb_error err = {0};
	int r = runconfig_build(rc, &blob, &len, &err);
	if (r < 0)
		fail_msg("runconfig_build: %s", err.msg);
	assert_true(len <= ABI_CONFIG_MAX_BYTES);
	assert_int_equal(fdt_totalsize(blob), len);
	r = config_parse(blob, len, cfg, &err);
	if (r < 0)
		fail_msg("config_parse: %s", err.msg);
	return blob;
}

static void build_fails(const struct runconfig *rc, const char *want)
{
	void *blob = NULL;
	size_t len = 0;
	struct sb_error err = {0};
	int r = runconfig_build(rc, &blob, &len, &err);
	if (r == 0 || !strstr(err.msg, want))
		fail_msg("want failure with \"%s\", got r=%d msg=\"%s\"", want, r, err.msg);
	assert_null(blob);
}

static void test_full_round_trip(void **state)
{
	(void)state;
	char *argv[] = {"/bin/sh", "-c", "echo \"$A\"", "", NULL};
	char *env[] = {"A=1", "B=x=y", "EMPTY=", NULL};
	char *masked[] = {"/proc/kcore", "/sys/firmware", NULL}, *ro[] = {"/proc/sys", NULL};
	const uint64_t caps[5] = {0xa80425fb, 0x400, 0x401, 1, UINT64_C(1) << 40};
	struct runconfig rc = {
	    .caps = caps,
	    .caps_root_only = true,
	    .no_new_privs = true,
	    .masked = masked,
	    .readonly = ro,
	    .argv = argv,
	    .env = env,
	    .cwd = "/work dir",
	    .user = "app:staff",
	    .hostname = "h1",
	    .time_ns = 1700000000123456789ull,
	    .tty = true,
	    .rows = 51,
	    .cols = 203,
	    .limits = {.memory_max = 256ull << 20,
		       .pids_max = 100,
		       .cpu_quota_us = 50000,
		       .cpu_period_us = 200000},
	};
	struct config cfg;
	void *blob = round_trip(&rc, &cfg);
	assert_int_equal(cfg.argc, 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(cfg.argv[i], argv[i]);
	assert_null(cfg.argv[4]);
	assert_int_equal(cfg.envc, 3);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(cfg.env[i], env[i]);
	assert_string_equal(cfg.cwd, "/work dir");
	assert_string_equal(cfg.user, "app:staff");
	assert_string_equal(cfg.hostname, "h1");
	assert_true(cfg.has_time);
	assert_true(cfg.time_ns == 1700000000123456789ull);
	assert_true(cfg.tty);
	assert_int_equal(cfg.rows, 51);
	assert_int_equal(cfg.cols, 203);
	assert_true(cfg.limits.memory_max == 256ull << 20);
	assert_int_equal(cfg.limits.pids_max, 100);
	assert_int_equal(cfg.limits.cpu_quota_us, 50000);
	assert_int_equal(cfg.limits.cpu_period_us, 200000);
	assert_true(cfg.has_caps && cfg.caps_root_only && cfg.no_new_privs);
	assert_memory_equal(cfg.caps, caps, sizeof(caps));
	assert_int_equal(cfg.n_masked, 2);
	assert_string_equal(cfg.masked[1], "/sys/firmware");
	assert_int_equal(cfg.n_readonly, 1);
	assert_string_equal(cfg.readonly[0], "/proc/sys");
	config_free(&cfg);
	free(blob);
}

static void test_defaults_round_trip(void **state)
{
	(void)state;
	char *argv[] = {"true", NULL};
	struct runconfig rc = {.argv = argv, .limits = {.cpu_quota_us = 150000}};
	struct config cfg;
	void *blob = round_trip(&rc, &cfg);
	assert_int_equal(cfg.argc, 1);
	assert_int_equal(cfg.envc, 0);
	assert_string_equal(cfg.cwd, "/");
	assert_string_equal(cfg.user, "");
	assert_string_equal(cfg.hostname, "sandbox");
	assert_false(cfg.has_time); /* time_ns 0: leave the guest clock alone */
	assert_false(cfg.tty);
	assert_int_equal(cfg.rows + cfg.cols, 0);
	assert_int_equal(cfg.limits.memory_max, 0);
	assert_int_equal(cfg.limits.cpu_quota_us, 150000);
	assert_int_equal(cfg.limits.cpu_period_us, ABI_CPU_PERIOD_DEFAULT);
	config_free(&cfg);
	free(blob);
}

/* Every config carries ABI_SEED_BYTES random bytes of its own: two builds of
 * one runconfig differ there (a chance of 2^-512 to fail), and the guest finds
 * them. */
static void test_seed_fresh(void **state)
{
	(void)state;
	char *argv[] = {"true", NULL};
	struct runconfig rc = {.argv = argv};
	struct config a, b;
	void *blob_a = round_trip(&rc, &a);
	void *blob_b = round_trip(&rc, &b);
	assert_non_null(a.seed);
	assert_non_null(b.seed);
	assert_int_equal(a.seed_len, ABI_SEED_BYTES);
	assert_int_equal(b.seed_len, ABI_SEED_BYTES);
	assert_memory_not_equal(a.seed, b.seed, ABI_SEED_BYTES);
	static const uint8_t zero[ABI_SEED_BYTES];
	assert_memory_not_equal(a.seed, zero, ABI_SEED_BYTES);
	config_free(&a);
	config_free(&b);
	free(blob_a);
	free(blob_b);
}

/* A config needing several buffer doublings, and the ABI's maximum counts. */
static void test_large(void **state)
{
	(void)state;
	size_t n = ABI_MAX_ARGS;
	char **argv = calloc(n + 1, sizeof(char *));
	char *big = malloc(100);
	memset(big, 'x', 99);
	big[99] = '\0';
	for (size_t i = 0; i < n; i++)
		argv[i] = big;
	char **env = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		env[i] = "K=v";
	struct runconfig rc = {.argv = argv, .env = env};
	struct config cfg;
	void *blob = round_trip(&rc, &cfg);
	assert_int_equal(cfg.argc, n);
	assert_int_equal(cfg.envc, n);
	assert_string_equal(cfg.argv[n - 1], big);
	config_free(&cfg);
	free(blob);

	argv[n] = big; /* one too many */
	build_fails(&rc, "argv");
	argv[n] = NULL;
	env[n] = "K=v";
	build_fails(&rc, "env");
	free(env);
	free(argv);
	free(big);

	/* Over ABI_CONFIG_MAX_BYTES in total. */
	static char huge[ABI_CONFIG_MAX_BYTES + 1];
	memset(huge, 'y', ABI_CONFIG_MAX_BYTES);
	char *hargv[] = {huge, NULL};
	struct runconfig hrc = {.argv = hargv};
	build_fails(&hrc, "argv"); /* the list alone is too big */
	huge[ABI_CONFIG_MAX_BYTES - 1] = '\0';
	build_fails(&hrc, "more than 1048576 bytes"); /* the list fits, the tree does not */
}

/* The window size: both sides or none, only with a tty, 16-bit sides survive. */
static void test_winsize(void **state)
{
	(void)state;
	char *argv[] = {"sh", NULL};
	struct runconfig rc = {.argv = argv, .rows = 24, .cols = 80};
	build_fails(&rc, "without a tty");
	rc.tty = true;
	rc.cols = 0;
	build_fails(&rc, "24x0 has a zero side");
	rc.rows = 0;
	rc.cols = 80;
	build_fails(&rc, "0x80 has a zero side");
	rc.rows = 65535;
	rc.cols = 65535;
	struct config cfg;
	void *blob = round_trip(&rc, &cfg);
	assert_true(cfg.tty);
	assert_int_equal(cfg.rows, 65535);
	assert_int_equal(cfg.cols, 65535);
	config_free(&cfg);
	free(blob);
	rc.rows = rc.cols = 0; /* unknown: no property, the guest keeps 0x0 */
	blob = round_trip(&rc, &cfg);
	assert_true(cfg.tty);
	assert_int_equal(cfg.rows + cfg.cols, 0);
	config_free(&cfg);
	free(blob);
}

static void test_host_checks(void **state)
{
	(void)state;
	char *argv[] = {"ls", NULL};
	char *empty0[] = {"", "x", NULL};
	char *none[] = {NULL};
	char *bad_env[] = {"A=1", "JUSTNAME", NULL};
	char *eq_env[] = {"=v", NULL};
	struct runconfig rc = {.argv = NULL};
	build_fails(&rc, "no command");
	rc.argv = none;
	build_fails(&rc, "no command");
	rc.argv = empty0;
	build_fails(&rc, "no command");
	rc.argv = argv;
	rc.env = bad_env;
	build_fails(&rc, "`JUSTNAME` is not NAME=VALUE");
	rc.env = eq_env;
	build_fails(&rc, "not NAME=VALUE");
	rc.env = NULL;
	rc.cwd = "relative";
	build_fails(&rc, "not an absolute path");
	rc.cwd = NULL;
	char *rel[] = {"/proc/kcore", "proc/keys", NULL};
	rc.readonly = rel;
	build_fails(&rc, "`proc/keys` is not an absolute path");
	static char *many[ABI_MASKS_MAX + 2];
	for (int i = 0; i <= ABI_MASKS_MAX; i++)
		many[i] = "/a";
	rc.readonly = NULL;
	rc.masked = many;
	build_fails(&rc, "more than 64 masked paths");
	rc.masked = NULL;
	rc.hostname = "0123456789012345678901234567890123456789012345678901234567890123456789";
	build_fails(&rc, "hostname");
	rc.hostname = NULL;
	rc.limits.cpu_period_us = 100000;
	build_fails(&rc, "cpu period without");
	rc.limits.cpu_quota_us = 10;
	build_fails(&rc, "cpu quota 10");
	rc.limits.cpu_quota_us = 20000;
	rc.limits.cpu_period_us = 2000000;
	build_fails(&rc, "cpu period 2000000");
	rc.limits.cpu_period_us = 1000;
	struct config cfg;
	void *blob = round_trip(&rc, &cfg);
	assert_int_equal(cfg.limits.cpu_period_us, 1000);
	config_free(&cfg);
	free(blob);
}

/* The network node: slirp defaults and docker's options, host struct ->
 * blob -> guest config -> the /etc files guest init writes. */
static void test_network_round_trip(void **state)
{
	(void)state;
	char *argv[] = {"true", NULL};
	struct runconfig rc = {.argv = argv, .hostname = "web-1"};
	struct config cfg;
	static char text[NETFILES_MAX];
	/* The zero value: mode none, IPv6 off, no resolv.conf. */
	void *blob = round_trip(&rc, &cfg);
	assert_int_equal(cfg.net.mode, CONFIG_NET_NONE);
	assert_false(cfg.net.ipv6);
	assert_false(cfg.net.has_dns);
	netfiles_hosts(&cfg.net, cfg.hostname, text, sizeof(text));
	assert_string_equal(text, "127.0.0.1\tlocalhost\n");
	config_free(&cfg);
	free(blob);

	runconfig_net_slirp(&rc.net, false);
	const char *hosts[] = {"db:10.0.2.9", "v6=[2001:db8::7]", "colons:2001:db8::8",
			       "gw:host-gateway", NULL};
	const char *search[] = {"example.com", NULL};
	const char *options[] = {"ndots:2", NULL};
	rc.net.extra_hosts = hosts;
	rc.net.dns_search = search;
	rc.net.dns_options = options;
	blob = round_trip(&rc, &cfg);
	assert_int_equal(cfg.net.mode, CONFIG_NET_NIC);
	assert_int_equal(cfg.net.mtu, RUNCONFIG_NET_MTU);
	assert_int_equal(cfg.net.prefix, RUNCONFIG_NET_PREFIX);
	assert_true(cfg.net.has_gateway);
	assert_false(cfg.net.has_addr6);
	netfiles_hosts(&cfg.net, cfg.hostname, text, sizeof(text));
	assert_string_equal(text, "127.0.0.1\tlocalhost\n"
				  "10.0.2.9\tdb\n"
				  "10.0.2.2\tgw\n"
				  "10.0.2.15\tweb-1\n"); /* IPv6 off: no IPv6 line */
	assert_int_equal(cfg.net.nhosts, 4);
	assert_int_equal(cfg.net.hosts[2].ip.family, AF_INET6);
	assert_string_equal(cfg.net.hosts[2].name, "colons");
	netfiles_resolv(&cfg.net, text, sizeof(text));
	assert_string_equal(text, "search example.com\nnameserver 10.0.2.3\noptions ndots:2\n");
	config_free(&cfg);
	free(blob);

	runconfig_net_slirp(&rc.net, true);
	rc.net.mtu = 1500;
	blob = round_trip(&rc, &cfg);
	assert_true(cfg.net.ipv6);
	assert_true(cfg.net.has_addr6);
	assert_true(cfg.net.has_gateway6);
	assert_int_equal(cfg.net.prefix6, RUNCONFIG_NET_PREFIX6);
	assert_int_equal(cfg.net.mtu, 1500);
	netfiles_resolv(&cfg.net, text, sizeof(text));
	assert_string_equal(text, "nameserver 10.0.2.3\nnameserver fec0::3\n");
	config_free(&cfg);
	free(blob);

	/* --network none with --dns: docker writes it, so do we. */
	const char *dns[] = {"192.0.2.53", NULL};
	rc.net = (struct runconfig_net){.dns = dns};
	blob = round_trip(&rc, &cfg);
	assert_int_equal(cfg.net.mode, CONFIG_NET_NONE);
	assert_true(cfg.net.has_dns);
	assert_int_equal(cfg.net.ndns, 1);
	config_free(&cfg);
	free(blob);
	/* An empty hostname is the default one. */
	rc.hostname = "";
	blob = round_trip(&rc, &cfg);
	assert_string_equal(cfg.hostname, "sandbox");
	config_free(&cfg);
	free(blob);
}

static void test_network_host_checks(void **state)
{
	(void)state;
	char *argv[] = {"true", NULL};
	struct runconfig rc = {.argv = argv};
	rc.hostname = "a b";
	build_fails(&rc, "hostname `a b` is not");
	rc.hostname = NULL;
	rc.net.address = RUNCONFIG_NET_ADDRESS;
	build_fails(&rc, "without a network device");
	rc.net = (struct runconfig_net){.mode = RUNCONFIG_NET_NIC};
	build_fails(&rc, "IPv4 address `(none)`");
	runconfig_net_slirp(&rc.net, false);
	rc.net.address = "10.0.2.300";
	build_fails(&rc, "`10.0.2.300` is not an IPv4 address");
	runconfig_net_slirp(&rc.net, false);
	rc.net.prefix = 33;
	build_fails(&rc, "prefix length 33");
	runconfig_net_slirp(&rc.net, false);
	rc.net.gateway = "10.0.3.2";
	build_fails(&rc, "gateway `10.0.3.2` is not another address in 10.0.2.15/24");
	rc.net.gateway = RUNCONFIG_NET_ADDRESS;
	build_fails(&rc, "is not another address");
	runconfig_net_slirp(&rc.net, false);
	rc.net.mtu = 67;
	build_fails(&rc, "MTU 67");
	runconfig_net_slirp(&rc.net, false);
	rc.net.address6 = "fec0::15";
	build_fails(&rc, "IPv6 off");
	runconfig_net_slirp(&rc.net, true);
	rc.net.gateway6 = "fec1::2";
	build_fails(&rc, "IPv6 gateway `fec1::2`");
	runconfig_net_slirp(&rc.net, true);
	rc.net.address6 = NULL;
	build_fails(&rc, "without an address");

	runconfig_net_slirp(&rc.net, false);
	const char *bad_dns[] = {"10.0.2.3", "dns.example", NULL};
	rc.net.dns = bad_dns;
	build_fails(&rc, "nameserver `dns.example` is not valid");
	runconfig_net_slirp(&rc.net, false);
	const char *bad_search[] = {"a b", NULL};
	rc.net.dns_search = bad_search;
	build_fails(&rc, "search domain `a b`");
	runconfig_net_slirp(&rc.net, false);
	const char *bad_opt[] = {"ndots 1", NULL};
	rc.net.dns_options = bad_opt;
	build_fails(&rc, "DNS option `ndots 1`");
	const char *bad_hosts[][2] = {{"noseparator", NULL}, {":1.2.3.4", NULL}, {"a:", NULL},
				      {"a b:1.2.3.4", NULL}, {"a:1.2.3", NULL},	 {"a:[]", NULL}};
	for (size_t i = 0; i < sizeof(bad_hosts) / sizeof(bad_hosts[0]); i++) {
		runconfig_net_slirp(&rc.net, false);
		rc.net.extra_hosts = bad_hosts[i];
		build_fails(&rc, "extra host");
	}
	const char *gw_host[] = {"gw:host-gateway", NULL};
	rc.net = (struct runconfig_net){.extra_hosts = gw_host};
	build_fails(&rc, "no gateway");
	static const char *many[ABI_NET_MAX_HOSTS + 2];
	for (size_t i = 0; i <= ABI_NET_MAX_HOSTS; i++)
		many[i] = "h:1.2.3.4";
	rc.net.extra_hosts = many;
	build_fails(&rc, "more than 256 extra hosts");
	many[ABI_NET_MAX_HOSTS] = NULL;
	struct config cfg;
	void *blob = round_trip(&rc, &cfg);
	assert_int_equal(cfg.net.nhosts, ABI_NET_MAX_HOSTS);
	config_free(&cfg);
	free(blob);
}

static void test_host_split(void **state)
{
	(void)state;
	char name[8], ip[INET6_ADDRSTRLEN];
	assert_int_equal(runconfig_host_split("a:1.2.3.4", name, sizeof(name), ip, sizeof(ip)), 0);
	assert_string_equal(name, "a");
	assert_string_equal(ip, "1.2.3.4");
	assert_int_equal(runconfig_host_split("b=::1", name, sizeof(name), ip, sizeof(ip)), 0);
	assert_string_equal(ip, "::1");
	assert_int_equal(runconfig_host_split("c:[::2]", name, sizeof(name), ip, sizeof(ip)), 0);
	assert_string_equal(ip, "::2");
	assert_int_equal(
	    runconfig_host_split("toolongname:1.2.3.4", name, sizeof(name), ip, sizeof(ip)),
	    -EINVAL);
	assert_int_equal(runconfig_host_split("x", name, sizeof(name), ip, sizeof(ip)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_round_trip),    cmocka_unit_test(test_defaults_round_trip),
	    cmocka_unit_test(test_seed_fresh),	       cmocka_unit_test(test_large),
	    cmocka_unit_test(test_host_checks),	       cmocka_unit_test(test_winsize),
	    cmocka_unit_test(test_network_round_trip), cmocka_unit_test(test_network_host_checks),
	    cmocka_unit_test(test_host_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
