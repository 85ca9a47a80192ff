/* `sandbox run`'s network: options + ExposedPorts -> net_config, the backend, the VMM's NIC hooks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/netdns.h"
#include "net/tap.h"
#include "run_net.h"

void run_net_init(struct run_net *rn, const struct netopts *opts)
{
	memset(rn, 0, sizeof(*rn));
	rn->opts = *opts;
	rn->tap_fd = -1;
}

bool run_net_needs_image(const struct run_net *rn)
{
	return rn->opts.mode == NET_MODE_SLIRP && rn->opts.publish_all;
}

/* -P: every port of the image's ExposedPorts (tcp and udp; sctp has no
 * user-mode path) to a free host port, unless a -p publishes it already. */
static int publish_exposed(struct run_net *rn, const struct image_config *img, struct sb_error *err)
{
	unsigned k = 0;
	for (size_t i = 0; i < img->nexposed; i++) {
		const struct image_port *p = &img->exposed[i];
		if (p->proto == IMAGE_PROTO_SCTP)
			continue;
		for (unsigned port = p->first; port <= p->last; port++) {
			const char *proto = p->proto == IMAGE_PROTO_UDP ? "udp" : "tcp";
			if (k == NET_MAX_FORWARDS)
				return error_set(err, 0,
						 "-P: the image exposes more ports than the %d "
						 "that can be published",
						 NET_MAX_FORWARDS);
			snprintf(rn->exposed[k], sizeof(rn->exposed[k]), "%u/%s", port, proto);
			int r = netopts_publish_exposed(
			    &rn->opts, p->proto == IMAGE_PROTO_UDP ? NET_PROTO_UDP : NET_PROTO_TCP,
			    (uint16_t)port, rn->exposed[k], err);
			if (r < 0)
				return r;
			k++;
		}
	}
	return 0;
}

int run_net_open(struct run_net *rn, const struct image_config *img, struct sb_error *err)
{
	if (rn->opts.mode == NET_MODE_NONE)
		return 0;
	if (rn->opts.mode == NET_MODE_TAP) {
		struct tap_info info;
		rn->tap_fd = tap_open(rn->opts.tap, &info, err);
		if (rn->tap_fd < 0)
			return rn->tap_fd;
		rn->tap_mtu = rn->opts.mtu ? rn->opts.mtu : info.mtu;
		net_config_default(&rn->cfg); /* for the MAC (default or --mac-address) */
		netopts_apply(&rn->opts, &rn->cfg, rn->fwd);
		return 0;
	}
	int r = 0;
	if (img && rn->opts.publish_all && (r = publish_exposed(rn, img, err)) < 0)
		return r;
	net_config_default(&rn->cfg);
	netopts_apply(&rn->opts, &rn->cfg, rn->fwd);
	r = net_backend_open(&rn->cfg, &rn->backend, err);
	if (r < 0)
		rn->backend = NULL;
	return r;
}

static const char *proto_name(enum net_proto p)
{
	return p == NET_PROTO_UDP ? "udp" : "tcp";
}

void run_net_report(const struct run_net *rn, bool debug)
{
	if (rn->tap_fd >= 0 && debug)
		fprintf(stderr, "sandbox: network: tap:%s, guest %s/%u on eth0%s%s, MTU %u\n",
			rn->opts.tap, rn->opts.tap_addr, rn->opts.tap_prefix,
			rn->opts.tap_gateway[0] ? " via " : "", rn->opts.tap_gateway, rn->tap_mtu);
	if (!rn->backend)
		return;
	if (debug)
		fprintf(stderr,
			"sandbox: network: slirp, guest 10.0.2.15/24 on eth0, MTU %u%s%s; "
			"DNS forwarder 10.0.2.3 -> %s\n",
			rn->cfg.mtu, rn->cfg.ipv6 ? ", IPv6" : "",
			rn->cfg.allow_host_loopback ? ", host loopback allowed" : "",
			net_backend_dns(rn->backend));
	for (unsigned i = 0; i < rn->cfg.nfwd; i++) {
		const struct net_forward *f = &rn->fwd[i];
		bool chosen = f->host_port == 0 || f->host_port_last > f->host_port;
		if (!chosen && !debug)
			continue;
		const char *a = f->host_addr && f->host_addr[0] ? f->host_addr : "0.0.0.0";
		bool v6 = strchr(a, ':') != NULL;
		uint16_t port = net_backend_host_port(rn->backend, i);
		fprintf(stderr, "sandbox: published %s%s%s:%u -> %u/%s\n", v6 ? "[" : "", a,
			v6 ? "]" : "", port, f->guest_port, proto_name(f->proto));
		if (net_backend_host_v6(rn->backend, i))
			fprintf(stderr, "sandbox: published [::]:%u -> %u/%s\n", port,
				f->guest_port, proto_name(f->proto));
	}
}

static int start_backend(void *ctx, const struct sysfilter *filter, struct sb_error *err)
{
	return net_backend_start(ctx, filter, err);
}

static void stop_backend(void *ctx)
{
	net_backend_stop(ctx);
}

static unsigned backend_fds(void *ctx, int *fds, unsigned max)
{
	return net_backend_fds(ctx, fds, max);
}

