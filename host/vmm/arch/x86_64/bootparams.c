/* Boot information for the guest kernel: e820 map, command line, initrd placement, zero page. */
#include <errno.h>
#include <string.h>

#include "bootparams.h"
#include "layout.h"

static unsigned add(struct boot_e820_entry *tab, unsigned n, unsigned max, uint64_t addr,
		    uint64_t size, uint32_t type)
{
	if (n < max && size) {
		tab[n].addr = addr;
		tab[n].size = size;
		tab[n].type = type;
		n++;
	}
	return n;
}

unsigned e820_build(const struct vm_mem *m, struct boot_e820_entry *tab, unsigned max)
{
	unsigned n = 0;
	uint64_t low = mem_low_end(m);

	n = add(tab, n, max, 0, LAYOUT_EBDA, E820_TYPE_RAM);
	n = add(tab, n, max, LAYOUT_EBDA, LAYOUT_HIMEM - LAYOUT_EBDA, E820_TYPE_RESERVED);
	if (low > LAYOUT_HIMEM)
		n = add(tab, n, max, LAYOUT_HIMEM, low - LAYOUT_HIMEM, E820_TYPE_RAM);
	n = add(tab, n, max, MEM_HOLE_END, m->size - low, E820_TYPE_RAM);
	return n;
}

int cmdline_place(struct vm_mem *m, const struct kernel_image *k, const char *cmdline,
		  struct sb_error *err)
{
	size_t len = strlen(cmdline);
	uint64_t max =
	    k->cmdline_max < LAYOUT_CMDLINE_MAX - 1 ? k->cmdline_max : LAYOUT_CMDLINE_MAX - 1;

	if (len > max)
		return error_set(
		    err, E2BIG,
		    "kernel command line too long (%zu bytes, the kernel takes at most %llu)", len,
		    (unsigned long long)max);
	char *dst = gpa_to_hva(m, LAYOUT_CMDLINE, len + 1);
	if (!dst)
		return error_set(err, ENOMEM, "no guest memory for the command line");
	memcpy(dst, cmdline, len + 1);
	return 0;
}

int initrd_place(const struct vm_mem *m, const struct kernel_image *k, uint64_t size, uint64_t *gpa,
		 struct sb_error *err)
{
	uint64_t top = mem_low_end(m);

	if (k->initrd_max < top - 1)
		top = k->initrd_max + 1;
	top &= ~0xfffull;
	if (!size) {
		*gpa = 0;
		return 0;
	}
	if (size > top || ((top - size) & ~0xfffull) < k->end)
		return error_set(
		    err, ENOMEM,
		    "guest memory too small for kernel + initramfs (%llu MiB initramfs, "
		    "kernel needs %llu MiB)",
		    (unsigned long long)(size >> 20), (unsigned long long)(k->end >> 20));
	*gpa = (top - size) & ~0xfffull;
	return 0;
}

int boot_params_build(struct vm_mem *m, const struct kernel_image *k, uint64_t initrd_gpa,
		      uint64_t initrd_size, struct sb_error *err)
{
	struct boot_params *bp = gpa_to_hva(m, LAYOUT_ZERO_PAGE, sizeof(*bp));

	if (!bp || k->kind != KERNEL_BZIMAGE)
		return error_set(err, EINVAL, "cannot build boot_params");
	if (initrd_gpa + initrd_size > (1ull << 32))
		return error_set(err, EINVAL, "initrd above 4 GiB");
	memset(bp, 0, sizeof(*bp));
	memcpy(&bp->hdr, &k->hdr, k->hdr_len);
	bp->hdr.type_of_loader = 0xff;
	bp->hdr.loadflags |= CAN_USE_HEAP;
	bp->hdr.loadflags &= (uint8_t)~KEEP_SEGMENTS;
	bp->hdr.heap_end_ptr = 0xfe00;
	bp->hdr.cmd_line_ptr = (uint32_t)LAYOUT_CMDLINE;
	bp->ext_cmd_line_ptr = 0;
	bp->hdr.ramdisk_image = (uint32_t)initrd_gpa;
	bp->hdr.ramdisk_size = (uint32_t)initrd_size;
	bp->hdr.code32_start = (uint32_t)LAYOUT_HIMEM;
	bp->e820_entries = (uint8_t)e820_build(m, bp->e820_table, E820_MAX_ENTRIES_ZEROPAGE);
	return 0;
}
