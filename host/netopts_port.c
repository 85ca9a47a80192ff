/* `sandbox run -p` (docker's port publishing forms) and -P's exposed ports, into netopts ports. */
#include "netopts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SPEC_MAX 128 /* longest -p argument: an IPv6 in brackets, two ranges and a protocol fit */

/* One -p argument split as docker's splitParts does: IP is everything before
 * the last two ':'-separated parts. host NULL when absent (-p 80). */
struct spec {
	const char *ip, *host, *guest, *proto;
	size_t ip_len, host_len, guest_len, proto_len;
};

static void split(const char *s, struct spec *sp)
{
	memset(sp, 0, sizeof(*sp));
	const char *c2 = strrchr(s, ':');
	sp->guest = c2 ? c2 + 1 : s;
	const char *slash = strchr(sp->guest, '/');
	sp->guest_len = slash ? (size_t)(slash - sp->guest) : strlen(sp->guest);
	if (slash) {
		sp->proto = slash + 1;
		sp->proto_len = strlen(sp->proto);
	}
	if (!c2)
		return;
	const char *c1 = NULL;
	for (const char *p = s; p < c2; p++)
		if (*p == ':')
			c1 = p;
	sp->host = c1 ? c1 + 1 : s;
	sp->host_len = (size_t)(c2 - sp->host);
	if (c1) {
		sp->ip = s;
		sp->ip_len = (size_t)(c1 - s);
	}
}

/* "N" or "N-M" (1 <= N <= M <= 65535), at most 5 digits each. */
static int range(const char *s, size_t len, unsigned *lo, unsigned *hi)
{
	const char *dash = memchr(s, '-', len);
	size_t l1 = dash ? (size_t)(dash - s) : len;
	size_t l2 = dash ? len - l1 - 1 : 0;
	unsigned v[2] = {0, 0};
	const char *part[2] = {s, dash ? dash + 1 : NULL};
	size_t plen[2] = {l1, l2};
	for (int k = 0; k < (dash ? 2 : 1); k++) {
		if (plen[k] == 0 || plen[k] > 5)
			return -1;
		for (size_t i = 0; i < plen[k]; i++) {
			if (part[k][i] < '0' || part[k][i] > '9')
				return -1;
			v[k] = v[k] * 10 + (unsigned)(part[k][i] - '0');
		}
		if (v[k] > 65535)
			return -1;
	}
	*lo = v[0];
	*hi = dash ? v[1] : v[0];
	return *hi < *lo ? -1 : 0;
}

static int proto_parse(const struct spec *sp, enum net_proto *proto)
{
	*proto = NET_PROTO_TCP;
	if (!sp->proto)
		return 0;
	if (sp->proto_len == 3 && !strncasecmp(sp->proto, "tcp", 3))
		return 0;
	if (sp->proto_len == 3 && !strncasecmp(sp->proto, "udp", 3)) {
		*proto = NET_PROTO_UDP;
		return 0;
	}
	return -1;
}

/* The IP part into out, canonical ("" when absent), without docker's
 * optional brackets: an IPv4 or an IPv6 literal. -1: not an address; -2: an
 * IPv6 form that cannot be bound on its own (a zone, an IPv4-mapped address). */
static int ip_parse(const struct spec *sp, char out[INET6_ADDRSTRLEN])
{
	struct in6_addr a6;
	struct in_addr a4;
	char text[INET6_ADDRSTRLEN];
	const char *ip = sp->ip;
	size_t len = sp->ip_len;
	out[0] = '\0';
	if (!ip || !len) /* docker: "::80" is "all addresses, a free port" */
		return 0;
	if (len > 2 && ip[0] == '[' && ip[len - 1] == ']') {
		ip++;
		len -= 2;
	}
	if (len >= sizeof(text))
		return -1;
	memcpy(text, ip, len);
	text[len] = '\0';
	if (inet_pton(AF_INET, text, &a4) == 1)
		return inet_ntop(AF_INET, &a4, out, INET6_ADDRSTRLEN) ? 0 : -1;
	if (strchr(text, '%'))
		return -2;
	if (inet_pton(AF_INET6, text, &a6) != 1)
		return -1;
	if (IN6_IS_ADDR_V4MAPPED(&a6))
		return -2;
	return inet_ntop(AF_INET6, &a6, out, INET6_ADDRSTRLEN) ? 0 : -1;
}

static bool is_v6(const char *addr)
{
	return strchr(addr, ':') != NULL;
}

/* Would a and b bind the same port twice? "" is every address of both
 * families; 0.0.0.0 and :: every address of theirs. */
static bool overlap(const char *a, const char *b)
{
	if (!a[0] || !b[0])
		return true;
	if (is_v6(a) != is_v6(b))
		return false;
	return !strcmp(a, "0.0.0.0") || !strcmp(a, "::") || !strcmp(b, "0.0.0.0") ||
	       !strcmp(b, "::") || !strcmp(a, b);
}

/* The -p already in n that binds what p would, or NULL. Free host ports
 * (0) and docker's "any of a range" never clash here. */
