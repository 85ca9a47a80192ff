/* Unit tests for hostio and exit handling: fake kvm_run exits in, stdout bytes / exit status / VM
 * end out. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "abi.h"
#include "devices/hostio.h"
#include "exit.h"

#define RUN_SIZE (3 * 4096)
#define DATA_OFF 4096

struct fixture {
	struct bus pio, mmio;
	struct runstate rs;
	struct hostio h;
	struct exit_ctx x;
	int out[2], err[2];
	union {
		struct kvm_run run;
		uint8_t bytes[RUN_SIZE];
	} * r;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->r = calloc(1, sizeof(*f->r));
	if (pipe2(f->out, O_NONBLOCK) < 0 || pipe2(f->err, O_NONBLOCK) < 0)
		return -1;
	bus_init(&f->pio, BUS_PIO);
	bus_init(&f->mmio, BUS_MMIO);
	runstate_init(&f->rs, NULL, NULL);
	hostio_init(&f->h, f->out[1], f->err[1], &f->rs);
	if (bus_register(&f->pio, ABI_PORT_FIRST, ABI_PORT_COUNT, &hostio_ops, &f->h, NULL) < 0)
		return -1;
	f->x = (struct exit_ctx){.pio = &f->pio, .mmio = &f->mmio, .rs = &f->rs};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	for (int i = 0; i < 2; i++) {
		close(f->out[i]);
		close(f->err[i]);
	}
	bus_destroy(&f->pio);
	bus_destroy(&f->mmio);
	runstate_destroy(&f->rs);
	free(f->r);
	free(f);
	return 0;
}

/* Fake a KVM_EXIT_IO OUT of count items of size bytes from data. */
static void io(struct fixture *f, uint16_t port, int dir, uint8_t size, uint32_t count,
	       const void *data, size_t len)
{
	memset(&f->r->run, 0, sizeof(f->r->run));
	f->r->run.exit_reason = KVM_EXIT_IO;
	f->r->run.io.direction = (uint8_t)dir;
	f->r->run.io.size = size;
	f->r->run.io.port = port;
	f->r->run.io.count = count;
	f->r->run.io.data_offset = DATA_OFF;
	if (data)
		memcpy(f->r->bytes + DATA_OFF, data, len);
	exit_handle(&f->x, &f->r->run, RUN_SIZE);
}

static void out32(struct fixture *f, uint16_t port, uint32_t v)
{
	io(f, port, KVM_EXIT_IO_OUT, 4, 1, &v, 4);
}

static size_t drain(int fd, char *buf, size_t len)
{
	ssize_t n = read(fd, buf, len);
	return n < 0 ? 0 : (size_t)n;
}

