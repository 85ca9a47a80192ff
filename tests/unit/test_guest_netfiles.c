/* Unit tests for guest-init/netfiles.c: /etc/hosts, hostname, resolv.conf contents and the safe
 * writer. */
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi.h"
#include "config.h"
#include "netfiles.h"

static struct config_ip ip(const char *text)
{
	struct config_ip a = {.family = strchr(text, ':') ? AF_INET6 : AF_INET};
	assert_int_equal(inet_pton(a.family, text, &a.u), 1);
	return a;
}

/* The slirp NIC: 10.0.2.15/24 via 10.0.2.2. */
static struct config_net nic(void)
{
	struct config_net n = {.mode = CONFIG_NET_NIC, .prefix = 24, .has_gateway = true};
	n.addr = ip("10.0.2.15").u.v4;
	n.gateway = ip("10.0.2.2").u.v4;
	return n;
}

static char buf[NETFILES_MAX];

static void test_hosts_none(void **state)
{
	(void)state;
	struct config_net n = {0};
	int len = netfiles_hosts(&n, "sandbox", buf, sizeof(buf));
	assert_string_equal(buf, "127.0.0.1\tlocalhost\n");
	assert_int_equal(len, (int)strlen(buf));
	/* IPv6 off: extra hosts with IPv6 addresses are left out too. */
	struct config_host extra[] = {{"db", ip("192.168.1.9")}, {"v6", ip("2001:db8:0::1")}};
	n.hosts = extra;
	n.nhosts = 2;
	netfiles_hosts(&n, "sandbox", buf, sizeof(buf));
	assert_string_equal(buf, "127.0.0.1\tlocalhost\n192.168.1.9\tdb\n");
	/* IPv6 on: docker's lines; still no line of our own without a NIC. */
	n.ipv6 = true;
	netfiles_hosts(&n, "sandbox", buf, sizeof(buf));
	assert_string_equal(buf, "127.0.0.1\tlocalhost\n"
				 "::1\tlocalhost ip6-localhost ip6-loopback\n"
				 "fe00::\tip6-localnet\n"
				 "ff00::\tip6-mcastprefix\n"
				 "ff02::1\tip6-allnodes\n"
				 "ff02::2\tip6-allrouters\n"
				 "192.168.1.9\tdb\n"
				 "2001:db8::1\tv6\n");
}

static void test_hosts_nic(void **state)
{
	(void)state;
	struct config_net n = nic();
	struct config_host extra[] = {{"db", ip("10.0.2.9")}};
	n.hosts = extra;
	n.nhosts = 1;
	netfiles_hosts(&n, "web-1", buf, sizeof(buf));
	assert_string_equal(buf, "127.0.0.1\tlocalhost\n"
				 "10.0.2.9\tdb\n"
				 "10.0.2.15\tweb-1\n");
	/* A dotted hostname also gets its first label; IPv6 adds its own line. */
	n.ipv6 = true;
	n.has_addr6 = true;
	n.addr6 = ip("fec0::15").u.v6;
	n.nhosts = 0;
	netfiles_hosts(&n, "web.example.com", buf, sizeof(buf));
	assert_non_null(strstr(buf, "ff02::2\tip6-allrouters\n"
				    "10.0.2.15\tweb.example.com web\n"
				    "fec0::15\tweb.example.com web\n"));
}

