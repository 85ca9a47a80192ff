/* Guest side of the run config's network node: checks it and fills struct config_net. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libfdt.h>

#include "abi.h"
#include "netcheck.h"

enum {
	NET_MODE = 1 << 0,
	NET_MTU = 1 << 1,
	NET_ADDRESS = 1 << 2,
	NET_PREFIX = 1 << 3,
	NET_GATEWAY = 1 << 4,
	NET_IPV6 = 1 << 5,
	NET_ADDRESS6 = 1 << 6,
	NET_PREFIX6 = 1 << 7,
	NET_GATEWAY6 = 1 << 8,
	NET_DNS = 1 << 9,
	NET_SEARCH = 1 << 10,
	NET_OPTIONS = 1 << 11,
	NET_HOSTS = 1 << 12,
};
#define NIC_ONLY                                                                                   \
	(NET_MTU | NET_ADDRESS | NET_PREFIX | NET_GATEWAY | NET_ADDRESS6 | NET_PREFIX6 |           \
	 NET_GATEWAY6)
#define IPV6_ONLY (NET_ADDRESS6 | NET_PREFIX6 | NET_GATEWAY6)

static const struct {
	const char *name;
	unsigned bit;
} net_props[] = {
    {ABI_PROP_NET_MODE, NET_MODE},	   {ABI_PROP_NET_MTU, NET_MTU},
    {ABI_PROP_NET_ADDRESS, NET_ADDRESS},   {ABI_PROP_NET_PREFIX, NET_PREFIX},
    {ABI_PROP_NET_GATEWAY, NET_GATEWAY},   {ABI_PROP_NET_IPV6, NET_IPV6},
    {ABI_PROP_NET_ADDRESS6, NET_ADDRESS6}, {ABI_PROP_NET_PREFIX6, NET_PREFIX6},
    {ABI_PROP_NET_GATEWAY6, NET_GATEWAY6}, {ABI_PROP_NET_DNS, NET_DNS},
    {ABI_PROP_NET_SEARCH, NET_SEARCH},	   {ABI_PROP_NET_DNS_OPTIONS, NET_OPTIONS},
    {ABI_PROP_NET_HOSTS, NET_HOSTS},
};

/* Text of family (AF_INET/AF_INET6/AF_UNSPEC = either) into *ip. */
static bool parse_ip(const char *s, int family, struct config_ip *ip)
{
	if (family != AF_INET6 && inet_pton(AF_INET, s, &ip->u.v4) == 1) {
		ip->family = AF_INET;
		return true;
	}
	if (family != AF_INET && inet_pton(AF_INET6, s, &ip->u.v6) == 1) {
		ip->family = AF_INET6;
		return true;
	}
	return false;
}

/* A string property holding one address of family. */
static int get_ip(const char *name, const char *val, int len, int family, struct config_ip *ip,
		  struct sb_error *err)
{
	const char *s;
	int r = config_get_string(name, val, len, INET6_ADDRSTRLEN, &s, err);
	if (r < 0)
		return r;
	if (!parse_ip(s, family, ip))
		return error_set(err, 0, "property `%s`: `%s` is not an %s address", name, s,
				 family == AF_INET ? "IPv4" : "IPv6");
	return 0;
}

/* A u32 property in [min, max]. */
static int get_range(const char *name, const void *val, int len, uint32_t min, uint32_t max,
		     uint32_t *out, struct sb_error *err)
{
	int r = config_get_u32(name, val, len, out, err);
	if (r < 0)
		return r;
	if (*out < min || *out > max)
		return error_set(err, 0, "property `%s`: %u out of range [%u, %u]", name, *out, min,
				 max);
	return 0;
}

/* dns-servers: a list of IPv4/IPv6 texts into net->dns. */
static int get_dns(const char *name, const char *val, int len, struct config_net *net,
		   struct sb_error *err)
{
	char **list = NULL;
	size_t n = 0;
	int r = config_get_list(name, val, len, ABI_NET_MAX_DNS, &list, &n, err);
	if (r < 0)
		return r;
	net->dns = calloc(n ? n : 1, sizeof(*net->dns));
	if (!net->dns) {
		free(list);
		return error_set(err, ENOMEM, "property `%s`", name);
	}
	for (size_t i = 0; i < n && r == 0; i++)
		if (strlen(list[i]) >= INET6_ADDRSTRLEN ||
		    !parse_ip(list[i], AF_UNSPEC, &net->dns[i]))
			r = error_set(err, 0, "property `%s`: entry %zu is not an IP address", name,
				      i);
	net->ndns = n;
	free(list);
	return r;
}

/* A list of names (dns-search) or options (dns-options), each checked. */
static int get_names(const char *name, const char *val, int len, size_t max, size_t max_len,
		     const char *extra, char ***out, size_t *count, struct sb_error *err)
{
	int r = config_get_list(name, val, len, max, out, count, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < *count; i++)
		if (!netcheck_name((*out)[i], max_len, extra))
			return error_set(
			    err, 0,
			    "property `%s`: entry %zu is not 1 to %zu letters, digits, "
			    "'-', '_', '.'%s%s",
			    name, i, max_len, extra ? ", " : "", extra ? extra : "");
	return 0;
}

