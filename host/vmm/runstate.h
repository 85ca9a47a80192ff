/* How a VM ends: the first stop request (status or reason) wins and kicks every vCPU. */
#ifndef SB_VMM_RUNSTATE_H
#define SB_VMM_RUNSTATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct runstate {
	pthread_mutex_t lock;
	atomic_int stopped;
	int has_status;	 /* the guest wrote ABI_PORT_EXIT */
	int status;	 /* 0..255 */
	int init_failed; /* ABI_EXIT_INIT_FAILED */
	char reason[512];
	uint64_t stop_ns; /* CLOCK_MONOTONIC of the first stop request */
	void (*kick)(void *ctx); /* called once, by the first stopper, without the lock */
	void *kick_ctx;
};

void runstate_init(struct runstate *rs, void (*kick)(void *ctx), void *kick_ctx);
void runstate_destroy(struct runstate *rs);
/* Nonzero once the VM is ending. */
int runstate_stopped(struct runstate *rs);
/* End the VM with the guest's exit value (ABI_PORT_EXIT). */
void runstate_exit(struct runstate *rs, uint32_t value);
/* End the VM without a status; reason is one line. */
void runstate_fail(struct runstate *rs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
