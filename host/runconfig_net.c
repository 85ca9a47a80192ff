/* Host side of the run config's network node: checks a struct runconfig_net and writes it. */
#include "runconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <libfdt.h>

#include "abi.h"
#include "netcheck.h"

static const char *const slirp_dns[] = {RUNCONFIG_NET_DNS, NULL};
static const char *const slirp_dns6[] = {RUNCONFIG_NET_DNS, RUNCONFIG_NET_DNS6, NULL};

void runconfig_net_slirp(struct runconfig_net *net, bool ipv6)
{
	*net = (struct runconfig_net){
	    .mode = RUNCONFIG_NET_NIC,
	    .address = RUNCONFIG_NET_ADDRESS,
	    .prefix = RUNCONFIG_NET_PREFIX,
	    .gateway = RUNCONFIG_NET_GATEWAY,
	    .mtu = RUNCONFIG_NET_MTU,
	    .ipv6 = ipv6,
	    .address6 = ipv6 ? RUNCONFIG_NET_ADDRESS6 : NULL,
	    .prefix6 = ipv6 ? RUNCONFIG_NET_PREFIX6 : 0,
	    .gateway6 = ipv6 ? RUNCONFIG_NET_GATEWAY6 : NULL,
	    .dns = ipv6 ? slirp_dns6 : slirp_dns,
	};
}

bool runconfig_hostname_ok(const char *name)
{
	return netcheck_name(name, ABI_HOSTNAME_MAX, NULL);
}

/* addr (family, prefix bits) and, when set, a gateway inside its subnet. */
static int check_subnet(int family, const char *addr, unsigned prefix, const char *gw,
			const char *what, struct sb_error *err)
{
	unsigned char a[16], g[16];
	unsigned max = family == AF_INET ? 32 : 128;
	if (!addr || inet_pton(family, addr, a) != 1)
		return error_set(err, 0, "run config: %s address `%s` is not an IPv%d address",
				 what, addr ? addr : "(none)", family == AF_INET ? 4 : 6);
	if (prefix < 1 || prefix > max)
		return error_set(err, 0, "run config: %s prefix length %u not in [1, %u]", what,
				 prefix, max);
	if (gw && (inet_pton(family, gw, g) != 1 || !netcheck_same_prefix(a, g, prefix) ||
		   memcmp(a, g, max / 8) == 0))
		return error_set(err, 0,
				 "run config: %s gateway `%s` is not another address in %s/%u",
				 what, gw, addr, prefix);
	return 0;
}

static int check_list(const char *const *list, size_t max, const char *what, bool ips,
		      const char *extra, size_t max_len, struct sb_error *err)
{
	size_t n = 0;
	unsigned char buf[16];
	for (; list && list[n]; n++) {
		bool ok = ips ? inet_pton(AF_INET, list[n], buf) == 1 ||
				    inet_pton(AF_INET6, list[n], buf) == 1
			      : netcheck_name(list[n], max_len, extra);
		if (!ok)
			return error_set(err, 0, "run config: %s `%s` is not valid", what, list[n]);
		if (n + 1 > max)
			return error_set(err, E2BIG, "run config: more than %zu %s entries", max,
					 what);
	}
	return 0;
}

int runconfig_host_split(const char *entry, char *name, size_t name_size, char *ip, size_t ip_size)
{
	const char *sep = strchr(entry, '=');
	if (!sep)
		sep = strchr(entry, ':');
	if (!sep || sep == entry || (size_t)(sep - entry) >= name_size)
		return -EINVAL;
	snprintf(name, name_size, "%.*s", (int)(sep - entry), entry);
	const char *v = sep + 1;
	size_t len = strlen(v);
	if (len >= 2 && v[0] == '[' && v[len - 1] == ']') { /* [IPv6] */
		v++;
		len -= 2;
	}
	if (len == 0 || len >= ip_size)
		return -EINVAL;
	snprintf(ip, ip_size, "%.*s", (int)len, v);
	return 0;
}

/* One --add-host entry: NAME, and IP (host-gateway: the gateway). */
static int check_host(const struct runconfig_net *net, const char *entry, char *name, char *ip,
		      struct sb_error *err)
{
	unsigned char buf[16];
	if (runconfig_host_split(entry, name, ABI_NET_NAME_MAX + 1, ip, INET6_ADDRSTRLEN) < 0 ||
	    !netcheck_name(name, ABI_NET_NAME_MAX, NULL))
		return error_set(err, 0, "run config: extra host `%s` is not NAME:IP", entry);
	if (strcmp(ip, "host-gateway") == 0) {
		if (net->mode != RUNCONFIG_NET_NIC || !net->gateway)
			return error_set(err, 0, "run config: extra host `%s`: no gateway", entry);
		snprintf(ip, INET6_ADDRSTRLEN, "%s", net->gateway);
	}
	if (inet_pton(AF_INET, ip, buf) != 1 && inet_pton(AF_INET6, ip, buf) != 1)
		return error_set(err, 0, "run config: extra host `%s`: `%s` is not an IP address",
				 entry, ip);
	return 0;
}

static int check_nic(const struct runconfig_net *net, struct sb_error *err)
{
	int r = check_subnet(AF_INET, net->address, net->prefix, net->gateway, "IPv4", err);
	if (r < 0)
		return r;
	if (net->mtu && (net->mtu < ABI_NET_MTU_MIN || net->mtu > ABI_NET_MTU_MAX))
		return error_set(err, 0, "run config: MTU %u not in [%u, %u]", net->mtu,
				 ABI_NET_MTU_MIN, ABI_NET_MTU_MAX);
	if (!net->ipv6 && (net->address6 || net->gateway6 || net->prefix6))
		return error_set(err, 0, "run config: an IPv6 address with IPv6 off");
	if (!net->address6 && (net->gateway6 || net->prefix6))
		return error_set(err, 0,
				 "run config: an IPv6 gateway or prefix without an address");
	if (net->address6)
		return check_subnet(AF_INET6, net->address6, net->prefix6, net->gateway6, "IPv6",
				    err);
	return 0;
}

