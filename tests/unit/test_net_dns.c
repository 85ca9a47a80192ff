/* Unit tests for the DNS upstream choice (netdns): resolv.conf parsing, the local-stub fallback. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/netdns.h"

static const char *v4(const struct netdns *d, char *buf)
{
	return d->have_v4 ? inet_ntop(AF_INET, &d->v4, buf, INET6_ADDRSTRLEN) : "-";
}

static const char *v6(const struct netdns *d, char *buf)
{
	return d->have_v6 ? inet_ntop(AF_INET6, &d->v6, buf, INET6_ADDRSTRLEN) : "-";
}

static void parse(const char *text, struct netdns *r, struct netdns *l)
{
	memset(r, 0, sizeof(*r));
	memset(l, 0, sizeof(*l));
	netdns_parse(text, strlen(text), r, l);
}

static void test_parse(void **state)
{
	struct netdns r, l;
	char a[INET6_ADDRSTRLEN];
	(void)state;
	parse("# comment\n; nameserver 9.9.9.9\nsearch example.com\n"
	      "  nameserver\t192.168.1.1  # home\r\n"
	      "nameserver 192.168.1.2\nnameserver 127.0.0.53\nnameserver fe80::1%eth0\n"
	      "nameserver 2001:db8::53\nnameserver ::1\nnameservers 1.1.1.1\nnameserver\n"
	      "nameserver 1.2.3.4.5\nnameserver 0.0.0.0\n",
	      &r, &l);
	assert_string_equal(v4(&r, a), "192.168.1.1");
	assert_string_equal(v6(&r, a), "2001:db8::53");
	assert_string_equal(v4(&l, a), "127.0.0.53");
	assert_string_equal(v6(&l, a), "::1");
	/* no trailing newline, not NUL-terminated: only len bytes are read */
	memset(&r, 0, sizeof(r));
	memset(&l, 0, sizeof(l));
	netdns_parse("nameserver 10.1.1.1XXXX", 19, &r, &l);
	assert_string_equal(v4(&r, a), "10.1.1.1");
	parse("nameserver ::ffff:127.0.0.1\n", &r, &l);
	assert_false(r.have_v6);
	assert_true(l.have_v6);
	char longline[300];
	memset(longline, 'a', sizeof(longline));
	memcpy(longline, "nameserver ", 11);
	longline[sizeof(longline) - 1] = '\0';
	parse(longline, &r, &l);
	assert_false(r.have_v4 || r.have_v6 || l.have_v4 || l.have_v6);
}

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/test_net_dns.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* /etc/resolv.conf names only systemd-resolved's stub: the real list wins. */
static void test_pick_stub_then_upstream(void **state)
{
	struct netdns d;
	struct sb_error err = {0};
	char a[INET6_ADDRSTRLEN], buf[128];
	(void)state;
	char *stub = write_tmp("nameserver 127.0.0.53\noptions edns0 trust-ad\n");
	char *real = write_tmp("nameserver 10.11.12.13\nnameserver 10.11.12.14\n");
	const char *paths[] = {stub, real};
	assert_int_equal(netdns_pick(paths, 2, &d, &err), 0);
	assert_string_equal(v4(&d, a), "10.11.12.13");
	assert_false(d.local);
	assert_string_equal(d.source, real);
	assert_int_equal(netdns_format(&d, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "nameserver 10.11.12.13\n");
	assert_int_equal(netdns_format(&d, buf, 10), -ENOSPC);

	/* a usable first file wins; the second is not needed */
	const char *rev[] = {real, stub};
	assert_int_equal(netdns_pick(rev, 2, &d, &err), 0);
	assert_string_equal(d.source, real);

	/* only the stub anywhere (no systemd list): the stub, said so */
	const char *only[] = {stub, "/nonexistent/resolv.conf"};
	assert_int_equal(netdns_pick(only, 2, &d, &err), 0);
	assert_true(d.local);
	assert_string_equal(v4(&d, a), "127.0.0.53");

	/* nothing at all */
	char *empty = write_tmp("search example.com\n");
	const char *none[] = {empty, "/nonexistent/resolv.conf"};
	assert_int_equal(netdns_pick(none, 2, &d, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "no nameserver"));
	unlink(stub);
	unlink(real);
	unlink(empty);
	free(stub);
	free(real);
	free(empty);
}

static void test_format_v6(void **state)
{
	struct netdns d = {.have_v4 = 1, .have_v6 = 1};
	char buf[128];
	(void)state;
	inet_pton(AF_INET, "1.2.3.4", &d.v4);
	inet_pton(AF_INET6, "2001:db8::1", &d.v6);
	assert_int_equal(netdns_format(&d, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "nameserver 1.2.3.4\nnameserver 2001:db8::1\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_pick_stub_then_upstream),
	    cmocka_unit_test(test_format_v6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
