/* i8042: answers the controller commands Linux probes with; 0xFE (CPU reset) ends the VM as a guest
 * reset. */
#include <errno.h>
#include <string.h>

#include "i8042.h"
#include "snapstate.h"

#define STATUS_OBF 0x01
#define STATUS_SYS 0x04
#define STATUS_CMD 0x08 /* last write went to the command port */
#define STATUS_UNLOCKED 0x10

#define CMD_READ_CTR 0x20
#define CMD_WRITE_CTR 0x60
#define CMD_AUX_DISABLE 0xa7
#define CMD_AUX_ENABLE 0xa8
#define CMD_AUX_TEST 0xa9
#define CMD_SELF_TEST 0xaa
#define CMD_KBD_TEST 0xab
#define CMD_KBD_DISABLE 0xad
#define CMD_KBD_ENABLE 0xae
#define CMD_READ_OUTP 0xd0
#define CMD_WRITE_OUTP 0xd1
#define CMD_WRITE_KBD_OUT 0xd2
#define CMD_WRITE_AUX_OUT 0xd3
#define CMD_RESET_CPU 0xfe

#define CTR_KBD_DISABLED 0x10
#define CTR_AUX_DISABLED 0x20
#define CTR_DEFAULT (CTR_KBD_DISABLED | CTR_AUX_DISABLED)

void i8042_init(struct i8042 *k, struct runstate *rs)
{
	k->rs = rs;
	k->cmd = 0;
	k->ctr = CTR_DEFAULT;
	k->outp = 0x01; /* A20 on, not in reset */
	k->out_head = k->out_len = 0;
}

static void push(struct i8042 *k, uint8_t v)
{
	if (k->out_len < I8042_OUT_SIZE)
		k->out[(k->out_head + k->out_len++) % I8042_OUT_SIZE] = v;
}

static uint8_t pop(struct i8042 *k)
{
	if (!k->out_len)
		return 0;
	uint8_t v = k->out[k->out_head];
	k->out_head = (k->out_head + 1) % I8042_OUT_SIZE;
	k->out_len--;
	return v;
}

static void command(struct i8042 *k, uint8_t c)
{
	k->cmd = 0;
	switch (c) {
	case CMD_READ_CTR:
		push(k, k->ctr);
		break;
	case CMD_AUX_DISABLE:
		k->ctr |= CTR_AUX_DISABLED;
		break;
	case CMD_AUX_ENABLE:
		k->ctr &= (uint8_t)~CTR_AUX_DISABLED;
		break;
	case CMD_AUX_TEST:
	case CMD_KBD_TEST:
		push(k, 0x00);
		break; /* port OK */
	case CMD_SELF_TEST:
		push(k, 0x55);
		break;
	case CMD_KBD_DISABLE:
		k->ctr |= CTR_KBD_DISABLED;
		break;
	case CMD_KBD_ENABLE:
		k->ctr &= (uint8_t)~CTR_KBD_DISABLED;
		break;
	case CMD_READ_OUTP:
		push(k, k->outp);
		break;
	case CMD_WRITE_CTR:
	case CMD_WRITE_OUTP:
	case CMD_WRITE_KBD_OUT:
	case CMD_WRITE_AUX_OUT:
		k->cmd = c;
		break; /* data byte follows */
	case CMD_RESET_CPU:
		runstate_fail(k->rs, "guest kernel rebooted or panicked (reset via i8042)");
		break;
	default:
		break; /* pulse lines, unknown: ignored */
	}
}

static void data(struct i8042 *k, uint8_t v)
{
	switch (k->cmd) {
	case CMD_WRITE_CTR:
		k->ctr = v;
		break;
	case CMD_WRITE_OUTP:
		k->outp = v;
		break;
	case CMD_WRITE_KBD_OUT:
	case CMD_WRITE_AUX_OUT:
		push(k, v);
		break; /* loopback */
	default:
		break; /* bytes for the keyboard: there is none */
	}
	k->cmd = 0;
}

/* One range covers 0x60..0x64; off 1..3 (0x61 is the in-kernel PIT's) read as all-ones. */
static void i8042_read(void *dev, uint64_t off, uint8_t *d, uint32_t size)
{
	struct i8042 *k = dev;

	if (size != 1)
		return;
	if (off == I8042_CMD_PORT - I8042_DATA_PORT)
		d[0] = STATUS_SYS | STATUS_UNLOCKED | (k->cmd ? STATUS_CMD : 0) |
		       (k->out_len ? STATUS_OBF : 0);
	else if (off == 0)
		d[0] = pop(k);
}

static void i8042_write(void *dev, uint64_t off, const uint8_t *d, uint32_t size)
{
	struct i8042 *k = dev;

	if (size != 1)
		return;
	if (off == I8042_CMD_PORT - I8042_DATA_PORT)
		command(k, d[0]);
	else if (off == 0)
		data(k, d[0]);
}

const struct bus_ops i8042_ops = {
    .name = "i8042",
    .read = i8042_read,
    .write = i8042_write,
};

struct i8042_saved {
	uint8_t cmd, ctr, outp, pad;
	uint8_t out[I8042_OUT_SIZE];
	uint32_t out_head, out_len;
};

void i8042_save(const struct i8042 *k, struct snap_w *w)
{
	struct i8042_saved s = {.cmd = k->cmd,
				.ctr = k->ctr,
				.outp = k->outp,
				.out_head = k->out_head,
				.out_len = k->out_len};
	memcpy(s.out, k->out, sizeof(s.out));
	snap_put(w, SNAP_TAG(SNAP_OWN_DEV, 3), &s, sizeof(s));
}

int i8042_restore(struct i8042 *k, struct snap_r *r)
{
	struct i8042_saved s;
	int e = snap_take(r, SNAP_TAG(SNAP_OWN_DEV, 3), &s, sizeof(s));
	if (e < 0)
		return e;
	if (s.out_head >= I8042_OUT_SIZE || s.out_len > I8042_OUT_SIZE)
		return error_set(r->err, EINVAL, "snapshot: i8042 state out of range");
	k->cmd = s.cmd;
	k->ctr = s.ctr;
	k->outp = s.outp;
	memcpy(k->out, s.out, sizeof(k->out));
	k->out_head = s.out_head;
	k->out_len = s.out_len;
	return 0;
}
