/* libFuzzer target: hostile vCPU exits (port I/O, MMIO, odd reasons) against the exit handler and
 * the devices. */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "abi.h"
#include "devices/hostio.h"
#include "devices/i8042.h"
#include "devices/uart.h"
#include "exit.h"
#include "logring.h"

#define RUN_SIZE (3 * 4096)

static union {
	struct kvm_run run;
	uint8_t bytes[RUN_SIZE];
} r;

static void uart_out(void *ctx, const uint8_t *d, size_t len)
{
	logring_write(ctx, d, len);
}

static void uart_irq(void *ctx, int level)
{
	(void)ctx;
	(void)level;
}

/* Each record: reason, direction, size, port (2), count (4), data offset (2), 8 data bytes. */
#define REC 20

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct logring log;
	static int null_fd = -1;
	struct bus pio, mmio;
	struct runstate rs;
	struct uart uart;
	struct hostio h;
	struct i8042 kbd;

	if (null_fd < 0)
		null_fd = open("/dev/null", O_WRONLY);
	bus_init(&pio, BUS_PIO);
	bus_init(&mmio, BUS_MMIO);
	runstate_init(&rs, NULL, NULL);
	logring_init(&log, -1);
	uart_init(&uart, uart_out, uart_irq, &log);
	hostio_init(&h, null_fd, null_fd, &rs);
	i8042_init(&kbd, &rs);
	bus_register(&pio, UART_COM1_BASE, UART_NREGS, &uart_ops, &uart, NULL);
	bus_register(&pio, ABI_PORT_FIRST, ABI_PORT_COUNT, &hostio_ops, &h, NULL);
	bus_register(&pio, I8042_DATA_PORT, I8042_NPORTS, &i8042_ops, &kbd, NULL);
	struct exit_ctx x = {.pio = &pio, .mmio = &mmio, .rs = &rs};

	for (size_t off = 0; off + REC <= len; off += REC) {
		const uint8_t *p = data + off;
		memset(&r.run, 0, sizeof(r.run));
		static const uint32_t reasons[] = {KVM_EXIT_IO, KVM_EXIT_MMIO, KVM_EXIT_INTR,
						   KVM_EXIT_SHUTDOWN, KVM_EXIT_INTERNAL_ERROR};
		r.run.exit_reason = p[0] < 250 ? reasons[p[0] % 5] : p[0];
		r.run.io.direction = p[1] & 1;
		r.run.io.size = p[2];
		memcpy(&r.run.io.port, p + 3, 2);
		memcpy(&r.run.io.count, p + 5, 4);
		r.run.io.count &= 0x3fff;
		uint16_t doff;
		memcpy(&doff, p + 9, 2);
		r.run.io.data_offset = doff;
		memset(r.bytes + 4096, p[11], 4096);
		if (r.run.exit_reason == KVM_EXIT_MMIO) {
			memcpy(&r.run.mmio.phys_addr, p + 3, 8);
			r.run.mmio.len = p[2] & 0xf;
			r.run.mmio.is_write = p[1] & 1;
			memcpy(r.run.mmio.data, p + 12, 8);
		}
		exit_handle(&x, &r.run, RUN_SIZE);
		if (runstate_stopped(&rs))
			break;
	}
	char tail[256];
	logring_tail(&log, tail, sizeof(tail));
	bus_destroy(&pio);
	bus_destroy(&mmio);
	runstate_destroy(&rs);
	return 0;
}
