/* The guest's interfaces with plain ioctls: lo, IPv6 on or off, the NIC's MTU, addresses, routes.
 */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"

/* The kernel's struct in6_ifreq (SIOCSIFADDR on an AF_INET6 socket). Its
 * header, linux/ipv6.h, clashes with the libc's netinet/in.h. */
struct in6_ifreq_abi {
	struct in6_addr addr;
	uint32_t prefixlen;
	int ifindex;
};

static int write_sysctl(const char *path, const char *val)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return write(fd, val, strlen(val)) < 0 ? -errno : 0;
}

/* IPv6 off everywhere unless asked: conf/all for the interfaces there now
 * (lo, the NIC), conf/default for any made later. */
static int ipv6_switch(bool on, struct sb_error *err)
{
	static const char *const off[] = {"/proc/sys/net/ipv6/conf/all/disable_ipv6",
					  "/proc/sys/net/ipv6/conf/default/disable_ipv6"};
	if (access("/proc/sys/net/ipv6", F_OK) < 0)
		return on ? error_set(err, 0, "IPv6 asked for, but the guest kernel has no IPv6")
			  : 0;
	for (size_t i = 0; !on && i < sizeof(off) / sizeof(off[0]); i++) {
		int r = write_sysctl(off[i], "1");
		if (r < 0)
			return error_set(err, -r, "write `%s`", off[i]);
	}
	return 0;
}

static void ifr_init(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
}

static void set_sin(struct sockaddr *sa, struct in_addr a)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr = a};
	memcpy(sa, &sin, sizeof(sin));
}

static int if_up(int s, const char *name, struct sb_error *err)
{
	struct ifreq ifr;
	ifr_init(&ifr, name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return error_set(err, errno, "read the flags of %s", name);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return error_set(err, errno, "bring up %s", name);
	return 0;
}

/* The lowest-numbered interface that is not lo. */
static int find_nic(char name[IF_NAMESIZE], unsigned *index, struct sb_error *err)
{
	struct if_nameindex *all = if_nameindex();
	if (!all)
		return error_set(err, errno, "list the network interfaces");
	*index = 0;
	for (struct if_nameindex *p = all; p->if_index; p++)
		if (strcmp(p->if_name, "lo") != 0 && (!*index || p->if_index < *index)) {
			*index = p->if_index;
			snprintf(name, IF_NAMESIZE, "%s", p->if_name);
		}
	if_freenameindex(all);
	if (!*index)
		return error_set(err, ENODEV, "no network interface besides lo");
	return 0;
}

/* MTU, IPv4 address and netmask, up, default route. */
static int nic_v4(int s, const char *name, const struct config_net *net, struct sb_error *err)
{
	struct ifreq ifr;
	ifr_init(&ifr, name);
	ifr.ifr_mtu = (int)net->mtu;
	if (net->mtu && ioctl(s, SIOCSIFMTU, &ifr) < 0)
		return error_set(err, errno, "set the MTU of %s to %u", name, net->mtu);
	set_sin(&ifr.ifr_addr, net->addr);
	if (ioctl(s, SIOCSIFADDR, &ifr) < 0)
		return error_set(err, errno, "set the address of %s", name);
	struct in_addr mask = {htonl(0xffffffffu << (32 - net->prefix))};
	set_sin(&ifr.ifr_netmask, mask);
	if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0)
		return error_set(err, errno, "set the netmask of %s to /%u", name, net->prefix);
	int r = if_up(s, name, err);
	if (r < 0 || !net->has_gateway)
		return r;
	char dev[IF_NAMESIZE];
	snprintf(dev, sizeof(dev), "%s", name);
	struct rtentry rt = {.rt_flags = RTF_UP | RTF_GATEWAY, .rt_dev = dev};
	set_sin(&rt.rt_dst, (struct in_addr){0});
	set_sin(&rt.rt_genmask, (struct in_addr){0});
	set_sin(&rt.rt_gateway, net->gateway);
	if (ioctl(s, SIOCADDRT, &rt) < 0)
		return error_set(err, errno, "add the default route via the gateway on %s", name);
	return 0;
}

/* Whether a (hex, as /proc/net/if_inet6 spells it) is still tentative:
 * 1, 0, or -errno when the address is not listed. */
static int tentative(const char hex[33])
{
	char line[128];
	FILE *f = fopen("/proc/net/if_inet6", "re");
	if (!f)
		return -errno;
	int r = -ENOENT;
	unsigned idx, plen, scope, flags;
	char addr[33];
	while (r == -ENOENT && fgets(line, sizeof(line), f))
		if (sscanf(line, "%32s %x %x %x %x", addr, &idx, &plen, &scope, &flags) == 5 &&
		    strcmp(addr, hex) == 0)
			r = (flags & 0x40) != 0; /* IFA_F_TENTATIVE */
	fclose(f);
	return r;
}

/* Without duplicate detection the kernel still marks a new address tentative
 * until its DAD work runs (soon, on a kworker); the workload must not see
 * that window (binds fail, source selection skips the address). */
static int wait_usable(const struct in6_addr *a, struct sb_error *err)
{
	char hex[33];
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", a->s6_addr[i]);
	for (int ms = 0; ms < 2000; ms += 2) {
		int r = tentative(hex);
		if (r <= 0)
			return r < 0 ? error_set(err, -r,
						 "find the IPv6 address in /proc/net/if_inet6")
				     : 0;
		usleep(2000);
	}
	return error_set(err, 0, "the IPv6 address is still tentative after 2 s");
}

/* The static IPv6 address (no duplicate detection: usable at once) and route. */
static int nic_v6(const char *name, unsigned index, const struct config_net *net,
		  struct sb_error *err)
{
	if (!net->has_addr6)
		return 0;
	char path[96];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_dad", name);
	int r = write_sysctl(path, "0");
	if (r < 0)
		return error_set(err, -r, "write `%s`", path);
	cleanup_close int s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return error_set(err, errno, "IPv6 socket");
	struct in6_ifreq_abi req = {net->addr6, net->prefix6, (int)index};
	if (ioctl(s, SIOCSIFADDR, &req) < 0)
		return error_set(err, errno, "set the IPv6 address of %s", name);
	if ((r = wait_usable(&net->addr6, err)) < 0 || !net->has_gateway6)
		return r;
	struct in6_rtmsg rt = {.rtmsg_gateway = net->gateway6,
			       .rtmsg_flags = RTF_UP | RTF_GATEWAY,
			       .rtmsg_metric = 1,
			       .rtmsg_ifindex = (int)index};
	if (ioctl(s, SIOCADDRT, &rt) < 0)
		return error_set(err, errno, "add the IPv6 default route on %s", name);
	return 0;
}

static int setup(const struct config_net *net, struct sb_error *err)
{
	int r = ipv6_switch(net->ipv6, err);
	if (r < 0)
		return r;
	cleanup_close int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 && net->mode == CONFIG_NET_NONE)
		return 0; /* a kernel without networking: nothing to bring up */
	if (s < 0)
		return error_set(err, errno, "IPv4 socket");
	if ((r = if_up(s, "lo", err)) < 0 || net->mode == CONFIG_NET_NONE)
		return r;
	char name[IF_NAMESIZE];
	unsigned index;
	if ((r = find_nic(name, &index, err)) < 0 || (r = nic_v4(s, name, net, err)) < 0)
		return r;
	return nic_v6(name, index, net, err);
}

int net_setup(const struct config_net *net, struct sb_error *err)
{
	int r = setup(net, err);
	if (r < 0)
		error_prefix(err, "network");
	return r;
}
