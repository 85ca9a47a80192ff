/* An exec session's stdin: the host's EXEC_STDIN bytes, buffered within the window, written
 * non-blocking to the process, counted for EXEC_CREDIT. */
#include "execd_stdin.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pump.h"
#include "virtio/execproto.h"

static void drop_fd(struct execd_stdin *in)
{
	if (in->fd >= 0)
		close(in->fd);
	in->fd = -1;
}

void execd_stdin_init(struct execd_stdin *in, int fd, bool tty)
{
	memset(in, 0, sizeof(*in));
	in->fd = fd;
	in->tty = tty;
	in->last = '\n';
}

bool execd_stdin_want_write(const struct execd_stdin *in)
{
	return in->fd >= 0 && (in->len > 0 || in->eof);
}

/* The buffer is out and the host's stdin ended: a pty's EOF characters, then close. */
static void pass_eof(struct execd_stdin *in)
{
	if (in->tty && !in->eof_queued) {
		in->eof_len = pump_tty_eof(in->fd, in->last, in->eofc);
		in->eof_queued = true;
	}
	while (in->eof_off < in->eof_len) {
		ssize_t n = write(in->fd, in->eofc + in->eof_off, in->eof_len - in->eof_off);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		if (n <= 0)
			break;
		in->eof_off += (size_t)n;
	}
	drop_fd(in);
}

void execd_stdin_write(struct execd_stdin *in)
{
	while (in->fd >= 0 && in->len > 0) {
		ssize_t n = write(in->fd, in->buf + in->off, in->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) { /* EPIPE, EIO: it closed its stdin */
			drop_fd(in);
			break;
		}
		in->last = (char)in->buf[in->off + (size_t)n - 1];
		in->off += (size_t)n;
		in->len -= (size_t)n;
		in->done += (uint32_t)n;
	}
	in->done += (uint32_t)in->len; /* only left when the fd is gone: dropped */
	in->off = in->len = 0;
	if (in->fd >= 0 && in->eof)
		pass_eof(in);
}

bool execd_stdin_take(struct execd_stdin *in, const uint8_t *data, uint32_t len)
{
	if (in->eof || in->len + in->done + len > EXEC_WINDOW)
		return false;
	if (in->fd < 0) { /* it closed its stdin (or exited): drop, but credit */
		in->done += len;
		return true;
	}
	if (!in->buf && !(in->buf = malloc(EXEC_WINDOW)))
		return false;
	if (in->off + in->len + len > EXEC_WINDOW) {
		memmove(in->buf, in->buf + in->off, in->len);
		in->off = 0;
	}
	memcpy(in->buf + in->off + in->len, data, len);
	in->len += len;
	execd_stdin_write(in);
	return true;
}

void execd_stdin_eof(struct execd_stdin *in)
{
	in->eof = true;
	execd_stdin_write(in);
}

uint32_t execd_stdin_credit(struct execd_stdin *in)
{
	uint32_t n = in->done;
	in->done = 0;
	return n;
}

void execd_stdin_close(struct execd_stdin *in)
{
	drop_fd(in);
	free(in->buf);
	in->buf = NULL;
	in->off = in->len = 0;
}
