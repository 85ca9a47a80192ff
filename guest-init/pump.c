/* The workload's stdin relay: a bounded buffer from the host's stdin port to a non-blocking pipe.
 */
#include "pump.h"

#include <errno.h>
#include <termios.h>
#include <unistd.h>

static void drop(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void pump_init(struct pump *p, int src, int dst)
{
	p->src = src;
	p->dst = dst;
	p->off = p->len = 0;
	p->tty = false;
	p->last = '\n';
	if (src < 0) /* nothing will ever come: the workload sees EOF at once */
		drop(&p->dst);
	if (dst < 0)
		drop(&p->src);
}

bool pump_want_read(const struct pump *p)
{
	return p->src >= 0 && p->len == 0;
}

bool pump_want_write(const struct pump *p)
{
	return p->dst >= 0 && p->len > 0;
}

size_t pump_tty_eof(int fd, char last, char out[2])
{
	struct termios t;
	if (tcgetattr(fd, &t) < 0 || !(t.c_lflag & ICANON) || t.c_cc[VEOF] == _POSIX_VDISABLE)
		return 0;
	size_t n = 0;
	if (last != '\n')
		out[n++] = (char)t.c_cc[VEOF];
	out[n++] = (char)t.c_cc[VEOF];
	return n;
}

/* src ended and dst is a pty: queue its EOF character(s) (buf is empty).
 * Returns whether anything was queued; dst is closed once it is written. */
static bool queue_eof(struct pump *p)
{
	p->off = 0;
	p->len = pump_tty_eof(p->dst, p->last, p->buf);
	return p->len > 0;
}

void pump_read(struct pump *p)
{
	if (!pump_want_read(p))
		return;
	ssize_t n = read(p->src, p->buf, sizeof(p->buf));
	if (n > 0) {
		p->off = 0;
		p->len = (size_t)n;
		return;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	drop(&p->src); /* EOF (or an error we cannot wait out): pass EOF on */
	if (!p->tty || !queue_eof(p))
		drop(&p->dst);
}

void pump_write(struct pump *p)
{
	if (!pump_want_write(p))
		return;
	ssize_t n = write(p->dst, p->buf + p->off, p->len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) { /* the reader is gone: stop taking the host's stdin */
		pump_close(p);
		return;
	}
	p->last = p->buf[p->off + (size_t)n - 1];
	p->off += (size_t)n;
	p->len -= (size_t)n;
	if (p->len == 0 && p->src < 0)
		drop(&p->dst);
}

void pump_close(struct pump *p)
{
	drop(&p->src);
	drop(&p->dst);
	p->off = p->len = 0;
}
