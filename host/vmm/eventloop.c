/* The VMM's one event-loop thread: epoll over eventfds and host fds, woken by an eventfd. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "eventloop.h"
#include "vcpu.h"
#include "thread.h"

#define WAKE_ID UINT32_MAX

int eventloop_init(struct eventloop *l, struct sb_error *err)
{
	memset(l, 0, sizeof(*l));
	l->wakefd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return error_set(err, errno, "epoll_create1");
	l->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = WAKE_ID};
	if (l->wakefd < 0 || epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wakefd, &ev) < 0) {
		int r = error_set(err, errno, "event loop eventfd");
		eventloop_destroy(l);
		return r;
	}
	return 0;
}

void eventloop_destroy(struct eventloop *l)
{
	eventloop_stop(l);
	if (l->wakefd >= 0)
		close(l->wakefd);
	if (l->epfd >= 0)
		close(l->epfd);
	l->wakefd = l->epfd = -1;
}

static void wake(struct eventloop *l)
{
	uint64_t one = 1;
	ssize_t n = write(l->wakefd, &one, sizeof(one));
	(void)n; /* EAGAIN: the counter is already non-zero, the loop wakes anyway */
}

static int watch(struct eventloop *l, unsigned id, int on)
{
	struct epoll_event ev = {.events = l->src[id].events, .data.u32 = id};
	return epoll_ctl(l->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, l->src[id].fd, &ev);
}

static int add(struct eventloop *l, int fd, uint32_t events, eventloop_fn *fn, void *ctx,
	       int enabled, struct sb_error *err)
{
	if (l->n == EVENTLOOP_MAX || l->started)
		return error_set(err, ENOSPC, "event loop: too many sources");
	unsigned id = l->n;
	struct eventloop_src *s = &l->src[id];
	s->fd = fd;
	s->fn = fn;
	s->ctx = ctx;
	s->pollable = 1;
	s->events = events;
	atomic_init(&s->enabled, 0);
	/* Probe: epoll refuses regular files and the like (EPERM). */
	if (watch(l, id, 1) < 0) {
		if (errno != EPERM)
			return error_set(err, errno, "epoll_ctl fd %d", fd);
		s->pollable = 0;
	} else {
		watch(l, id, 0);
	}
	l->n++;
	eventloop_enable(l, (int)id, enabled);
	return (int)id;
}

int eventloop_add(struct eventloop *l, int fd, eventloop_fn *fn, void *ctx, int enabled,
		  struct sb_error *err)
{
	return add(l, fd, EPOLLIN, fn, ctx, enabled, err);
}

int eventloop_add_writable(struct eventloop *l, int fd, eventloop_fn *fn, void *ctx, int enabled,
			   struct sb_error *err)
{
	return add(l, fd, EPOLLOUT, fn, ctx, enabled, err);
}

void eventloop_enable(struct eventloop *l, int id, int on)
{
	if (id < 0 || (unsigned)id >= l->n)
		return;
	struct eventloop_src *s = &l->src[id];
	on = !!on;
	if (atomic_exchange(&s->enabled, on) == on)
		return;
	/* Disabled sources are removed outright: epoll reports EPOLLHUP even
	 * for an empty event mask, which would spin the loop. */
	if (s->pollable) {
		watch(l, (unsigned)id, on);
		return;
	}
	if (on)
		atomic_fetch_add(&l->busy, 1);
	else
		atomic_fetch_sub(&l->busy, 1);
	wake(l);
}

static void run_ready(struct eventloop *l, const struct epoll_event *ev, int n)
{
	for (int i = 0; i < n; i++) {
		uint32_t id = ev[i].data.u32;
		if (id == WAKE_ID) {
			uint64_t v;
			ssize_t k = read(l->wakefd, &v, sizeof(v));
			(void)k;
		} else if (id < l->n && atomic_load(&l->src[id].enabled)) {
			l->src[id].fn(l->src[id].ctx);
		}
	}
	for (unsigned id = 0; id < l->n; id++)
		if (!l->src[id].pollable && atomic_load(&l->src[id].enabled))
			l->src[id].fn(l->src[id].ctx);
}

static void *loop(void *arg)
{
	struct eventloop *l = arg;
	struct epoll_event ev[16];
	sigset_t set;

	prctl(PR_SET_NAME, "vmm-io", 0, 0, 0);
	sigfillset(&set);
	sigdelset(&set, VCPU_KICK_SIGNAL);
	sigdelset(&set, SIGSEGV);
	sigdelset(&set, SIGBUS);
	sigdelset(&set, SIGFPE);
	sigdelset(&set, SIGILL);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	if (l->on_start && l->on_start(l->on_start_ctx) != 0)
		return NULL;
	while (!atomic_load(&l->stop)) {
		int n = epoll_wait(l->epfd, ev, 16, atomic_load(&l->busy) ? 0 : -1);
		if (n < 0 && errno != EINTR)
			break;
		if (!atomic_load(&l->stop))
			run_ready(l, ev, n < 0 ? 0 : n);
	}
	return NULL;
}

int eventloop_start(struct eventloop *l, struct sb_error *err)
{
	int e = thread_spawn(&l->thread, loop, l);
	if (e)
		return error_set(err, e, "create event loop thread");
	l->started = 1;
	return 0;
}

void eventloop_stop(struct eventloop *l)
{
	if (!l->started)
		return;
	atomic_store(&l->stop, 1);
	wake(l);
	/* A source may sit in a blocking write (a full stdout pipe): kick it
	 * until the thread is gone. */
	for (;;) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (pthread_timedjoin_np(l->thread, NULL, &ts) == 0)
			break;
		pthread_kill(l->thread, VCPU_KICK_SIGNAL);
	}
	l->started = 0;
}
