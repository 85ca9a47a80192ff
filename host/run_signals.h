/* `sandbox run` signal forwarding: our signals (and the --timeout clock) become control
 * frames for the VMM (vmm_config.ctl_fd). */
#ifndef SB_RUN_SIGNALS_H
#define SB_RUN_SIGNALS_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "virtio/ctlproto.h"
#include "error.h"
#include "tty.h"

#define RUN_SIGNALS_POLL_MS 100 /* how often the thread looks at its stop flag */
#define RUN_TIMEOUT_STATUS 124	/* the VM's status when --timeout ends it (timeout(1)) */

struct run_signals_opts {
	/* Non-NULL (sandbox run -t): SIGWINCH is taken too and becomes an
	 * ABI_CTL_WINSIZE frame with the size this returns (nothing when it
	 * fails). */
	int (*winsize)(struct tty_size *sz);
	/* Non-0 (--timeout): this long after run_signals_start (CLOCK_MONOTONIC),
	 * an ABI_CTL_EXIT frame with RUN_TIMEOUT_STATUS ends the VM. */
	uint64_t timeout_ms;
	/* Non-NULL: the last resort when the VM does not stop after its
	 * ABI_CTL_EXIT frame (a VMM blocked writing to a stdout nobody reads, a
	 * full control pipe): called from the signal thread with the status
	 * grace_ms after the frame, or at once on a third SIGINT/SIGTERM.
	 * sandbox run restores the terminal and _exits there; if it returns,
	 * the thread carries on. */
	void (*abandon)(int status);
	unsigned grace_ms; /* 0: RUN_SIGNALS_GRACE_MS */
};

#define RUN_SIGNALS_GRACE_MS 3000

/* SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 go to the workload
 * (ABI_CTL_SIGNAL). A second SIGINT or SIGTERM (any mix) ends the VM at once
 * with status 128+N, as if sandbox itself had been killed by that signal. */
struct run_signals {
	int rfd, wfd; /* pipe of ABI_CTL_FRAME_SIZE-byte frames; rfd is vmm_config.ctl_fd */
	sigset_t set, old;
	pthread_t thread;
	struct run_signals_opts opts;
	uint64_t deadline_ns; /* CLOCK_MONOTONIC; 0 none */
	uint64_t grace_ns;    /* when to abandon a VM told to stop; 0 none */
	int end_status;	      /* the status of the ABI_CTL_EXIT frame sent */
	atomic_int stop;
	atomic_int forced;    /* the signal that ended the VM, 0 none */
	atomic_int timed_out; /* the timeout frame was sent */
	unsigned stops;	      /* SIGINT/SIGTERM seen (the thread's own) */
	int started;
};

/* The frame for sig, given (and updating) how many SIGINT/SIGTERM came before. */
struct ctl_frame run_signals_frame(unsigned *stops, int sig);

/* Block the forwarded signals in the calling thread (threads created later
 * inherit that), open the pipe and start the thread that takes them and
 * watches the timeout. opts may be NULL (no SIGWINCH, no timeout). Call
 * right before vmm_run. 0 or a negative errno with err set. */
int run_signals_start(struct run_signals *s, const struct run_signals_opts *opts,
		      struct sb_error *err);

/* Stop the thread, drop signals still pending, restore the signal mask and
 * close the pipe. Safe after a failed start. */
void run_signals_stop(struct run_signals *s);

#endif
