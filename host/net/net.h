/* The host-side network backend: libslirp on its own thread, frames to and from the device's rings.
 */
#ifndef SB_NET_NET_H
#define SB_NET_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "net/framering.h"
#include "sysfilter.h"

/* How it fits:
 *
 *   virtio-net device  --from_guest ring-->  net thread: filter, slirp_input
 *   (host/vmm/virtio)  <--to_guest ring---   slirp's send_packet (drops when full)
 *
 *   net_config_default(&c); c.fwd = ...; c.nfwd = ...;
 *   net_backend_open(&c, &b, err)       every -p listener is bound here (a taken
 *                                       port fails now, with a one-line message)
 *   ... the device gets net_backend_to_guest(b) / net_backend_from_guest(b) ...
 *   net_backend_start(b, filter, err)   the net thread: seccomp, then the loop
 *   ... the VM runs ...
 *   net_backend_close(b)                stops the thread, closes every socket
 *
 * The guest's side of the virtual network (the defaults, as QEMU's and
 * slirp4netns's): 10.0.2.0/24, the guest 10.0.2.15 (static: no DHCP),
 * gateway 10.0.2.2, DNS forwarder 10.0.2.3; with ipv6, fec0::/64, gateway
 * fec0::2, DNS fec0::3 (router advertisements give the guest its address).
 *
 * Security (multi-tenant default): the guest reaches no host loopback
 * service, by any address or encoding. Frames are checked before libslirp
 * sees them (netfilter.h): 127/8, 0/8, ::, ::1, IPv4-mapped/compatible,
 * NAT64 and 6to4 forms of them, broadcast and multicast are dropped always;
 * the gateway (which libslirp maps to the host's 127.0.0.1 / ::1) takes no
 * new flow unless allow_host_loopback, only the replies of connections that
 * came in through a port forward. No TFTP, BOOTP/DHCP, DHCPv6, exec or
 * guestfwd, no protocol emulation. The thread runs under its own seccomp
 * allow-list (SYSFILTER_NET): IPv4/IPv6 sockets, no file, no exec.
 */

enum net_mode {
	NET_MODE_NONE,	/* no device, no backend (net_backend_open refuses it) */
	NET_MODE_SLIRP, /* user-mode networking through the host's sockets (default) */
	NET_MODE_TAP,	/* an existing TAP device: not implemented yet (-ENOTSUP) */
};

enum net_proto { NET_PROTO_TCP, NET_PROTO_UDP };

/* One published port (-p [IP:]HOSTPORT:GUESTPORT[/udp]). */
struct net_forward {
	enum net_proto proto;
	/* The host address to bind: an IPv4 or IPv6 literal; NULL or "": every
	 * address, 0.0.0.0 and [::] (docker's; one dual-stack socket, or
	 * 0.0.0.0 alone where the host has no IPv6). An IPv6 listener still
	 * leads to the guest's IPv4 address: its IPv6 clients reach the guest
	 * from the gateway (slirphooks.h). */
	const char *host_addr;
	uint16_t host_port; /* 0: a free one (net_backend_host_port tells which) */
	/* > host_port: the first free one of host_port..host_port_last (docker's
	 * "-p 8000-8010:80"); 0 or host_port: that port only */
	uint16_t host_port_last;
	uint16_t guest_port; /* 1..65535 */
};

#define NET_MTU_SLIRP 65520 /* per-packet cost dominates in slirp: the largest it takes */
#define NET_MTU_MIN 576
#define NET_MAX_FORWARDS 64
#define NET_RING_SLOTS 1024
#define NET_RING_BYTES (4u << 20)

