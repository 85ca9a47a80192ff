/* Unit tests for guest-init/pump.c (stdin relay) and channel_feed (control frames). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "channel.h"
#include "pump.h"

/* src: a pipe we write into; dst: a non-blocking pipe we read from. */
struct rig {
	int src_w, dst_r;
	struct pump p;
};

static void rig_init(struct rig *r)
{
	int s[2], d[2];
	assert_int_equal(pipe(s), 0);
	assert_int_equal(pipe2(d, O_NONBLOCK), 0);
	r->src_w = s[1];
	r->dst_r = d[0];
	pump_init(&r->p, s[0], d[1]);
}

static void rig_close(struct rig *r)
{
	pump_close(&r->p);
	if (r->src_w >= 0)
		close(r->src_w);
	close(r->dst_r);
}

static void moves_bytes_then_eof(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	assert_true(pump_want_read(&r.p));
	assert_false(pump_want_write(&r.p));
	assert_int_equal(write(r.src_w, "abc", 3), 3);
	pump_read(&r.p);
	assert_false(pump_want_read(&r.p)); /* buffered: no more reads until written */
	assert_true(pump_want_write(&r.p));
	pump_write(&r.p);
	char buf[8];
	assert_int_equal(read(r.dst_r, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "abc", 3);
	close(r.src_w);
	r.src_w = -1;
	pump_read(&r.p); /* EOF from the host */
	assert_int_equal(r.p.src, -1);
	assert_int_equal(r.p.dst, -1);
	assert_int_equal(read(r.dst_r, buf, sizeof(buf)), 0); /* the workload sees EOF */
	rig_close(&r);
}

static void backpressure_bounded(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	static char chunk[PUMP_BUF];
	memset(chunk, 'x', sizeof(chunk));
	/* Nobody reads dst: keep feeding; the pump must stop taking input. */
	size_t fed = 0, moved = 0;
	for (int i = 0; i < 64; i++) {
		if (pump_want_read(&r.p)) {
			assert_int_equal(write(r.src_w, chunk, sizeof(chunk)),
					 (ssize_t)sizeof(chunk));
			fed += sizeof(chunk);
			pump_read(&r.p);
		}
		pump_write(&r.p);
	}
	moved = fed - r.p.len;
	assert_true(r.p.len > 0);	      /* stuck on a full pipe */
	assert_false(pump_want_read(&r.p));   /* and not reading more */
	assert_true(fed <= moved + PUMP_BUF); /* at most one buffer held */
	assert_true(moved <= 1u << 20);	      /* pipe capacity, not everything */
	rig_close(&r);
}

static void partial_write_keeps_order(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	char big[PUMP_BUF];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	assert_int_equal(fcntl(r.p.dst, F_SETPIPE_SZ, 4096), 4096);
	assert_int_equal(write(r.src_w, big, sizeof(big)), (ssize_t)sizeof(big));
	pump_read(&r.p);
	size_t got = 0;
	char out[PUMP_BUF];
	for (int i = 0; i < 1000 && got < sizeof(big); i++) {
		pump_write(&r.p);
		ssize_t n = read(r.dst_r, out + got, sizeof(out) - got);
		if (n > 0)
			got += (size_t)n;
	}
	assert_int_equal(got, sizeof(big));
	assert_memory_equal(out, big, sizeof(big));
	rig_close(&r);
}

static void reader_gone_closes_both(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	signal(SIGPIPE, SIG_IGN);
	close(r.dst_r);
	r.dst_r = open("/dev/null", O_RDONLY);
	assert_int_equal(write(r.src_w, "zz", 2), 2);
	pump_read(&r.p);
	pump_write(&r.p); /* EPIPE */
	assert_int_equal(r.p.src, -1);
	assert_int_equal(r.p.dst, -1);
	assert_false(pump_want_read(&r.p));
	assert_false(pump_want_write(&r.p));
	rig_close(&r);
}

static void no_source_is_eof_at_once(void **state)
{
	(void)state;
	int d[2];
	assert_int_equal(pipe2(d, O_NONBLOCK), 0);
	struct pump p;
	pump_init(&p, -1, d[1]);
	assert_int_equal(p.dst, -1);
	char c;
	assert_int_equal(read(d[0], &c, 1), 0);
	close(d[0]);
}

/* tty mode: src a pipe, dst a dup of a pty master; we read the slave (the
 * workload's side), whose line discipline turns VEOF into read() == 0. */
struct ptyrig {
	int src_w, master, slave;
	struct pump p;
};

static void ptyrig_init(struct ptyrig *r)
{
	int s[2];
	char name[64];
	assert_int_equal(pipe(s), 0);
	r->master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	assert_true(r->master >= 0);
	assert_int_equal(grantpt(r->master), 0);
	assert_int_equal(unlockpt(r->master), 0);
	assert_int_equal(ptsname_r(r->master, name, sizeof(name)), 0);
	r->slave = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK);
	assert_true(r->slave >= 0);
	r->src_w = s[1];
	pump_init(&r->p, s[0], dup(r->master)); /* the pump closes its dst: keep the pty */
	r->p.tty = true;
}

