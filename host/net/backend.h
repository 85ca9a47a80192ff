/* The network backend's state, shared by net.c (life cycle) and slirp.c (libslirp, the thread). */
#ifndef SB_NET_BACKEND_H
#define SB_NET_BACKEND_H

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>

#include "net/net.h"
#include "net/netdns.h"
#include "net/netfilter.h"
#include "net/slirphooks.h"

struct net_timer {
	int used;
	int id; /* SlirpTimerId */
	void *cb_opaque;
	int64_t expire_ms; /* -1: not armed */
};
#define NET_TIMERS 4

struct net_backend {
	struct net_config cfg; /* cfg.fwd points at fwd below */
	struct net_forward fwd[NET_MAX_FORWARDS];
	char fwd_addr[NET_MAX_FORWARDS][INET6_ADDRSTRLEN]; /* each one's host address ("": all) */
	uint16_t host_port[NET_MAX_FORWARDS];
	bool host_v6[NET_MAX_FORWARDS]; /* an "all addresses" forward is on [::] as well */
	struct slirphooks_v6 v6;	/* the IPv6 listeners, for the hooks */
	struct netdns dns;
	char dns_info[256];

	struct framering to_guest, from_guest;
	int rings; /* both rings initialized */
	int stop_fd;
	void *slirp; /* Slirp * */
	struct netfilter filter;
	struct net_timer timers[NET_TIMERS];

	/* the thread */
	pthread_t thread;
	int started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int start_state; /* 0 pending, 1 running, -errno failed */
	const struct sysfilter *sysfilter;
	struct pollfd *pfd;
	unsigned npfd, pfd_cap;
	uint8_t *frame; /* FRAMERING_FRAME_MAX bytes: one frame from the guest */

	/* The counters, in a shared mapping: a VMM forked off after the open
	 * (host/jail/vmmproc.h) counts where the opener reads. */
	struct net_counters {
		_Atomic uint64_t from_guest_n, filtered_n, filtered_by[NETFILTER_VERDICTS],
		    to_guest_n, to_guest_dropped, guest_errors, slirp_log;
	} * count;
};

/* slirp.c: create the stack and bind the forwards (b->cfg checked, rings
 * ready, DNS chosen); 0 or -errno with err filled. */
int slirp_stack_open(struct net_backend *b, struct sb_error *err);
/* slirp.c: the stack's sockets (listeners included): up to max into fds;
 * how many there are. Not while the thread runs. */
unsigned slirp_stack_fds(struct net_backend *b, int *fds, unsigned max);
/* slirp.c: start and stop the thread; free the stack. */
int slirp_stack_start(struct net_backend *b, struct sb_error *err);
void slirp_stack_stop(struct net_backend *b);
void slirp_stack_close(struct net_backend *b);

#endif
