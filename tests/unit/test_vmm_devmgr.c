/* Unit tests for the device manager (windows, GSIs, bus wiring, command line) and the event loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "devmgr.h"
#include "test_vmm_vdrv.h"
#include "virtio/rng.h"

static void test_windows_and_cmdline(void **state)
{
	struct vm_mem mem = {0};
	struct runstate rs;
	struct bus mmio;
	struct devmgr dm;
	struct rng a, b;
	char *line;
	(void)state;

	runstate_init(&rs, NULL, NULL);
	bus_init(&mmio, BUS_MMIO);
	devmgr_init(&dm, -1, &mmio, NULL);
	rng_init(&a, &mem, &rs);
	rng_init(&b, &mem, &rs);
	assert_int_equal(devmgr_add(&dm, &a.mmio, NULL), 0);
	assert_int_equal(devmgr_add(&dm, &b.mmio, NULL), 0);
	assert_int_equal(devmgr_cmdline(&dm, "console=ttyS0 -- x", &line, NULL), 0);
	assert_string_equal(line, "virtio_mmio.device=4K@0xd0000000:5 "
				  "virtio_mmio.device=4K@0xd0001000:6 console=ttyS0 -- x");
	free(line);
	/* The second window answers as the second device. */
	uint32_t v = 0;
	assert_int_equal(bus_access(&mmio, 0xd0001000, 0, (uint8_t *)&v, 4, 1), 1);
	assert_int_equal(v, 0x74726976);
	assert_int_equal(bus_access(&mmio, 0xd0001008, 0, (uint8_t *)&v, 4, 1), 1);
	assert_int_equal(v, 4);
	assert_int_equal(bus_access(&mmio, 0xd0002000, 0, (uint8_t *)&v, 4, 1), 0);
	/* Fill every GSI (the same device in more windows is fine for this),
	 * then one more is refused. */
	for (unsigned i = 2; i < DEVMGR_MAX; i++)
		assert_int_equal(devmgr_add(&dm, &b.mmio, NULL), 0);
	assert_int_equal(dm.dev[DEVMGR_MAX - 1].gsi, DEVMGR_LAST_GSI);
	assert_int_equal(devmgr_add(&dm, &b.mmio, NULL), -ENOSPC);
	devmgr_destroy(&dm);
	rng_destroy(&a);
	rng_destroy(&b);
	bus_destroy(&mmio);
	runstate_destroy(&rs);
}

static const struct virtio_dev_ops bad_ops = {
    .name = "bad", .device_id = 1, .num_queues = 1, .queue_size = 3};

static void test_bad_ops_refused(void **state)
{
	struct vm_mem mem = {0};
	struct bus mmio;
	struct devmgr dm;
	struct virtio_mmio t;
	(void)state;

	bus_init(&mmio, BUS_MMIO);
	devmgr_init(&dm, -1, &mmio, NULL);
	virtio_mmio_init(&t, &bad_ops, NULL, &mem, NULL);
	assert_int_equal(devmgr_add(&dm, &t, NULL), -EINVAL);
	assert_int_equal(dm.n, 0);
	virtio_mmio_destroy(&t);
	bus_destroy(&mmio);
}

struct counter {
	int fd;
	int calls;
	struct eventloop *l;
	int id;
};

static void drain_pipe(void *ctx)
{
	struct counter *c = ctx;
	char buf[64];
	if (read(c->fd, buf, sizeof(buf)) <= 0)
		eventloop_enable(c->l, c->id, 0);
	__atomic_add_fetch(&c->calls, 1, __ATOMIC_SEQ_CST);
}

static void count_and_stop(void *ctx)
{
	struct counter *c = ctx;
	__atomic_add_fetch(&c->calls, 1, __ATOMIC_SEQ_CST);
	eventloop_enable(c->l, c->id, 0);
}

static int wait_calls(struct counter *c, int n)
{
	for (int i = 0; i < 2000 && __atomic_load_n(&c->calls, __ATOMIC_SEQ_CST) < n; i++)
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	return __atomic_load_n(&c->calls, __ATOMIC_SEQ_CST);
}

static void test_eventloop(void **state)
{
	struct eventloop l;
	int p[2];
	char path[] = "/tmp/test_vmm_devmgr.XXXXXX";
	(void)state;

	assert_int_equal(pipe(p), 0);
	int file = mkstemp(path);
	assert_true(file >= 0);
	unlink(path);
	assert_int_equal(eventloop_init(&l, NULL), 0);
	struct counter pc = {.fd = p[0], .l = &l}, fc = {.fd = file, .l = &l};
	pc.id = eventloop_add(&l, p[0], drain_pipe, &pc, 1, NULL);
	fc.id = eventloop_add(&l, file, count_and_stop, &fc, 0, NULL);
	assert_true(pc.id >= 0 && fc.id >= 0);
	assert_int_equal(l.src[fc.id].pollable, 0); /* regular file */
	assert_int_equal(eventloop_add(&l, 12345, drain_pipe, &pc, 0, NULL), -EBADF);
	assert_int_equal(eventloop_start(&l, NULL), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_true(wait_calls(&pc, 1) >= 1);
	/* A non-pollable source runs once enabled, and stops when it disables itself. */
	assert_int_equal(fc.calls, 0);
	eventloop_enable(&l, fc.id, 1);
	assert_int_equal(wait_calls(&fc, 1), 1);
	nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
	assert_int_equal(fc.calls, 1);
	/* Writer gone: EOF disables the pipe source instead of spinning on EPOLLHUP. */
	close(p[1]);
	int before = wait_calls(&pc, 2);
	nanosleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
	assert_int_equal(pc.calls, before);
	eventloop_destroy(&l);
	close(p[0]);
	close(file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_windows_and_cmdline),
	    cmocka_unit_test(test_bad_ops_refused),
	    cmocka_unit_test(test_eventloop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
