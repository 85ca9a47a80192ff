/* The libslirp stack on the network thread: its callbacks, the poll loop, the port forwards. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <slirp/libslirp.h>

#include "net/backend.h"
#include "net/slirphooks.h"

/* slirphooks.c and host/net/slirp-build lean on 4.7's internals (which
 * libc calls it makes, and where). */
#if !SLIRP_CHECK_VERSION(4, 7, 0) || SLIRP_CHECK_VERSION(4, 8, 0)
#error "host/net: written against libslirp 4.7.x; check slirphooks.c against the new version"
#endif

_Static_assert(SLIRPHOOKS_V6_SOCKS >= NET_MAX_FORWARDS, "an IPv6 listener per forward");

#define BURST 256 /* guest frames per loop turn before the sockets get a look */
#define NET_STACK                                                                                  \
	(1u << 20) /* libslirp puts 64 KiB frames on the stack; below 2 MiB (thread.h)             \
		    */

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static uint64_t now_ms(void)
{
	return (uint64_t)(now_ns() / 1000000);
}

/* --- libslirp's callbacks (all on the network thread, or in open) ------- */

/* The client address of a UDP port forward, as the guest sees it. libslirp
 * gives the guest the client's real address, and shows a client on the host's
 * loopback as the gateway; but it decides that from the forward socket's last
 * peer on the guest's side (so_faddr, which every datagram the guest sends
 * through the forward overwrites): once the guest has answered a client at
 * another address, a client on 127.0.0.1 reaches the guest as 127.0.0.1
 * itself, and one on 127.0.0.2 always does. The guest drops such a datagram
 * (a loopback source on eth0 is a martian), so that client gets no answer.
 * libslirp 4.7 has no call or flag for this (slirp_add_hostxfwd takes only
 * SLIRP_HOSTFWD_UDP and _V6ONLY), so the frame is corrected here: a UDP
 * datagram for the guest from 127/8 or 0/8 gets the gateway as its source,
 * as libslirp means it to; the guest's answer to the gateway goes to
 * 127.0.0.1, the client's port (libslirp's sotranslate_out: so a client on
 * another 127/8 address now reaches the guest, but hears its answer only if
 * it also receives on 127.0.0.1). Outbound flows to 127/8 and 0/8 never
 * exist: netfilter.c drops them. */
#define ETH_HLEN_ 14

/* The IPv4 header length of a frame that needs it, else 0. */
static size_t loopback_udp(const uint8_t *f, size_t len)
{
	if (len < ETH_HLEN_ + 20 || f[12] != 0x08 || f[13] != 0x00 || f[ETH_HLEN_] >> 4 != 4)
		return 0;
	const uint8_t *ip = f + ETH_HLEN_;
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	if (ihl < 20 || len < ETH_HLEN_ + ihl || ip[9] != 17)
		return 0;
	return ip[12] == 127 || ip[12] == 0 ? ihl : 0;
}

/* RFC 1624: a ones' complement sum after a 16-bit word went from old to new. */
static uint16_t csum_update(uint16_t sum, uint16_t old, uint16_t new)
{
	uint32_t s = (uint16_t)~sum + (uint32_t)(uint16_t)~old + new;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Frame f (len bytes, IPv4 header length ihl, per loopback_udp) rewritten in
 * place: the gateway as its source, the header checksum updated, and the UDP
 * checksum too where the UDP header is (not in a later fragment; a checksum
 * of 0 means none and stays so). */
static void to_gateway_source(const struct net_backend *b, uint8_t *f, size_t len, size_t ihl)
{
	uint8_t *ip = f + ETH_HLEN_, *udp = ip + ihl, gw[4];
	int has_udp = !(get16(ip + 6) & 0x1fff) && len >= ETH_HLEN_ + ihl + 8;
	uint16_t ipsum = get16(ip + 10), udpsum = has_udp ? get16(udp + 6) : 0;

	memcpy(gw, &b->cfg.gateway.s_addr, 4);
	for (int w = 0; w < 4; w += 2) {
		uint16_t old = get16(ip + 12 + w), new = get16(gw + w);
		ipsum = csum_update(ipsum, old, new);
		if (udpsum)
			udpsum = csum_update(udpsum, old, new);
	}
	memcpy(ip + 12, gw, 4);
	put16(ip + 10, ipsum);
	if (has_udp && get16(udp + 6))
		put16(udp + 6, udpsum ? udpsum : 0xffff);
}

static void push_to_guest(struct net_backend *b, const void *buf, size_t len)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};

	netfilter_note_to_guest(&b->filter, buf, len, now_ms());
	if (len < 1 || len > FRAMERING_FRAME_MAX || framering_push(&b->to_guest, &iov, 1, len) < 0)
		atomic_fetch_add(&b->count->to_guest_dropped, 1);
	else
		atomic_fetch_add(&b->count->to_guest_n, 1);
}