static void test_stdout_stderr(void **state)
{
	struct fixture *f = *state;
	char buf[8192];
	static uint8_t big[RUN_SIZE - DATA_OFF];

	io(f, ABI_PORT_STDOUT, KVM_EXIT_IO_OUT, 1, 6, "hello\n", 6);
	io(f, ABI_PORT_STDERR, KVM_EXIT_IO_OUT, 1, 4, "oops", 4);
	io(f, ABI_PORT_STDOUT, KVM_EXIT_IO_OUT, 1, 3, "a\0b", 3); /* binary-safe */
	assert_int_equal(drain(f->out[0], buf, sizeof(buf)), 9);
	assert_memory_equal(buf, "hello\na\0b", 9);
	assert_int_equal(drain(f->err[0], buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "oops", 4);
	/* A whole page of rep outsb. */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	io(f, ABI_PORT_STDOUT, KVM_EXIT_IO_OUT, 1, sizeof(big), big, sizeof(big));
	assert_int_equal(drain(f->out[0], buf, sizeof(buf)), sizeof(big));
	assert_memory_equal(buf, big, sizeof(big));
	/* Other widths and reads on these ports are ignored; reads give all-ones. */
	io(f, ABI_PORT_STDOUT, KVM_EXIT_IO_OUT, 2, 1, "xy", 2);
	io(f, ABI_PORT_STDOUT, KVM_EXIT_IO_IN, 1, 1, NULL, 0);
	assert_int_equal(f->r->bytes[DATA_OFF], 0xff);
	assert_int_equal(drain(f->out[0], buf, sizeof(buf)), 0);
	assert_false(runstate_stopped(&f->rs));
}

static void test_exit_status(void **state)
{
	struct fixture *f = *state;

	out32(f, ABI_PORT_EXIT, 0x12345600 | 42);
	assert_true(runstate_stopped(&f->rs));
	assert_true(f->rs.has_status);
	assert_int_equal(f->rs.status, 42);
	assert_false(f->rs.init_failed);
	out32(f, ABI_PORT_EXIT, 7); /* the first stop wins */
	assert_int_equal(f->rs.status, 42);
}

static void test_init_failed(void **state)
{
	struct fixture *f = *state;

	io(f, ABI_PORT_EXIT, KVM_EXIT_IO_OUT, 1, 1, "\x05", 1); /* byte OUT: ignored */
	assert_false(runstate_stopped(&f->rs));
	out32(f, ABI_PORT_EXIT, ABI_EXIT_INIT_FAILED | 125);
	assert_true(f->rs.has_status);
	assert_int_equal(f->rs.status, 125);
	assert_true(f->rs.init_failed);
}

static void test_oversized_io(void **state)
{
	struct fixture *f = *state;

	io(f, ABI_PORT_STDOUT, KVM_EXIT_IO_OUT, 1, RUN_SIZE - DATA_OFF + 1, NULL, 0);
	assert_true(runstate_stopped(&f->rs));
	assert_false(f->rs.has_status);
	assert_non_null(strstr(f->rs.reason, "malformed I/O exit"));
}

static void test_bad_sizes(void **state)
{
	struct fixture *f = *state;

	io(f, ABI_PORT_STDOUT, KVM_EXIT_IO_OUT, 4, 0x40000001, NULL,
	   0); /* size*count wraps 32 bits */
	assert_non_null(strstr(f->rs.reason, "malformed"));
}

static void test_bad_width(void **state)
{
	struct fixture *f = *state;

	io(f, ABI_PORT_STDOUT, KVM_EXIT_IO_OUT, 3, 1, "abc", 3);
	assert_non_null(strstr(f->rs.reason, "malformed"));
}

static void test_closed_reader(void **state)
{
	struct fixture *f = *state;
	char buf[16];

	signal(SIGPIPE, SIG_IGN);
	close(f->out[0]);
	f->out[0] = open("/dev/null", O_RDONLY);
	io(f, ABI_PORT_STDOUT, KVM_EXIT_IO_OUT, 1, 5, "lost\n", 5); /* EPIPE: dropped */
	assert_int_equal(f->h.fd[0], -1);
	assert_false(runstate_stopped(&f->rs));
	io(f, ABI_PORT_STDERR, KVM_EXIT_IO_OUT, 1, 3, "ok\n", 3);
	assert_int_equal(drain(f->err[0], buf, sizeof(buf)), 3);
	out32(f, ABI_PORT_EXIT, 3);
	assert_int_equal(f->rs.status, 3);
}

static void test_other_exits(void **state)
{
	struct fixture *f = *state;

	memset(&f->r->run, 0, sizeof(f->r->run));
	f->r->run.exit_reason = KVM_EXIT_MMIO;
	f->r->run.mmio.phys_addr = 0xd0000000;
	f->r->run.mmio.len = 4;
	exit_handle(&f->x, &f->r->run, RUN_SIZE);
	assert_memory_equal(f->r->run.mmio.data, "\xff\xff\xff\xff", 4); /* unknown MMIO */
	f->r->run.mmio.len = 9;
	f->r->run.mmio.is_write = 1;
	exit_handle(&f->x, &f->r->run, RUN_SIZE);
	assert_non_null(strstr(f->rs.reason, "malformed MMIO"));
}

static void expect_reason(uint32_t reason, uint32_t sub, const char *what)
{
	struct fixture *f;
	assert_int_equal(setup((void **)&f), 0);
	memset(&f->r->run, 0, sizeof(f->r->run));
	f->r->run.exit_reason = reason;
	f->r->run.internal.suberror = sub;
	exit_handle(&f->x, &f->r->run, RUN_SIZE);
	if (what) {
		assert_true(runstate_stopped(&f->rs));
		assert_non_null(strstr(f->rs.reason, what));
	} else {
		assert_false(runstate_stopped(&f->rs));
	}
	teardown((void **)&f);
}

static void test_exit_reasons(void **state)
{
	(void)state;
	expect_reason(KVM_EXIT_SHUTDOWN, 0, "triple fault");
	expect_reason(KVM_EXIT_INTERNAL_ERROR, 1, "KVM internal error (suberror 1)");
	expect_reason(KVM_EXIT_FAIL_ENTRY, 0, "entry failed");
	expect_reason(KVM_EXIT_HLT, 0, "halted");
	expect_reason(KVM_EXIT_DEBUG, 0, "unhandled exit reason 4");
	expect_reason(12345, 0, "unhandled exit reason 12345");
	expect_reason(KVM_EXIT_INTR, 0, NULL);
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_stdout_stderr), T(test_exit_status), T(test_init_failed),
	    T(test_oversized_io),  T(test_bad_sizes),	T(test_bad_width),
	    T(test_closed_reader), T(test_other_exits), cmocka_unit_test(test_exit_reasons),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
