/* PID 1's channel to the host: the named virtio-console ports, or the interim I/O ports. */
#include "channel.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vports.h"

static int port_fd[VPORT_COUNT] = {-1, -1, -1, -1};
static int opened; /* the ports are in use */

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void close_all(void)
{
	for (int i = 0; i < VPORT_COUNT; i++) {
		if (port_fd[i] >= 0)
			close(port_fd[i]);
		port_fd[i] = -1;
	}
}

/* Wait until the driver has named all four ports. 0 or -ETIMEDOUT. */
static int wait_named(struct vports *v)
{
	for (long waited = 0;; waited += 2) {
		if (vports_scan(VPORTS_SYSFS, v) == VPORT_COUNT)
			return 0;
		if (waited >= VPORTS_WAIT_MS)
			return -ETIMEDOUT;
		sleep_ms(2);
	}
}

int channel_open(void)
{
	static const int flags[VPORT_COUNT] = {
	    [VPORT_STDIN] = O_RDONLY | O_NONBLOCK,
	    [VPORT_STDOUT] = O_WRONLY,
	    [VPORT_STDERR] = O_WRONLY,
	    [VPORT_CONTROL] = O_RDWR,
	};
	struct vports v;
	if (!vports_console_present(VPORTS_VIRTIO_DEVICES))
		return -ENODEV;
	int r = wait_named(&v);
	for (int i = 0; r == 0 && i < VPORT_COUNT; i++) {
		port_fd[i] = vports_open(VPORTS_SYSFS, v.dev[i], flags[i]);
		if (port_fd[i] < 0)
			r = port_fd[i];
	}
	if (r < 0) {
		close_all();
		return r;
	}
	opened = 1;
	return 0;
}

int channel_open_exec(void)
{
	struct vports v;
	if (!opened) /* no virtio console: nobody serves exec */
		return -ENODEV;
	for (long waited = 0;; waited += 2) {
		vports_scan(VPORTS_SYSFS, &v);
		if (v.dev[VPORT_EXEC][0])
			break;
		if (waited >= VPORTS_WAIT_MS)
			return -ETIMEDOUT;
		sleep_ms(2);
	}
	return vports_open(VPORTS_SYSFS, v.dev[VPORT_EXEC], O_RDWR | O_NONBLOCK);
}

/* Whole buffer or an error; a port that fails is dropped (the host went away). */
static void write_port(int i, const char *p, size_t len)
{
	while (len > 0 && port_fd[i] >= 0) {
		ssize_t n = write(port_fd[i], p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(port_fd[i]);
			port_fd[i] = -1;
			return;
		}
		p += n;
		len -= (size_t)n;
	}
}

void channel_write(enum portio_stream stream, const void *buf, size_t len)
{
	if (!opened) {
		portio_write(stream, buf, len);
		return;
	}
	write_port(stream == PORTIO_STDOUT ? VPORT_STDOUT : VPORT_STDERR, buf, len);
}

int channel_take_stdin(void)
{
	int fd = port_fd[VPORT_STDIN];
	port_fd[VPORT_STDIN] = -1;
	return fd;
}

int channel_control_fd(void)
{
	return port_fd[VPORT_CONTROL];
}

void channel_uptime(uint8_t type, int64_t us)
{
	if (!opened || port_fd[VPORT_CONTROL] < 0)
		return;
	uint8_t frame[ABI_CTL_FRAME_SIZE];
	struct ctl_frame f = ctlproto_uptime(type, us);
	ctlproto_encode(&f, frame);
	write_port(VPORT_CONTROL, (const char *)frame, sizeof(frame));
}

_Noreturn void channel_exit(uint32_t code)
{
	if (opened && port_fd[VPORT_CONTROL] >= 0) {
		uint8_t frame[ABI_CTL_FRAME_SIZE];
		struct ctl_frame f =
		    ctlproto_exit((uint8_t)(code & 0xff), (code & ABI_EXIT_INIT_FAILED) != 0);
		ctlproto_encode(&f, frame);
		write_port(VPORT_CONTROL, (const char *)frame, sizeof(frame));
		/* The host ends the VM once it has drained stdout and stderr; an
		 * OUT to the exit port now could end it before that. */
		for (long ms = 0; port_fd[VPORT_CONTROL] >= 0 && ms < CHANNEL_EXIT_WAIT_MS;
		     ms += 10)
			sleep_ms(10);
	}
	portio_exit(code);
}

struct start_wait {
	int state; /* 1 waiting, 0 started, -N signal N came first */
	uint64_t *pending;
};

static void on_start_frame(void *ctx, const struct ctl_frame *f)
{
	struct start_wait *w = ctx;
	if (f->type == ABI_CTL_START && w->state == 1)
		w->state = 0;
	else if (f->type == ABI_CTL_SIGNAL && w->state == 1)
		w->state = -(int)f->value;
	else if (f->type == ABI_CTL_SIGNAL && w->state == 0) /* right behind the start */
		*w->pending |= 1ull << (f->value - 1);
}

int channel_wait_start(uint64_t *pending)
{
	int fd = opened ? port_fd[VPORT_CONTROL] : -1;
	if (fd < 0)
		return -ENODEV;
	struct ctlproto_rx rx;
	ctlproto_rx_init(&rx);
	rx.skip_bad = 1;
	struct start_wait w = {.state = 1, .pending = pending};
	*pending = 0;
	while (w.state == 1) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		uint8_t buf[64];
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -EPIPE;
		ctlproto_feed(&rx, buf, (size_t)n, on_start_frame, &w);
	}
	return -w.state; /* 0, or the signal */
}

/* Exactly len bytes from fd (blocking). 0, or -EPIPE at EOF, -errno. */
static int read_exact(int fd, uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int channel_read_config(void **blob, size_t *len)
{
	int fd = opened ? port_fd[VPORT_CONTROL] : -1;
	if (fd < 0)
		return -ENODEV;
	uint8_t frame[ABI_CTL_FRAME_SIZE];
	struct ctl_frame f = ctlproto_config_wait();
	ctlproto_encode(&f, frame);
	write_port(VPORT_CONTROL, (const char *)frame, sizeof(frame));
	for (;;) {
		int r = read_exact(fd, frame, sizeof(frame));
		if (r < 0)
			return r;
		if (ctlproto_decode(frame, &f) < 0) /* abi.h: ignore a bad frame */
			continue;
		if (f.type == ABI_CTL_SIGNAL)
			return (int)f.value;
		if (f.type == ABI_CTL_CONFIG)
			break;
	}
	uint8_t *buf = malloc(f.value); /* ctlproto_decode: 1..ABI_CONFIG_MAX_BYTES */
	if (!buf)
		return -ENOMEM;
	int r = read_exact(fd, buf, f.value);
	if (r < 0) {
		free(buf);
		return r;
	}
	*blob = buf;
	*len = f.value;
	return 0;
}

void channel_feed(struct ctlproto_rx *rx, const uint8_t *data, size_t len,
		  void (*fn)(void *ctx, const struct ctl_frame *f), void *ctx)
{
	rx->skip_bad = 1; /* abi.h: the guest ignores a bad frame and reads on */
	ctlproto_feed(rx, data, len, fn, ctx);
}
