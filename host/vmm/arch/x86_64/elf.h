/* ELF vmlinux loader: PT_LOAD segments at their physical addresses, entry from the PVH note. */
#ifndef SB_VMM_X86_ELF_H
#define SB_VMM_X86_ELF_H

#include "error.h"
#include "kernel.h"
#include "memory.h"

#define ELF_MAX_PHDRS 64
#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* Nonzero when img starts with the ELF magic. */
int elf_is_elf(const uint8_t *img, size_t len);

/* Load a 64-bit x86 ELF kernel: every PT_LOAD at p_paddr (>= 1 MiB, in RAM,
 * no overlaps, p_filesz <= p_memsz, inside the file), entry from the note
 * Xen/XEN_ELFNOTE_PHYS32_ENTRY. Fills k (kind KERNEL_PVH). 0 or -errno. */
int elf_load(const uint8_t *img, size_t len, struct vm_mem *m, struct kernel_image *k,
	     struct sb_error *err);

#endif
