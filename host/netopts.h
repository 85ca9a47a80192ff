/* `sandbox run`'s networking options, parsed strictly into values for net_config and the guest. */
#ifndef SB_NETOPTS_H
#define SB_NETOPTS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "net/net.h"
#include "util/shown.h"

/* Each netopts_parse_* takes one option's argument, checks it and adds it to
 * *n; a bad one is -EINVAL with one line naming the option and the value
 * ("invalid -p `99999:80`: port 99999 is out of range (1-65535)"). Values
 * are shown with control bytes replaced and cut at 80 bytes, so the message
 * stays one line whatever the input. After the last option, netopts_check
 * refuses the combinations that cannot work (-p with --network none, ...).
 *
 * Defaults (netopts_init): --network slirp at its default MTU, no forwards,
 * the host's DNS through slirp's forwarder, no extra hosts, the default MAC,
 * no IPv6, no host loopback. */

#define NETOPTS_MAX_DNS 3		/* resolv.conf nameservers: glibc's and musl's MAXNS */
#define NETOPTS_MAX_SEARCH 6		/* search domains (glibc's historical MAXDNSRCH) */
#define NETOPTS_SEARCH_LINE 256		/* bytes of the search line (musl reads no more) */
#define NETOPTS_DOMAIN_MAX 253		/* a DNS name without its final dot */
#define NETOPTS_MAX_DNS_OPTIONS 16	/* --dns-option entries */
#define NETOPTS_DNS_OPTION_MAX 63	/* bytes of one, e.g. "ndots:2", "timeout:3" */
#define NETOPTS_MAX_HOSTS 256		/* --add-host entries */
#define NETOPTS_HOST_GATEWAY "10.0.2.2" /* --add-host NAME:host-gateway (net_config's gateway) */
#define NETOPTS_IFNAMSIZ 16	  /* IFNAMSIZ (not <net/if.h>: it clashes with <linux/if.h>) */
#define NETOPTS_IPV6_MTU_MIN 1280 /* Linux turns IPv6 off on a smaller link */

/* One published port (-p expands a range into one of these per port). */
struct netopts_port {
	enum net_proto proto;
	/* IPv4 or IPv6 literal to bind (canonical, no brackets); "": every
	 * address of both families */
	char host_addr[INET6_ADDRSTRLEN];
	uint16_t host_port; /* 0: a free one (-p GUESTPORT, -p IP::GUESTPORT) */
	/* host_port, or the end of docker's "-p 8000-8010:80" (one guest port,
	 * a host range): any free port of [host_port, host_port_last]. */
	uint16_t host_port_last;
	uint16_t guest_port; /* 1..65535 */
	const char *spec;    /* the -p argument it came from (not owned), for messages */
};

/* One --add-host line for the guest's /etc/hosts. */
struct netopts_host {
	char *name;		     /* malloc'd; checked: letters, digits, '-', '.', '_' */
	char addr[INET6_ADDRSTRLEN]; /* canonical IPv4 or IPv6 text */
	bool gateway;		     /* given as host-gateway (addr NETOPTS_HOST_GATEWAY) */
};

struct netopts {
	enum net_mode mode;	    /* --network: NET_MODE_SLIRP (default), _NONE, _TAP */
	bool mode_set;		    /* --network given (--export-initrd: keep its NIC) */
	char tap[NETOPTS_IFNAMSIZ]; /* --network tap:NAME: the device's name */
	/* tap:NAME,ip=ADDR/PREFIX[,gateway=ADDR]: the guest's eth0 (the TAP
	 * device's network has no slirp to hand out addresses). */
	char tap_addr[INET_ADDRSTRLEN];
	unsigned tap_prefix;
	char tap_gateway[INET_ADDRSTRLEN]; /* "": no default route */
	unsigned mtu; /* slirp:mtu=N or tap:NAME,mtu=N; 0: the backend's / device's */
	struct netopts_port port[NET_MAX_FORWARDS]; /* -p, in the order given */
	unsigned nport;
	bool publish_all; /* -P: the image's ExposedPorts (netopts_publish_exposed) */
	char dns[NETOPTS_MAX_DNS][INET6_ADDRSTRLEN]; /* --dns, canonical text */
	unsigned ndns;
	char dns_search[NETOPTS_MAX_SEARCH][NETOPTS_DOMAIN_MAX + 1]; /* final dot dropped */
	unsigned ndns_search;
	bool dns_search_set; /* --dns-search given; with ndns_search 0 it was `.`: none */
	char dns_option[NETOPTS_MAX_DNS_OPTIONS][NETOPTS_DNS_OPTION_MAX + 1];
	unsigned ndns_option;
	struct netopts_host *host; /* --add-host, in the order given */
	unsigned nhost;
	bool mac_set; /* --mac-address given: mac holds it */
	uint8_t mac[6];
	bool ipv6;		  /* --ipv6 */
	bool allow_host_loopback; /* --allow-host-loopback */
};

