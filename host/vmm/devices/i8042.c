/* i8042: the CPU-reset command (0xFE on port 0x64) ends the VM as a guest reset; no keyboard, no mouse. */
#include "i8042.h"

#define CMD_READ_CTR 0x20
#define CMD_WRITE_CTR 0x60
#define CMD_RESET_CPU 0xfe
#define CTR_DEFAULT 0x30 /* both ports disabled, no interrupts */

void i8042_init(struct i8042 *k, struct runstate *rs)
{
	k->rs = rs;
	k->cmd = 0;
	k->ctr = CTR_DEFAULT;
}

/* One range covers 0x60..0x64; off 1..3 (0x61 belongs to the in-kernel PIT) read as all-ones. */
static void i8042_read(void *dev, uint64_t off, uint8_t *data, uint32_t size)
{
	struct i8042 *k = dev;

	if (size != 1)
		return;
	if (off == I8042_CMD_PORT - I8042_DATA_PORT) {
		data[0] = 0x14; /* input/output buffers empty, system flag, command mode */
	} else if (off == 0) {
		data[0] = k->cmd == CMD_READ_CTR ? k->ctr : 0;
		k->cmd = 0;
	}
}

static void i8042_write(void *dev, uint64_t off, const uint8_t *data, uint32_t size)
{
	struct i8042 *k = dev;

	if (size != 1)
		return;
	if (off == I8042_CMD_PORT - I8042_DATA_PORT) {
		if (data[0] == CMD_RESET_CPU)
			runstate_fail(k->rs, "guest kernel rebooted or panicked (reset via i8042)");
		k->cmd = data[0];
	} else if (off == 0) {
		if (k->cmd == CMD_WRITE_CTR)
			k->ctr = data[0];
		k->cmd = 0;
	}
}

const struct bus_ops i8042_ops = {
	.name = "i8042",
	.read = i8042_read,
	.write = i8042_write,
};