struct net_config {
	enum net_mode mode;
	unsigned mtu;	/* of the guest's eth0, NET_MTU_MIN..NET_MTU_SLIRP */
	uint8_t mac[6]; /* the guest's MAC (the device offers it; 52:54:00:12:34:56) */
	struct in_addr net, mask, gateway, dns, guest; /* network byte order */
	bool ipv6;				       /* off by default */
	bool allow_host_loopback; /* the gateway reaches the host's loopback; off by default */
	/* The forwarder's upstream at 10.0.2.3: INADDR_ANY (default) = the host's
	 * (netdns.h: /etc/resolv.conf, or systemd-resolved's upstream list when
	 * that names only the local stub). */
	struct in_addr dns_upstream;
	const char *const *resolv_paths; /* NULL: NETDNS_PATHS (tests set their own) */
	unsigned nresolv_paths;
	const struct net_forward *fwd; /* nfwd entries, copied by net_backend_open */
	unsigned nfwd;
	/* Each ring holds at most this many frames and bytes (guest memory
	 * pressure is bounded by these, not by the guest). */
	unsigned ring_slots;
	size_t ring_bytes;
};

/* The defaults above, mode NET_MODE_SLIRP, no forwards. */
void net_config_default(struct net_config *c);

struct net_backend;

/* Create the backend: check c, choose the DNS upstream, create the slirp
 * stack, bind every forward's host socket (listen backlog SOMAXCONN, not
 * libslirp's 1). Runs on the caller's thread, before any seccomp filter.
 * 0, or -errno with err filled: -ENOTSUP for NET_MODE_TAP, -EINVAL for a bad
 * config, -EADDRINUSE ("-p 8080:80/tcp: host port 8080 is already in use"),
 * -EACCES (a privileged port), ... */
int net_backend_open(const struct net_config *c, struct net_backend **b, struct sb_error *err);

/* The host port forward i (in c->fwd order) is bound to: its host_port, or
 * the one the kernel chose for 0. 0 for a bad i. */
uint16_t net_backend_host_port(const struct net_backend *b, unsigned i);

/* Forward i of "every address" listens on [::] too (the host has IPv6). */
bool net_backend_host_v6(const struct net_backend *b, unsigned i);

/* The two rings, owned by the backend (valid until net_backend_close).
 * to_guest: the backend produces, the device consumes (the guest's RX).
 * from_guest: the device produces (the guest's TX), the backend consumes. */
struct framering *net_backend_to_guest(struct net_backend *b);
struct framering *net_backend_from_guest(struct net_backend *b);

/* Start the net thread. With filter (built by sysfilter_build, armed by
 * sysfilter_arm) the thread installs SYSFILTER_NET before it reads any frame;
 * NULL runs it unfiltered (tests). Returns once the filter is in place:
 * 0, or -errno with err filled. */
int net_backend_start(struct net_backend *b, const struct sysfilter *filter, struct sb_error *err);

/* Stop the thread (if started) and wait for it; the sockets and rings stay
 * until net_backend_close. For a VMM that must see the thread gone before it
 * disarms its SIGSYS handler. */
void net_backend_stop(struct net_backend *b);

/* Stop the thread (if started) and free everything. NULL is fine. */
void net_backend_close(struct net_backend *b);

/* Counters, readable from any thread while the backend runs, and from the
 * process that opened the backend when the thread runs in a child of it. */
struct net_stats {
	uint64_t from_guest;	   /* frames the guest sent that libslirp got */
	uint64_t filtered;	   /* frames the guest sent that the filter dropped */
	uint64_t filtered_by[16];  /* by enum netfilter_verdict */
	uint64_t to_guest;	   /* frames queued for the guest */
	uint64_t to_guest_dropped; /* frames for the guest dropped: its ring was full */
	uint64_t guest_errors;	   /* libslirp's guest_error reports */
	uint64_t slirp_log;	   /* libslirp's glib messages (see slirphooks.h) */
};
void net_backend_stats(const struct net_backend *b, struct net_stats *st);

/* Every fd the backend holds (its eventfds, libslirp's sockets, the
 * listeners of published ports): up to max into fds; how many there are.
 * Before the thread starts. */
unsigned net_backend_fds(struct net_backend *b, int *fds, unsigned max);

/* One line on the DNS upstream in use, e.g. "10.0.0.1 (from
 * /run/systemd/resolve/resolv.conf)" or "none: no nameserver in ...". */
const char *net_backend_dns(const struct net_backend *b);

#endif
