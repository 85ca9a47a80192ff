/* Unit tests for virtio-console (multiport handshake, streams, stdin backpressure and EOF, the
 * control port) and the control-frame codec. */
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ring.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_vmm_vdrv.h"
#include "virtio/console.h"

#define CTL_BUF 0x200000ull /* control rx buffers */
#define RX_BUF 0x300000ull  /* data rx buffers */
#define TX_BUF 0x400000ull  /* guest output */

struct fx {
	struct vm_mem mem;
	struct runstate rs;
	struct eventloop loop;
	struct console c;
	struct vdrv_q q[CONSOLE_QUEUES];
	int out[2], err[2], in[2], ex[2];
	uint16_t next_desc[CONSOLE_QUEUES];
	uint8_t log[256];
	size_t log_len;
};

static void log_cb(void *ctx, const uint8_t *d, size_t len)
{
	struct fx *f = ctx;
	memcpy(f->log + f->log_len, d, len);
	f->log_len += len;
}

static struct virtio_mmio *T(struct fx *f)
{
	return &f->c.mmio;
}

/* The driver's probe: features, then each queue at 8 entries, or at its
 * QueueNumMax when that is smaller (receive queues the host never fills offer 2). */
static int bring_up(struct fx *f)
{
	memset(f->next_desc, 0, sizeof(f->next_desc));
	vdrv_negotiate(T(f), VIRTIO_FEATURE_VERSION_1 | 1ull << VIRTIO_CONSOLE_F_MULTIPORT);
	for (unsigned i = 0; i < CONSOLE_QUEUES; i++) {
		vdrv_write(T(f), VIRTIO_MMIO_QUEUE_SEL, i);
		uint32_t max = vdrv_read(T(f), VIRTIO_MMIO_QUEUE_NUM_MAX);
		if (vdrv_queue(T(f), &f->q[i], &f->mem, i, (uint16_t)(max < 8 ? max : 8)) != 1)
			return -1;
	}
	return 0;
}

static int setup(void **state)
{
	static struct fx f;
	memset(&f, 0, sizeof(f));
	if (mem_create(&f.mem, VDRV_MEM, NULL) < 0 || pipe2(f.out, O_NONBLOCK) < 0 ||
	    pipe2(f.err, O_NONBLOCK) < 0 || pipe2(f.in, O_NONBLOCK) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, f.ex) < 0)
		return -1;
	runstate_init(&f.rs, NULL, NULL);
	if (eventloop_init(&f.loop, NULL) < 0)
		return -1;
	struct console_io io = {.stdin_fd = f.in[0],
				.stdout_fd = f.out[1],
				.stderr_fd = f.err[1],
				.exec_fd = f.ex[1],
				.log = log_cb,
				.log_ctx = &f};
	console_init(&f.c, &f.mem, &f.rs, &io);
	if (console_attach(&f.c, &f.loop, NULL) < 0 || bring_up(&f) < 0)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	console_destroy(&f->c);
	eventloop_destroy(&f->loop);
	for (int i = 0; i < 2; i++) {
		close(f->out[i]);
		close(f->err[i]);
		close(f->ex[i]);
		if (f->in[i] >= 0)
			close(f->in[i]);
	}
	runstate_destroy(&f->rs);
	mem_destroy(&f->mem);
	return 0;
}

/* Post one buffer on queue qi (writable or not) and kick. */
static void post(struct fx *f, unsigned qi, uint64_t gpa, const void *data, uint32_t len,
		 int writable)
{
	uint16_t d = f->next_desc[qi]++ % 8;
	if (data)
		memcpy(vdrv_hva(&f->mem, gpa), data, len);
	vdrv_desc(&f->q[qi], d, gpa, len, writable ? VRING_DESC_F_WRITE : 0, 0);
	vdrv_post(&f->q[qi], d);
	vdrv_write(T(f), VIRTIO_MMIO_QUEUE_NOTIFY, qi);
}