/* The rare path: a copy to rewrite (on the thread's 1 MiB stack). */
static __attribute__((noinline)) void push_from_gateway(struct net_backend *b, const void *buf,
							size_t len, size_t ihl)
{
	uint8_t copy[FRAMERING_FRAME_MAX];

	if (len > sizeof(copy)) {
		atomic_fetch_add(&b->count->to_guest_dropped, 1);
		return;
	}
	memcpy(copy, buf, len);
	to_gateway_source(b, copy, len, ihl);
	push_to_guest(b, copy, len);
}

/* A frame for the guest: into the ring, or dropped when it is full (a
 * guest that does not read cannot make us buffer; TCP retransmits). */
static ssize_t on_send(const void *buf, size_t len, void *opaque)
{
	struct net_backend *b = opaque;
	size_t ihl = loopback_udp(buf, len);

	if (ihl)
		push_from_gateway(b, buf, len, ihl);
	else
		push_to_guest(b, buf, len);
	return (ssize_t)len;
}

static void on_guest_error(const char *msg, void *opaque)
{
	struct net_backend *b = opaque;
	(void)msg;
	atomic_fetch_add(&b->count->guest_errors, 1);
}

static int64_t on_clock(void *opaque)
{
	(void)opaque;
	return now_ns();
}

/* libslirp 4.7 has one timer (IPv6 router advertisements). */
static void *on_timer_new(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	struct net_backend *b = opaque;
	for (unsigned i = 0; i < NET_TIMERS; i++) {
		struct net_timer *t = &b->timers[i];
		if (!t->used) {
			*t = (struct net_timer){
			    .used = 1, .id = id, .cb_opaque = cb_opaque, .expire_ms = -1};
			return t;
		}
	}
	return NULL; /* timer_mod and timer_free take NULL */
}

static void on_timer_free(void *timer, void *opaque)
{
	struct net_timer *t = timer;
	(void)opaque;
	if (t)
		t->used = 0;
}

static void on_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	struct net_timer *t = timer;
	(void)opaque;
	if (t)
		t->expire_ms = expire_ms;
}

/* The loop polls every socket libslirp names on each turn: nothing to track. */
static void on_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

static void on_notify(void *opaque)
{
	(void)opaque;
}

static const SlirpCb callbacks = {
    .send_packet = on_send,
    .guest_error = on_guest_error,
    .clock_get_ns = on_clock,
    .timer_free = on_timer_free,
    .timer_mod = on_timer_mod,
    .register_poll_fd = on_poll_fd,
    .unregister_poll_fd = on_poll_fd,
    .notify = on_notify,
    .timer_new_opaque = on_timer_new,
};

/* --- open: the stack and the port forwards ----------------------------- */

/* Bind one host port of forward f at host address addr (an IPv4 or IPv6
 * literal). An IPv6 listener joins the hooks' table and is V6ONLY, except
 * for "::" with dual set: that one socket takes both families. 0, or -errno
 * (errno-style, not set in err). */
static int bind_forward(struct net_backend *b, const struct net_forward *f, const char *addr,
			int dual, uint16_t port)
{
	int udp = f->proto == NET_PROTO_UDP;
	struct sockaddr_in h4 = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct sockaddr_in6 h6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	struct sockaddr_in g = {
	    .sin_family = AF_INET, .sin_port = htons(f->guest_port), .sin_addr = b->cfg.guest};
	int v6 = inet_pton(AF_INET, addr, &h4.sin_addr) != 1;
	if (v6 && inet_pton(AF_INET6, addr, &h6.sin6_addr) != 1)
		return -EINVAL; /* checked by net.c */
	const struct sockaddr *h = v6 ? (const struct sockaddr *)&h6 : (const struct sockaddr *)&h4;
	socklen_t hlen = v6 ? sizeof(h6) : sizeof(h4);
	int flags = (udp ? SLIRP_HOSTFWD_UDP : 0) | (v6 && !dual ? SLIRP_HOSTFWD_V6ONLY : 0);

	slirphooks_forget_bound();
	unsigned nsock = b->v6.nsock;
	b->v6.registering = v6;
	errno = 0;
	int r = slirp_add_hostxfwd(b->slirp, h, hlen, (struct sockaddr *)&g, sizeof(g), flags);
	int e = errno;
	b->v6.registering = false;
	if (r < 0) {
		/* bound, then refused (listen): its fd is closed and may come
		 * back as any socket, which the hooks must then leave alone */
		b->v6.nsock = nsock;
		return e ? -e : -EINVAL;
	}
	return 0;
}