static const struct netopts_port *clash(const struct netopts *n, const struct netopts_port *p)
{
	if (!p->host_port || p->host_port != p->host_port_last)
		return NULL;
	for (unsigned i = 0; i < n->nport; i++) {
		const struct netopts_port *q = &n->port[i];
		if (q->proto == p->proto && q->host_port == p->host_port &&
		    q->host_port == q->host_port_last && overlap(q->host_addr, p->host_addr))
			return q;
	}
	return NULL;
}

/* The ports of a parsed -p into n, after checking count and clashes. */
static int add_ports(const char *s, struct netopts_port *p, unsigned count, unsigned step,
		     struct netopts *n, struct sb_error *err)
{
	char b[SHOWN_MAX], b2[SHOWN_MAX];
	if (count > NET_MAX_FORWARDS - n->nport)
		return error_set(err, 0, "invalid -p `%s`: at most %d published ports in all",
				 shown_text(s, b), NET_MAX_FORWARDS);
	unsigned first = n->nport;
	for (unsigned i = 0; i < count; i++) {
		const struct netopts_port *q = clash(n, p);
		if (q) {
			n->nport = first;
			return error_set(err, 0,
					 "invalid -p `%s`: host port %u/%s is published already "
					 "(by -p `%s`)",
					 shown_text(s, b), p->host_port,
					 p->proto == NET_PROTO_UDP ? "udp" : "tcp",
					 shown_text(q->spec, b2));
		}
		n->port[n->nport++] = *p;
		p->guest_port++;
		if (step) {
			p->host_port++;
			p->host_port_last++;
		}
	}
	return 0;
}

static int publish_parsed(const char *s, const struct spec *sp, struct netopts *n,
			  struct sb_error *err)
{
	char b[SHOWN_MAX];
	struct netopts_port p = {.spec = s};
	unsigned glo, ghi, hlo = 0, hhi = 0;
	int r = ip_parse(sp, p.host_addr);
	if (r == -2)
		return error_set(err, 0,
				 "invalid -p `%s`: the host address must be a plain IPv6 address "
				 "(no %%zone, no IPv4-mapped form: give the IPv4 address itself)",
				 shown_text(s, b));
	if (r < 0)
		return error_set(err, 0,
				 "invalid -p `%s`: the host address is not an IPv4 or IPv6 address",
				 shown_text(s, b));
	if (proto_parse(sp, &p.proto) < 0)
		return error_set(err, 0, "invalid -p `%s`: the protocol must be tcp or udp",
				 shown_text(s, b));
	if (range(sp->guest, sp->guest_len, &glo, &ghi) < 0 || glo == 0)
		return error_set(err, 0,
				 "invalid -p `%s`: the guest port must be a number from 1 to 65535 "
				 "(or a range N-M)",
				 shown_text(s, b));
	if (sp->host_len && (range(sp->host, sp->host_len, &hlo, &hhi) < 0 || hlo == 0))
		return error_set(err, 0,
				 "invalid -p `%s`: the host port must be a number from 1 to 65535 "
				 "(or a range N-M; leave it out for a free one: -p GUESTPORT or "
				 "-p IP::GUESTPORT)",
				 shown_text(s, b));
	if (sp->host_len && hhi - hlo != ghi - glo && glo != ghi)
		return error_set(err, 0,
				 "invalid -p `%s`: ranges of different lengths (%u host ports, "
				 "%u guest ports)",
				 shown_text(s, b), hhi - hlo + 1, ghi - glo + 1);
	p.guest_port = (uint16_t)glo;
	p.host_port = (uint16_t)hlo;
	/* one guest port and a host range: docker's "any free port of the range" */
	p.host_port_last = (uint16_t)(glo == ghi ? hhi : hlo);
	return add_ports(s, &p, ghi - glo + 1, sp->host_len != 0, n, err);
}

int netopts_parse_publish(const char *s, struct netopts *n, struct sb_error *err)
{
	char b[SHOWN_MAX];
	if (strnlen(s, SPEC_MAX + 1) > SPEC_MAX)
		return error_set(err, 0, "invalid -p `%s`: longer than %d bytes", shown_text(s, b),
				 SPEC_MAX);
	struct spec sp;
	split(s, &sp);
	if (!sp.guest_len)
		return error_set(err, 0,
				 "invalid -p `%s`: no guest port (expected "
				 "[IP:][HOSTPORT:]GUESTPORT[/tcp|/udp])",
				 shown_text(s, b));
	return publish_parsed(s, &sp, n, err);
}

int netopts_publish_exposed(struct netopts *n, enum net_proto proto, uint16_t guest_port,
			    const char *spec, struct sb_error *err)
{
	if (guest_port == 0)
		return error_set(err, 0, "-P: the image exposes port 0 (`%s`)", spec);
	for (unsigned i = 0; i < n->nport; i++)
		if (n->port[i].proto == proto && n->port[i].guest_port == guest_port)
			return 0;
	if (n->nport == NET_MAX_FORWARDS)
		return error_set(
		    err, 0,
		    "-P: the image exposes more ports than the %d that can be published "
		    "(at `%s`)",
		    NET_MAX_FORWARDS, spec);
	n->port[n->nport++] = (struct netopts_port){
	    .proto = proto,
	    .guest_port = guest_port,
	    .spec = spec,
	};
	return 0;
}
