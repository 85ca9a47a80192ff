/* Unit tests for the 16550A UART (Linux 8250 probe, loopback, THRE/RX interrupts), i8042 reset and
 * the log ring. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bus.h"
#include "devices/i8042.h"
#include "devices/uart.h"
#include "logring.h"
#include "runstate.h"

struct sink {
	uint8_t out[256];
	size_t n;
	int level, edges, changes;
};

static void out(void *ctx, const uint8_t *d, size_t len)
{
	struct sink *s = ctx;
	for (size_t i = 0; i < len && s->n < sizeof(s->out); i++)
		s->out[s->n++] = d[i];
}

static void irq(void *ctx, int level)
{
	struct sink *s = ctx;
	s->edges += level && !s->level;
	s->changes++;
	s->level = level;
}

static struct bus bus;
static struct uart uart;
static struct sink sink;

static int setup(void **state)
{
	(void)state;
	memset(&sink, 0, sizeof(sink));
	bus_init(&bus, BUS_PIO);
	uart_init(&uart, out, irq, &sink);
	return bus_register(&bus, UART_COM1_BASE, UART_NREGS, &uart_ops, &uart, NULL);
}

static int teardown(void **state)
{
	(void)state;
	bus_destroy(&bus);
	return 0;
}

static uint8_t in8(unsigned reg)
{
	uint8_t v;
	bus_access(&bus, UART_COM1_BASE + reg, 0, &v, 1, 1);
	return v;
}

static void out8(unsigned reg, uint8_t v)
{
	bus_access(&bus, UART_COM1_BASE + reg, 1, &v, 1, 1);
}

static void test_probe(void **state)
{
	(void)state;
	/* IER holds its low nibble. */
	out8(1, 0);
	assert_int_equal(in8(1) & 0x0f, 0);
	out8(1, 0x0f);
	assert_int_equal(in8(1) & 0x0f, 0x0f);
	out8(1, 0);
	/* Loopback: MCR OUT2|RTS shows as DCD|CTS in MSR. */
	out8(4, 0x10 | 0x0a);
	assert_int_equal(in8(6) & 0xf0, 0x90);
	out8(4, 0x10 | 0x05); /* DTR|OUT1 -> DSR|RI */
	assert_int_equal(in8(6) & 0xf0, 0x60);
	out8(4, 0x08);
	assert_int_equal(in8(6) & 0xf0, 0xb0); /* carrier, DSR, CTS when not looped */
	/* Scratch register. */
	out8(7, 0x5a);
	assert_int_equal(in8(7), 0x5a);
	out8(7, 0xa5);
	assert_int_equal(in8(7), 0xa5);
	/* FIFO bits in IIR after FCR enable: a 16550A. */
	assert_int_equal(in8(2) & 0xc0, 0);
	out8(2, 0x01);
	assert_int_equal(in8(2) & 0xc0, 0xc0);
	assert_int_equal(in8(2) & 0x0f, 0x01); /* no interrupt pending */
	/* DLAB: divisor latch instead of RBR/IER. */
	out8(3, 0x83);
	out8(0, 0x01);
	out8(1, 0x00);
	assert_int_equal(in8(0), 0x01);
	assert_int_equal(in8(1), 0x00);
	out8(3, 0x03);
	assert_int_equal(in8(3), 0x03);
	assert_int_equal(sink.n, 0); /* nothing was transmitted by the probe */
	/* Transmitter always ready: printk polls THRE/TEMT. */
	assert_int_equal(in8(5) & 0x60, 0x60);
}

static void test_transmit(void **state)
{
	(void)state;
	const char *msg = "Linux version\n";
	for (const char *p = msg; *p; p++)
		out8(0, (uint8_t)*p);
	assert_int_equal(sink.n, strlen(msg));
	assert_memory_equal(sink.out, msg, strlen(msg));
	assert_int_equal(sink.changes, 0); /* no interrupts without IER */
	/* 16-bit accesses are ignored. */
	uint16_t w = 0x4141;
	bus_access(&bus, UART_COM1_BASE, 1, (uint8_t *)&w, 2, 1);
	assert_int_equal(sink.n, strlen(msg));
}

static void test_thre_interrupt(void **state)
{
	(void)state;
	out8(1, 0x02); /* enable THRI with THR empty: interrupt at once */
	assert_int_equal(sink.level, 1);
	assert_int_equal(sink.edges, 1);
	assert_int_equal(in8(2) & 0x0f, 0x02); /* IIR says THRE ... */
	assert_int_equal(sink.level, 0);       /* ... and reading it clears it */
	assert_int_equal(in8(2) & 0x0f, 0x01);
	out8(0, 'x'); /* writing THR: empty again right away -> new edge */
	assert_int_equal(sink.level, 1);
	assert_int_equal(sink.edges, 2);
	out8(1, 0x00); /* driver stops tx: line drops */
	assert_int_equal(sink.level, 0);
	assert_int_equal(in8(2) & 0x0f, 0x01);
	out8(1, 0x02); /* restart: edge again (8250 THRE test relies on this) */
	assert_int_equal(sink.edges, 3);
}

