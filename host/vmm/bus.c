/* Port-I/O and MMIO dispatch: a small table of ranges, each with its device's ops and a lock. */
#include <errno.h>
#include <string.h>

#include "bus.h"

void bus_init(struct bus *b, enum bus_space space)
{
	b->space = space;
	b->n = 0;
}

void bus_destroy(struct bus *b)
{
	for (unsigned i = 0; i < b->n; i++)
		pthread_mutex_destroy(&b->r[i].lock);
	b->n = 0;
}

int bus_register(struct bus *b, uint64_t base, uint64_t len, const struct bus_ops *ops, void *dev,
		 struct sb_error *err)
{
	uint64_t end;

	if (!len || __builtin_add_overflow(base, len, &end))
		return error_set(err, EINVAL, "bus: bad range for %s", ops->name);
	if (b->n == BUS_MAX_RANGES)
		return error_set(err, ENOSPC, "bus: too many devices (%s)", ops->name);
	for (unsigned i = 0; i < b->n; i++) {
		if (base < b->r[i].base + b->r[i].len && b->r[i].base < end)
			return error_set(err, EEXIST, "bus: %s overlaps %s", ops->name,
					 b->r[i].ops->name);
	}
	struct bus_range *r = &b->r[b->n];
	r->base = base;
	r->len = len;
	r->ops = ops;
	r->dev = dev;
	pthread_mutex_init(&r->lock, NULL);
	b->n++;
	return 0;
}

static struct bus_range *find(struct bus *b, uint64_t addr, uint32_t size)
{
	for (unsigned i = 0; i < b->n; i++) {
		struct bus_range *r = &b->r[i];
		if (addr < r->base || addr - r->base >= r->len)
			continue;
		if (b->space == BUS_PIO || size <= r->len - (addr - r->base))
			return r;
	}
	return NULL;
}

int bus_access(struct bus *b, uint64_t addr, int is_write, uint8_t *data, uint32_t size,
	       uint32_t count)
{
	struct bus_range *r = find(b, addr, size);

	if (!r) {
		if (!is_write)
			memset(data, 0xff, (size_t)size * count);
		return 0;
	}
	uint64_t off = addr - r->base;
	pthread_mutex_lock(&r->lock);
	if (is_write && r->ops->write_rep) {
		r->ops->write_rep(r->dev, off, data, size, count);
	} else {
		for (uint32_t i = 0; i < count; i++) {
			uint8_t *d = data + (size_t)i * size;
			if (is_write) {
				if (r->ops->write)
					r->ops->write(r->dev, off, d, size);
			} else {
				memset(d, 0xff, size);
				if (r->ops->read)
					r->ops->read(r->dev, off, d, size);
			}
		}
	}
	pthread_mutex_unlock(&r->lock);
	return 1;
}