static void test_resolv(void **state)
{
	(void)state;
	struct config_net n = {.has_dns = true};
	assert_int_equal(netfiles_resolv(&n, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	struct config_ip dns[] = {ip("10.0.2.3"), ip("fec0:0:0::3")};
	char *search[] = {"example.com", "corp", NULL};
	char *options[] = {"ndots:2", "edns0", NULL};
	n.dns = dns;
	n.ndns = 2;
	n.search = search;
	n.nsearch = 2;
	n.options = options;
	n.noptions = 2;
	netfiles_resolv(&n, buf, sizeof(buf));
	assert_string_equal(buf, "search example.com corp\n"
				 "nameserver 10.0.2.3\n"
				 "nameserver fec0::3\n"
				 "options ndots:2 edns0\n");
	/* docker: --dns-search . means no search line. */
	char *dot[] = {".", NULL};
	n.search = dot;
	n.nsearch = 1;
	n.noptions = 0;
	n.ndns = 1;
	netfiles_resolv(&n, buf, sizeof(buf));
	assert_string_equal(buf, "nameserver 10.0.2.3\n");
	assert_int_equal(netfiles_hostname("h1", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "h1\n");
}

/* Every buffer too small says -ENOSPC and leaves an empty string. */
static void test_small_buffers(void **state)
{
	(void)state;
	struct config_net n = nic();
	n.ipv6 = true;
	int full = netfiles_hosts(&n, "web-1", buf, sizeof(buf));
	assert_true(full > 0);
	for (int size = 0; size <= full; size++) {
		char *small = malloc((size_t)size + 1);
		assert_int_equal(netfiles_hosts(&n, "web-1", small, (size_t)size), -ENOSPC);
		if (size)
			assert_string_equal(small, "");
		free(small);
	}
	char exact[256];
	assert_int_equal(netfiles_hosts(&n, "web-1", exact, (size_t)full + 1), full);
	assert_int_equal(netfiles_hostname("web-1", exact, 6), -ENOSPC);
}

/* The largest file the ABI's bounds allow fits NETFILES_MAX. */
static void test_bounds_fit(void **state)
{
	(void)state;
	static struct config_host hosts[ABI_NET_MAX_HOSTS];
	static char name[ABI_NET_NAME_MAX + 1];
	memset(name, 'n', ABI_NET_NAME_MAX);
	for (int i = 0; i < ABI_NET_MAX_HOSTS; i++)
		hosts[i] =
		    (struct config_host){name, ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")};
	char host[ABI_HOSTNAME_MAX + 1];
	memset(host, 'h', ABI_HOSTNAME_MAX);
	host[ABI_HOSTNAME_MAX] = '\0';
	struct config_net n = nic();
	n.ipv6 = true;
	n.has_addr6 = true;
	n.addr6 = ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe").u.v6;
	n.hosts = hosts;
	n.nhosts = ABI_NET_MAX_HOSTS;
	assert_true(netfiles_hosts(&n, host, buf, sizeof(buf)) > 0);
	static char *search[ABI_NET_MAX_SEARCH + 1], *opts[ABI_NET_MAX_OPTIONS + 1];
	static struct config_ip dns[ABI_NET_MAX_DNS];
	static char opt[ABI_NET_OPTION_MAX + 1];
	memset(opt, 'o', ABI_NET_OPTION_MAX);
	for (int i = 0; i < ABI_NET_MAX_SEARCH; i++)
		search[i] = name;
	for (int i = 0; i < ABI_NET_MAX_OPTIONS; i++)
		opts[i] = opt;
	for (int i = 0; i < ABI_NET_MAX_DNS; i++)
		dns[i] = ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	n.search = search;
	n.nsearch = ABI_NET_MAX_SEARCH;
	n.options = opts;
	n.noptions = ABI_NET_MAX_OPTIONS;
	n.dns = dns;
	n.ndns = ABI_NET_MAX_DNS;
	assert_true(netfiles_resolv(&n, buf, sizeof(buf)) > 0);
}

/* --- the writer, on a temporary root --- */

static char root[64];

static int setup_root(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/netfiles-XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown_root(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static void path(char *out, const char *rel)
{
	snprintf(out, 256, "%s/%s", root, rel);
}

static const char *slurp(const char *rel)
{
	static char text[4096];
	char p[256];
	path(p, rel);
	FILE *f = fopen(p, "r");
	if (!f)
		return NULL;
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return text;
}

static void put_file(const char *rel, const char *text, mode_t mode)
{
	char p[256];
	path(p, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
}

static void test_write_fresh_root(void **state)
{
	(void)state;
	struct config_net n = nic();
	struct config_ip dns[] = {ip("10.0.2.3")};
	n.dns = dns;
	n.ndns = 1;
	n.has_dns = true;
	struct sb_error err = {0};
	assert_int_equal(netfiles_write(root, &n, "box", &err), 0); /* makes /etc */
	assert_string_equal(slurp("etc/hosts"), "127.0.0.1\tlocalhost\n10.0.2.15\tbox\n");
	assert_string_equal(slurp("etc/hostname"), "box\n");
	assert_string_equal(slurp("etc/resolv.conf"), "nameserver 10.0.2.3\n");
	char p[256];
	struct stat st;
	path(p, "etc/hosts");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	path(p, "etc");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
}

/* Symlinks are replaced, never followed (ubuntu's resolv.conf points into
 * /run); read-only files and leftover temporaries are replaced; without DNS
 * settings the image's resolv.conf stays. */
static void test_write_replaces_links(void **state)
{
	(void)state;
	char p[256], target[256];
	path(p, "etc");
	assert_int_equal(mkdir(p, 0755), 0);
	path(p, "run");
	assert_int_equal(mkdir(p, 0755), 0);
	put_file("run/stub-resolv.conf", "nameserver 127.0.0.53\n", 0644);
	path(p, "etc/resolv.conf");
	assert_int_equal(symlink("../run/stub-resolv.conf", p), 0);
	path(p, "etc/hosts");
	path(target, "run/stub-resolv.conf");
	assert_int_equal(symlink(target, p), 0); /* absolute, to a file that exists */
	put_file("etc/hostname", "old\n", 0444);
	path(p, "etc/.hostname.sandbox-new");
	assert_int_equal(symlink("/proc/sysrq-trigger", p), 0);

	struct config_net n = {0}; /* mode none, no DNS settings */
	struct sb_error err = {0};
	assert_int_equal(netfiles_write(root, &n, "box", &err), 0);
	assert_string_equal(slurp("run/stub-resolv.conf"), "nameserver 127.0.0.53\n");
	assert_string_equal(slurp("etc/hosts"), "127.0.0.1\tlocalhost\n");
	assert_string_equal(slurp("etc/hostname"), "box\n");
	struct stat st;
	path(p, "etc/hosts");
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	path(p, "etc/resolv.conf"); /* untouched: still the image's symlink */
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	path(p, "etc/.hostname.sandbox-new");
	assert_int_equal(lstat(p, &st), -1);

	/* With DNS settings the symlink itself is replaced. */
	n.has_dns = true;
	char *search[] = {"corp", NULL};
	n.search = search;
	n.nsearch = 1;
	assert_int_equal(netfiles_write(root, &n, "box", &err), 0);
	assert_string_equal(slurp("etc/resolv.conf"), "search corp\n");
	assert_string_equal(slurp("run/stub-resolv.conf"), "nameserver 127.0.0.53\n");
	path(p, "etc/resolv.conf");
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

static void test_write_refuses(void **state)
{
	(void)state;
	char p[256];
	struct config_net n = {0};
	struct sb_error err = {0};
	/* /etc a symlink: nothing is written through it. */
	path(p, "elsewhere");
	assert_int_equal(mkdir(p, 0755), 0);
	path(p, "etc");
	assert_int_equal(symlink("elsewhere", p), 0);
	assert_true(netfiles_write(root, &n, "box", &err) < 0);
	assert_non_null(strstr(err.msg, "`/etc` is a symlink"));
	assert_null(slurp("elsewhere/hosts"));
	/* /etc/hosts a directory: a clear error, no temporary left behind. */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	path(p, "etc/hosts");
	assert_int_equal(mkdir(p, 0755), 0);
	put_file("etc/hosts/keep", "x", 0644);
	assert_true(netfiles_write(root, &n, "box", &err) < 0);
	assert_non_null(strstr(err.msg, "write `/etc/hosts`"));
	path(p, "etc/.hosts.sandbox-new");
	struct stat st;
	assert_int_equal(lstat(p, &st), -1);
	assert_string_equal(slurp("etc/hosts/keep"), "x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hosts_none),
	    cmocka_unit_test(test_hosts_nic),
	    cmocka_unit_test(test_resolv),
	    cmocka_unit_test(test_small_buffers),
	    cmocka_unit_test(test_bounds_fit),
	    cmocka_unit_test_setup_teardown(test_write_fresh_root, setup_root, teardown_root),
	    cmocka_unit_test_setup_teardown(test_write_replaces_links, setup_root, teardown_root),
	    cmocka_unit_test_setup_teardown(test_write_refuses, setup_root, teardown_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
