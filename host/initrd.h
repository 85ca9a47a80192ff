/* The initrd as the VMM lays it out: pieces at 4-byte-aligned offsets, zero padding between. */
#ifndef SB_INITRD_H
#define SB_INITRD_H

#include <stddef.h>

#include "error.h"
#include "vmm.h"

/* Write the concatenation of parts to the file out (for booting the same
 * initrd on another VMM). Returns 0 or a negative errno with err filled. */
int initrd_export(const char *out, const struct vmm_blob *parts, size_t n, struct sb_error *err);

#endif
