/* Boot information for the guest kernel: e820 map, command line, initrd placement, zero page. */
#ifndef SB_VMM_X86_BOOTPARAMS_H
#define SB_VMM_X86_BOOTPARAMS_H

#include "error.h"
#include "kernel.h"
#include "memory.h"

#define E820_TYPE_RAM 1
#define E820_TYPE_RESERVED 2

/* The guest's memory map: usable [0, EBDA), reserved [EBDA, 1 MiB), usable
 * 1 MiB..end of low RAM, usable from 4 GiB for RAM above the hole. Returns
 * the number of entries written (at most max). */
unsigned e820_build(const struct vm_mem *m, struct boot_e820_entry *tab, unsigned max);

/* Copy cmdline to LAYOUT_CMDLINE; fails when longer than k->cmdline_max or the window. */
int cmdline_place(struct vm_mem *m, const struct kernel_image *k, const char *cmdline,
		  struct sb_error *err);

/* Choose where size bytes of initrd go: page-aligned, as high as allowed
 * (k->initrd_max, end of low RAM), above k->end. 0 and *gpa, or -ENOMEM. */
int initrd_place(const struct vm_mem *m, const struct kernel_image *k, uint64_t size, uint64_t *gpa,
		 struct sb_error *err);

/* Write struct boot_params at LAYOUT_ZERO_PAGE for a bzImage (command line already placed). */
int boot_params_build(struct vm_mem *m, const struct kernel_image *k, uint64_t initrd_gpa,
		      uint64_t initrd_size, struct sb_error *err);

#endif
