/* Attach to an existing TAP device with a virtio-net header and offloads (tap.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/tap.h"

#define TAP_OFFLOADS (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)

/* The index of interface name, 0 when there is none (ioctl on any socket). */
static unsigned ifindex_of(int s, const char *name)
{
	struct ifreq ifr = {0};
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	return ioctl(s, SIOCGIFINDEX, &ifr) < 0 ? 0 : (unsigned)ifr.ifr_ifindex;
}

static int fail(int fd, int s, struct sb_error *err, int e, const char *fmt, const char *name)
{
	if (fd >= 0)
		close(fd);
	if (s >= 0)
		close(s);
	return error_set(err, e, fmt, name);
}

int tap_open(const char *name, struct tap_info *info, struct sb_error *err)
{
	memset(info, 0, sizeof(*info));
	if (!name[0] || strlen(name) >= IFNAMSIZ)
		return error_set(err, EINVAL, "tap:%s: not an interface name", name);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return error_set(err, errno, "tap:%s: socket", name);
	/* TUNSETIFF would create a missing device (with CAP_NET_ADMIN): look first. */
	info->ifindex = ifindex_of(s, name);
	if (!info->ifindex)
		return fail(-1, s, err, ENODEV,
			    "--network tap:%s: no such network device (create it first, e.g. "
			    "`ip tuntap add dev NAME mode tap`)",
			    name);
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return fail(-1, s, err, errno, "--network tap:%s: cannot open /dev/net/tun", name);
	struct ifreq ifr = {0};
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		if (e == EINVAL)
			return fail(fd, s, err, e, "--network tap:%s: not a TAP device", name);
		if (e == EBUSY)
			return fail(fd, s, err, e,
				    "--network tap:%s: the device is attached to another process",
				    name);
		if (e == EPERM)
			return fail(fd, s, err, e,
				    "--network tap:%s: permission denied (needs CAP_NET_ADMIN, or "
				    "the device's owner user or group)",
				    name);
		return fail(fd, s, err, e, "--network tap:%s: cannot attach to the device", name);
	}
	/* The device we looked at, not one created after it vanished. */
	if (ifindex_of(s, name) != info->ifindex)
		return fail(fd, s, err, ENODEV, "--network tap:%s: the device went away", name);
	int hdr = TAP_HDR_LEN;
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0 || ioctl(fd, TUNSETOFFLOAD, TAP_OFFLOADS) < 0)
		return fail(fd, s, err, errno,
			    "--network tap:%s: the device refuses virtio-net headers or offloads",
			    name);
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(s, SIOCGIFMTU, &ifr) < 0)
		return fail(fd, s, err, errno, "--network tap:%s: cannot read its MTU", name);
	info->mtu = (unsigned)ifr.ifr_mtu;
	close(s);
	return fd;
}
