/* virtio-console control: the multiport handshake on the control queues, and the framed
 * control port (host -> guest signals and window sizes). */
#include <endian.h>
#include <errno.h>
#include <linux/virtio_console.h>
#include <string.h>
#include <unistd.h>

#include "console.h"

static const char *const port_name[CONSOLE_PORTS] = {
    [CONSOLE_STDIN] = ABI_VPORT_STDIN,	 [CONSOLE_STDOUT] = ABI_VPORT_STDOUT,
    [CONSOLE_STDERR] = ABI_VPORT_STDERR, [CONSOLE_CONTROL] = ABI_VPORT_CONTROL,
    [CONSOLE_EXEC] = ABI_VPORT_EXEC,
};

/* Frames for the control port stay queued across a reset: one sent while the
 * guest's driver is still probing (sandbox-runtime's start, right after
 * create) waits for the port to open instead of vanishing with the reset. */
void console_ctl_reset(struct console *c)
{
	c->ctl_head = c->ctl_len = 0;
	ctlproto_rx_init(&c->ctl_rx);
}

/* Bounded: only a guest repeating its handshake can fill it, and loses the excess. */
void console_ctl_queue(struct console *c, uint32_t id, uint16_t event, uint16_t value)
{
	if (c->ctl_len == CONSOLE_CTL_PENDING)
		return;
	c->ctl[(c->ctl_head + c->ctl_len++) % CONSOLE_CTL_PENDING] =
	    (struct console_msg){.id = id, .event = event, .value = value};
}

/* Send queued messages while the guest has control buffers posted. */
int console_ctl_flush(struct console *c)
{
	struct virtq *q = virtio_mmio_queue(&c->mmio, 2);
	struct virtq_chain ch;
	int r = 0, pushed = 0;

	while (q && c->ctl_len) {
		r = virtq_pop(q, &ch);
		if (r <= 0)
			break;
		const struct console_msg *m = &c->ctl[c->ctl_head];
		struct virtio_console_control hdr = {
		    .id = htole32(m->id), .event = htole16(m->event), .value = htole16(m->value)};
		size_t len = virtq_chain_write(&ch, 0, &hdr, sizeof(hdr));
		if (m->event == VIRTIO_CONSOLE_PORT_NAME && m->id < CONSOLE_PORTS)
			len +=
			    virtq_chain_write(&ch, len, port_name[m->id], strlen(port_name[m->id]));
		virtq_push(q, ch.head, (uint32_t)len);
		pushed = 1;
		c->ctl_head = (c->ctl_head + 1) % CONSOLE_CTL_PENDING;
		c->ctl_len--;
	}
	if (pushed)
		virtio_mmio_used(&c->mmio, q);
	return r < 0 ? -EIO : 0;
}

/* The host side of a port is open when it has somewhere to take data from. */
static int host_open(const struct console *c, uint32_t id)
{
	return (id != CONSOLE_STDIN && id != CONSOLE_EXEC) || !c->in_eof[id];
}

static int handle(struct console *c, const struct virtio_console_control *m)
{
	uint32_t id = le32toh(m->id);
	uint16_t value = le16toh(m->value);

	switch (le16toh(m->event)) {
	case VIRTIO_CONSOLE_DEVICE_READY:
		for (uint32_t p = 0; value == 1 && p < CONSOLE_PORTS; p++)
			if (console_offered(c, p))
				console_ctl_queue(c, p, VIRTIO_CONSOLE_PORT_ADD, 0);
		return 0;
	case VIRTIO_CONSOLE_PORT_READY:
		if (id >= CONSOLE_PORTS || value != 1 || c->port_ready[id] ||
		    !console_offered(c, id))
			return 0;
		c->port_ready[id] = 1;
		/* Open before the name: a guest that finds the port by its name
		 * must not read it while the host side still looks closed (EOF). */
		if (host_open(c, id))
			console_ctl_queue(c, id, VIRTIO_CONSOLE_PORT_OPEN, 1);
		if (id == CONSOLE_PORT0)
			console_ctl_queue(c, id, VIRTIO_CONSOLE_CONSOLE_PORT, 1);
		else
			console_ctl_queue(c, id, VIRTIO_CONSOLE_PORT_NAME, 0);
		return 0;
	case VIRTIO_CONSOLE_PORT_OPEN:
		if (id >= CONSOLE_PORTS)
			return 0;
		c->guest_open[id] = value != 0;
		if (id == CONSOLE_STDIN || id == CONSOLE_EXEC)
			return console_input_update(c, id);
		if (id == CONSOLE_CONTROL)
			return console_frames_flush(c);
		return 0;
	default:
		return 0; /* nothing else is for the device */
	}
}

