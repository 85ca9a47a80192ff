/* The VMM's one event-loop thread (epoll): queue notifications (ioeventfd) and host fds (stdin). */
#ifndef SB_VMM_EVENTLOOP_H
#define SB_VMM_EVENTLOOP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "error.h"

#define EVENTLOOP_MAX 96 /* 8 virtio-fs devices take 5 each */

/* Called on the loop thread when fd is readable (or, for fds epoll cannot
 * watch such as regular files, on every turn while enabled). It must consume
 * the readiness or disable its source, else it is called again at once. */
typedef void eventloop_fn(void *ctx);

struct eventloop_src {
	int fd;
	eventloop_fn *fn;
	void *ctx;
	int pollable;	    /* epoll accepts the fd */
	uint32_t events;    /* EPOLLIN, or EPOLLOUT (eventloop_add_writable) */
	atomic_int enabled; /* watched right now */
};

struct eventloop {
	int epfd, wakefd;
	struct eventloop_src src[EVENTLOOP_MAX];
	unsigned n;
	atomic_int stop;
	atomic_uint busy; /* enabled non-pollable sources */
	pthread_t thread;
	int started;
	/* Optional, set before eventloop_start: runs first on the loop thread,
	 * before any source (the VMM installs its seccomp filter); nonzero ends
	 * the thread at once. */
	int (*on_start)(void *ctx);
	void *on_start_ctx;
};

/* 0 or -errno. */
int eventloop_init(struct eventloop *l, struct sb_error *err);
/* Stops the thread if running, closes the loop's own fds (not the sources'). */
void eventloop_destroy(struct eventloop *l);
/* Watch fd (not owned). Only before eventloop_start. Returns the source id (>= 0) or -errno. */
int eventloop_add(struct eventloop *l, int fd, eventloop_fn *fn, void *ctx, int enabled,
		  struct sb_error *err);
/* The same for writability (EPOLLOUT): fn runs while fd can take data, e.g.
 * a full socket that drained. fd must not be watched for reading as well:
 * give a dup() of it. */
int eventloop_add_writable(struct eventloop *l, int fd, eventloop_fn *fn, void *ctx, int enabled,
			   struct sb_error *err);
/* Start or stop watching a source; any thread, cheap when nothing changes. */
void eventloop_enable(struct eventloop *l, int id, int on);
/* Run the loop on its own thread (signals blocked but VCPU_KICK_SIGNAL). */
int eventloop_start(struct eventloop *l, struct sb_error *err);
/* Ask the thread to end, interrupt a blocking write if any, and join it. */
void eventloop_stop(struct eventloop *l);

#endif
