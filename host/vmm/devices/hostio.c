/* The paravirtual ports of guest-init/abi.h: a 32-bit OUT to EXIT ends the VM, byte OUTs carry
 * stdout/stderr. */
#include <errno.h>

#include "abi.h"
#include "fdwrite.h"
#include "hostio.h"

void hostio_init(struct hostio *h, int stdout_fd, int stderr_fd, struct runstate *rs)
{
	h->fd[0] = stdout_fd;
	h->fd[1] = stderr_fd;
	h->rs = rs;
}

static void hostio_write_rep(void *dev, uint64_t off, const uint8_t *data, uint32_t size,
			     uint32_t count)
{
	struct hostio *h = dev;
	uint16_t port = (uint16_t)(ABI_PORT_FIRST + off);

	if (port == ABI_PORT_EXIT) {
		if (size == 4 && count >= 1) {
			uint32_t v = (uint32_t)data[0] | (uint32_t)data[1] << 8 |
				     (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
			runstate_exit(h->rs, v);
		}
		return;
	}
	if ((port != ABI_PORT_STDOUT && port != ABI_PORT_STDERR) || size != 1)
		return;
	int *fd = &h->fd[port - ABI_PORT_STDOUT];
	if (*fd < 0 || !count)
		return;
	int r = fdwrite_all(*fd, data, count, h->rs);
	if (r < 0 && r != -EINTR && r != -EAGAIN)
		*fd = -1; /* closed reader (EPIPE), bad fd, ...: drop output, keep running */
}

static void hostio_write(void *dev, uint64_t off, const uint8_t *data, uint32_t size)
{
	hostio_write_rep(dev, off, data, size, 1);
}

const struct bus_ops hostio_ops = {
    .name = "hostio",
    .write = hostio_write,
    .write_rep = hostio_write_rep,
};