/* extra-hosts: NAME, IP pairs into net->hosts. */
static int get_hosts(const char *name, const char *val, int len, struct config_net *net,
		     struct sb_error *err)
{
	char **list = NULL;
	size_t n = 0;
	int r = config_get_list(name, val, len, 2 * ABI_NET_MAX_HOSTS, &list, &n, err);
	if (r < 0)
		return r;
	if (n % 2) {
		free(list);
		return error_set(err, 0, "property `%s`: %zu entries, not NAME, IP pairs", name, n);
	}
	net->hosts = calloc(n ? n / 2 : 1, sizeof(*net->hosts));
	if (!net->hosts) {
		free(list);
		return error_set(err, ENOMEM, "property `%s`", name);
	}
	for (size_t i = 0; i < n / 2 && r == 0; i++) {
		struct config_host *h = &net->hosts[i];
		h->name = list[2 * i];
		const char *ip = list[2 * i + 1];
		if (!netcheck_name(h->name, ABI_NET_NAME_MAX, NULL))
			r = error_set(err, 0, "property `%s`: name %zu is not a host name", name,
				      i);
		else if (strlen(ip) >= INET6_ADDRSTRLEN || !parse_ip(ip, AF_UNSPEC, &h->ip))
			r = error_set(err, 0,
				      "property `%s`: the address of `%s` is not an IP address",
				      name, h->name);
	}
	net->nhosts = n / 2;
	free(list);
	return r;
}

static int net_prop(struct config_net *net, unsigned bit, const char *name, const char *val,
		    int len, struct sb_error *err)
{
	struct config_ip ip;
	uint32_t u = 0;
	int r = 0;
	switch (bit) {
	case NET_MODE:
		if (len == sizeof(ABI_NET_MODE_NIC) &&
		    memcmp(val, ABI_NET_MODE_NIC, (size_t)len) == 0)
			net->mode = CONFIG_NET_NIC;
		else if (len != sizeof(ABI_NET_MODE_NONE) ||
			 memcmp(val, ABI_NET_MODE_NONE, (size_t)len) != 0)
			return error_set(err, 0, "property `%s`: not \"%s\" or \"%s\"", name,
					 ABI_NET_MODE_NONE, ABI_NET_MODE_NIC);
		return 0;
	case NET_MTU:
		return get_range(name, val, len, ABI_NET_MTU_MIN, ABI_NET_MTU_MAX, &net->mtu, err);
	case NET_ADDRESS:
		r = get_ip(name, val, len, AF_INET, &ip, err);
		net->addr = ip.u.v4;
		return r;
	case NET_PREFIX:
		r = get_range(name, val, len, 1, 32, &u, err);
		net->prefix = u;
		return r;
	case NET_GATEWAY:
		r = get_ip(name, val, len, AF_INET, &ip, err);
		net->gateway = ip.u.v4;
		net->has_gateway = true;
		return r;
	case NET_IPV6:
		r = get_range(name, val, len, 0, 1, &u, err);
		net->ipv6 = u == 1;
		return r;
	case NET_ADDRESS6:
		r = get_ip(name, val, len, AF_INET6, &ip, err);
		net->addr6 = ip.u.v6;
		net->has_addr6 = true;
		return r;
	case NET_PREFIX6:
		r = get_range(name, val, len, 1, 128, &u, err);
		net->prefix6 = u;
		return r;
	case NET_GATEWAY6:
		r = get_ip(name, val, len, AF_INET6, &ip, err);
		net->gateway6 = ip.u.v6;
		net->has_gateway6 = true;
		return r;
	case NET_DNS:
		return get_dns(name, val, len, net, err);
	case NET_SEARCH:
		return get_names(name, val, len, ABI_NET_MAX_SEARCH, ABI_NET_NAME_MAX, NULL,
				 &net->search, &net->nsearch, err);
	case NET_OPTIONS:
		return get_names(name, val, len, ABI_NET_MAX_OPTIONS, ABI_NET_OPTION_MAX, ":",
				 &net->options, &net->noptions, err);
	case NET_HOSTS:
		return get_hosts(name, val, len, net, err);
	}
	return error_set(err, 0, "unknown property `%s`", name);
}

static unsigned prop_bit(const char *name)
{
	for (size_t i = 0; i < sizeof(net_props) / sizeof(net_props[0]); i++)
		if (strcmp(name, net_props[i].name) == 0)
			return net_props[i].bit;
	return 0;
}

/* Unicast, not 0.0.0.0/8, loopback, multicast or class E. */
static bool v4_usable(struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);
	return (h >> 24) != 0 && (h >> 24) != 127 && (h >> 28) < 14;
}

