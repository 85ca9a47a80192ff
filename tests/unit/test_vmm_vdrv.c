/* A fake virtio driver for unit tests: guest RAM in a plain mapping, registers through the bus ops.
 */
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <string.h>

#include "test_vmm_vdrv.h"

uint32_t vdrv_read(struct virtio_mmio *t, uint64_t off)
{
	uint32_t v = 0xffffffffu;

	virtio_mmio_bus_ops.read(t, off, (uint8_t *)&v, 4);
	return v;
}

void vdrv_write(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	virtio_mmio_bus_ops.write(t, off, (const uint8_t *)&v, 4);
}

uint32_t vdrv_negotiate(struct virtio_mmio *t, uint64_t features)
{
	vdrv_write(t, VIRTIO_MMIO_STATUS, 0);
	vdrv_write(t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	vdrv_write(t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	for (uint32_t sel = 0; sel < 2; sel++) {
		vdrv_write(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, sel);
		vdrv_write(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> (32 * sel)));
	}
	vdrv_write(t, VIRTIO_MMIO_STATUS,
		   VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		       VIRTIO_CONFIG_S_FEATURES_OK);
	return vdrv_read(t, VIRTIO_MMIO_STATUS);
}

void *vdrv_hva(struct vm_mem *mem, uint64_t gpa)
{
	return gpa_to_hva(mem, gpa, 1);
}

uint32_t vdrv_queue(struct virtio_mmio *t, struct vdrv_q *q, struct vm_mem *mem, unsigned qi,
		    uint16_t num)
{
	memset(q, 0, sizeof(*q));
	q->mem = mem;
	q->num = num;
	q->desc = 0x10000ull + qi * 0x4000ull;
	q->avail = q->desc + 0x1000;
	q->used = q->desc + 0x2000;
	memset(vdrv_hva(mem, q->desc), 0, 0x4000);
	vdrv_write(t, VIRTIO_MMIO_QUEUE_SEL, qi);
	vdrv_write(t, VIRTIO_MMIO_QUEUE_NUM, num);
	vdrv_write(t, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)q->desc);
	vdrv_write(t, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(q->desc >> 32));
	vdrv_write(t, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)q->avail);
	vdrv_write(t, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
	vdrv_write(t, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)q->used);
	vdrv_write(t, VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	vdrv_write(t, VIRTIO_MMIO_QUEUE_READY, 1);
	return vdrv_read(t, VIRTIO_MMIO_QUEUE_READY);
}

void vdrv_desc(struct vdrv_q *q, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
	       uint16_t next)
{
	uint8_t *d = (uint8_t *)vdrv_hva(q->mem, q->desc) + (size_t)i * 16;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

void vdrv_post(struct vdrv_q *q, uint16_t head)
{
	uint8_t *a = vdrv_hva(q->mem, q->avail);

	memcpy(a + 4 + (size_t)(q->avail_idx % q->num) * 2, &head, 2);
	q->avail_idx++;
	memcpy(a + 2, &q->avail_idx, 2);
}

uint16_t vdrv_used_pending(struct vdrv_q *q)
{
	uint16_t idx;

	memcpy(&idx, (uint8_t *)vdrv_hva(q->mem, q->used) + 2, 2);
	return (uint16_t)(idx - q->used_seen);
}

int vdrv_take_used(struct vdrv_q *q, uint32_t *id, uint32_t *len)
{
	if (!vdrv_used_pending(q))
		return 0;
	uint8_t *e = (uint8_t *)vdrv_hva(q->mem, q->used) + 4 + (size_t)(q->used_seen % q->num) * 8;
	memcpy(id, e, 4);
	memcpy(len, e + 4, 4);
	q->used_seen++;
	return 1;
}
