/* The workload's stdin relay: a bounded buffer from the host's stdin port to a non-blocking pipe.
 */
#ifndef GUEST_PUMP_H
#define GUEST_PUMP_H

#include <stdbool.h>
#include <stddef.h>

#define PUMP_BUF 32768

/* Reads src only while buf is empty, so a workload that does not read its
 * stdin stops the host from reading (no unbounded buffering). src EOF closes
 * dst once buf is written out; a dst that fails (EPIPE: the workload closed
 * its stdin) closes both. Both fds are owned; -1 = closed.
 *
 * With tty set, dst is a pty master, which cannot pass EOF on by closing:
 * src EOF then writes the terminal's EOF character (VEOF, twice when the last
 * byte written was not a newline: the first only ends the pending line) if
 * the terminal is in canonical mode, as typing ^D would; a terminal in raw
 * mode gets nothing (^D would be just a byte there). */
struct pump {
	int src, dst; /* dst must be O_NONBLOCK */
	bool tty;     /* set after pump_init: dst is a pty master */
	char last;    /* the last byte written to dst ('\n' before any) */
	size_t off, len;
	char buf[PUMP_BUF];
};

void pump_init(struct pump *p, int src, int dst);
/* What to poll for: POLLIN on src, POLLOUT on dst. */
bool pump_want_read(const struct pump *p);
bool pump_want_write(const struct pump *p);
/* One read from src / one write to dst; call when poll said so (EAGAIN and
 * EINTR are fine). */
void pump_read(struct pump *p);
void pump_write(struct pump *p);
/* Drop both ends and whatever is buffered. */
void pump_close(struct pump *p);

/* The bytes that pass EOF on to the pty master fd in its current mode (see
 * above; last is the last byte written to it), into out. Returns 0..2. */
size_t pump_tty_eof(int fd, char last, char out[2]);

#endif
