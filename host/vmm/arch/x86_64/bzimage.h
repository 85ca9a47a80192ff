/* bzImage loader: the 64-bit boot protocol of Linux Documentation/x86/boot.rst. */
#ifndef SB_VMM_X86_BZIMAGE_H
#define SB_VMM_X86_BZIMAGE_H

#include "error.h"
#include "kernel.h"
#include "memory.h"

#define BZIMAGE_MIN_VERSION 0x020c /* 2.12: xloadflags, 64-bit entry */

/* Validate the setup header of img (len bytes) and fill k (kind, entry, hdr,
 * limits; k->end assumes the load at LAYOUT_HIMEM). Nothing is written to
 * guest memory. 0 or -EINVAL with a message naming what is wrong. */
int bzimage_parse(const uint8_t *img, size_t len, struct kernel_image *k, struct sb_error *err);

/* bzimage_parse, then copy the protected-mode kernel to LAYOUT_HIMEM. */
int bzimage_load(const uint8_t *img, size_t len, struct vm_mem *m, struct kernel_image *k,
		 struct sb_error *err);

#endif
