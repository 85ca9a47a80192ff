/* `sandbox run`'s network: the options and the image's ExposedPorts -> the backend and the VMM's
 * NIC. */
#ifndef SB_RUN_NET_H
#define SB_RUN_NET_H

#include <stdbool.h>

#include "error.h"
#include "net/net.h"
#include "netopts.h"
#include "pack.h"
#include "runconfig.h"
#include "vmm.h"

/* The order run_vm follows:
 *
 *   run_net_init(&rn, &o->net)                     copies the options
 *   run_net_open(&rn, NULL, ...)  before the pack  (unless -P: needs the image)
 *   run_net_open(&rn, &img, ...)  after it         (-P: ExposedPorts added)
 *   run_net_report(&rn, debug)                     the host ports we chose
 *   cfg.net = run_net_vmm(&rn)                     NULL without a backend
 *   ... vmm_run starts and stops the backend's thread through vmm_net ...
 *   run_net_close(&rn)
 *
 * Every published host port is bound in run_net_open, before the VM boots:
 * a taken one fails there with one line. */
struct run_net {
	struct netopts opts; /* a shallow copy of the run's (it owns nothing): -P adds ports */
	char exposed[NET_MAX_FORWARDS][16]; /* "80/tcp": the -P ports' names for messages */
	struct net_config cfg;
	struct net_forward fwd[NET_MAX_FORWARDS];
	struct net_backend *backend; /* NULL: not opened, or --network none or tap */
	int tap_fd;		     /* --network tap:NAME, once opened; else -1 */
	unsigned tap_mtu;	     /* the guest's: mtu=, else the TAP device's */
	struct vmm_net vmm;
};

void run_net_init(struct run_net *rn, const struct netopts *opts);

/* true when the backend must wait for the image config (-P). */
bool run_net_needs_image(const struct run_net *rn);

/* Open the backend for --network slirp (nothing for none; for tap:NAME,
 * attach to the device), binding every published port; img: the image
 * config for -P, or NULL.
 * 0 or -errno with err filled (one line, e.g. a taken host port). */
int run_net_open(struct run_net *rn, const struct image_config *img, struct sb_error *err);

/* Print, on stderr, the host ports we chose (-p GUESTPORT, -p IP::PORT, a host
 * range, -P): "sandbox: published 0.0.0.0:41234 -> 80/tcp"; with debug every
 * published port and the DNS upstream as well. */
void run_net_report(const struct run_net *rn, bool debug);

/* The NIC for vmm_config.net, with the backend's thread as its start/stop
 * hooks; NULL without a backend. Valid until run_net_close. */
const struct vmm_net *run_net_vmm(struct run_net *rn);

/* With debug, the backend's counters in one line on stderr. */
void run_net_stats(const struct run_net *rn, bool debug);

void run_net_close(struct run_net *rn);

/* The guest's side (the run config's network node), pointing into n and g:
 * keep both until the config is built. nic: the slirp NIC (10.0.2.15/24,
 * gateway .2, MTU, resolv.conf naming the forwarder .3 unless --dns), or
 * with tap:NAME its ip= and gateway= (resolv.conf: --dns, else the host's
 * nameservers unless they are a host-local stub); else
 * lo only, with a resolv.conf only from --dns* options (as docker's none
 * network, but without the host's servers: nothing could reach them).
 * --dns-search, --dns-option and --add-host apply either way. 0 or -errno. */
struct run_net_guest {
	const char *dns[NETOPTS_MAX_DNS + 1];
	char host_dns[2][INET6_ADDRSTRLEN]; /* tap without --dns: the host's servers */
	const char *search[NETOPTS_MAX_SEARCH + 2];
	const char *options[NETOPTS_MAX_DNS_OPTIONS + 1];
	char **hosts; /* "NAME:IP" each, NULL-terminated; run_net_guest_free */
};
int run_net_guest(const struct netopts *n, bool nic, struct run_net_guest *g,
		  struct runconfig_net *out, struct sb_error *err);
void run_net_guest_free(struct run_net_guest *g);

#endif
