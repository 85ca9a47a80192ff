/* A vCPU: its KVM fd, kvm_run mapping and thread running the exit loop. */
#ifndef SB_VMM_VCPU_H
#define SB_VMM_VCPU_H

#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>

#include "error.h"
#include "exit.h"
#include "sysfilter.h"
#include "vm.h"

/* A real-time signal: SIGUSR1/2 belong to the workload (sandbox run forwards them). */
#define VCPU_KICK_SIGNAL SIGRTMIN

/* Holding every vCPU out of KVM_RUN (a snapshot): shared by the vCPUs of a VM. */
struct vcpu_pause {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int want;	 /* hold at the next exit */
	unsigned paused; /* vCPUs holding */
};

struct vcpu {
	int fd;
	struct kvm_run *run;
	size_t run_size;
	struct exit_ctx exits;
	pthread_t thread;
	int started; /* thread created (join it) */
	/* Set before vcpu_start: end the VM at the first KVM_RUN (bench/startup). */
	int stop_at_first_run;
	uint64_t first_run_ns; /* CLOCK_MONOTONIC entering the first KVM_RUN, set by the thread */
	/* Set before vcpu_start: the thread installs its seccomp filter before
	 * its first KVM_RUN (NULL: none; sysfilter_arm must have run). */
	const struct sysfilter *filter;
	struct vcpu_pause *pause; /* NULL: never paused */
};

/* KVM_CREATE_VCPU index and map its kvm_run. 0 or -errno (nothing left to free). */
int vcpu_create(struct vcpu *v, struct vm *vm, unsigned index, const struct exit_ctx *exits,
		struct sb_error *err);
void vcpu_destroy(struct vcpu *v);
/* Install the no-op handler for VCPU_KICK_SIGNAL (once per process). */
int vcpu_init_signals(struct sb_error *err);
/* Start the thread running the exit loop until the VM stops. 0 or -errno. */
int vcpu_start(struct vcpu *v, struct sb_error *err);
/* Make a running vCPU leave KVM_RUN promptly (any thread). */
void vcpu_kick(struct vcpu *v);
/* Pause: every vCPU of p (n of them, kicked with vcpu_kick by the caller
 * after setting p->want) holds once its last exit is complete (KVM_RUN
 * entered again with immediate_exit: pending I/O finished). vcpu_pause_wait
 * returns when all n hold, or -ECANCELED when stop says the VM is ending. */
void vcpu_pause_init(struct vcpu_pause *p);
void vcpu_pause_destroy(struct vcpu_pause *p);
void vcpu_pause_begin(struct vcpu_pause *p);
int vcpu_pause_wait(struct vcpu_pause *p, unsigned n, struct runstate *rs);
void vcpu_pause_end(struct vcpu_pause *p);
/* Wake anyone waiting in vcpu_pause_wait (the VM is ending). */
void vcpu_pause_wake(struct vcpu_pause *p);

/* Wait for the thread (if started). */
void vcpu_join(struct vcpu *v);

#endif
