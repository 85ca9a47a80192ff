/* `sandbox run` signal forwarding: our signals become control frames for the VMM
 * (vmm_config.ctl_fd). */
#ifndef SB_RUN_SIGNALS_H
#define SB_RUN_SIGNALS_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "virtio/ctlproto.h"
#include "error.h"

#define RUN_SIGNALS_POLL_MS 100 /* how often the thread looks at its stop flag */

/* SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 go to the workload
 * (ABI_CTL_SIGNAL). A second SIGINT or SIGTERM (any mix) ends the VM at once
 * with status 128+N, as if sandbox itself had been killed by that signal. */
struct run_signals {
	int rfd, wfd; /* pipe of ABI_CTL_FRAME_SIZE-byte frames; rfd is vmm_config.ctl_fd */
	sigset_t set, old;
	pthread_t thread;
	atomic_int stop;
	atomic_int forced; /* the signal that ended the VM, 0 none */
	unsigned stops;	   /* SIGINT/SIGTERM seen (the thread's own) */
	int started;
};

/* The frame for sig, given (and updating) how many SIGINT/SIGTERM came before. */
struct ctl_frame run_signals_frame(unsigned *stops, int sig);

/* Block the forwarded signals in the calling thread (threads created later
 * inherit that), open the pipe and start the thread that takes them. Call
 * before vmm_run. 0 or a negative errno with err set. */
int run_signals_start(struct run_signals *s, struct sb_error *err);

/* Stop the thread, drop signals still pending, restore the signal mask and
 * close the pipe. Safe after a failed start. */
void run_signals_stop(struct run_signals *s);

#endif
