/* virtio-console data path: guest output to host fds, host stdin into guest buffers (on demand). */
#include <endian.h>
#include <errno.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "console.h"
#include "fdwrite.h"
#include "snapstate.h"

unsigned console_rx_queue(unsigned port)
{
	return port == 0 ? 0 : 2 + 2 * port;
}

unsigned console_tx_queue(unsigned port)
{
	return console_rx_queue(port) + 1;
}

/* The port a data queue belongs to, or CONSOLE_PORTS for the control pair. */
static unsigned queue_port(unsigned q)
{
	if (q < 2)
		return 0;
	return q < 4 ? CONSOLE_PORTS : (q - 2) / 2;
}

static void frame_in(void *ctx, const struct ctl_frame *f);

/* One guest output buffer to its sink. */
static void sink(struct console *c, unsigned port, const struct iovec *iov)
{
	if (port == CONSOLE_PORT0 && c->io.log) {
		c->io.log(c->io.log_ctx, iov->iov_base, iov->iov_len);
	} else if (port == CONSOLE_CONTROL) {
		if (ctlproto_feed(&c->ctl_rx, iov->iov_base, iov->iov_len, frame_in, c) < 0)
			runstate_fail(c->rs, "virtio-console: malformed frame on the control port");
	} else if (port < CONSOLE_PORTS && c->out_fd[port] >= 0) {
		int r = fdwrite_all(c->out_fd[port], iov->iov_base, iov->iov_len, c->rs);
		if (r < 0 && r != -EINTR && r != -EAGAIN)
			c->out_fd[port] =
			    -1; /* closed reader (EPIPE), bad fd: drop, keep running */
	}
}

/* Everything the guest queued on port's transmit queue, at most one queue's worth. */
static int drain_tx(struct console *c, unsigned port)
{
	struct virtq *q = virtio_mmio_queue(&c->mmio, console_tx_queue(port));
	struct virtq_chain ch;
	int r = 0, pushed = 0;

	for (unsigned n = 0; q && n < q->size; n++) {
		r = virtq_pop(q, &ch);
		if (r <= 0)
			break;
		for (unsigned i = 0; i < ch.n_out; i++)
			sink(c, port, &ch.iov[i]);
		virtq_push(q, ch.head, 0);
		pushed = 1;
	}
	if (pushed)
		virtio_mmio_used(&c->mmio, q);
	return r < 0 ? -EIO : 0;
}

/* An exit frame: write out what stdout and stderr already hold, then end the
 * VM. Uptime marks are only recorded. */
static void frame_in(void *ctx, const struct ctl_frame *f)
{
	struct console *c = ctx;

	if ((f->type >= ABI_CTL_UPTIME_INIT && f->type <= ABI_CTL_UPTIME_END) ||
	    f->type == ABI_CTL_UPTIME_CONFIG) {
		unsigned i = f->type == ABI_CTL_UPTIME_CONFIG ? CONSOLE_UPTIME_CONFIG
							      : f->type - ABI_CTL_UPTIME_INIT;
		c->uptime_us[i] = f->value;
		c->uptime_seen |= 1u << i;
		return;
	}
	if (f->type == ABI_CTL_CONFIG_WAIT) {
		console_config_asked(c);
		return;
	}
	if (f->type != ABI_CTL_EXIT) {
		runstate_fail(c->rs, "virtio-console: host-only frame type %u from the guest",
			      f->type);
		return;
	}
	drain_tx(c, CONSOLE_STDOUT);
	drain_tx(c, CONSOLE_STDERR);
	runstate_exit(c->rs, f->value);
}

/* The host side of an input port may hand the guest data now: it has some to
 * give, the guest has the port open, and the run has begun (no host input
 * before the config: a snapshot taken at the config request must not hold
 * one run's stdin). */
static int input_open(const struct console *c, unsigned port)
{
	return !c->in_eof[port] && c->guest_open[port] &&
	       (!c->io.config || c->config_state == CONSOLE_CFG_SENT);
}

