/* libFuzzer target: hostile kernel images (bzImage and ELF) through the loaders and the boot-info
 * builders. */
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/bootparams.h"
#include "arch/x86_64/bzimage.h"
#include "arch/x86_64/elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct vm_mem mem;
	struct kernel_image k;
	uint64_t gpa;

	if (!mem.base && mem_create(&mem, 64 << 20, NULL) < 0)
		return 0;
	memset(&k, 0, sizeof(k));
	int r = elf_is_elf(data, len) ? elf_load(data, len, &mem, &k, NULL)
				      : bzimage_load(data, len, &mem, &k, NULL);
	if (r < 0)
		return 0;
	if (initrd_place(&mem, &k, 1 << 20, &gpa, NULL) == 0 &&
	    cmdline_place(&mem, &k, "console=ttyS0", NULL) == 0 && k.kind == KERNEL_BZIMAGE)
		boot_params_build(&mem, &k, gpa, 1 << 20, NULL);
	return 0;
}
