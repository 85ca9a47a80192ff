/* The guest's interfaces: lo, IPv6 on or off, the NIC's MTU, addresses and default routes. */
#ifndef GUEST_NET_H
#define GUEST_NET_H

#include "config.h"
#include "error.h"

/* Apply net: IPv6 disabled on every interface unless net->ipv6 (a kernel
 * without IPv6 is fine then), lo up, and with mode nic the first interface
 * other than lo: MTU, address/prefix, up, default route via the gateway, and
 * the static IPv6 address and route when given. A kernel without networking
 * is fine for mode none. PID 1 only (ioctls, /proc/sys). Returns 0 or a
 * negative errno with err set. */
int net_setup(const struct config_net *net, struct sb_error *err);

#endif