int console_input_update(struct console *c, unsigned port)
{
	struct virtq *q = virtio_mmio_queue(&c->mmio, console_rx_queue(port));
	int want = c->in_src[port] >= 0 && q && input_open(c, port);

	if (c->in_src[port] < 0)
		return 0;
	if (want) {
		int r = virtq_has_avail(q);
		if (r < 0)
			return r;
		want = r;
	}
	if (c->loop)
		eventloop_enable(c->loop, c->in_src[port], want);
	return 0;
}

/* The host side of an input port is done: the guest's readers get EOF once its data is read. */
static void input_eof(struct console *c, unsigned port)
{
	c->in_eof[port] = 1;
	console_ctl_queue(c, port, VIRTIO_CONSOLE_PORT_OPEN, 0);
	console_ctl_flush(c);
}

/* Read the port's host fd straight into one guest buffer (bounded). */
static int input_read(struct console *c, unsigned port, struct virtq *q)
{
	struct virtq_chain ch;
	struct iovec iov[VIRTQ_MAX_IOV];
	unsigned n = 0;
	size_t room = CONSOLE_READ_MAX;

	int r = virtq_pop(q, &ch);
	if (r <= 0)
		return r;
	for (unsigned i = 0; i < ch.n_in && room; i++, n++) {
		iov[n] = ch.iov[ch.n_out + i];
		if (iov[n].iov_len > room)
			iov[n].iov_len = room;
		room -= iov[n].iov_len;
	}
	if (!n) { /* a guest buffer with no room: unusable, give it back empty */
		virtq_push(q, ch.head, 0);
		virtio_mmio_used(&c->mmio, q);
		return 0;
	}
	ssize_t got = readv(c->in_fd[port], iov, (int)n);
	if (got > 0) {
		virtq_push(q, ch.head, (uint32_t)got);
		virtio_mmio_used(&c->mmio, q);
		return 0;
	}
	virtq_unpop(q);
	if (got < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	input_eof(c, port); /* 0 bytes, or an error we cannot wait out (EIO, EBADF, ...) */
	return 0;
}

/* Event loop: an input port's host fd is readable. */
static void on_input(void *ctx)
{
	struct console_input *in = ctx;
	struct console *c = in->c;
	struct virtio_mmio *t = &c->mmio;

	pthread_mutex_lock(&t->lock);
	struct virtq *q = virtio_mmio_queue(t, console_rx_queue(in->port));
	int r = 0;
	if (q && input_open(c, in->port))
		r = input_read(c, in->port, q);
	if (r == 0)
		r = console_input_update(c, in->port);
	if (r < 0)
		virtio_mmio_fail(t, q && q->error ? q->error : "input queue error");
	pthread_mutex_unlock(&t->lock);
}

static int console_notify(void *dev, unsigned qi)
{
	struct console *c = dev;
	unsigned port = queue_port(qi);

	if (qi == 2)
		return console_ctl_flush(c);
	if (qi == 3)
		return console_ctl_receive(c);
	if (qi & 1)
		return drain_tx(c, port);
	if (port == CONSOLE_STDIN || port == CONSOLE_EXEC)
		return console_input_update(c, port);
	if (port == CONSOLE_CONTROL)
		return console_frames_flush(c);
	return 0; /* receive buffers of output-only ports stay unused */
}

static void console_read_config(void *dev, uint32_t off, uint8_t *buf, uint32_t len)
{
	struct virtio_console_config cfg = {.max_nr_ports = htole32(CONSOLE_PORTS)};

	(void)dev;
	memcpy(buf, (const uint8_t *)&cfg + off, len);
}

static void console_reset(void *dev)
{
	struct console *c = dev;

	memset(c->port_ready, 0, sizeof(c->port_ready));
	memset(c->guest_open, 0, sizeof(c->guest_open));
	console_ctl_reset(c);
	for (unsigned p = 0; c->loop && p < CONSOLE_PORTS; p++)
		if (c->in_src[p] >= 0)
			eventloop_enable(c->loop, c->in_src[p], 0);
}

/* QueueNumMax per queue. The guest driver fills every receive queue, one
 * 4 KiB page and one kick per entry, as soon as the port exists: at 128
 * each, 3 MiB of guest RAM and 768 exits before any data. So a receive queue
 * gets what its port carries: 64 pages of stdin in flight, a few for the
 * control streams, 2 where the host never sends. Transmit queues cost only
 * their ring until used. */
_Static_assert(CONSOLE_QUEUES == 14 && CONSOLE_EXEC == 5,
	       "queue_sizes follows console_rx_queue: port 0, the control pair, ports 1-5");
static const uint16_t queue_sizes[CONSOLE_QUEUES] = {
    [0] = 2,		       /* port 0 (hvc0) receive: nothing to send */
    [1] = CONSOLE_QUEUE_SIZE,  /* port 0 transmit */
    [2] = 16,		       /* control receive: port add/name/open messages */
    [3] = 16,		       /* control transmit: the driver waits for each one */
    [4] = 64,		       /* stdin receive: the workload's input */
    [5] = 2,		       /* stdin transmit: unused */
    [6] = 2,		       /* stdout receive: unused */
    [7] = CONSOLE_QUEUE_SIZE,  /* stdout transmit */
    [8] = 2,		       /* stderr receive: unused */
    [9] = CONSOLE_QUEUE_SIZE,  /* stderr transmit */
    [10] = 8,		       /* control port receive: signal and winsize frames */
    [11] = 16,		       /* control port transmit: status and uptime frames */
    [12] = 32,		       /* exec receive: session frames (only when offered) */
    [13] = CONSOLE_QUEUE_SIZE, /* exec transmit: session output */
};

const struct virtio_dev_ops console_ops = {
    .name = "console",
    .device_id = VIRTIO_ID_CONSOLE,
    .features = 1ull << VIRTIO_CONSOLE_F_MULTIPORT,
    .num_queues = CONSOLE_QUEUES,
    .queue_sizes = queue_sizes,
    .config_size = sizeof(struct virtio_console_config),
    .broken_ends_vm = 1, /* it carries the workload's streams: never lose them silently */
    .read_config = console_read_config,
    .queue_notify = console_notify,
    .reset = console_reset,
};

void console_init(struct console *c, const struct vm_mem *mem, struct runstate *rs,
		  const struct console_io *io)
{
	memset(c, 0, sizeof(*c));
	c->rs = rs;
	c->io = *io;
	c->ctl_src = -1;
	for (unsigned p = 0; p < CONSOLE_PORTS; p++) {
		c->out_fd[p] = c->in_fd[p] = c->in_src[p] = -1;
		c->in_ctx[p] = (struct console_input){c, p};
	}
	c->out_fd[CONSOLE_STDOUT] = io->stdout_fd;
	c->out_fd[CONSOLE_STDERR] = io->stderr_fd;
	c->in_fd[CONSOLE_STDIN] = io->stdin_fd;
	c->in_eof[CONSOLE_STDIN] = io->stdin_fd < 0;
	if (io->exec_fd > 0)
		c->in_fd[CONSOLE_EXEC] = c->out_fd[CONSOLE_EXEC] = io->exec_fd;
	c->in_eof[CONSOLE_EXEC] = io->exec_fd <= 0;
	virtio_mmio_init(&c->mmio, &console_ops, c, mem, rs);
}

void console_destroy(struct console *c)
{
	virtio_mmio_destroy(&c->mmio);
}

int console_offered(const struct console *c, unsigned port)
{
	return port != CONSOLE_EXEC || c->io.exec_fd > 0;
}

static int attach_input(struct console *c, unsigned port, struct sb_error *err)
{
	if (c->in_fd[port] < 0 || c->in_eof[port])
		return 0;
	int id = eventloop_add(c->loop, c->in_fd[port], on_input, &c->in_ctx[port], 0, err);
	if (id == -EBADF || id == -EINVAL) {
		c->in_eof[port] = 1; /* closed or unusable: the guest sees EOF */
		return 0;
	}
	if (id < 0)
		return error_prefix(err, "virtio-console %s",
				    port == CONSOLE_EXEC ? "exec" : "stdin");
	c->in_src[port] = id;
	return 0;
}

int console_attach(struct console *c, struct eventloop *loop, struct sb_error *err)
{
	c->loop = loop;
	int r = attach_input(c, CONSOLE_STDIN, err);
	if (r == 0)
		r = attach_input(c, CONSOLE_EXEC, err);
	return r < 0 ? r : console_attach_ctl(c, loop, err);
}

/* The console's own part of a snapshot: what the guest's driver knows of
 * the ports, and the control streams in flight. */
struct console_saved {
	uint8_t port_ready[CONSOLE_PORTS], guest_open[CONSOLE_PORTS];
	uint32_t ctl_head, ctl_len, fr_head, fr_len;
	struct console_msg ctl[CONSOLE_CTL_PENDING];
	uint8_t frames[CONSOLE_FRAMES_PENDING][ABI_CTL_FRAME_SIZE];
	uint8_t rx_buf[ABI_CTL_FRAME_SIZE];
	uint32_t rx_have, config_state;
};

void console_save(struct console *c, struct snap_w *w)
{
	struct console_saved s = {
	    .ctl_head = c->ctl_head,
	    .ctl_len = c->ctl_len,
	    .fr_head = c->fr_head,
	    .fr_len = c->fr_len,
	    .rx_have = c->ctl_rx.have,
	    .config_state = (uint32_t)c->config_state,
	};
	memcpy(s.port_ready, c->port_ready, sizeof(s.port_ready));
	memcpy(s.guest_open, c->guest_open, sizeof(s.guest_open));
	memcpy(s.ctl, c->ctl, sizeof(s.ctl));
	memcpy(s.frames, c->frames, sizeof(s.frames));
	memcpy(s.rx_buf, c->ctl_rx.buf, sizeof(s.rx_buf));
	virtio_mmio_save(&c->mmio, w);
	snap_put(w, SNAP_TAG(SNAP_OWN_DEV, 1), &s, sizeof(s));
}

int console_restore(struct console *c, struct snap_r *r)
{
	struct console_saved s;
	int e = virtio_mmio_restore(&c->mmio, r);
	if (e == 0)
		e = snap_take(r, SNAP_TAG(SNAP_OWN_DEV, 1), &s, sizeof(s));
	if (e < 0)
		return e;
	if (s.ctl_head >= CONSOLE_CTL_PENDING || s.ctl_len > CONSOLE_CTL_PENDING ||
	    s.fr_head >= CONSOLE_FRAMES_PENDING || s.fr_len > CONSOLE_FRAMES_PENDING ||
	    s.rx_have >= ABI_CTL_FRAME_SIZE || s.config_state > CONSOLE_CFG_ASKED)
		return error_set(r->err, EINVAL, "snapshot: console state out of range");
	for (unsigned p = 0; p < CONSOLE_PORTS; p++) {
		c->port_ready[p] = s.port_ready[p] != 0;
		c->guest_open[p] = s.guest_open[p] != 0;
	}
	memcpy(c->ctl, s.ctl, sizeof(c->ctl));
	c->ctl_head = s.ctl_head;
	c->ctl_len = s.ctl_len;
	memcpy(c->frames, s.frames, sizeof(c->frames));
	c->fr_head = s.fr_head;
	c->fr_len = s.fr_len;
	memcpy(c->ctl_rx.buf, s.rx_buf, sizeof(s.rx_buf));
	c->ctl_rx.have = s.rx_have;
	c->config_state = (int)s.config_state;
	c->config_off = 0;
	for (unsigned p = 0; p < CONSOLE_PORTS; p++)
		if (p == CONSOLE_STDIN || p == CONSOLE_EXEC)
			if ((e = console_input_update(c, p)) < 0)
				return error_set(r->err, EIO, "snapshot: console input queue");
	return 0;
}
