/* The upstream nameserver libslirp's DNS forwarder uses, chosen from the host's resolv.conf files.
 */
#ifndef SB_NET_NETDNS_H
#define SB_NET_NETDNS_H

#include <netinet/in.h>
#include <stddef.h>

#include "error.h"

/* The host's files, in order: the usual one, then systemd-resolved's list of
 * real upstreams (for when the first names only its local stub 127.0.0.53). */
#define NETDNS_PATHS                                                                               \
	{                                                                                          \
		"/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"                             \
	}

/* The first usable nameserver of each family. libslirp forwards the guest's
 * queries to one server per family (10.0.2.3 -> v4, the IPv6 DNS address ->
 * v6); it has no fail-over. */
struct netdns {
	int have_v4, have_v6;
	struct in_addr v4;
	struct in6_addr v6;
	int local;	  /* 1: only a host-local stub was found (127/8, ::1), used as is */
	char source[128]; /* the file it came from, or "configured" */
};

/* Parse one resolv.conf text (len bytes, need not be NUL-terminated):
 * `nameserver ADDR` lines, comments and anything else ignored, scoped IPv6
 * addresses (fe80::1%eth0) skipped. Host-local servers go to *local, the
 * others to *remote; the first of each family wins in each. Pure. */
void netdns_parse(const char *text, size_t len, struct netdns *remote, struct netdns *local);

/* Choose from the files in paths (npaths of them, in order): the first file
 * that names a non-local server wins; when none does, the first local stub
 * found is used (local = 1). 0, or -ENOENT with err filled when no file names
 * any server (the forwarder then has no upstream: DNS at 10.0.2.3 fails). */
int netdns_pick(const char *const *paths, unsigned npaths, struct netdns *out,
		struct sb_error *err);

/* out as the resolv.conf text libslirp reads: "nameserver A\n" per family.
 * 0, or -ENOSPC. */
int netdns_format(const struct netdns *d, char *buf, size_t len);

#endif
