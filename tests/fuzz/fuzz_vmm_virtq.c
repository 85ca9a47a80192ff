/* libFuzzer target: hostile guest memory (rings, descriptors, buffers) and register writes against
 * the virtio-mmio transport, the virtqueues, virtio-rng and virtio-console. */
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_vdrv.h"
#include "virtio/console.h"
#include "virtio/rng.h"

#define RAM (32ull << 20)
#define FUZZ_RAM 0x10000u /* input bytes land in guest RAM [0, FUZZ_RAM) */
#define QSTRIDE 0x400u	  /* queue i: desc at i * QSTRIDE, avail +0x100, used +0x200 */

static void drop_log(void *ctx, const uint8_t *d, size_t len)
{
	(void)ctx;
	(void)d;
	(void)len;
}

/* Input: [device][queue size log2][ops: 8 bytes each ...][guest RAM image].
 * Op: kind, queue/offset byte, 2 bytes offset, 4 bytes value. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct vm_mem mem;
	static int null_fd = -1;
	static struct rng rng;
	static struct console con;

	if (!mem.base) {
		signal(SIGPIPE, SIG_IGN);
		if (mem_create(&mem, RAM, NULL) < 0)
			return 0;
		null_fd = open("/dev/null", O_WRONLY);
	}
	if (len < 2)
		return 0;
	struct runstate rs;
	runstate_init(&rs, NULL, NULL);
	struct console_io io = {
	    .stdin_fd = -1, .stdout_fd = null_fd, .stderr_fd = null_fd, .log = drop_log};
	rng_init(&rng, &mem, &rs);
	console_init(&con, &mem, &rs, &io);
	struct virtio_mmio *t = data[0] & 1 ? &con.mmio : &rng.mmio;
	size_t nops = (data[1] >> 3) & 0x1f, ram_off = 2 + nops * 8;
	if (ram_off > len)
		ram_off = len;
	memset(mem.base, 0, FUZZ_RAM);
	memcpy(mem.base, data + ram_off, len - ram_off < FUZZ_RAM ? len - ram_off : FUZZ_RAM);
	fuzz_bring_up(t, t->ops->features, (uint16_t)(1u << (data[1] & 7)), QSTRIDE, 0x100, 0x200);

	for (size_t i = 0; 2 + i * 8 + 8 <= ram_off; i++) {
		const uint8_t *op = data + 2 + i * 8;
		uint32_t v;
		uint16_t off;
		memcpy(&off, op + 2, 2);
		memcpy(&v, op + 4, 4);
		switch (op[0] % 4) {
		case 0:
			fuzz_reg_write(t, VIRTIO_MMIO_QUEUE_NOTIFY, op[1] % 16);
			break;
		case 1:
			fuzz_reg_write(t, off % 0x200, v);
			break;
		case 2: {
			uint8_t b[8];
			virtio_mmio_bus_ops.read(t, off % 0x200, b, 1u << (op[1] & 3));
			break;
		}
		case 3: {
			struct ctl_frame f = {.type = op[1], .value = v};
			console_send_frame(&con, &f);
			virtio_mmio_notify(&con.mmio, op[1] % 16);
			break;
		}
		}
	}
	console_destroy(&con);
	rng_destroy(&rng);
	runstate_destroy(&rs);
	return 0;
}
