/* The host terminal for `sandbox run -t`: docker's raw mode, its restore on every exit, sizes. */
#ifndef SB_TTY_H
#define SB_TTY_H

#include <stdint.h>
#include <termios.h>

#include "error.h"

struct tty_size {
	uint16_t rows, cols;
};

/* docker's raw mode applied to t: input byte by byte, no echo, no line
 * editing, no signal keys (^C is a byte for the guest's own terminal), no
 * flow control, 8-bit; output processing stays on (docker keeps OPOST), so
 * lines we print ourselves still start at column 0. */
void tty_make_raw(struct termios *t);

/* Put the terminal at fd into tty_make_raw mode, remembering its settings
 * for tty_restore. Until then, fatal signals whose action is the default
 * (SIGSEGV, SIGABRT, SIGBUS, ...) put them back before the process dies.
 * One raw terminal per process (-EBUSY). Returns 0, or a negative errno with
 * err set and the terminal untouched. */
int tty_raw(int fd, struct sb_error *err);

/* Put back the settings tty_raw saved and drop its signal handlers; nothing
 * when no terminal is raw. Never stops the process (SIGTTOU is held). */
void tty_restore(void);

/* The window size of the terminal at fd: 0, -ENOTTY (not a terminal) or
 * -ENODATA (a size of 0: unknown). */
int tty_get_size(int fd, struct tty_size *sz);

/* The size the workload's pty should take: our stdout's, else our stdin's
 * (0), or a negative errno when neither tells. */
int tty_host_size(struct tty_size *sz);

#endif
