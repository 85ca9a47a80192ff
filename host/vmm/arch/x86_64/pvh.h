/* PVH boot information (Xen's hvm_start_info) for an ELF kernel entered at its PHYS32 entry. */
#ifndef SB_VMM_X86_PVH_H
#define SB_VMM_X86_PVH_H

#include <stdint.h>

#include "error.h"
#include "memory.h"

#define PVH_MAGIC 0x336ec578u
#define PVH_MAX_MEMMAP 8

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

/* Write hvm_start_info (version 1) at LAYOUT_PVH_INFO with the command line
 * at LAYOUT_CMDLINE (already placed), the initrd as module 0 when size > 0
 * and the e820 map. 0 or -errno. */
int pvh_build(struct vm_mem *m, uint64_t initrd_gpa, uint64_t initrd_size, struct sb_error *err);

#endif
