/* The pod's network, carried into the guest. The engine (podman's CNI or netavark,
 * a Kubernetes CNI plugin) made a network namespace with one interface, usually a veth
 * holding the pod's address. Inside that namespace the VMM bridges the interface to a
 * TAP of its own and the guest takes over the interface's IPv4 address, MAC, gateway
 * and MTU, so traffic the engine routes or publishes (-p) to the pod's address reaches
 * the guest. The namespace itself keeps no address: it only switches frames.
 *
 * Kata Containers does the same with a tc redirect between the two devices; a bridge
 * needs only ioctls (the bridge module is loaded wherever the engine's own bridge is). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netopts.h"
#include "runtime.h"

#define POD_TAP "sbtap0"
#define POD_BRIDGE "sbbr0"

struct pod_if {
	char name[IFNAMSIZ];
	struct in_addr addr, gateway;
	unsigned prefix, mtu;
	uint8_t mac[6];
};

static unsigned mask_prefix(struct in_addr m)
{
	return (unsigned)__builtin_popcount(m.s_addr);
}

/* The first interface other than lo with an IPv4 address. */
static int find_if(struct pod_if *p)
{
	struct ifaddrs *ifs;
	if (getifaddrs(&ifs) < 0)
		return -errno;
	int r = -ENOENT;
	for (struct ifaddrs *i = ifs; i && r; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    (i->ifa_flags & IFF_LOOPBACK) || strlen(i->ifa_name) >= sizeof(p->name) ||
		    !i->ifa_netmask)
			continue;
		snprintf(p->name, sizeof(p->name), "%s", i->ifa_name);
		p->addr = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		p->prefix = mask_prefix(((struct sockaddr_in *)i->ifa_netmask)->sin_addr);
		r = 0;
	}
	freeifaddrs(ifs);
	return r;
}

/* The default route's gateway through p->name (/proc/net/route is this namespace's). */
static void find_gateway(struct pod_if *p)
{
	FILE *f = fopen("/proc/self/net/route", "re");
	char line[256], name[IFNAMSIZ + 1];
	unsigned dest, gw, flags;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%16s %x %x %x", name, &dest, &gw, &flags) == 4 && dest == 0 &&
		    !strcmp(name, p->name) && gw) {
			p->gateway.s_addr =
			    gw; /* printed in the kernel's byte order: network order */
			break;
		}
	fclose(f);
}

static int if_ioctl(int s, unsigned long req, struct ifreq *ifr, const char *name)
{
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	return ioctl(s, req, ifr) < 0 ? -errno : 0;
}

static int set_up(int s, const char *name, bool up)
{
	struct ifreq ifr = {0};
	int r = if_ioctl(s, SIOCGIFFLAGS, &ifr, name);
	if (r < 0)
		return r;
	ifr.ifr_flags = (short)(up ? ifr.ifr_flags | IFF_UP : ifr.ifr_flags & ~IFF_UP);
	return if_ioctl(s, SIOCSIFFLAGS, &ifr, name);
}

/* The namespace's own IPv6 would answer neighbour discovery beside the guest. */
static void no_ipv6(const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = write(fd, "1", 1);
		(void)n;
		close(fd);
	}
}

/* A persistent TAP device for the VMM to attach to (net/tap.c attaches by name). */
static int make_tap(unsigned mtu, int s)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), POD_TAP);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	int r = ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETPERSIST, 1) < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	ifr = (struct ifreq){.ifr_mtu = (int)mtu};
	return if_ioctl(s, SIOCSIFMTU, &ifr, POD_TAP);
}

/* The interface gives up its address and MAC (the guest's now) and joins a bridge with the TAP. */
static int rewire(int s, const struct pod_if *p)
{
	struct ifreq ifr = {0};
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET; /* 0.0.0.0 removes the address (and its routes) */
	int r = if_ioctl(s, SIOCSIFADDR, &ifr, p->name);
	no_ipv6(p->name);
	/* A bridge delivers frames for a port's own MAC to itself, not to the guest. */
	ifr = (struct ifreq){0};
	ifr.ifr_hwaddr.sa_family = 1; /* ARPHRD_ETHER */
	memcpy(ifr.ifr_hwaddr.sa_data, p->mac, 6);
	ifr.ifr_hwaddr.sa_data[0] = (char)((p->mac[0] | 0x02) & ~0x01);
	ifr.ifr_hwaddr.sa_data[5] = (char)(p->mac[5] ^ 0x5a);
	if (r == 0 && (r = set_up(s, p->name, false)) == 0)
		r = if_ioctl(s, SIOCSIFHWADDR, &ifr, p->name);
	if (r == 0)
		r = make_tap(p->mtu, s);
	if (r == 0 && ioctl(s, SIOCBRADDBR, POD_BRIDGE) < 0)
		r = -errno;
	no_ipv6(POD_BRIDGE);
	no_ipv6(POD_TAP);
	const char *ports[] = {p->name, POD_TAP};
	for (unsigned i = 0; r == 0 && i < 2; i++) {
		ifr = (struct ifreq){.ifr_ifindex = (int)if_nametoindex(ports[i])};
		r = if_ioctl(s, SIOCBRADDIF, &ifr, POD_BRIDGE);
	}
	const char *up[] = {p->name, POD_TAP, POD_BRIDGE};
	for (unsigned i = 0; r == 0 && i < 3; i++)
		r = set_up(s, up[i], true);
	return r;
}

int rt_podnet_take(struct netopts *n, struct sb_error *err)
{
	struct pod_if p = {0};
	int r = find_if(&p);
	if (r < 0)
		return r == -ENOENT ? r : error_set(err, -r, "pod network: interfaces");
	find_gateway(&p);
	uint32_t mask = p.prefix ? htonl(~0u << (32 - p.prefix)) : 0;
	if ((p.gateway.s_addr ^ p.addr.s_addr) & mask)
		p.gateway.s_addr =
		    0; /* off-link (a /32 with a device route): the guest cannot use it */
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return error_set(err, errno, "pod network: socket");
	struct ifreq ifr = {0};
	r = if_ioctl(s, SIOCGIFHWADDR, &ifr, p.name);
	if (r == 0) {
		memcpy(p.mac, ifr.ifr_hwaddr.sa_data, 6);
		r = if_ioctl(s, SIOCGIFMTU, &ifr, p.name);
		p.mtu = (unsigned)ifr.ifr_mtu;
	}
	if (r == 0)
		r = rewire(s, &p);
	close(s);
	if (r < 0)
		return error_set(err, -r, "pod network: carrying %s into the VM", p.name);
	n->mode = NET_MODE_TAP;
	n->mode_set = true;
	snprintf(n->tap, sizeof(n->tap), POD_TAP);
	inet_ntop(AF_INET, &p.addr, n->tap_addr, sizeof(n->tap_addr));
	n->tap_prefix = p.prefix;
	n->tap_gateway[0] = 0;
	if (p.gateway.s_addr)
		inet_ntop(AF_INET, &p.gateway, n->tap_gateway, sizeof(n->tap_gateway));
	n->mtu = p.mtu;
	memcpy(n->mac, p.mac, 6);
	n->mac_set = true;
	rt_debug("pod network: %s %s/%u via %s, MTU %u, bridged to the guest", p.name, n->tap_addr,
		 p.prefix, n->tap_gateway[0] ? n->tap_gateway : "-", p.mtu);
	return 0;
}