const struct vmm_net *run_net_vmm(struct run_net *rn)
{
	if (rn->tap_fd >= 0) {
		rn->vmm =
		    (struct vmm_net){.tap = true,
				     .tap_fd = rn->tap_fd,
				     .mtu = (uint16_t)(rn->tap_mtu < 65535 ? rn->tap_mtu : 65535)};
		memcpy(rn->vmm.mac, rn->cfg.mac, sizeof(rn->vmm.mac));
		return &rn->vmm;
	}
	if (!rn->backend)
		return NULL;
	rn->vmm = (struct vmm_net){
	    .to_guest = net_backend_to_guest(rn->backend),
	    .from_guest = net_backend_from_guest(rn->backend),
	    .mtu = (uint16_t)rn->cfg.mtu,
	    .start = start_backend,
	    .stop = stop_backend,
	    .fds = backend_fds,
	    .ctx = rn->backend,
	};
	memcpy(rn->vmm.mac, rn->cfg.mac, sizeof(rn->vmm.mac));
	return &rn->vmm;
}

void run_net_stats(const struct run_net *rn, bool debug)
{
	if (!rn->backend || !debug)
		return;
	struct net_stats st;
	net_backend_stats(rn->backend, &st);
	fprintf(stderr,
		"sandbox: network: %" PRIu64 " frames from the guest (%" PRIu64
		" filtered), %" PRIu64 " to it (%" PRIu64 " dropped: ring full)\n",
		st.from_guest, st.filtered, st.to_guest, st.to_guest_dropped);
}

void run_net_close(struct run_net *rn)
{
	net_backend_close(rn->backend);
	rn->backend = NULL;
	if (rn->tap_fd >= 0)
		close(rn->tap_fd);
	rn->tap_fd = -1;
}

/* --network tap without --dns: the host's nameservers, as docker copies
 * them for its own networks; a host-local stub (127.0.0.53) is unreachable
 * from the guest, so none then. */
static void host_dns(struct run_net_guest *g, struct runconfig_net *out)
{
	static const char *const paths[] = NETDNS_PATHS;
	struct netdns d;
	struct sb_error e = {0};
	unsigned k = 0;
	if (netdns_pick(paths, 2, &d, &e) < 0 || d.local)
		return;
	if (d.have_v4)
		inet_ntop(AF_INET, &d.v4, g->host_dns[k++], INET6_ADDRSTRLEN);
	if (d.have_v6 && out->ipv6)
		inet_ntop(AF_INET6, &d.v6, g->host_dns[k++], INET6_ADDRSTRLEN);
	for (unsigned i = 0; i < k; i++)
		g->dns[i] = g->host_dns[i];
	if (k)
		out->dns = g->dns;
}

int run_net_guest(const struct netopts *n, bool nic, struct run_net_guest *g,
		  struct runconfig_net *out, struct sb_error *err)
{
	memset(g, 0, sizeof(*g));
	*out = (struct runconfig_net){.mode = RUNCONFIG_NET_NONE};
	if (nic && n->mode == NET_MODE_TAP) {
		/* The device's MTU (the TAP's, or mtu=) reaches the guest through
		 * virtio-net's config space; IPv6 from the link's router adverts. */
		*out = (struct runconfig_net){.mode = RUNCONFIG_NET_NIC,
					      .address = n->tap_addr,
					      .prefix = n->tap_prefix,
					      .gateway = n->tap_gateway[0] ? n->tap_gateway : NULL,
					      .ipv6 = n->ipv6};
		if (!n->ndns)
			host_dns(g, out);
	} else if (nic) {
		runconfig_net_slirp(out, n->ipv6);
		out->mtu = n->mtu ? n->mtu : NET_MTU_SLIRP;
	}
	for (unsigned i = 0; i < n->ndns; i++)
		g->dns[i] = n->dns[i];
	if (n->ndns)
		out->dns = g->dns;
	if (n->dns_search_set) { /* `.` (no domain given): a search line of none */
		for (unsigned i = 0; i < n->ndns_search; i++)
			g->search[i] = n->dns_search[i];
		if (!n->ndns_search)
			g->search[0] = ".";
		out->dns_search = g->search;
	}
	for (unsigned i = 0; i < n->ndns_option; i++)
		g->options[i] = n->dns_option[i];
	if (n->ndns_option)
		out->dns_options = g->options;
	if (!n->nhost)
		return 0;
	g->hosts = calloc(n->nhost + 1, sizeof(*g->hosts));
	if (!g->hosts)
		return error_set(err, ENOMEM, "--add-host");
	for (unsigned i = 0; i < n->nhost; i++) {
		size_t len = strlen(n->host[i].name) + strlen(n->host[i].addr) + 2;
		if (!(g->hosts[i] = malloc(len)))
			return error_set(err, ENOMEM, "--add-host");
		snprintf(g->hosts[i], len, "%s:%s", n->host[i].name, n->host[i].addr);
	}
	out->extra_hosts = (const char *const *)g->hosts;
	return 0;
}

void run_net_guest_free(struct run_net_guest *g)
{
	for (size_t i = 0; g->hosts && g->hosts[i]; i++)
		free(g->hosts[i]);
	free(g->hosts);
	g->hosts = NULL;
}