/* The port the last forward's socket is bound to (the kernel's choice for
 * 0), or 0. */
static uint16_t bound_port(void)
{
	struct sockaddr_storage got;
	socklen_t len = sizeof(got);
	int fd = slirphooks_last_bound();
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&got, &len) < 0)
		return 0;
	if (got.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&got)->sin_port);
	if (got.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&got)->sin6_port);
	return 0;
}

/* Bind forward f on addr, its host port or the first free one of its range. */
static int bind_first_free(struct net_backend *b, const struct net_forward *f, const char *addr,
			   int dual)
{
	unsigned last = f->host_port_last > f->host_port ? f->host_port_last : f->host_port;
	int r = -EADDRINUSE;
	for (unsigned p = f->host_port; p <= last && r == -EADDRINUSE; p++)
		r = bind_forward(b, f, addr, dual, (uint16_t)p);
	return r;
}

static int add_forward(struct net_backend *b, unsigned i, struct sb_error *err)
{
	const struct net_forward *f = &b->fwd[i];
	const char *proto = f->proto == NET_PROTO_UDP ? "udp" : "tcp";
	const char *addr = f->host_addr;
	unsigned last = f->host_port_last > f->host_port ? f->host_port_last : f->host_port;
	int r;

	if (!addr[0]) {
		/* docker's "every address": one dual-stack socket on [::] (one
		 * socket, so that the guest's UDP answers leave through the one
		 * their client came in by), or 0.0.0.0 on a host without IPv6 */
		addr = "::";
		r = bind_first_free(b, f, addr, 1);
		b->host_v6[i] = r == 0;
		if (r == -EAFNOSUPPORT || r == -EADDRNOTAVAIL) {
			addr = "0.0.0.0";
			r = bind_first_free(b, f, addr, 0);
		}
	} else {
		r = bind_first_free(b, f, addr, 0);
	}
	char where[INET6_ADDRSTRLEN + 32];
	if (!f->host_addr[0])
		snprintf(where, sizeof(where), "every address, port ");
	else if (strchr(addr, ':'))
		snprintf(where, sizeof(where), "[%s]:", addr);
	else
		snprintf(where, sizeof(where), "%s:", addr);
	if (r < 0 && last > f->host_port)
		return error_set(err, -r, "publish %s%u-%u -> guest port %u/%s", where,
				 f->host_port, last, f->guest_port, proto);
	if (r < 0)
		return error_set(err, -r, "publish %s%u -> guest port %u/%s", where, f->host_port,
				 f->guest_port, proto);
	/* the port the kernel chose for 0 (or the one asked for) */
	b->host_port[i] = bound_port();
	if (!b->host_port[i])
		return error_set(err, EIO, "publish %s%u: which host port did it get?", where,
				 f->host_port);
	return 0;
}

static void filter_init(struct net_backend *b)
{
	uint16_t udp_ports[NET_MAX_FORWARDS];
	unsigned n = 0;
	struct netfilter_config c = {
	    .net = b->cfg.net,
	    .mask = b->cfg.mask,
	    .gateway = b->cfg.gateway,
	    .dns = b->cfg.dns,
	    .ipv6 = b->cfg.ipv6,
	    .allow_host_loopback = b->cfg.allow_host_loopback,
	};

	inet_pton(AF_INET6, "fec0::", &c.prefix6);
	inet_pton(AF_INET6, "fec0::3", &c.dns6);
	for (unsigned i = 0; i < b->cfg.nfwd; i++)
		if (b->fwd[i].proto == NET_PROTO_UDP)
			udp_ports[n++] = b->fwd[i].guest_port;
	c.udp_fwd_ports = udp_ports;
	c.n_udp_fwd = n;
	netfilter_init(&b->filter, &c);
}

