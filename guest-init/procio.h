/* A process's stdio as PID 1 sets it up: three pipes it owns, or a pty (the workload and exec
 * sessions). */
#ifndef GUEST_PROCIO_H
#define GUEST_PROCIO_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/* Every fd is O_CLOEXEC; -1 means none. */
struct procio {
	int child_in, child_out,
	    child_err; /* the child's ends: procio_close_child after the fork */
	int out, err;  /* PID 1's read ends (a pty: out is the master, err -1) */
	int in;	       /* PID 1's O_NONBLOCK write end of the child's stdin */
	int tty;       /* the pty master, for window sizes */
};

/* Three pipes, or with tty a pty of rows x cols (0x0: the kernel's default).
 * A pty's master is held three times: out (read), in (written, closed on
 * stdin EOF without ending the others) and tty (resizing); the O_NONBLOCK
 * the stdin writer needs is shared by all three. Returns 0 or a negative
 * errno with err set (nothing left open). */
int procio_open(bool tty, uint16_t rows, uint16_t cols, struct procio *io, struct sb_error *err);

/* Close the child's ends (after the fork, or on failure). */
void procio_close_child(struct procio *io);

/* Close PID 1's ends that are still open. */
void procio_close(struct procio *io);

#endif