/* Messages from the guest on the control transmit queue. */
int console_ctl_receive(struct console *c)
{
	struct virtq *q = virtio_mmio_queue(&c->mmio, 3);
	struct virtq_chain ch;
	struct virtio_console_control m;
	int r = 0, pushed = 0;

	for (unsigned n = 0; q && n < q->size; n++) {
		r = virtq_pop(q, &ch);
		if (r <= 0)
			break;
		if (virtq_chain_read(&ch, 0, &m, sizeof(m)) == sizeof(m))
			r = handle(c, &m);
		virtq_push(q, ch.head, 0);
		pushed = 1;
		if (r < 0)
			break;
	}
	if (pushed)
		virtio_mmio_used(&c->mmio, q);
	if (r >= 0)
		r = console_ctl_flush(c);
	return r < 0 ? -EIO : 0;
}

/* The guest asked for its config (ABI_CTL_CONFIG_WAIT): once per run. */
void console_config_asked(struct console *c)
{
	if (!c->io.config || c->config_state != CONSOLE_CFG_IDLE) {
		runstate_fail(c->rs, "virtio-console: the guest asked for a run config %s",
			      c->io.config ? "twice" : "the host does not have");
		return;
	}
	c->config_state = CONSOLE_CFG_ASKED;
	if (c->io.config_wait) {
		c->io.config_wait(c->io.config_wait_ctx);
		return;
	}
	c->config_state = CONSOLE_CFG_SENDING;
	if (console_frames_flush(c) < 0)
		virtio_mmio_fail(&c->mmio, "control port receive queue broken");
}

void console_release_config(struct console *c)
{
	struct virtio_mmio *t = &c->mmio;

	pthread_mutex_lock(&t->lock);
	if (c->config_state == CONSOLE_CFG_ASKED) {
		c->config_state = CONSOLE_CFG_SENDING;
		if (console_frames_flush(c) < 0)
			virtio_mmio_fail(t, "control port receive queue broken");
	}
	pthread_mutex_unlock(&t->lock);
}

/* The config's header frame and bytes into one guest buffer, from where the
 * last one stopped. Returns bytes written. */
static uint32_t config_write(struct console *c, const struct virtq_chain *ch)
{
	uint8_t hdr[ABI_CTL_FRAME_SIZE];
	struct ctl_frame f = ctlproto_config((uint32_t)c->io.config_len);
	uint32_t len = 0;

	ctlproto_encode(&f, hdr);
	if (c->config_off < sizeof(hdr))
		len += (uint32_t)virtq_chain_write(ch, 0, hdr + c->config_off,
						   sizeof(hdr) - c->config_off);
	c->config_off += len;
	if (c->config_off >= sizeof(hdr) && len < ch->in_len) {
		size_t done = c->config_off - sizeof(hdr);
		uint32_t n = (uint32_t)virtq_chain_write(ch, len, c->io.config + done,
							 c->io.config_len - done);
		c->config_off += n;
		len += n;
	}
	if (c->config_off == sizeof(hdr) + c->io.config_len)
		c->config_state = CONSOLE_CFG_SENT;
	return len;
}