int slirp_stack_open(struct net_backend *b, struct sb_error *err)
{
	const struct net_config *c = &b->cfg;
	int udp_fwd = 0;
	SlirpConfig sc;

	for (unsigned i = 0; i < c->nfwd; i++)
		udp_fwd |= b->fwd[i].proto == NET_PROTO_UDP;
	memset(&sc, 0, sizeof(sc));
	sc.version = 4;
	sc.in_enabled = true;
	sc.vnetwork = c->net;
	sc.vnetmask = c->mask;
	sc.vhost = c->gateway;
	sc.vnameserver = c->dns;
	sc.vdhcp_start = c->guest;
	sc.in6_enabled = c->ipv6;
	inet_pton(AF_INET6, "fec0::", &sc.vprefix_addr6);
	sc.vprefix_len = 64;
	inet_pton(AF_INET6, "fec0::2", &sc.vhost6);
	inet_pton(AF_INET6, "fec0::3", &sc.vnameserver6);
	sc.if_mtu = c->mtu;
	sc.if_mru = c->mtu;
	/* libslirp's own guard refuses every datagram to the gateway, the
	 * replies of a UDP port forward to a client on the host's loopback
	 * included: with UDP forwards the filter alone guards the gateway
	 * (netfilter.c lets only those replies through). */
	sc.disable_host_loopback = !c->allow_host_loopback && !udp_fwd;
	sc.enable_emu = false;
	sc.disable_dhcp = true; /* static address; and no BOOTP/TFTP (tftp_path NULL) */

	slirphooks_log_init();
	slirphooks_v6_attach(&b->v6); /* the forwards' IPv6 sockets join it */
	b->slirp = slirp_new(&sc, &callbacks, b);
	if (!b->slirp)
		return error_set(err, EINVAL, "libslirp refused the network configuration");
	filter_init(b);
	int r = 0;
	for (unsigned i = 0; i < c->nfwd && r == 0; i++)
		r = add_forward(b, i, err);
	slirphooks_v6_attach(NULL);
	return r;
}

void slirp_stack_close(struct net_backend *b)
{
	if (b->slirp)
		slirp_cleanup(b->slirp);
	b->slirp = NULL;
}

/* --- the thread -------------------------------------------------------- */

static int add_fd(struct net_backend *b, int fd, short events)
{
	if (b->npfd == b->pfd_cap) {
		unsigned cap = b->pfd_cap ? 2 * b->pfd_cap : 64;
		struct pollfd *p = realloc(b->pfd, cap * sizeof(*p));
		if (!p)
			return -1; /* that socket is not polled this turn */
		b->pfd = p;
		b->pfd_cap = cap;
	}
	b->pfd[b->npfd] = (struct pollfd){.fd = fd, .events = events};
	return (int)b->npfd++;
}

static int on_add_poll(int fd, int events, void *opaque)
{
	short ev = (short)((events & SLIRP_POLL_IN ? POLLIN : 0) |
			   (events & SLIRP_POLL_OUT ? POLLOUT : 0) |
			   (events & SLIRP_POLL_PRI ? POLLPRI : 0));
	return add_fd(opaque, fd, ev);
}

struct fd_list {
	int *fds;
	unsigned max, n;
};

static int on_list_fd(int fd, int events, void *opaque)
{
	struct fd_list *l = opaque;
	(void)events;
	if (l->n < l->max)
		l->fds[l->n] = fd;
	return (int)l->n++;
}

unsigned slirp_stack_fds(struct net_backend *b, int *fds, unsigned max)
{
	struct fd_list l = {.fds = fds, .max = max};
	uint32_t ms = UINT32_MAX;
	if (b->slirp)
		slirp_pollfds_fill(b->slirp, &ms, on_list_fd, &l);
	for (unsigned i = 0; i < b->v6.nsock && i < SLIRPHOOKS_V6_SOCKS; i++)
		on_list_fd(b->v6.sock[i].fd, 0, &l);
	return l.n;
}

static int on_get_revents(int idx, void *opaque)
{
	struct net_backend *b = opaque;
	if (idx < 0 || (unsigned)idx >= b->npfd)
		return 0;
	short r = b->pfd[idx].revents;
	return (r & POLLIN ? SLIRP_POLL_IN : 0) | (r & POLLOUT ? SLIRP_POLL_OUT : 0) |
	       (r & POLLPRI ? SLIRP_POLL_PRI : 0) | (r & POLLERR ? SLIRP_POLL_ERR : 0) |
	       (r & POLLHUP ? SLIRP_POLL_HUP : 0);
}

/* The poll timeout: libslirp's, shortened by our timers; at most IDLE_MS, so
 * that libslirp expires idle UDP sockets even when nothing else happens. */
