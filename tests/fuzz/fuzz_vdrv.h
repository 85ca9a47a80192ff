/* A virtio-mmio driver for the device fuzz targets: register writes, and a bring-up that does
 * everything right up to the rings' contents (which the input fills). */
#ifndef SB_FUZZ_VDRV_H
#define SB_FUZZ_VDRV_H

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <stdint.h>

#include "virtio/mmio.h"

static inline void fuzz_reg_write(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	virtio_mmio_bus_ops.write(t, off, (const uint8_t *)&v, 4);
}

/* Negotiate features (low word; VERSION_1 high), give each of the device's
 * queues num entries at q * stride (avail at + avail_off, used at + used_off),
 * then DRIVER_OK. */
static inline void fuzz_bring_up(struct virtio_mmio *t, uint64_t features, uint16_t num,
				 uint32_t stride, uint32_t avail_off, uint32_t used_off)
{
	const uint32_t ok = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	fuzz_reg_write(t, VIRTIO_MMIO_STATUS, 0);
	fuzz_reg_write(t, VIRTIO_MMIO_STATUS, ok);
	fuzz_reg_write(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	fuzz_reg_write(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	fuzz_reg_write(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	fuzz_reg_write(t, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	fuzz_reg_write(t, VIRTIO_MMIO_STATUS, ok | VIRTIO_CONFIG_S_FEATURES_OK);
	for (uint32_t q = 0; q < t->ops->num_queues; q++) {
		fuzz_reg_write(t, VIRTIO_MMIO_QUEUE_SEL, q);
		fuzz_reg_write(t, VIRTIO_MMIO_QUEUE_NUM, num);
		fuzz_reg_write(t, VIRTIO_MMIO_QUEUE_DESC_LOW, q * stride);
		fuzz_reg_write(t, VIRTIO_MMIO_QUEUE_AVAIL_LOW, q * stride + avail_off);
		fuzz_reg_write(t, VIRTIO_MMIO_QUEUE_USED_LOW, q * stride + used_off);
		fuzz_reg_write(t, VIRTIO_MMIO_QUEUE_READY, 1);
	}
	fuzz_reg_write(t, VIRTIO_MMIO_STATUS,
		       ok | VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
}

#endif