static void guest_ctl(struct fx *f, uint32_t id, uint16_t event, uint16_t value)
{
	struct virtio_console_control m = {.id = id, .event = event, .value = value};
	post(f, 3, TX_BUF + 0x8000, &m, sizeof(m), 0);
}

/* Next host -> guest control message; returns its length (0 when none). */
static uint32_t host_ctl(struct fx *f, struct virtio_console_control *m, char *name)
{
	uint32_t id, len;
	if (!vdrv_take_used(&f->q[2], &id, &len))
		return 0;
	uint8_t *b = vdrv_hva(&f->mem, CTL_BUF + id * 0x1000ull);
	memcpy(m, b, sizeof(*m));
	if (name) {
		memcpy(name, b + sizeof(*m), len - sizeof(*m));
		name[len - sizeof(*m)] = '\0';
	}
	return len;
}

static void give_ctl_buffers(struct fx *f, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint16_t d = f->next_desc[2]++ % 8;
		vdrv_desc(&f->q[2], d, CTL_BUF + d * 0x1000ull, 0x1000, VRING_DESC_F_WRITE, 0);
		vdrv_post(&f->q[2], d);
	}
	vdrv_write(T(f), VIRTIO_MMIO_QUEUE_NOTIFY, 2);
}

/* The driver's side of the handshake; checks what the host says for each port. */
static void handshake(struct fx *f)
{
	struct virtio_console_control m;
	char name[64];

	give_ctl_buffers(f, 8);
	guest_ctl(f, 0xffffffffu, VIRTIO_CONSOLE_DEVICE_READY, 1);
	for (uint32_t p = 0; p < CONSOLE_PORTS; p++) {
		assert_int_equal(host_ctl(f, &m, NULL), 8);
		assert_int_equal(m.event, VIRTIO_CONSOLE_PORT_ADD);
		assert_int_equal(m.id, p);
	}
	assert_int_equal(host_ctl(f, &m, NULL), 0);
	static const char *const names[] = {
	    NULL,	   "sandbox.stdin", "sandbox.stdout", "sandbox.stderr", "sandbox.control",
	    "sandbox.exec"};
	for (uint32_t p = 0; p < CONSOLE_PORTS; p++) {
		give_ctl_buffers(f, 2);
		guest_ctl(f, p, VIRTIO_CONSOLE_PORT_READY, 1);
		/* Open first, so that a port found by name never reads as closed. */
		assert_int_equal(host_ctl(f, &m, NULL), 8);
		assert_int_equal(m.id, p);
		assert_int_equal(m.event, VIRTIO_CONSOLE_PORT_OPEN);
		assert_int_equal(m.value, 1);
		assert_int_not_equal(host_ctl(f, &m, name), 0);
		assert_int_equal(m.id, p);
		if (p == 0) {
			assert_int_equal(m.event, VIRTIO_CONSOLE_CONSOLE_PORT);
		} else {
			assert_int_equal(m.event, VIRTIO_CONSOLE_PORT_NAME);
			assert_string_equal(name, names[p]);
		}
	}
}

static void test_handshake(void **state)
{
	handshake(*state);
}

/* Without an exec fd the exec port is never added, and the guest cannot make it appear. */
static void test_exec_port_only_when_served(void **state)
{
	struct fx *f = *state;
	struct virtio_console_control m;

	console_destroy(&f->c);
	struct console_io io = {.stdin_fd = -1, .stdout_fd = f->out[1], .stderr_fd = f->err[1]};
	console_init(&f->c, &f->mem, &f->rs, &io);
	assert_int_equal(console_attach(&f->c, &f->loop, NULL), 0);
	assert_int_equal(bring_up(f), 0);
	give_ctl_buffers(f, 8);
	guest_ctl(f, 0xffffffffu, VIRTIO_CONSOLE_DEVICE_READY, 1);
	unsigned adds = 0;
	while (host_ctl(f, &m, NULL)) {
		assert_int_equal(m.event, VIRTIO_CONSOLE_PORT_ADD);
		assert_int_not_equal(m.id, CONSOLE_EXEC);
		adds++;
	}
	assert_int_equal(adds, CONSOLE_PORTS - 1);
	guest_ctl(f, CONSOLE_EXEC, VIRTIO_CONSOLE_PORT_READY, 1);
	assert_int_equal(host_ctl(f, &m, NULL), 0);
}