#define IDLE_MS 10000
static int turn_timeout(const struct net_backend *b, uint32_t slirp_ms)
{
	int64_t ms = slirp_ms > IDLE_MS ? IDLE_MS : (int64_t)slirp_ms;
	int64_t now = (int64_t)now_ms();
	for (unsigned i = 0; i < NET_TIMERS; i++) {
		const struct net_timer *t = &b->timers[i];
		if (!t->used || t->expire_ms < 0)
			continue;
		int64_t left = t->expire_ms > now ? t->expire_ms - now : 0;
		if (left < ms)
			ms = left;
	}
	return (int)ms;
}

static void run_timers(struct net_backend *b)
{
	int64_t now = (int64_t)now_ms();
	for (unsigned i = 0; i < NET_TIMERS; i++) {
		struct net_timer *t = &b->timers[i];
		if (t->used && t->expire_ms >= 0 && t->expire_ms <= now) {
			t->expire_ms = -1;
			slirp_handle_timer(b->slirp, (SlirpTimerId)t->id, t->cb_opaque);
		}
	}
}

/* Up to BURST frames from the guest through the filter into libslirp;
 * 1 if more are waiting. */
static int take_frames(struct net_backend *b)
{
	framering_ack_ready(&b->from_guest);
	for (unsigned i = 0; i < BURST; i++) {
		ssize_t n = framering_pop(&b->from_guest, b->frame, FRAMERING_FRAME_MAX);
		if (n <= 0)
			return 0;
		enum netfilter_verdict v =
		    netfilter_check(&b->filter, b->frame, (size_t)n, now_ms());
		if (v != NETFILTER_PASS) {
			atomic_fetch_add(&b->count->filtered_n, 1);
			atomic_fetch_add(&b->count->filtered_by[v], 1);
			continue;
		}
		atomic_fetch_add(&b->count->from_guest_n, 1);
		slirp_input(b->slirp, b->frame, (int)n);
	}
	return framering_peek(&b->from_guest) > 0;
}

static void run_loop(struct net_backend *b)
{
	int more = 0;

	for (;;) {
		uint32_t slirp_ms = UINT32_MAX;
		b->npfd = 0;
		add_fd(b, b->stop_fd, POLLIN);		   /* index 0 */
		add_fd(b, b->from_guest.ready_fd, POLLIN); /* index 1 */
		slirp_pollfds_fill(b->slirp, &slirp_ms, on_add_poll, b);
		int n = poll(b->pfd, b->npfd, more ? 0 : turn_timeout(b, slirp_ms));
		slirp_pollfds_poll(b->slirp, n < 0, on_get_revents, b);
		atomic_store(&b->count->slirp_log, slirphooks_log_count());
		run_timers(b);
		if (n > 0 && (b->pfd[0].revents & POLLIN))
			return;
		if (more || (n > 0 && (b->pfd[1].revents & POLLIN)))
			more = take_frames(b);
	}
}

static void started(struct net_backend *b, int state)
{
	pthread_mutex_lock(&b->lock);
	b->start_state = state;
	pthread_cond_signal(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

static void *net_thread(void *arg)
{
	struct net_backend *b = arg;
	sigset_t all;

	/* no process signal lands here; sysfilter_enter unblocks SIGSYS */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	prctl(PR_SET_NAME, "vmm-net", 0, 0, 0); /* beside vcpuN and vmm-io in /proc/PID/task */
	slirphooks_v6_attach(&b->v6);
	int r = b->sysfilter ? sysfilter_enter(b->sysfilter, SYSFILTER_NET) : 0;
	started(b, r < 0 ? r : 1);
	if (r == 0)
		run_loop(b);
	return NULL;
}

int slirp_stack_start(struct net_backend *b, struct sb_error *err)
{
	pthread_attr_t a;
	int e = pthread_attr_init(&a);

	if (e)
		return error_set(err, e, "network thread");
	e = pthread_attr_setstacksize(&a, NET_STACK);
	if (!e)
		e = pthread_create(&b->thread, &a, net_thread, b);
	pthread_attr_destroy(&a);
	if (e)
		return error_set(err, e, "network thread");
	b->started = 1;
	pthread_mutex_lock(&b->lock);
	while (!b->start_state)
		pthread_cond_wait(&b->cond, &b->lock);
	int state = b->start_state;
	pthread_mutex_unlock(&b->lock);
	if (state < 0)
		return error_set(err, -state, "network thread: its seccomp filter");
	return 0;
}

void slirp_stack_stop(struct net_backend *b)
{
	uint64_t one = 1;

	if (!b->started)
		return;
	if (write(b->stop_fd, &one, sizeof(one)) < 0) {
		/* an eventfd write fails only on overflow: it is readable anyway */
	}
	pthread_join(b->thread, NULL);
	b->started = 0;
}
