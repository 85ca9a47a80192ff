/* `sandbox run`'s networking options: --network, --dns*, --add-host, --mac-address, the checks. */
#include "netopts.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(NETOPTS_IFNAMSIZ == IFNAMSIZ, "the kernel's interface name size");

void netopts_init(struct netopts *n)
{
	memset(n, 0, sizeof(*n));
	n->mode = NET_MODE_SLIRP;
}

void netopts_free(struct netopts *n)
{
	for (unsigned i = 0; i < n->nhost; i++)
		free(n->host[i].name);
	free(n->host);
	n->host = NULL;
	n->nhost = 0;
}

/* Digits only, value in [min, max]; at most 10 digits (no overflow). */
static int parse_num(const char *s, size_t len, unsigned min, unsigned max, unsigned *out)
{
	if (len == 0 || len > 10)
		return -1;
	unsigned long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Linux's dev_valid_name: 1..IFNAMSIZ-1 bytes, not . or .., no '/', ':' or
 * space; we also refuse anything outside printable ASCII. */
static bool ifname_valid(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '/' || s[i] == ':')
			return false;
	return true;
}

/* One IPv4 literal of len bytes into out (canonical text); 0 or -1. */
static int ip4_text(const char *p, size_t len, char out[INET_ADDRSTRLEN])
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr a;
	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
	return 0;
}

/* The options after "slirp:" (mtu=N) or "tap:NAME," (ip=ADDR/PREFIX,
 * gateway=ADDR, mtu=N), comma-separated, any order, the last one winning. */