int runconfig_net_check(const struct runconfig_net *net, struct sb_error *err)
{
	int r;
	if (net->mode == RUNCONFIG_NET_NIC)
		r = check_nic(net, err);
	else if (net->mode != RUNCONFIG_NET_NONE)
		r = error_set(err, 0, "run config: unknown network mode %d", (int)net->mode);
	else if (net->address || net->prefix || net->gateway || net->mtu || net->address6 ||
		 net->prefix6 || net->gateway6)
		r = error_set(err, 0, "run config: interface settings without a network device");
	else
		r = 0;
	r = r ?: check_list(net->dns, ABI_NET_MAX_DNS, "nameserver", true, NULL, 0, err);
	r = r
		?: check_list(net->dns_search, ABI_NET_MAX_SEARCH, "DNS search domain", false, NULL,
			      ABI_NET_NAME_MAX, err);
	r = r
		?: check_list(net->dns_options, ABI_NET_MAX_OPTIONS, "DNS option", false, ":",
			      ABI_NET_OPTION_MAX, err);
	size_t n = 0;
	for (; r == 0 && net->extra_hosts && net->extra_hosts[n]; n++) {
		char name[ABI_NET_NAME_MAX + 1], ip[INET6_ADDRSTRLEN];
		if (n >= ABI_NET_MAX_HOSTS)
			return error_set(err, E2BIG, "run config: more than %d extra hosts",
					 ABI_NET_MAX_HOSTS);
		r = check_host(net, net->extra_hosts[n], name, ip, err);
	}
	return r;
}

/* A string list property (the list may be empty). */
static int put_strings(void *fdt, const char *name, const char *const *list)
{
	size_t bytes = 0;
	for (size_t i = 0; list[i]; i++)
		bytes += strlen(list[i]) + 1;
	char *p;
	int r = fdt_property_placeholder(fdt, name, (int)bytes, (void **)&p);
	for (size_t i = 0; r == 0 && list[i]; i++) {
		size_t l = strlen(list[i]) + 1;
		memcpy(p, list[i], l);
		p += l;
	}
	return r;
}

/* extra-hosts: NAME, IP pairs (checked before by runconfig_net_check). */
static int put_hosts(void *fdt, const struct runconfig_net *net)
{
	char name[ABI_NET_NAME_MAX + 1], ip[INET6_ADDRSTRLEN];
	size_t bytes = 0;
	for (size_t i = 0; net->extra_hosts[i]; i++) {
		if (check_host(net, net->extra_hosts[i], name, ip, NULL) < 0)
			return -FDT_ERR_BADVALUE;
		bytes += strlen(name) + strlen(ip) + 2;
	}
	char *p;
	int r = fdt_property_placeholder(fdt, ABI_PROP_NET_HOSTS, (int)bytes, (void **)&p);
	for (size_t i = 0; r == 0 && net->extra_hosts[i]; i++) {
		check_host(net, net->extra_hosts[i], name, ip, NULL);
		p += sprintf(p, "%s", name) + 1;
		p += sprintf(p, "%s", ip) + 1;
	}
	return r;
}

int runconfig_net_write(void *fdt, const struct runconfig_net *net)
{
	bool nic = net->mode == RUNCONFIG_NET_NIC;
	int r = fdt_begin_node(fdt, ABI_NODE_NETWORK);
	r = r
		?: fdt_property_string(fdt, ABI_PROP_NET_MODE,
				       nic ? ABI_NET_MODE_NIC : ABI_NET_MODE_NONE);
	if (nic && net->mtu)
		r = r ?: fdt_property_u32(fdt, ABI_PROP_NET_MTU, net->mtu);
	if (nic) {
		r = r ?: fdt_property_string(fdt, ABI_PROP_NET_ADDRESS, net->address);
		r = r ?: fdt_property_u32(fdt, ABI_PROP_NET_PREFIX, net->prefix);
	}
	if (nic && net->gateway)
		r = r ?: fdt_property_string(fdt, ABI_PROP_NET_GATEWAY, net->gateway);
	r = r ?: fdt_property_u32(fdt, ABI_PROP_NET_IPV6, net->ipv6 ? 1 : 0);
	if (nic && net->address6) {
		r = r ?: fdt_property_string(fdt, ABI_PROP_NET_ADDRESS6, net->address6);
		r = r ?: fdt_property_u32(fdt, ABI_PROP_NET_PREFIX6, net->prefix6);
	}
	if (nic && net->gateway6)
		r = r ?: fdt_property_string(fdt, ABI_PROP_NET_GATEWAY6, net->gateway6);
	if (net->dns)
		r = r ?: put_strings(fdt, ABI_PROP_NET_DNS, net->dns);
	if (net->dns_search)
		r = r ?: put_strings(fdt, ABI_PROP_NET_SEARCH, net->dns_search);
	if (net->dns_options)
		r = r ?: put_strings(fdt, ABI_PROP_NET_DNS_OPTIONS, net->dns_options);
	if (net->extra_hosts && net->extra_hosts[0])
		r = r ?: put_hosts(fdt, net);
	return r ?: fdt_end_node(fdt);
}
