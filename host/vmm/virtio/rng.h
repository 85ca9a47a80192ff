/* virtio-rng (device id 4): guest entropy from the host's getrandom(). */
#ifndef SB_VMM_VIRTIO_RNG_H
#define SB_VMM_VIRTIO_RNG_H

#include "mmio.h"

#define RNG_REQUEST_MAX 4096u /* bytes served per guest buffer, at most */

struct rng {
	struct virtio_mmio mmio; /* first: the transport */
	uint64_t served;	 /* bytes handed to the guest */
};

extern const struct virtio_dev_ops rng_ops;

void rng_init(struct rng *r, const struct vm_mem *mem, struct runstate *rs);
void rng_destroy(struct rng *r);

#endif