/* The exec port is a byte stream both ways: guest output to the fd, the fd's
 * bytes into guest buffers once the guest has the port open. */
static void test_exec_port_both_ways(void **state)
{
	struct fx *f = *state;
	unsigned q = console_rx_queue(CONSOLE_EXEC);
	uint32_t id, len;
	char buf[64];

	handshake(f);
	post(f, console_tx_queue(CONSOLE_EXEC), TX_BUF, "frame", 5, 0);
	assert_int_equal(read(f->ex[0], buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "frame", 5);
	assert_int_equal(write(f->ex[0], "reply", 5), 5);
	post(f, q, RX_BUF, NULL, 64, 1);
	struct eventloop_src *s = &f->loop.src[f->c.in_src[CONSOLE_EXEC]];
	assert_false(atomic_load(&s->enabled)); /* not open in the guest yet */
	give_ctl_buffers(f, 2);
	guest_ctl(f, CONSOLE_EXEC, VIRTIO_CONSOLE_PORT_OPEN, 1);
	assert_true(atomic_load(&s->enabled));
	s->fn(s->ctx);
	assert_int_equal(vdrv_take_used(&f->q[q], &id, &len), 1);
	assert_int_equal(len, 5);
	assert_memory_equal(vdrv_hva(&f->mem, RX_BUF), "reply", 5);
}

static void test_handshake_waits_for_buffers(void **state)
{
	struct fx *f = *state;
	struct virtio_console_control m;

	guest_ctl(f, 0, VIRTIO_CONSOLE_DEVICE_READY, 1); /* no control buffers yet */
	assert_int_equal(host_ctl(f, &m, NULL), 0);
	give_ctl_buffers(f, 2);
	assert_int_equal(host_ctl(f, &m, NULL), 8);
	assert_int_equal(m.id, 0);
	assert_int_equal(host_ctl(f, &m, NULL), 8);
	assert_int_equal(m.id, 1);
	/* A guest repeating DEVICE_READY forever cannot grow the queue. */
	for (unsigned i = 0; i < 100; i++)
		guest_ctl(f, 0, VIRTIO_CONSOLE_DEVICE_READY, 1);
	assert_true(f->c.ctl_len <= CONSOLE_CTL_PENDING);
}

static void test_no_stdin_port_stays_closed(void **state)
{
	struct fx *f = *state;
	struct virtio_console_control m;
	char name[64];

	f->c.in_eof[CONSOLE_STDIN] = 1; /* as console_init does for stdin_fd -1 */
	give_ctl_buffers(f, 8);
	guest_ctl(f, 0, VIRTIO_CONSOLE_DEVICE_READY, 1);
	while (host_ctl(f, &m, NULL))
		;
	guest_ctl(f, CONSOLE_STDIN, VIRTIO_CONSOLE_PORT_READY, 1);
	assert_int_not_equal(host_ctl(f, &m, name), 0);
	assert_int_equal(m.event, VIRTIO_CONSOLE_PORT_NAME);
	assert_int_equal(host_ctl(f, &m, NULL), 0); /* no PORT_OPEN: guest reads see EOF */
}

static void test_output_streams(void **state)
{
	struct fx *f = *state;
	char buf[64];

	handshake(f);
	post(f, console_tx_queue(CONSOLE_STDOUT), TX_BUF, "out\0put", 7, 0);
	post(f, console_tx_queue(CONSOLE_STDERR), TX_BUF + 0x100, "err", 3, 0);
	post(f, console_tx_queue(CONSOLE_PORT0), TX_BUF + 0x200, "hvc", 3, 0);
	assert_int_equal(read(f->out[0], buf, sizeof(buf)), 7);
	assert_memory_equal(buf, "out\0put", 7);
	assert_int_equal(read(f->err[0], buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "err", 3);
	assert_int_equal(f->log_len, 3);
	uint32_t id, len;
	assert_int_equal(vdrv_take_used(&f->q[console_tx_queue(CONSOLE_STDOUT)], &id, &len), 1);
	/* A closed reader: output dropped, the VM goes on. */
	close(f->out[0]);
	f->out[0] = open("/dev/null", O_RDONLY);
	post(f, console_tx_queue(CONSOLE_STDOUT), TX_BUF, "lost", 4, 0);
	assert_int_equal(f->c.out_fd[CONSOLE_STDOUT], -1);
	assert_false(runstate_stopped(&f->rs));
}

static void test_exit_frame_flushes_output(void **state)
{
	struct fx *f = *state;
	char buf[16];
	uint8_t frame[8];

	handshake(f);
	/* stdout data queued but not kicked (as with ioeventfds served out of
	 * order): the exit frame must still let it out first. */
	memcpy(vdrv_hva(&f->mem, TX_BUF), "last", 4);
	unsigned q = console_tx_queue(CONSOLE_STDOUT);
	vdrv_desc(&f->q[q], 0, TX_BUF, 4, 0, 0);
	vdrv_post(&f->q[q], 0);
	struct ctl_frame e = ctlproto_exit(7, 1);
	ctlproto_encode(&e, frame);
	/* Split across two buffers. */
	post(f, console_tx_queue(CONSOLE_CONTROL), TX_BUF + 0x100, frame, 3, 0);
	assert_false(runstate_stopped(&f->rs));
	post(f, console_tx_queue(CONSOLE_CONTROL), TX_BUF + 0x200, frame + 3, 5, 0);
	assert_true(runstate_stopped(&f->rs));
	assert_int_equal(f->rs.has_status, 1);
	assert_int_equal(f->rs.status, 7);
	assert_int_equal(f->rs.init_failed, 1);
	assert_int_equal(read(f->out[0], buf, sizeof(buf)), 4);
}

/* Uptime marks are recorded, in any order and with any value, and do not end the VM. */
static void test_uptime_frames_recorded(void **state)
{
	struct fx *f = *state;
	uint8_t frames[32];
	struct ctl_frame m[] = {ctlproto_uptime(ABI_CTL_UPTIME_READY, 2500),
				ctlproto_uptime(ABI_CTL_UPTIME_INIT, -5),
				ctlproto_uptime(ABI_CTL_UPTIME_END, 1ll << 40),
				ctlproto_uptime(ABI_CTL_UPTIME_CONFIG, 1200)};

	handshake(f);
	for (unsigned i = 0; i < 4; i++)
		ctlproto_encode(&m[i], frames + 8 * i);
	post(f, console_tx_queue(CONSOLE_CONTROL), TX_BUF, frames, 16, 0);
	assert_int_equal(f->c.uptime_seen, 3u);
	assert_int_equal(f->c.uptime_us[0], 0); /* negative saturates to 0 */
	assert_int_equal(f->c.uptime_us[1], 2500);
	post(f, console_tx_queue(CONSOLE_CONTROL), TX_BUF + 0x100, frames + 16, 8, 0);
	assert_int_equal(f->c.uptime_seen, 7u);
	assert_int_equal(f->c.uptime_us[2], UINT32_MAX); /* saturated */
	post(f, console_tx_queue(CONSOLE_CONTROL), TX_BUF + 0x200, frames + 24, 8, 0);
	assert_int_equal(f->c.uptime_seen, 15u);
	assert_int_equal(f->c.uptime_us[CONSOLE_UPTIME_CONFIG], 1200);
	assert_false(runstate_stopped(&f->rs));
}

static void test_bad_frame_ends_vm(void **state)
{
	struct fx *f = *state;
	uint8_t frame[8] = {0x53, 99, 0, 0, 0, 0, 0, 0};

	handshake(f);
	post(f, console_tx_queue(CONSOLE_CONTROL), TX_BUF, frame, 8, 0);
	assert_true(runstate_stopped(&f->rs));
	assert_int_equal(f->rs.has_status, 0);
	assert_non_null(strstr(f->rs.reason, "control port"));
}

/* What the event loop would do when stdin is readable. */
static void stdin_ready(struct fx *f)
{
	struct eventloop_src *s = &f->loop.src[f->c.in_src[CONSOLE_STDIN]];
	if (atomic_load(&s->enabled))
		s->fn(s->ctx);
}

static int stdin_enabled(struct fx *f)
{
	return atomic_load(&f->loop.src[f->c.in_src[CONSOLE_STDIN]].enabled);
}

static void test_stdin_backpressure_and_eof(void **state)
{
	struct fx *f = *state;
	unsigned q = console_rx_queue(CONSOLE_STDIN);
	struct virtio_console_control m;
	uint32_t id, len;

	handshake(f);
	assert_int_equal(write(f->in[1], "abcdef", 6), 6);
	/* Not open in the guest, no buffers: not even watched. */
	assert_false(stdin_enabled(f));
	give_ctl_buffers(f, 2);
	guest_ctl(f, CONSOLE_STDIN, VIRTIO_CONSOLE_PORT_OPEN, 1);
	assert_false(stdin_enabled(f)); /* still no buffers */
	post(f, q, RX_BUF, NULL, 4, 1);
	assert_true(stdin_enabled(f));
	stdin_ready(f);
	assert_int_equal(vdrv_take_used(&f->q[q], &id, &len), 1);
	assert_int_equal(len, 4);
	assert_memory_equal(vdrv_hva(&f->mem, RX_BUF), "abcd", 4);
	assert_false(stdin_enabled(f)); /* buffer used up: stop reading the host */
	post(f, q, RX_BUF + 0x1000, NULL, 64, 1);
	stdin_ready(f);
	assert_int_equal(vdrv_take_used(&f->q[q], &id, &len), 1);
	assert_int_equal(len, 2);
	/* EOF: the buffer goes back unused, the host side closes the port. */
	close(f->in[1]);
	f->in[1] = -1;
	post(f, q, RX_BUF + 0x2000, NULL, 64, 1);
	stdin_ready(f);
	assert_int_equal(vdrv_take_used(&f->q[q], &id, &len), 0);
	assert_int_equal(host_ctl(f, &m, NULL), 8);
	assert_int_equal(m.id, CONSOLE_STDIN);
	assert_int_equal(m.event, VIRTIO_CONSOLE_PORT_OPEN);
	assert_int_equal(m.value, 0);
	assert_false(stdin_enabled(f));
}

static void test_host_frames_wait_for_open_port(void **state)
{
	struct fx *f = *state;
	unsigned q = console_rx_queue(CONSOLE_CONTROL);
	uint32_t id, len;
	struct ctl_frame fr;

	handshake(f);
	struct ctl_frame sig = ctlproto_signal(15), ws = ctlproto_winsize(24, 80);
	assert_int_equal(console_send_frame(&f->c, &sig), 0);
	assert_int_equal(console_send_frame(&f->c, &ws), 0);
	post(f, q, RX_BUF, NULL, 4096, 1);
	assert_int_equal(vdrv_used_pending(&f->q[q]), 0); /* not open yet */
	give_ctl_buffers(f, 1);
	guest_ctl(f, CONSOLE_CONTROL, VIRTIO_CONSOLE_PORT_OPEN, 1);
	assert_int_equal(vdrv_take_used(&f->q[q], &id, &len), 1);
	assert_int_equal(len, 16);
	uint8_t *b = vdrv_hva(&f->mem, RX_BUF);
	assert_int_equal(ctlproto_decode(b, &fr), 0);
	assert_int_equal(fr.type, ABI_CTL_SIGNAL);
	assert_int_equal(fr.value, 15);
	assert_int_equal(ctlproto_decode(b + 8, &fr), 0);
	assert_int_equal(fr.type, ABI_CTL_WINSIZE);
	assert_int_equal(fr.value, 24u << 16 | 80);
	/* No buffers: a bounded number of frames waits, then -EAGAIN. */
	for (unsigned i = 0; i < CONSOLE_FRAMES_PENDING; i++)
		assert_int_equal(console_send_frame(&f->c, &sig), 0);
	assert_int_equal(console_send_frame(&f->c, &sig), -EAGAIN);
	post(f, q, RX_BUF + 0x1000, NULL, 4096, 1);
	assert_int_equal(vdrv_take_used(&f->q[q], &id, &len), 1);
	assert_int_equal(len, CONSOLE_FRAMES_PENDING * 8);
	assert_int_equal(console_send_frame(&f->c, &sig), 0);
}

/* sandbox-runtime's start can come while the guest's driver still probes: a
 * frame queued before the device's reset is delivered once the port opens. */
static void test_host_frame_survives_reset(void **state)
{
	struct fx *f = *state;
	unsigned q = console_rx_queue(CONSOLE_CONTROL);
	uint32_t id, len;
	struct ctl_frame fr, start = ctlproto_start();

	assert_int_equal(console_send_frame(&f->c, &start), 0);
	vdrv_write(T(f), VIRTIO_MMIO_STATUS, 0); /* the driver resets the device */
	assert_int_equal(bring_up(f), 0);
	handshake(f);
	post(f, q, RX_BUF, NULL, 4096, 1);
	give_ctl_buffers(f, 1);
	guest_ctl(f, CONSOLE_CONTROL, VIRTIO_CONSOLE_PORT_OPEN, 1);
	assert_int_equal(vdrv_take_used(&f->q[q], &id, &len), 1);
	assert_int_equal(len, 8);
	assert_int_equal(ctlproto_decode(vdrv_hva(&f->mem, RX_BUF), &fr), 0);
	assert_int_equal(fr.type, ABI_CTL_START);
	assert_int_equal(fr.value, 0);
}

static void test_broken_queue_ends_vm(void **state)
{
	struct fx *f = *state;
	unsigned q = console_tx_queue(CONSOLE_STDOUT);

	vdrv_desc(&f->q[q], 0, 0, 0, VRING_DESC_F_NEXT, 0);
	vdrv_post(&f->q[q], 0);
	vdrv_write(T(f), VIRTIO_MMIO_QUEUE_NOTIFY, q);
	assert_true(runstate_stopped(&f->rs));
	assert_non_null(strstr(f->rs.reason, "loop"));
}

static int waits;
static void count_wait(void *ctx)
{
	(void)ctx;
	waits++;
}

/* The run config on request: init's ABI_CTL_CONFIG_WAIT reaches the hook
 * (the snapshot point), the config goes out only once released, split over
 * small buffers, and host frames wait behind it; asking twice ends the VM. */
static void test_config_on_request(void **state)
{
	struct fx *f = *state;
	unsigned q = console_rx_queue(CONSOLE_CONTROL);
	static const uint8_t cfg[20] = "0123456789abcdefghij";
	uint8_t ask[8], got[64];
	uint32_t id, len, n = 0;
	struct ctl_frame fr = ctlproto_config_wait();

	f->c.io.config = cfg;
	f->c.io.config_len = sizeof(cfg);
	f->c.io.config_wait = count_wait;
	waits = 0;
	handshake(f);
	give_ctl_buffers(f, 1);
	guest_ctl(f, CONSOLE_CONTROL, VIRTIO_CONSOLE_PORT_OPEN, 1);
	struct ctl_frame sig = ctlproto_signal(2);
	assert_int_equal(console_send_frame(&f->c, &sig), 0);
	post(f, q, RX_BUF, NULL, 16, 1);
	assert_int_equal(vdrv_used_pending(&f->q[q]), 0); /* the signal waits for the config */
	ctlproto_encode(&fr, ask);
	post(f, console_tx_queue(CONSOLE_CONTROL), TX_BUF, ask, 8, 0);
	assert_int_equal(waits, 1);
	assert_int_equal(vdrv_used_pending(&f->q[q]), 0); /* held for the snapshot */
	console_release_config(&f->c);
	assert_int_equal(vdrv_take_used(&f->q[q], &id, &len), 1);
	assert_int_equal(len, 16);
	memcpy(got, vdrv_hva(&f->mem, RX_BUF), len);
	n = len;
	post(f, q, RX_BUF + 0x1000, NULL, 64, 1);
	assert_int_equal(vdrv_take_used(&f->q[q], &id, &len), 1);
	assert_int_equal(len, 12); /* the rest of the config, no frame in the same buffer */
	memcpy(got + n, vdrv_hva(&f->mem, RX_BUF + 0x1000), len);
	assert_int_equal(ctlproto_decode(got, &fr), 0);
	assert_int_equal(fr.type, ABI_CTL_CONFIG);
	assert_int_equal(fr.value, sizeof(cfg));
	assert_memory_equal(got + 8, cfg, sizeof(cfg));
	post(f, q, RX_BUF + 0x2000, NULL, 64, 1);
	assert_int_equal(vdrv_take_used(&f->q[q], &id, &len), 1);
	assert_int_equal(len, 8);
	assert_int_equal(ctlproto_decode(vdrv_hva(&f->mem, RX_BUF + 0x2000), &fr), 0);
	assert_int_equal(fr.type, ABI_CTL_SIGNAL);
	assert_false(runstate_stopped(&f->rs));
	post(f, console_tx_queue(CONSOLE_CONTROL), TX_BUF + 0x100, ask, 8, 0);
	assert_true(runstate_stopped(&f->rs)); /* a second request is a protocol error */
}

/* Without a hook (no snapshot to take) the config goes out at once. */
static void test_config_at_once(void **state)
{
	struct fx *f = *state;
	unsigned q = console_rx_queue(CONSOLE_CONTROL);
	static const uint8_t cfg[4] = "dtb!";
	uint8_t ask[8];
	uint32_t id, len;
	struct ctl_frame fr = ctlproto_config_wait();

	f->c.io.config = cfg;
	f->c.io.config_len = sizeof(cfg);
	handshake(f);
	give_ctl_buffers(f, 1);
	guest_ctl(f, CONSOLE_CONTROL, VIRTIO_CONSOLE_PORT_OPEN, 1);
	post(f, q, RX_BUF, NULL, 64, 1);
	assert_int_equal(vdrv_used_pending(&f->q[q]), 0);
	ctlproto_encode(&fr, ask);
	post(f, console_tx_queue(CONSOLE_CONTROL), TX_BUF, ask, 8, 0);
	assert_int_equal(vdrv_take_used(&f->q[q], &id, &len), 1);
	assert_int_equal(len, 12);
	assert_memory_equal(vdrv_hva(&f->mem, RX_BUF + 8), cfg, sizeof(cfg));
}

static void test_config(void **state)
{
	struct fx *f = *state;
	uint32_t v = 0;

	virtio_mmio_bus_ops.read(T(f), 0x104, (uint8_t *)&v, 4);
	assert_int_equal(v, CONSOLE_PORTS);
	assert_int_equal(vdrv_read(T(f), VIRTIO_MMIO_DEVICE_ID), 3);
}

static void test_codec(void **state)
{
	uint8_t b[8];
	struct ctl_frame f;
	(void)state;

	struct ctl_frame e = ctlproto_exit(255, 0);
	ctlproto_encode(&e, b);
	assert_memory_equal(b, "\x53\x01\x00\x00\xff\x00\x00\x00", 8);
	assert_int_equal(ctlproto_decode(b, &f), 0);
	assert_int_equal(f.value, 255);
	e = ctlproto_exit(3, 1);
	ctlproto_encode(&e, b);
	assert_int_equal(ctlproto_decode(b, &f), 0);
	assert_int_equal(f.value, 3 | ABI_EXIT_INIT_FAILED);
	b[5] = 0x80; /* undefined exit bits */
	assert_int_equal(ctlproto_decode(b, &f), -EPROTO);
	struct ctl_frame s = ctlproto_signal(0);
	ctlproto_encode(&s, b);
	assert_int_equal(ctlproto_decode(b, &f), -EPROTO);
	s = ctlproto_signal(65);
	ctlproto_encode(&s, b);
	assert_int_equal(ctlproto_decode(b, &f), -EPROTO);
	s = ctlproto_signal(64);
	ctlproto_encode(&s, b);
	assert_int_equal(ctlproto_decode(b, &f), 0);
	b[0] = 0x54;
	assert_int_equal(ctlproto_decode(b, &f), -EPROTO);
	b[0] = 0x53;
	b[3] = 1;
	assert_int_equal(ctlproto_decode(b, &f), -EPROTO);
	struct ctl_frame w = ctlproto_winsize(0xffff, 1);
	ctlproto_encode(&w, b);
	assert_int_equal(ctlproto_decode(b, &f), 0);
	assert_int_equal(f.value, 0xffff0001u);
}

static unsigned frames_seen;
static uint32_t last_value;

static void on_frame(void *ctx, const struct ctl_frame *f)
{
	(void)ctx;
	frames_seen++;
	last_value = f->value;
}

static void test_stream_reassembly(void **state)
{
	struct ctlproto_rx rx;
	uint8_t s[24];
	(void)state;

	for (unsigned i = 0; i < 3; i++) {
		struct ctl_frame w = ctlproto_winsize((uint16_t)i, 5);
		ctlproto_encode(&w, s + 8 * i);
	}
	/* Every split of 24 bytes into byte-sized pieces gives the same frames. */
	ctlproto_rx_init(&rx);
	frames_seen = 0;
	for (unsigned i = 0; i < sizeof(s); i++)
		assert_int_equal(ctlproto_feed(&rx, s + i, 1, on_frame, NULL), 0);
	assert_int_equal(frames_seen, 3);
	assert_int_equal(last_value, 2u << 16 | 5);
	/* After a bad frame nothing more is delivered. */
	s[8] = 0;
	ctlproto_rx_init(&rx);
	frames_seen = 0;
	assert_int_equal(ctlproto_feed(&rx, s, sizeof(s), on_frame, NULL), -EPROTO);
	assert_int_equal(frames_seen, 1);
	assert_int_equal(ctlproto_feed(&rx, s, 8, on_frame, NULL), -EPROTO);
	assert_int_equal(frames_seen, 1);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* a closed reader must show up as EPIPE */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_handshake, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exec_port_only_when_served, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exec_port_both_ways, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_handshake_waits_for_buffers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_stdin_port_stays_closed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_output_streams, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exit_frame_flushes_output, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uptime_frames_recorded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_frame_ends_vm, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stdin_backpressure_and_eof, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_host_frames_wait_for_open_port, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_host_frame_survives_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_broken_queue_ends_vm, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config_on_request, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config_at_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config, setup, teardown),
	    cmocka_unit_test(test_codec),
	    cmocka_unit_test(test_stream_reassembly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
