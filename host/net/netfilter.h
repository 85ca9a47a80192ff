/* The policy on the guest's Ethernet frames before libslirp sees them: no host loopback, no extras.
 */
#ifndef SB_NET_NETFILTER_H
#define SB_NET_NETFILTER_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* Why a frame was dropped (NETFILTER_PASS: it was not). */
enum netfilter_verdict {
	NETFILTER_PASS,
	NETFILTER_MALFORMED, /* too short, bad version or lengths: libslirp would drop it too */
	NETFILTER_ETHERTYPE, /* not ARP, IPv4 or IPv6 (VLAN, NC-SI, ...) */
	NETFILTER_IPV6_OFF,  /* IPv6 while the network has none */
	NETFILTER_PROTOCOL,  /* not TCP, UDP or ICMP */
	NETFILTER_FRAGMENT,  /* an IPv4 fragment: libslirp would queue it unbounded for 30 s */
	NETFILTER_LOOPBACK,  /* a host-local destination: 0/8, 127/8, ::, ::1, v4-mapped, ... */
	NETFILTER_GATEWAY,   /* a new flow to the gateway (= host loopback) without
				allow_host_loopback */
	NETFILTER_BROADCAST, /* broadcast, multicast or reserved destination */
	NETFILTER_VNET,	     /* another address of the virtual network than the gateway and DNS */
	NETFILTER_SERVICE,   /* one of libslirp's extras: BOOTP/DHCP, TFTP, DHCPv6 */
	NETFILTER_VERDICTS
};

/* The virtual network (addresses in network byte order) and the policy. */
struct netfilter_config {
	struct in_addr net, mask, gateway, dns;
	struct in6_addr prefix6, dns6; /* a /64; only with ipv6 */
	int ipv6;
	int allow_host_loopback;
	/* Guest ports of UDP port forwards: a guest's reply from one of them to a
	 * client on the host's loopback (which the guest sees as the gateway) is
	 * let through, to that client's port only (see netfilter_note_to_guest). */
	const uint16_t *udp_fwd_ports;
	unsigned n_udp_fwd;
};

/* Loopback clients of UDP port forwards seen recently, as (guest port,
 * client port) pairs: bounded, the oldest is forgotten first. */
#define NETFILTER_UDP_PEERS 256
#define NETFILTER_UDP_PEER_MS (180u * 1000)
struct netfilter_peer {
	uint16_t guest_port, client_port; /* host byte order; 0: free */
	uint64_t seen_ms;
};

struct netfilter {
	struct netfilter_config cfg;
	uint16_t udp_fwd_ports[16]; /* a copy of cfg.udp_fwd_ports (the first 16) */
	struct netfilter_peer peer[NETFILTER_UDP_PEERS];
};

void netfilter_init(struct netfilter *f, const struct netfilter_config *cfg);

/* The verdict on one frame from the guest (len bytes, no vnet header) at
 * time now_ms (any monotonic clock). Pure: reads only f and the frame. */
enum netfilter_verdict netfilter_check(const struct netfilter *f, const uint8_t *frame, size_t len,
				       uint64_t now_ms);

/* Called with every frame libslirp sends to the guest: a UDP datagram from
 * the gateway to a UDP forward's guest port records its client as a peer the
 * guest may answer. */
void netfilter_note_to_guest(struct netfilter *f, const uint8_t *frame, size_t len,
			     uint64_t now_ms);

/* A short name for a verdict ("loopback", ...), for stats and messages. */
const char *netfilter_verdict_name(enum netfilter_verdict v);

#endif
