/* How a VM ends: the first stop request (status or reason) wins and kicks every vCPU. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "abi.h"
#include "runstate.h"

void runstate_init(struct runstate *rs, void (*kick)(void *ctx), void *kick_ctx)
{
	memset(rs, 0, sizeof(*rs));
	pthread_mutex_init(&rs->lock, NULL);
	atomic_init(&rs->stopped, 0);
	rs->kick = kick;
	rs->kick_ctx = kick_ctx;
}

void runstate_destroy(struct runstate *rs)
{
	pthread_mutex_destroy(&rs->lock);
}

int runstate_stopped(struct runstate *rs)
{
	return atomic_load(&rs->stopped);
}

/* Take the stop slot; returns 1 for the first caller (lock held), 0 otherwise. */
static int claim(struct runstate *rs)
{
	pthread_mutex_lock(&rs->lock);
	if (atomic_load(&rs->stopped)) {
		pthread_mutex_unlock(&rs->lock);
		return 0;
	}
	return 1;
}

static void release_and_kick(struct runstate *rs)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	rs->stop_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	atomic_store(&rs->stopped, 1);
	pthread_mutex_unlock(&rs->lock);
	if (rs->kick)
		rs->kick(rs->kick_ctx);
}

void runstate_exit(struct runstate *rs, uint32_t value)
{
	if (!claim(rs))
		return;
	rs->has_status = 1;
	rs->status = (int)(value & 0xff);
	rs->init_failed = !!(value & ABI_EXIT_INIT_FAILED);
	release_and_kick(rs);
}

void runstate_fail(struct runstate *rs, const char *fmt, ...)
{
	va_list ap;

	if (!claim(rs))
		return;
	va_start(ap, fmt);
	vsnprintf(rs->reason, sizeof(rs->reason), fmt, ap);
	va_end(ap);
	rs->reason[strcspn(rs->reason, "\r\n")] = '\0';
	release_and_kick(rs);
}
