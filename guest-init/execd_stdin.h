/* An exec session's stdin: the host's EXEC_STDIN bytes, buffered within the window, written
 * non-blocking to the process, counted for EXEC_CREDIT. */
#ifndef GUEST_EXECD_STDIN_H
#define GUEST_EXECD_STDIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Holds at most EXEC_WINDOW bytes not yet credited (buffered + written since
 * the last execd_stdin_credit), so a host keeping the window never finds it
 * full. When the process closed its stdin (EPIPE), input is dropped but still
 * counted, so the host does not stall. The host's EOF closes a pipe once the
 * buffer is out; a pty gets its EOF characters instead (pump_tty_eof). */
struct execd_stdin {
	int fd;	      /* O_NONBLOCK pipe write end or pty master, owned; -1 closed */
	bool tty;     /* fd is a pty master */
	bool eof;     /* the host's stdin ended */
	uint8_t *buf; /* EXEC_WINDOW bytes, allocated at the first input */
	size_t off, len;
	uint32_t done; /* written or dropped, not credited yet */
	char last;     /* the last byte written ('\n' before any) */
	bool eof_queued;
	char eofc[2];
	size_t eof_off, eof_len;
};

void execd_stdin_init(struct execd_stdin *in, int fd, bool tty);
/* EXEC_STDIN: buffer and try to write. false (frame dropped) when it would
 * exceed the window, comes after EOF, or memory ran out. */
bool execd_stdin_take(struct execd_stdin *in, const uint8_t *data, uint32_t len);
/* EXEC_STDIN_EOF. */
void execd_stdin_eof(struct execd_stdin *in);
/* Whether to poll fd for POLLOUT; then execd_stdin_write. */
bool execd_stdin_want_write(const struct execd_stdin *in);
void execd_stdin_write(struct execd_stdin *in);
/* Bytes to credit to the host now (then 0 until more are written). */
uint32_t execd_stdin_credit(struct execd_stdin *in);
/* Close fd and free the buffer. */
void execd_stdin_close(struct execd_stdin *in);

#endif
