/* Just enough of the i8042 keyboard controller for `reboot=k` (and sane status reads). */
#ifndef SB_VMM_I8042_H
#define SB_VMM_I8042_H

#include "bus.h"
#include "runstate.h"

#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT 0x64

struct i8042 {
	struct runstate *rs;
	uint8_t cmd; /* last command byte, for the data byte that follows some commands */
	uint8_t ctr; /* controller configuration byte */
};

/* Register one range: I8042_DATA_PORT .. I8042_CMD_PORT inclusive (I8042_NPORTS bytes). */
#define I8042_NPORTS 5
extern const struct bus_ops i8042_ops;

void i8042_init(struct i8042 *k, struct runstate *rs);

#endif