static int mode_options(const char *s, const char *opts, struct netopts *n, struct sb_error *err)
{
	char b[SHOWN_MAX];
	bool tap = n->mode == NET_MODE_TAP;
	const char *p = opts;
	for (;;) {
		size_t len = strcspn(p, ",");
		unsigned v;
		if (tap && len >= 3 && !strncmp(p, "ip=", 3)) {
			const char *slash = memchr(p, '/', len);
			if (!slash || ip4_text(p + 3, (size_t)(slash - p - 3), n->tap_addr) < 0 ||
			    parse_num(slash + 1, (size_t)(p + len - slash - 1), 1, 32, &v) < 0)
				return error_set(err, 0,
						 "invalid --network `%s`: ip must be an IPv4 "
						 "address with a prefix length, e.g. ip=10.0.0.2/24",
						 shown_text(s, b));
			n->tap_prefix = v;
		} else if (tap && len >= 8 && !strncmp(p, "gateway=", 8)) {
			if (ip4_text(p + 8, len - 8, n->tap_gateway) < 0)
				return error_set(err, 0,
						 "invalid --network `%s`: gateway must be an IPv4 "
						 "address",
						 shown_text(s, b));
		} else if (len >= 4 && !strncmp(p, "mtu=", 4)) {
			if (parse_num(p + 4, len - 4, NET_MTU_MIN, NET_MTU_SLIRP, &v) < 0)
				return error_set(err, 0,
						 "invalid --network `%s`: mtu must be a number "
						 "from %u to %u",
						 shown_text(s, b), NET_MTU_MIN, NET_MTU_SLIRP);
			n->mtu = v;
		} else if (tap) {
			return error_set(err, 0,
					 "invalid --network `%s`: tap takes ip=ADDR/PREFIX, "
					 "gateway=ADDR and mtu=N (e.g. "
					 "tap:tap0,ip=10.0.0.2/24,gateway=10.0.0.1)",
					 shown_text(s, b));
		} else {
			return error_set(
			    err, 0,
			    "invalid --network `%s`: slirp takes mtu=N (e.g. slirp:mtu=1500)",
			    shown_text(s, b));
		}
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

int netopts_parse_network(const char *s, struct netopts *n, struct sb_error *err)
{
	char b[SHOWN_MAX];
	n->mode_set = true;
	if (!strcmp(s, "slirp") || !strncmp(s, "slirp:", 6)) {
		n->mode = NET_MODE_SLIRP;
		n->mtu = 0;
		n->tap[0] = '\0';
		return s[5] ? mode_options(s, s + 6, n, err) : 0;
	}
	if (!strcmp(s, "none")) {
		n->mode = NET_MODE_NONE;
		n->mtu = 0;
		n->tap[0] = '\0';
		return 0;
	}
	if (!strncmp(s, "tap:", 4)) {
		size_t len = strcspn(s + 4, ",");
		char name[NETOPTS_IFNAMSIZ] = "";
		if (len < sizeof(name))
			memcpy(name, s + 4, len);
		if (len >= sizeof(name) || !ifname_valid(name))
			return error_set(err, 0,
					 "invalid --network `%s`: not an interface name (1 to %d "
					 "bytes, no '/', ':' or blanks)",
					 shown_text(s, b), IFNAMSIZ - 1);
		n->mode = NET_MODE_TAP;
		n->mtu = 0;
		n->tap_addr[0] = n->tap_gateway[0] = '\0';
		n->tap_prefix = 0;
		strcpy(n->tap, name);
		return s[4 + len] ? mode_options(s, s + 5 + len, n, err) : 0;
	}
	if (!strcmp(s, "host"))
		return error_set(
		    err, 0,
		    "invalid --network `host`: a sandbox is a VM with its own kernel and "
		    "cannot share the host's network; use the default (slirp) and -p to "
		    "publish ports");
	if (!strcmp(s, "bridge") || !strcmp(s, "default"))
		return error_set(
		    err, 0,
		    "invalid --network `%s`: sandbox has no bridge; the default, slirp, "
		    "gives outbound access and -p (or tap:NAME for a device you set up)",
		    s);
	if (!strncmp(s, "container:", 10))
		return error_set(
		    err, 0,
		    "invalid --network `%s`: each sandbox is its own VM and cannot join "
		    "another's network",
		    shown_text(s, b));
	return error_set(err, 0, "invalid --network `%s`: expected slirp, none or tap:NAME",
			 shown_text(s, b));
}

/* An IPv4 or IPv6 literal into its canonical text. */
static int ip_canonical(const char *s, char out[INET6_ADDRSTRLEN])
{
	struct in6_addr a;
	if (strlen(s) >= INET6_ADDRSTRLEN)
		return -1;
	if (inet_pton(AF_INET, s, &a) == 1)
		return inet_ntop(AF_INET, &a, out, INET6_ADDRSTRLEN) ? 0 : -1;
	if (inet_pton(AF_INET6, s, &a) == 1)
		return inet_ntop(AF_INET6, &a, out, INET6_ADDRSTRLEN) ? 0 : -1;
	return -1;
}

int netopts_parse_dns(const char *s, struct netopts *n, struct sb_error *err)
{
	char b[SHOWN_MAX], ip[INET6_ADDRSTRLEN];
	if (ip_canonical(s, ip) < 0)
		return error_set(err, 0, "invalid --dns `%s`: expected an IPv4 or IPv6 address",
				 shown_text(s, b));
	if (n->ndns == NETOPTS_MAX_DNS)
		return error_set(
		    err, 0, "invalid --dns `%s`: at most %d servers (the resolver reads no more)",
		    ip, NETOPTS_MAX_DNS);
	strcpy(n->dns[n->ndns++], ip);
	return 0;
}

/* A DNS name: labels of 1..63 letters, digits and inner '-', at most
 * NETOPTS_DOMAIN_MAX bytes, a letter somewhere (docker's rule). */
static bool domain_valid(const char *s, size_t len)
{
	if (len == 0 || len > NETOPTS_DOMAIN_MAX)
		return false;
	bool alpha = false;
	size_t label = 0;
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '.';
		if (c == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if (isalnum((unsigned char)c) || (c == '-' && label > 0)) {
			alpha |= isalpha((unsigned char)c) != 0;
			label++;
		} else {
			return false;
		}
	}
	return alpha;
}

int netopts_parse_dns_search(const char *s, struct netopts *n, struct sb_error *err)
{
	char b[SHOWN_MAX];
	if (!strcmp(s, ".")) {
		if (n->ndns_search)
			return error_set(err, 0,
					 "invalid --dns-search `.`: it means no search domains, "
					 "but others were given");
		n->dns_search_set = true;
		return 0;
	}
	size_t len = strnlen(s, NETOPTS_DOMAIN_MAX + 2);
	if (len > 1 && s[len - 1] == '.')
		len--;
	if (!domain_valid(s, len))
		return error_set(err, 0, "invalid --dns-search `%s`: not a domain name",
				 shown_text(s, b));
	if (n->dns_search_set && !n->ndns_search)
		return error_set(err, 0,
				 "invalid --dns-search `%s`: `.` (no search domains) was given too",
				 shown_text(s, b));
	size_t line = len;
	for (unsigned i = 0; i < n->ndns_search; i++)
		line += strlen(n->dns_search[i]) + 1;
	if (n->ndns_search == NETOPTS_MAX_SEARCH || line > NETOPTS_SEARCH_LINE - 8)
		return error_set(
		    err, 0, "invalid --dns-search `%s`: at most %d domains and %d bytes in all",
		    shown_text(s, b), NETOPTS_MAX_SEARCH, NETOPTS_SEARCH_LINE - 8);
	memcpy(n->dns_search[n->ndns_search], s, len);
	n->dns_search[n->ndns_search++][len] = '\0';
	n->dns_search_set = true;
	return 0;
}

int netopts_parse_dns_option(const char *s, struct netopts *n, struct sb_error *err)
{
	char b[SHOWN_MAX];
	size_t len = strnlen(s, NETOPTS_DNS_OPTION_MAX + 1);
	bool ok = len > 0 && len <= NETOPTS_DNS_OPTION_MAX;
	for (size_t i = 0; ok && i < len; i++)
		ok = s[i] > 0x20 && s[i] < 0x7f && s[i] != '#' && s[i] != ';';
	if (!ok)
		return error_set(err, 0,
				 "invalid --dns-option `%s`: expected one resolv.conf option "
				 "(e.g. ndots:2), at most %d bytes",
				 shown_text(s, b), NETOPTS_DNS_OPTION_MAX);
	if (n->ndns_option == NETOPTS_MAX_DNS_OPTIONS)
		return error_set(err, 0, "invalid --dns-option `%s`: at most %d options",
				 shown_text(s, b), NETOPTS_MAX_DNS_OPTIONS);
	strcpy(n->dns_option[n->ndns_option++], s);
	return 0;
}

/* A name for /etc/hosts: letters, digits, '-', '.', '_', starting with a
 * letter or digit, at most NETOPTS_DOMAIN_MAX bytes. */
static bool hostname_valid(const char *s, size_t len)
{
	if (len == 0 || len > NETOPTS_DOMAIN_MAX || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-._", s[i]))
			return false;
	return true;
}

/* The address part of --add-host into h. */
static int host_addr(const char *v, struct netopts_host *h)
{
	if (!strcmp(v, "host-gateway")) {
		strcpy(h->addr, NETOPTS_HOST_GATEWAY);
		h->gateway = true;
		return 0;
	}
	size_t len = strlen(v);
	char ip[INET6_ADDRSTRLEN];
	if (len > 2 && v[0] == '[' && v[len - 1] == ']') {
		if (len - 2 >= sizeof(ip))
			return -1;
		memcpy(ip, v + 1, len - 2);
		ip[len - 2] = '\0';
		v = ip;
	}
	return ip_canonical(v, h->addr);
}

int netopts_parse_add_host(const char *s, struct netopts *n, struct sb_error *err)
{
	char b[SHOWN_MAX];
	const char *sep = strchr(s, '=');
	if (!sep)
		sep = strchr(s, ':');
	if (!sep)
		return error_set(err, 0, "invalid --add-host `%s`: expected NAME:IP or NAME=IP",
				 shown_text(s, b));
	size_t nlen = (size_t)(sep - s);
	if (!hostname_valid(s, nlen))
		return error_set(err, 0,
				 "invalid --add-host `%s`: bad host name (letters, digits, '-', "
				 "'.', '_')",
				 shown_text(s, b));
	struct netopts_host h = {0};
	if (host_addr(sep + 1, &h) < 0)
		return error_set(err, 0,
				 "invalid --add-host `%s`: expected an IPv4 or IPv6 address or "
				 "host-gateway after the name",
				 shown_text(s, b));
	if (n->nhost == NETOPTS_MAX_HOSTS)
		return error_set(err, 0, "invalid --add-host `%s`: at most %d entries",
				 shown_text(s, b), NETOPTS_MAX_HOSTS);
	struct netopts_host *v = realloc(n->host, (n->nhost + 1) * sizeof(*v));
	if (!v)
		return error_set(err, ENOMEM, "--add-host");
	n->host = v;
	if (!(h.name = strndup(s, nlen)))
		return error_set(err, ENOMEM, "--add-host");
	n->host[n->nhost++] = h;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int netopts_parse_mac(const char *s, struct netopts *n, struct sb_error *err)
{
	char b[SHOWN_MAX];
	uint8_t mac[6];
	bool ok = strlen(s) == 17;
	for (int i = 0; ok && i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);
		ok = hi >= 0 && lo >= 0 && (i == 5 || s[3 * i + 2] == ':');
		if (ok)
			mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (!ok)
		return error_set(err, 0,
				 "invalid --mac-address `%s`: expected xx:xx:xx:xx:xx:xx (hex)",
				 shown_text(s, b));
	if (mac[0] & 1)
		return error_set(err, 0,
				 "invalid --mac-address `%s`: a multicast address (the lowest bit "
				 "of the first byte is set); a NIC needs a unicast one",
				 s);
	static const uint8_t zero[6];
	if (!memcmp(mac, zero, 6))
		return error_set(err, 0, "invalid --mac-address `%s`: all zero", s);
	memcpy(n->mac, mac, 6);
	n->mac_set = true;
	return 0;
}

/* The first option of n that needs a network device and slirp's host side. */
static const char *slirp_only(const struct netopts *n)
{
	if (n->nport)
		return "-p";
	if (n->publish_all)
		return "-P";
	if (n->allow_host_loopback)
		return "--allow-host-loopback";
	for (unsigned i = 0; i < n->nhost; i++)
		if (n->host[i].gateway)
			return "--add-host NAME:host-gateway";
	return NULL;
}

int netopts_check(const struct netopts *n, struct sb_error *err)
{
	const char *opt = slirp_only(n);
	if (n->mode == NET_MODE_NONE) {
		if (!opt && n->mac_set)
			opt = "--mac-address";
		if (!opt && n->ipv6)
			opt = "--ipv6";
		if (opt)
			return error_set(err, 0,
					 "conflicting options: %s and --network none (the VM has "
					 "no network device)",
					 opt);
	}
	if (n->mode == NET_MODE_TAP && opt)
		return error_set(err, 0,
				 "conflicting options: %s needs --network slirp, not tap:%s (the "
				 "TAP device's own network decides what reaches the guest)",
				 opt, n->tap);
	if (n->mode == NET_MODE_TAP && !n->tap_addr[0])
		return error_set(err, 0,
				 "--network tap:%s needs the guest's address: add "
				 "ip=ADDR/PREFIX (e.g. tap:%s,ip=10.0.0.2/24,gateway=10.0.0.1)",
				 n->tap, n->tap);
	if (n->mode == NET_MODE_TAP && n->tap_gateway[0]) {
		struct in_addr a, g;
		uint32_t mask = htonl(0xffffffffu << (32 - n->tap_prefix));
		inet_pton(AF_INET, n->tap_addr, &a);
		inet_pton(AF_INET, n->tap_gateway, &g);
		if ((a.s_addr & mask) != (g.s_addr & mask) || a.s_addr == g.s_addr)
			return error_set(err, 0,
					 "invalid --network tap:%s: gateway %s is not another "
					 "address in %s/%u",
					 n->tap, n->tap_gateway, n->tap_addr, n->tap_prefix);
	}
	if (n->ipv6 && n->mtu && n->mtu < NETOPTS_IPV6_MTU_MIN)
		return error_set(err, 0,
				 "conflicting options: --ipv6 and --network %s:%smtu=%u (IPv6 "
				 "needs an MTU of at least %d)",
				 n->mode == NET_MODE_TAP ? "tap" : "slirp",
				 n->mode == NET_MODE_TAP ? "...," : "", n->mtu, NETOPTS_IPV6_MTU_MIN);
	return 0;
}

void netopts_apply(const struct netopts *n, struct net_config *c,
		   struct net_forward fwd[NET_MAX_FORWARDS])
{
	c->mode = n->mode;
	if (n->mtu)
		c->mtu = n->mtu;
	if (n->mac_set)
		memcpy(c->mac, n->mac, 6);
	c->ipv6 = n->ipv6;
	c->allow_host_loopback = n->allow_host_loopback;
	for (unsigned i = 0; i < n->nport; i++)
		fwd[i] = (struct net_forward){
		    .proto = n->port[i].proto,
		    .host_addr = n->port[i].host_addr[0] ? n->port[i].host_addr : NULL,
		    .host_port = n->port[i].host_port,
		    .host_port_last = n->port[i].host_port_last,
		    .guest_port = n->port[i].guest_port,
		};
	c->fwd = fwd;
	c->nfwd = n->nport;
}