/* Host -> guest frames, only while a guest process has the control port open
 * (the driver drops data for closed ports). With a config to send: the
 * config first (once asked), then frames. */
int console_frames_flush(struct console *c)
{
	struct virtq *q = virtio_mmio_queue(&c->mmio, console_rx_queue(CONSOLE_CONTROL));
	struct virtq_chain ch;
	int r = 0, pushed = 0, inputs = 0;

	while (q && c->config_state == CONSOLE_CFG_SENDING && c->guest_open[CONSOLE_CONTROL]) {
		r = virtq_pop(q, &ch);
		if (r <= 0)
			break;
		virtq_push(q, ch.head, config_write(c, &ch));
		pushed = 1;
		if (c->config_state == CONSOLE_CFG_SENT) /* the run's input may flow now */
			inputs = 1;
	}
	if (inputs && (console_input_update(c, CONSOLE_STDIN) < 0 ||
		       console_input_update(c, CONSOLE_EXEC) < 0)) {
		virtio_mmio_used(&c->mmio, q);
		return -EIO;
	}
	int held = c->io.config && c->config_state != CONSOLE_CFG_SENT; /* behind the config */
	while (q && !held && c->fr_len && c->guest_open[CONSOLE_CONTROL]) {
		r = virtq_pop(q, &ch);
		if (r <= 0)
			break;
		/* Whole frames only; a buffer too small for one goes back empty. */
		uint32_t len = 0;
		while (c->fr_len && ch.in_len - len >= ABI_CTL_FRAME_SIZE) {
			len += (uint32_t)virtq_chain_write(&ch, len, c->frames[c->fr_head],
							   ABI_CTL_FRAME_SIZE);
			c->fr_head = (c->fr_head + 1) % CONSOLE_FRAMES_PENDING;
			c->fr_len--;
		}
		virtq_push(q, ch.head, len);
		pushed = 1;
	}
	if (pushed)
		virtio_mmio_used(&c->mmio, q);
	return r < 0 ? -EIO : 0;
}

int console_send_frame(struct console *c, const struct ctl_frame *f)
{
	struct virtio_mmio *t = &c->mmio;
	int r = 0;

	pthread_mutex_lock(&t->lock);
	if (c->fr_len == CONSOLE_FRAMES_PENDING) {
		r = -EAGAIN;
	} else {
		unsigned slot = (c->fr_head + c->fr_len++) % CONSOLE_FRAMES_PENDING;
		ctlproto_encode(f, c->frames[slot]);
		if (console_frames_flush(c) < 0)
			virtio_mmio_fail(t, "control port receive queue broken");
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}

/* A frame from the host side: signals and sizes to the guest, EXIT ends the VM. */
static void host_frame(void *ctx, const struct ctl_frame *f)
{
	struct console *c = ctx;

	if (f->type == ABI_CTL_EXIT)
		runstate_exit(c->rs, f->value);
	else
		(void)console_send_frame(c, f); /* -EAGAIN: the guest is not reading, drop */
}

/* Event loop: io.ctl_fd is readable. */
static void on_ctl_fd(void *ctx)
{
	struct console *c = ctx;
	uint8_t buf[ABI_CTL_FRAME_SIZE * 8];

	ssize_t n = read(c->io.ctl_fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		eventloop_enable(c->loop, c->ctl_src, 0);
		return;
	}
	if (ctlproto_feed(&c->host_rx, buf, (size_t)n, host_frame, c) < 0)
		ctlproto_rx_init(&c->host_rx); /* our own caller's bug: drop, keep going */
}

int console_attach_ctl(struct console *c, struct eventloop *loop, struct sb_error *err)
{
	if (c->io.ctl_fd <= 0)
		return 0;
	ctlproto_rx_init(&c->host_rx);
	int id = eventloop_add(loop, c->io.ctl_fd, on_ctl_fd, c, 1, err);
	if (id < 0)
		return error_prefix(err, "virtio-console control frames");
	c->ctl_src = id;
	return 0;
}