static void ptyrig_close(struct ptyrig *r)
{
	pump_close(&r->p);
	if (r->src_w >= 0)
		close(r->src_w);
	close(r->slave);
	close(r->master);
}

static void ptyrig_eof(struct ptyrig *r)
{
	close(r->src_w);
	r->src_w = -1;
	pump_read(&r->p);
	assert_int_equal(r->p.src, -1);
}

/* One read on the slave once it is readable (the pty hands input over
 * asynchronously); -2 when nothing came within ms. */
static ssize_t slave_read(int fd, char *buf, size_t len, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (poll(&p, 1, ms) != 1)
		return -2;
	return read(fd, buf, len);
}

static void tty_partial_line_gets_two_eofs(void **state)
{
	(void)state;
	struct ptyrig r;
	ptyrig_init(&r);
	assert_int_equal(write(r.src_w, "abc", 3), 3);
	pump_read(&r.p);
	pump_write(&r.p);
	char buf[16];
	assert_int_equal(slave_read(r.slave, buf, sizeof(buf), 200), -2); /* no line yet */
	ptyrig_eof(&r);
	assert_int_equal(r.p.len, 2);
	assert_int_equal(r.p.buf[0], 4); /* ^D, the default VEOF */
	assert_int_equal(r.p.buf[1], 4);
	pump_write(&r.p);
	assert_int_equal(r.p.dst, -1); /* written: the pump is done */
	assert_int_equal(slave_read(r.slave, buf, sizeof(buf), 2000), 3);
	assert_memory_equal(buf, "abc", 3);
	assert_int_equal(slave_read(r.slave, buf, sizeof(buf), 2000), 0); /* EOF */
	assert_int_equal(slave_read(r.slave, buf, sizeof(buf), 200), -2);
	ptyrig_close(&r);
}

static void tty_whole_line_gets_one_eof(void **state)
{
	(void)state;
	struct ptyrig r;
	ptyrig_init(&r);
	assert_int_equal(write(r.src_w, "ab\n", 3), 3);
	pump_read(&r.p);
	pump_write(&r.p);
	ptyrig_eof(&r);
	assert_int_equal(r.p.len, 1);
	pump_write(&r.p);
	char buf[16];
	assert_int_equal(slave_read(r.slave, buf, sizeof(buf), 2000), 3);
	assert_memory_equal(buf, "ab\n", 3);
	assert_int_equal(slave_read(r.slave, buf, sizeof(buf), 2000), 0);
	assert_int_equal(slave_read(r.slave, buf, sizeof(buf), 200), -2); /* only one */
	ptyrig_close(&r);
}