/* Not ::, ::1 or multicast. */
static bool v6_usable(const struct in6_addr *a)
{
	static const struct in6_addr any = IN6ADDR_ANY_INIT, lo = IN6ADDR_LOOPBACK_INIT;
	return memcmp(a, &any, sizeof(*a)) != 0 && memcmp(a, &lo, sizeof(*a)) != 0 &&
	       a->s6_addr[0] != 0xff;
}

static int check_v4(const struct config_net *net, unsigned seen, struct sb_error *err)
{
	if (!(seen & NET_ADDRESS) || !(seen & NET_PREFIX))
		return error_set(err, 0, "mode \"nic\" without %s and %s", ABI_PROP_NET_ADDRESS,
				 ABI_PROP_NET_PREFIX);
	if (!v4_usable(net->addr))
		return error_set(err, 0, "%s is not a unicast address", ABI_PROP_NET_ADDRESS);
	if (!net->has_gateway)
		return 0;
	if (!v4_usable(net->gateway) || net->gateway.s_addr == net->addr.s_addr ||
	    !netcheck_same_prefix(&net->addr, &net->gateway, net->prefix))
		return error_set(err, 0, "%s is not another unicast address in the %s's /%u",
				 ABI_PROP_NET_GATEWAY, ABI_PROP_NET_ADDRESS, net->prefix);
	return 0;
}

static int check_v6(const struct config_net *net, unsigned seen, struct sb_error *err)
{
	if ((seen & IPV6_ONLY) && !net->ipv6)
		return error_set(err, 0, "IPv6 addresses with %s = <0>", ABI_PROP_NET_IPV6);
	if (!(seen & NET_ADDRESS6) != !(seen & NET_PREFIX6))
		return error_set(err, 0, "%s and %s go together", ABI_PROP_NET_ADDRESS6,
				 ABI_PROP_NET_PREFIX6);
	if ((seen & NET_GATEWAY6) && !(seen & NET_ADDRESS6))
		return error_set(err, 0, "%s without %s", ABI_PROP_NET_GATEWAY6,
				 ABI_PROP_NET_ADDRESS6);
	if (net->has_addr6 && !v6_usable(&net->addr6))
		return error_set(err, 0, "%s is not a unicast address", ABI_PROP_NET_ADDRESS6);
	if (net->has_gateway6 &&
	    (!v6_usable(&net->gateway6) || memcmp(&net->gateway6, &net->addr6, 16) == 0 ||
	     !netcheck_same_prefix(&net->addr6, &net->gateway6, net->prefix6)))
		return error_set(err, 0, "%s is not another unicast address in the %s's /%u",
				 ABI_PROP_NET_GATEWAY6, ABI_PROP_NET_ADDRESS6, net->prefix6);
	return 0;
}

/* Cross-property rules once the node is read. */
static int finish(struct config_net *net, unsigned seen, struct sb_error *err)
{
	if (!(seen & NET_MODE))
		return error_set(err, 0, "no %s", ABI_PROP_NET_MODE);
	net->has_dns = (seen & (NET_DNS | NET_SEARCH | NET_OPTIONS)) != 0;
	if (net->mode == CONFIG_NET_NONE) {
		for (size_t i = 0; i < sizeof(net_props) / sizeof(net_props[0]); i++)
			if (seen & net_props[i].bit & NIC_ONLY)
				return error_set(err, 0, "property `%s` needs mode \"%s\"",
						 net_props[i].name, ABI_NET_MODE_NIC);
		return 0;
	}
	int r = check_v4(net, seen, err);
	return r < 0 ? r : check_v6(net, seen, err);
}

static int parse(const void *fdt, int node, struct config_net *net, struct sb_error *err)
{
	unsigned seen = 0;
	int off, r;
	fdt_for_each_property_offset(off, fdt, node)
	{
		const char *name;
		int len;
		const char *val = fdt_getprop_by_offset(fdt, off, &name, &len);
		if (!val || !name || len < 0)
			return error_set(err, 0, "unreadable property: %s", fdt_strerror(len));
		unsigned bit = prop_bit(name);
		if (!bit)
			return error_set(err, 0, "unknown property `%s`", name);
		if (seen & bit)
			return error_set(err, 0, "property `%s` appears twice", name);
		seen |= bit;
		if ((r = net_prop(net, bit, name, val, len, err)) < 0)
			return r;
	}
	if (off != -FDT_ERR_NOTFOUND)
		return error_set(err, 0, "bad property table: %s", fdt_strerror(off));
	return finish(net, seen, err);
}

int config_net_parse(const void *fdt, int node, struct config_net *net, struct sb_error *err)
{
	int r = parse(fdt, node, net, err);
	if (r < 0)
		error_prefix(err, "node `%s`", ABI_NODE_NETWORK);
	return r;
}

void config_net_free(struct config_net *net)
{
	free(net->dns);
	free(net->search);
	free(net->options);
	free(net->hosts);
	memset(net, 0, sizeof(*net));
}
