/* Port-I/O and MMIO dispatch: devices register address ranges with an ops table. */
#ifndef SB_VMM_BUS_H
#define SB_VMM_BUS_H

#include <pthread.h>
#include <stdint.h>

#include "error.h"

#define BUS_MAX_RANGES 32

/* A device's accessors. off is relative to the registered base; size is
 * 1, 2, 4 (port I/O) or 1..8 (MMIO). read fills data (already all-ones).
 * write_rep, when set, takes a whole `rep outs` (count items of size bytes)
 * at once; otherwise write is called count times. Calls for one range are
 * serialized by the bus. */
struct bus_ops {
	const char *name;
	void (*read)(void *dev, uint64_t off, uint8_t *data, uint32_t size);
	void (*write)(void *dev, uint64_t off, const uint8_t *data, uint32_t size);
	void (*write_rep)(void *dev, uint64_t off, const uint8_t *data, uint32_t size,
			  uint32_t count);
};

struct bus_range {
	uint64_t base, len;
	const struct bus_ops *ops;
	void *dev;
	pthread_mutex_t lock;
};

/* Port I/O matches a range by its first port (a 32-bit OUT to the last port
 * of a range still reaches it; devices check off and size). MMIO accesses
 * must lie entirely inside one range. */
enum bus_space { BUS_PIO, BUS_MMIO };

struct bus {
	enum bus_space space;
	struct bus_range r[BUS_MAX_RANGES];
	unsigned n;
};

void bus_init(struct bus *b, enum bus_space space);
void bus_destroy(struct bus *b);
/* Add [base, base + len); ranges must not overlap. 0 or -errno. Not thread-safe:
 * register everything before the vCPUs run. */
int bus_register(struct bus *b, uint64_t base, uint64_t len, const struct bus_ops *ops, void *dev,
		 struct sb_error *err);
/* Dispatch count accesses of size bytes at addr; data holds size * count
 * bytes. Unclaimed addresses: reads give all-ones, writes are dropped.
 * Returns 1 when a device claimed the address, 0 otherwise. */
int bus_access(struct bus *b, uint64_t addr, int is_write, uint8_t *data, uint32_t size,
	       uint32_t count);

#endif
