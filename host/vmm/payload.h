/* Reading what the guest boots: the kernel file (mapped, bounded) and the initrd blobs into guest RAM. */
#ifndef SB_VMM_PAYLOAD_H
#define SB_VMM_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "memory.h"
#include "vmm.h"

#define PAYLOAD_KERNEL_MAX (512u << 20)

/* A read-only view of a whole file. */
struct payload_map {
	const uint8_t *data; /* NULL for an empty file */
	size_t len;
};

/* Map the regular file at path (at most max bytes). 0 or -errno. */
int payload_map_file(const char *path, size_t max, struct payload_map *map, struct sb_error *err);
void payload_unmap(struct payload_map *map);
/* Total size of the initrd blobs, each starting at a 4-byte-aligned offset. */
int payload_initrd_size(const struct vmm_blob *b, size_t n, uint64_t *size, struct sb_error *err);
/* Put the blobs at [gpa, gpa + size) (size from payload_initrd_size), zero
 * padding between. A file whose size changed since it was measured is refused. */
int payload_initrd_copy(const struct vmm_blob *b, size_t n, struct vm_mem *m, uint64_t gpa,
			uint64_t size, struct sb_error *err);

#endif
