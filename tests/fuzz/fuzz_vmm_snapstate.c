/* libFuzzer target: a snapshot's device records (host/vmm/vmsnap.c's order, without the KVM
 * part): the UART, the i8042, virtio-rng's and virtio-console's transports and the console's
 * ports, then one virtio-fs transport (a share), restored onto fresh devices; whatever is accepted
 * must save and restore again at once, and the restored console must survive its queues being
 * served. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/i8042.h"
#include "devices/uart.h"
#include "snapstate.h"
#include "virtio/console.h"
#include "virtio/fs.h"
#include "virtio/rng.h"

#define RAM (32ull << 20)

static void drop_log(void *ctx, const uint8_t *d, size_t len)
{
	(void)ctx;
	(void)d;
	(void)len;
}

static void drop_irq(void *ctx, int level)
{
	(void)ctx;
	(void)level;
}

struct devs {
	struct runstate rs;
	struct uart uart;
	struct i8042 kbd;
	struct rng rng;
	struct console con;
	struct fs fs;
};

static void devs_init(struct devs *d, struct vm_mem *mem, int null_fd, int fs_sock)
{
	static const uint8_t config[] = "fuzz";
	struct console_io io = {.stdin_fd = -1,
				.stdout_fd = null_fd,
				.stderr_fd = null_fd,
				.config = config,
				.config_len = sizeof(config),
				.log = drop_log};
	runstate_init(&d->rs, NULL, NULL);
	uart_init(&d->uart, drop_log, drop_irq, NULL);
	i8042_init(&d->kbd, &d->rs);
	rng_init(&d->rng, mem, &d->rs);
	console_init(&d->con, mem, &d->rs, &io);
	struct sb_error err;
	if (fs_init(&d->fs, mem, &d->rs, "vol0", fs_sock, &err) < 0)
		abort();
}

static void devs_destroy(struct devs *d)
{
	fs_destroy(&d->fs);
	console_destroy(&d->con);
	rng_destroy(&d->rng);
	runstate_destroy(&d->rs);
}

static int restore(struct devs *d, const void *buf, size_t len)
{
	struct sb_error err;
	struct snap_r r;
	snap_r_init(&r, buf, len, &err);
	int e = uart_restore(&d->uart, &r);
	if (e == 0)
		e = i8042_restore(&d->kbd, &r);
	if (e == 0)
		e = virtio_mmio_restore(&d->rng.mmio, &r);
	if (e == 0)
		e = console_restore(&d->con, &r);
	if (e == 0)
		e = fs_restore(&d->fs, &r);
	return e == 0 ? snap_r_end(&r) : e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct vm_mem mem;
	static int null_fd = -1, fs_sock[2] = {-1, -1};
	static struct devs a, b;

	if (!mem.base) {
		signal(SIGPIPE, SIG_IGN);
		if (mem_create(&mem, RAM, NULL) < 0)
			return 0;
		null_fd = open("/dev/null", O_WRONLY);
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, fs_sock) < 0)
			abort();
	}
	devs_init(&a, &mem, null_fd, fs_sock[0]);
	if (restore(&a, data, len) == 0) {
		struct sb_error err;
		struct snap_w w;
		snap_w_init(&w, &err);
		uart_save(&a.uart, &w);
		i8042_save(&a.kbd, &w);
		virtio_mmio_save(&a.rng.mmio, &w);
		console_save(&a.con, &w);
		if (fs_save(&a.fs, &w) < 0)
			abort(); /* nothing was sent: no request can be in flight */
		devs_init(&b, &mem, null_fd, fs_sock[0]);
		if (w.failed || restore(&b, w.buf, w.len) != 0)
			abort(); /* what was accepted (and served) must save and restore */
		devs_destroy(&b);
		snap_w_free(&w);
		/* Serve every console queue once: restored rings must be safe to use
		 * (a guest's broken ring may break the device, never us). */
		for (unsigned q = 0; q < CONSOLE_QUEUES; q++)
			virtio_mmio_notify(&a.con.mmio, q);
		console_release_config(&a.con);
	}
	devs_destroy(&a);
	return 0;
}
