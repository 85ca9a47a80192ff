/* What a kernel loader leaves behind for the boot-info builders and the vCPU setup. */
#ifndef SB_VMM_X86_KERNEL_H
#define SB_VMM_X86_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include <asm/bootparam.h>

enum kernel_kind { KERNEL_BZIMAGE = 1, KERNEL_PVH };

struct kernel_image {
	enum kernel_kind kind;
	uint64_t entry; /* bzImage: 64-bit entry (RIP); PVH: 32-bit entry (EIP) */
	uint64_t end;	/* first GPA above everything the kernel claims (incl. init_size) */
	/* bzImage only: the setup header as found in the image, and its length. */
	struct setup_header hdr;
	size_t hdr_len;
	uint64_t initrd_max;  /* highest GPA the initrd may occupy (inclusive) */
	uint64_t cmdline_max; /* longest command line the kernel takes, without the NUL */
};

#endif
