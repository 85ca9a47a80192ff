/* Guest RAM: one anonymous mapping, split around the 32-bit MMIO hole. */
#ifndef SB_VMM_MEMORY_H
#define SB_VMM_MEMORY_H

#include <stdint.h>

#include "error.h"

#define MEM_HOLE_START (3ull << 30) /* RAM below this: [0, 3 GiB) */
#define MEM_HOLE_END (4ull << 30)   /* RAM above: [4 GiB, 4 GiB + rest) */

struct vm_mem {
	uint8_t *base;	   /* host mapping of all RAM */
	uint64_t size;	   /* RAM bytes */
	uint64_t low_size; /* bytes mapped at GPA 0 (<= MEM_HOLE_START) */
};

/* Fill in the layout for size bytes without mapping anything (base stays as is). */
void mem_layout(struct vm_mem *m, uint64_t size);

/* Map size bytes of RAM (4 KiB multiple, VMM_MIN_MEM..VMM_MAX_MEM). 0 or -errno. */
int mem_create(struct vm_mem *m, uint64_t size, struct sb_error *err);
void mem_destroy(struct vm_mem *m);
/* Replace the RAM's pages with fd's (m->size bytes from offset 0), mapped
 * private: read lazily from the file (its page cache shared by every VM
 * mapping it), copied on the guest's first write. 0 or -errno. */
int mem_map_file(struct vm_mem *m, int fd, struct sb_error *err);
/* Or copy fd's data (its holes stay the RAM's zeroes) into the RAM: private
 * pages from the start, huge where THP allows (no page cache shared). 0 or -errno. */
int mem_load_file(struct vm_mem *m, int fd, struct sb_error *err);

/* The one checked accessor for guest addresses: the host address of
 * [gpa, gpa + len) when the whole range is RAM in one region, else NULL. */
void *gpa_to_hva(const struct vm_mem *m, uint64_t gpa, uint64_t len);

/* Bytes of guest RAM resident in host memory (mincore), into *bytes. 0 or -errno. */
int mem_resident(const struct vm_mem *m, uint64_t *bytes);

/* End of RAM below the hole (exclusive GPA). */
uint64_t mem_low_end(const struct vm_mem *m);

#endif