void netopts_init(struct netopts *n);
void netopts_free(struct netopts *n);

/* --network slirp | slirp:mtu=N | none |
 * tap:NAME,ip=ADDR/PREFIX[,gateway=ADDR][,mtu=N] (the last one given wins).
 * host, bridge, default and container:ID are refused saying what to use. */
int netopts_parse_network(const char *s, struct netopts *n, struct sb_error *err);
/* -p [IP:][HOSTPORT[-END]:]GUESTPORT[-END][/tcp|/udp], -p IP::GUESTPORT: docker's
 * forms. Ranges of equal length pair up port by port; a host range with one
 * guest port means any free port of it. IP: IPv4 only (for now). At most
 * NET_MAX_FORWARDS ports in all; a host port published twice is refused. */
int netopts_parse_publish(const char *s, struct netopts *n, struct sb_error *err);
/* --dns IP: an IPv4 or IPv6 literal; at most NETOPTS_MAX_DNS. */
int netopts_parse_dns(const char *s, struct netopts *n, struct sb_error *err);
/* --dns-search DOMAIN: a DNS name (one final dot allowed), or `.` for none. */
int netopts_parse_dns_search(const char *s, struct netopts *n, struct sb_error *err);
/* --dns-option OPT: one resolv.conf option word, e.g. ndots:2. */
int netopts_parse_dns_option(const char *s, struct netopts *n, struct sb_error *err);
/* --add-host NAME:IP or NAME=IP; IP may be [IPv6] or host-gateway. */
int netopts_parse_add_host(const char *s, struct netopts *n, struct sb_error *err);
/* --mac-address xx:xx:xx:xx:xx:xx, unicast and not all zero. */
int netopts_parse_mac(const char *s, struct netopts *n, struct sb_error *err);

/* After every option: the combinations that cannot work. With --network
 * none: -p, -P, --mac-address, --ipv6, --allow-host-loopback and
 * --add-host NAME:host-gateway (the --dns* and other --add-host options
 * still shape the guest's resolv.conf and hosts, as docker writes them).
 * With tap:NAME: -p, -P, --allow-host-loopback, host-gateway (slirp's), and
 * no ip= (the guest needs an address).
 * --ipv6 with an MTU below 1280. */
int netopts_check(const struct netopts *n, struct sb_error *err);

/* -P: publish guest_port/proto to a free host port, unless a -p already
 * publishes that guest port and protocol (docker's rule). Counts against
 * NET_MAX_FORWARDS. spec names the port in messages (e.g. the image's "80/tcp";
 * not copied: it must outlive n). */
int netopts_publish_exposed(struct netopts *n, enum net_proto proto, uint16_t guest_port,
			    const char *spec, struct sb_error *err);

/* Fill c (already net_config_default'ed) from n: mode, mtu (when set), mac
 * (when set), ipv6, allow_host_loopback and the forwards, written to fwd
 * (NET_MAX_FORWARDS entries, pointing into n: keep n alive). A host range
 * with one guest port keeps its range: the backend binds its first free port. */
void netopts_apply(const struct netopts *n, struct net_config *c,
		   struct net_forward fwd[NET_MAX_FORWARDS]);

#endif
