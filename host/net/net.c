/* The network backend's life cycle: config, DNS upstream, rings, open/start/close (net.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "net/backend.h"
#include "net/slirphooks.h"

static struct in_addr ip4(const char *s)
{
	struct in_addr a;
	inet_pton(AF_INET, s, &a);
	return a;
}

void net_config_default(struct net_config *c)
{
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

	memset(c, 0, sizeof(*c));
	c->mode = NET_MODE_SLIRP;
	c->mtu = NET_MTU_SLIRP;
	memcpy(c->mac, mac, sizeof(mac));
	c->net = ip4("10.0.2.0");
	c->mask = ip4("255.255.255.0");
	c->gateway = ip4("10.0.2.2");
	c->dns = ip4("10.0.2.3");
	c->guest = ip4("10.0.2.15");
	c->ring_slots = NET_RING_SLOTS;
	c->ring_bytes = NET_RING_BYTES;
}

static int in_net(const struct net_config *c, struct in_addr a)
{
	return (a.s_addr & c->mask.s_addr) == c->net.s_addr;
}

static int check_config(const struct net_config *c, struct sb_error *err)
{
	if (c->mode == NET_MODE_TAP)
		return error_set(err, ENOTSUP, "network mode tap is not implemented yet");
	if (c->mode != NET_MODE_SLIRP)
		return error_set(err, EINVAL, "network backend: mode none has no backend");
	if (c->mtu < NET_MTU_MIN || c->mtu > NET_MTU_SLIRP)
		return error_set(err, EINVAL, "network MTU %u is outside %u..%u", c->mtu,
				 NET_MTU_MIN, NET_MTU_SLIRP);
	uint32_t m = ntohl(c->mask.s_addr);
	if (m < 0xff000000u || (~m & (~m + 1)) || (c->net.s_addr & ~c->mask.s_addr) ||
	    !in_net(c, c->gateway) || !in_net(c, c->dns) || !in_net(c, c->guest) ||
	    c->gateway.s_addr == c->guest.s_addr || c->dns.s_addr == c->guest.s_addr)
		return error_set(err, EINVAL, "network: inconsistent virtual network addresses");
	if (c->nfwd > NET_MAX_FORWARDS || (c->nfwd && !c->fwd))
		return error_set(err, EINVAL, "at most %u published ports", NET_MAX_FORWARDS);
	for (unsigned i = 0; i < c->nfwd; i++) {
		const struct net_forward *f = &c->fwd[i];
		struct in6_addr a;
		if (f->proto != NET_PROTO_TCP && f->proto != NET_PROTO_UDP)
			return error_set(err, EINVAL, "published port %u: bad protocol", i);
		if (!f->guest_port)
			return error_set(err, EINVAL, "published port %u: guest port 0", i);
		if (f->host_port_last && (!f->host_port || f->host_port_last < f->host_port))
			return error_set(err, EINVAL, "published port %u: bad host port range", i);
		if (f->host_addr && f->host_addr[0] && inet_pton(AF_INET, f->host_addr, &a) != 1 &&
		    (inet_pton(AF_INET6, f->host_addr, &a) != 1 || IN6_IS_ADDR_V4MAPPED(&a)))
			return error_set(err, EINVAL,
					 "published port %u: host address `%s` is not an IPv4 or "
					 "IPv6 address",
					 i, f->host_addr);
	}
	if (c->ring_slots < 1 || c->ring_bytes < FRAMERING_FRAME_MAX)
		return error_set(err, EINVAL, "network rings: at least 1 slot and %u bytes",
				 FRAMERING_FRAME_MAX);
	return 0;
}

/* The forwarder's upstream, handed to libslirp through slirphooks. */
static void choose_dns(struct net_backend *b, const struct net_config *c)
{
	static const char *const host_paths[] = NETDNS_PATHS;
	const char *const *paths = c->resolv_paths ? c->resolv_paths : host_paths;
	unsigned n = c->resolv_paths ? c->nresolv_paths : 2;
	char text[256], a[INET6_ADDRSTRLEN];
	struct sb_error e = {0};

	if (c->dns_upstream.s_addr != htonl(INADDR_ANY)) {
		b->dns = (struct netdns){.have_v4 = 1, .v4 = c->dns_upstream};
		snprintf(b->dns.source, sizeof(b->dns.source), "configured");
	} else if (netdns_pick(paths, n, &b->dns, &e) < 0) {
		snprintf(b->dns_info, sizeof(b->dns_info), "none: %.240s", e.msg);
		slirphooks_set_resolv("");
		return;
	}
	if (netdns_format(&b->dns, text, sizeof(text)) < 0)
		text[0] = '\0';
	slirphooks_set_resolv(text);
	inet_ntop(b->dns.have_v4 ? AF_INET : AF_INET6,
		  b->dns.have_v4 ? (const void *)&b->dns.v4 : (const void *)&b->dns.v6, a,
		  sizeof(a));
	snprintf(b->dns_info, sizeof(b->dns_info), "%s (%s%s)", a,
		 b->dns.local ? "a host-local stub, from " : "from ", b->dns.source);
}

