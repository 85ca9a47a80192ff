/* Just enough of the i8042 keyboard controller for `reboot=k` and Linux's controller probe (no
 * keyboard, no mouse). */
#ifndef SB_VMM_I8042_H
#define SB_VMM_I8042_H

#include <stdint.h>

#include "bus.h"
#include "runstate.h"

#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT 0x64
/* Register one range: I8042_DATA_PORT .. I8042_CMD_PORT inclusive. */
#define I8042_NPORTS 5
#define I8042_OUT_SIZE 8

struct i8042 {
	struct runstate *rs;
	uint8_t cmd;		     /* command waiting for its data byte (0 when none) */
	uint8_t ctr;		     /* controller configuration byte */
	uint8_t outp;		     /* output port */
	uint8_t out[I8042_OUT_SIZE]; /* bytes for the guest to read from the data port */
	unsigned out_head, out_len;
};

extern const struct bus_ops i8042_ops;

void i8042_init(struct i8042 *k, struct runstate *rs);

/* Snapshots (host/vmm/snapstate.h): registers and buffered bytes. */
struct snap_w;
struct snap_r;
void i8042_save(const struct i8042 *d, struct snap_w *w);
int i8042_restore(struct i8042 *d, struct snap_r *r);

#endif
