/* libFuzzer target: `sandbox run`'s networking option parsers on hostile strings, with invariants:
 * errors are one line, and nothing accepted can break a resolv.conf or hosts line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netopts.h"

typedef int (*parse_fn)(const char *s, struct netopts *n, struct sb_error *err);

static const parse_fn parsers[] = {
    netopts_parse_network,    netopts_parse_publish,  netopts_parse_dns, netopts_parse_dns_search,
    netopts_parse_dns_option, netopts_parse_add_host, netopts_parse_mac,
};

/* No byte that would end or split a line of a guest file. */
static void check_word(const char *s)
{
	if (!*s)
		abort();
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f || *s == '#')
			abort();
}

static void check(const struct netopts *n)
{
	if (n->nport > NET_MAX_FORWARDS || n->ndns > NETOPTS_MAX_DNS ||
	    n->ndns_search > NETOPTS_MAX_SEARCH || n->ndns_option > NETOPTS_MAX_DNS_OPTIONS ||
	    n->nhost > NETOPTS_MAX_HOSTS)
		abort();
	for (unsigned i = 0; i < n->nport; i++) {
		const struct netopts_port *p = &n->port[i];
		if (!p->guest_port || p->host_port > p->host_port_last ||
		    (!p->host_port && p->host_port_last))
			abort();
	}
	for (unsigned i = 0; i < n->ndns; i++)
		check_word(n->dns[i]);
	for (unsigned i = 0; i < n->ndns_search; i++)
		check_word(n->dns_search[i]);
	for (unsigned i = 0; i < n->ndns_option; i++)
		check_word(n->dns_option[i]);
	for (unsigned i = 0; i < n->nhost; i++) {
		check_word(n->host[i].name);
		check_word(n->host[i].addr);
	}
	if (n->mode == NET_MODE_TAP &&
	    (!n->tap[0] || strnlen(n->tap, sizeof(n->tap)) >= NETOPTS_IFNAMSIZ ||
	     strpbrk(n->tap, "/: \t\n")))
		abort();
	if (n->mtu && (n->mtu < NET_MTU_MIN || n->mtu > NET_MTU_SLIRP))
		abort();
	if (n->mac_set && (n->mac[0] & 1))
		abort();
}

/* The input is NUL-separated options; each one's first byte picks the parser. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netopts n;
	struct sb_error err;
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	netopts_init(&n);
	for (char *p = buf; p < buf + size; p += strlen(p) + 1) {
		if (!*p)
			continue;
		parse_fn f = parsers[(unsigned char)*p % (sizeof(parsers) / sizeof(*parsers))];
		err.msg[0] = '\0';
		if (f(p + 1, &n, &err) < 0 && (!err.msg[0] || strchr(err.msg, '\n')))
			abort();
	}
	check(&n);
	err.msg[0] = '\0';
	if (netopts_check(&n, &err) < 0 && strchr(err.msg, '\n'))
		abort();
	struct net_config c = {0};
	struct net_forward fwd[NET_MAX_FORWARDS];
	netopts_apply(&n, &c, fwd);
	if (c.nfwd != n.nport)
		abort();
	netopts_free(&n);
	free(buf);
	return 0;
}