int net_backend_open(const struct net_config *c, struct net_backend **out, struct sb_error *err)
{
	*out = NULL;
	int r = check_config(c, err);
	if (r < 0)
		return r;
	struct net_backend *b = calloc(1, sizeof(*b));
	if (!b)
		return error_set(err, ENOMEM, "network backend");
	b->stop_fd = -1;
	b->count = mmap(NULL, sizeof(*b->count), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			-1, 0);
	if (b->count == MAP_FAILED) {
		free(b);
		return error_set(err, errno, "network counters");
	}
	b->cfg = *c;
	for (unsigned i = 0; i < c->nfwd; i++) {
		b->fwd[i] = c->fwd[i];
		snprintf(b->fwd_addr[i], sizeof(b->fwd_addr[i]), "%s",
			 c->fwd[i].host_addr ? c->fwd[i].host_addr : "");
		b->fwd[i].host_addr = b->fwd_addr[i];
	}
	b->cfg.fwd = b->fwd;
	b->cfg.resolv_paths = NULL; /* read by choose_dns only, not kept */
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);

	r = framering_init(&b->to_guest, c->ring_slots, c->ring_bytes);
	if (r == 0) {
		r = framering_init(&b->from_guest, c->ring_slots, c->ring_bytes);
		if (r < 0)
			framering_destroy(&b->to_guest);
	}
	if (r < 0) {
		error_set(err, -r, "network rings");
		net_backend_close(b);
		return r;
	}
	b->rings = 1;
	b->frame = malloc(FRAMERING_FRAME_MAX);
	b->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!b->frame || b->stop_fd < 0) {
		r = error_set(err, b->frame ? errno : ENOMEM, "network backend");
		net_backend_close(b);
		return r;
	}
	choose_dns(b, c);
	r = slirp_stack_open(b, err);
	if (r < 0) {
		net_backend_close(b);
		return r;
	}
	*out = b;
	return 0;
}

int net_backend_start(struct net_backend *b, const struct sysfilter *filter, struct sb_error *err)
{
	if (b->started)
		return error_set(err, EALREADY, "network thread already started");
	b->sysfilter = filter;
	return slirp_stack_start(b, err);
}

void net_backend_stop(struct net_backend *b)
{
	slirp_stack_stop(b);
}

void net_backend_close(struct net_backend *b)
{
	if (!b)
		return;
	slirp_stack_stop(b);
	slirp_stack_close(b);
	if (b->rings) {
		framering_destroy(&b->to_guest);
		framering_destroy(&b->from_guest);
	}
	if (b->stop_fd >= 0)
		close(b->stop_fd);
	free(b->frame);
	free(b->pfd);
	munmap(b->count, sizeof(*b->count));
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

uint16_t net_backend_host_port(const struct net_backend *b, unsigned i)
{
	return i < b->cfg.nfwd ? b->host_port[i] : 0;
}

bool net_backend_host_v6(const struct net_backend *b, unsigned i)
{
	return i < b->cfg.nfwd && b->host_v6[i];
}

struct framering *net_backend_to_guest(struct net_backend *b)
{
	return &b->to_guest;
}

struct framering *net_backend_from_guest(struct net_backend *b)
{
	return &b->from_guest;
}

void net_backend_stats(const struct net_backend *b, struct net_stats *st)
{
	memset(st, 0, sizeof(*st));
	const struct net_counters *c = b->count;
	st->from_guest = atomic_load(&c->from_guest_n);
	st->filtered = atomic_load(&c->filtered_n);
	for (unsigned v = 0; v < NETFILTER_VERDICTS && v < 16; v++)
		st->filtered_by[v] = atomic_load(&c->filtered_by[v]);
	st->to_guest = atomic_load(&c->to_guest_n);
	st->to_guest_dropped = atomic_load(&c->to_guest_dropped);
	st->guest_errors = atomic_load(&c->guest_errors);
	st->slirp_log = atomic_load(&c->slirp_log);
}

unsigned net_backend_fds(struct net_backend *b, int *fds, unsigned max)
{
	const int own[] = {b->stop_fd, b->to_guest.ready_fd, b->to_guest.space_fd,
			   b->from_guest.ready_fd, b->from_guest.space_fd};
	unsigned n = 0;
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++, n++)
		if (n < max)
			fds[n] = own[i];
	return n + slirp_stack_fds(b, n < max ? fds + n : fds, n < max ? max - n : 0);
}

const char *net_backend_dns(const struct net_backend *b)
{
	return b->dns_info;
}