static void test_receive(void **state)
{
	(void)state;
	uint8_t data[100];
	memset(data, 'r', sizeof(data));
	assert_int_equal(in8(5) & 0x01, 0);
	out8(1, 0x01); /* RX interrupt enabled */
	assert_int_equal(uart_receive(&uart, data, sizeof(data)), UART_RX_SIZE);
	assert_int_equal(sink.level, 1);
	assert_int_equal(in8(2) & 0x0f, 0x04);
	assert_int_equal(in8(5) & 0x01, 1);
	for (unsigned i = 0; i < UART_RX_SIZE; i++)
		assert_int_equal(in8(0), 'r');
	assert_int_equal(in8(5) & 0x01, 0);
	assert_int_equal(sink.level, 0);
	/* Loopback echoes THR into RBR instead of the output. */
	out8(4, 0x10);
	out8(0, 'L');
	assert_int_equal(sink.n, 0);
	assert_int_equal(in8(0), 'L');
}

static void test_unclaimed_ports(void **state)
{
	(void)state;
	uint8_t v[4] = {0};
	assert_int_equal(bus_access(&bus, 0x2f8, 0, v, 1, 1), 0);
	assert_int_equal(v[0], 0xff);
	assert_int_equal(bus_access(&bus, 0x3ff + 1, 0, v, 4, 1), 0);
	assert_int_equal(v[3], 0xff);
	/* A 16-bit read at the last port reaches the UART, which ignores it. */
	v[0] = v[1] = 0;
	assert_int_equal(bus_access(&bus, 0x3ff, 0, v, 2, 1), 1);
	assert_int_equal(v[0] & v[1], 0xff);
}

static uint8_t kbd_io(struct bus *b, uint16_t port, int write, uint8_t v)
{
	bus_access(b, port, write, &v, 1, 1);
	return v;
}

static void test_i8042(void **state)
{
	(void)state;
	struct runstate rs;
	struct i8042 k;
	struct bus b;

	runstate_init(&rs, NULL, NULL);
	i8042_init(&k, &rs);
	bus_init(&b, BUS_PIO);
	assert_int_equal(bus_register(&b, I8042_DATA_PORT, I8042_NPORTS, &i8042_ops, &k, NULL), 0);
	/* Nothing to read, ready for a command (kb_wait before reset polls bit 1). */
	assert_int_equal(kbd_io(&b, I8042_CMD_PORT, 0, 0) & 0x03, 0);
	/* Linux's probe: read CTR (OBF set until the data byte is read), write it back. */
	kbd_io(&b, I8042_CMD_PORT, 1, 0x20);
	assert_int_equal(kbd_io(&b, I8042_CMD_PORT, 0, 0) & 0x01, 1);
	assert_int_equal(kbd_io(&b, I8042_DATA_PORT, 0, 0), 0x30);
	assert_int_equal(kbd_io(&b, I8042_CMD_PORT, 0, 0) & 0x01, 0);
	kbd_io(&b, I8042_CMD_PORT, 1, 0x60);
	kbd_io(&b, I8042_DATA_PORT, 1, 0x65);
	kbd_io(&b, I8042_CMD_PORT, 1, 0x20);
	assert_int_equal(kbd_io(&b, I8042_DATA_PORT, 0, 0), 0x65);
	kbd_io(&b, I8042_CMD_PORT, 1, 0xaa); /* self test */
	assert_int_equal(kbd_io(&b, I8042_DATA_PORT, 0, 0), 0x55);
	kbd_io(&b, I8042_CMD_PORT, 1, 0xd3); /* aux loopback */
	kbd_io(&b, I8042_DATA_PORT, 1, 0x5a);
	assert_int_equal(kbd_io(&b, I8042_DATA_PORT, 0, 0), 0x5a);
	for (int i = 0; i < 100; i++) /* the output buffer is bounded */
		kbd_io(&b, I8042_CMD_PORT, 1, 0xaa);
	assert_int_equal(k.out_len, I8042_OUT_SIZE);
	/* Port 0x61 belongs to the in-kernel PIT: all-ones here. */
	assert_int_equal(kbd_io(&b, 0x61, 0, 0), 0xff);
	assert_false(runstate_stopped(&rs));
	kbd_io(&b, I8042_CMD_PORT, 1, 0xfe);
	assert_true(runstate_stopped(&rs));
	assert_false(rs.has_status);
	assert_non_null(strstr(rs.reason, "reset"));
	bus_destroy(&b);
	runstate_destroy(&rs);
}

static void test_logring(void **state)
{
	(void)state;
	struct logring l;
	char tail[64];

	logring_init(&l, -1);
	logring_write(&l, (const uint8_t *)"one\r\ntwo\n", 9);
	logring_tail(&l, tail, sizeof(tail));
	assert_string_equal(tail, "one\ntwo\n");
	for (int i = 0; i < 1000; i++)
		logring_write(&l, (const uint8_t *)"0123456789abcdef\n", 17);
	logring_write(&l, (const uint8_t *)"last \x1b[0mline", 14);
	logring_tail(&l, tail, sizeof(tail));
	/* Whole lines only, the newest kept, control bytes dropped. */
	assert_string_equal(tail, "0123456789abcdef\n0123456789abcdef\nlast [0mline");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_probe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_transmit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_thre_interrupt, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_receive, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unclaimed_ports, setup, teardown),
	    cmocka_unit_test(test_i8042),
	    cmocka_unit_test(test_logring),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