static void tty_eof_char_and_raw_mode(void **state)
{
	(void)state;
	struct ptyrig r;
	struct termios t;
	/* stty eof ^B: that character, not ^D */
	ptyrig_init(&r);
	assert_int_equal(tcgetattr(r.slave, &t), 0);
	t.c_cc[VEOF] = 2;
	assert_int_equal(tcsetattr(r.slave, TCSANOW, &t), 0);
	ptyrig_eof(&r);
	assert_int_equal(r.p.len, 1);
	assert_int_equal(r.p.buf[0], 2);
	pump_write(&r.p);
	char buf[16];
	assert_int_equal(slave_read(r.slave, buf, sizeof(buf), 2000), 0);
	ptyrig_close(&r);
	/* raw mode (the workload runs an editor): EOF sends nothing */
	ptyrig_init(&r);
	assert_int_equal(tcgetattr(r.slave, &t), 0);
	cfmakeraw(&t);
	assert_int_equal(tcsetattr(r.slave, TCSANOW, &t), 0);
	assert_int_equal(write(r.src_w, "x", 1), 1);
	pump_read(&r.p);
	pump_write(&r.p);
	ptyrig_eof(&r);
	assert_int_equal(r.p.dst, -1);
	assert_false(pump_want_write(&r.p));
	assert_int_equal(slave_read(r.slave, buf, sizeof(buf), 2000), 1);
	assert_int_equal(buf[0], 'x');
	assert_int_equal(slave_read(r.slave, buf, sizeof(buf), 200), -2);
	ptyrig_close(&r);
}

/* channel_feed: frames split anywhere, bad ones skipped whole. */
struct seen {
	unsigned n;
	struct ctl_frame f[8];
};

static void collect(void *ctx, const struct ctl_frame *f)
{
	struct seen *s = ctx;
	assert_true(s->n < 8);
	s->f[s->n++] = *f;
}

static void feed_split_and_bad(void **state)
{
	(void)state;
	uint8_t bytes[4 * ABI_CTL_FRAME_SIZE];
	struct ctl_frame a = ctlproto_signal(15), b = ctlproto_signal(10),
			 c = ctlproto_winsize(24, 80);
	ctlproto_encode(&a, bytes);
	ctlproto_encode(&b, bytes + 8);
	bytes[8] = 0x00; /* wrong magic: this frame is dropped */
	ctlproto_encode(&c, bytes + 16);
	ctlproto_encode(&b, bytes + 24);
	struct ctlproto_rx rx;
	ctlproto_rx_init(&rx);
	struct seen s = {0};
	/* one byte, then 10, then the rest */
	channel_feed(&rx, bytes, 1, collect, &s);
	assert_int_equal(s.n, 0);
	channel_feed(&rx, bytes + 1, 10, collect, &s);
	assert_int_equal(s.n, 1);
	channel_feed(&rx, bytes + 11, sizeof(bytes) - 11, collect, &s);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.f[0].type, ABI_CTL_SIGNAL);
	assert_int_equal(s.f[0].value, 15);
	assert_int_equal(s.f[1].type, ABI_CTL_WINSIZE);
	assert_int_equal(s.f[1].value, 24u << 16 | 80);
	assert_int_equal(s.f[2].value, 10);
	assert_int_equal(rx.have, 0);
}

static void feed_signal_out_of_range(void **state)
{
	(void)state;
	uint8_t bytes[ABI_CTL_FRAME_SIZE];
	struct ctl_frame bad = ctlproto_signal(65);
	ctlproto_encode(&bad, bytes);
	struct ctlproto_rx rx;
	ctlproto_rx_init(&rx);
	struct seen s = {0};
	channel_feed(&rx, bytes, sizeof(bytes), collect, &s);
	assert_int_equal(s.n, 0);
	struct ctl_frame ok = ctlproto_signal(1);
	ctlproto_encode(&ok, bytes);
	channel_feed(&rx, bytes, sizeof(bytes), collect, &s); /* still in sync */
	assert_int_equal(s.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(moves_bytes_then_eof),
	    cmocka_unit_test(backpressure_bounded),
	    cmocka_unit_test(partial_write_keeps_order),
	    cmocka_unit_test(reader_gone_closes_both),
	    cmocka_unit_test(no_source_is_eof_at_once),
	    cmocka_unit_test(feed_split_and_bad),
	    cmocka_unit_test(feed_signal_out_of_range),
	    cmocka_unit_test(tty_partial_line_gets_two_eofs),
	    cmocka_unit_test(tty_whole_line_gets_one_eof),
	    cmocka_unit_test(tty_eof_char_and_raw_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
