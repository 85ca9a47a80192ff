/* /etc/hosts, /etc/hostname and /etc/resolv.conf from the run config, as docker writes them. */
#ifndef GUEST_NETFILES_H
#define GUEST_NETFILES_H

#include <stddef.h>

#include "config.h"
#include "error.h"

/* Room for any of the three files the ABI's bounds allow (ABI_NET_MAX_HOSTS
 * lines of at most 46 + 1 + ABI_NET_NAME_MAX + 1 bytes is the largest). */
#define NETFILES_MAX (96u << 10)

/* The contents into buf (size bytes, NUL-terminated). Each returns the
 * length without the NUL, or -ENOSPC when size is too small.
 *
 * hosts: 127.0.0.1 localhost (and docker's IPv6 lines when net->ipv6), the
 * extra-hosts lines, then with a NIC the guest's own addresses with the
 * hostname ("IP\tNAME", a dotted NAME also gets its first label). With IPv6
 * off no IPv6 line at all, extra hosts included (docker's BuildNoIPv6). */
int netfiles_hosts(const struct config_net *net, const char *hostname, char *buf, size_t size);
/* resolv.conf: "search ..." (unless the list is just "."), one "nameserver"
 * line each, "options ...". */
int netfiles_resolv(const struct config_net *net, char *buf, size_t size);
/* hostname: the name and a newline. */
int netfiles_hostname(const char *hostname, char *buf, size_t size);

/* Write root/etc/hosts and root/etc/hostname, and root/etc/resolv.conf when
 * net->has_dns (mode 0644, /etc made 0755 if missing). Each file goes
 * through a temporary in /etc renamed over the old name: a symlink there is
 * replaced, never followed, and /etc itself must not be a symlink. Returns 0
 * or a negative errno with err set. */
int netfiles_write(const char *root, const struct config_net *net, const char *hostname,
		   struct sb_error *err);

#endif
