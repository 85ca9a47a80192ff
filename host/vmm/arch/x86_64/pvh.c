/* PVH boot information (Xen's hvm_start_info): command line, initrd module, memory map. */
#include <errno.h>
#include <string.h>

#include "bootparams.h"
#include "layout.h"
#include "pvh.h"

int pvh_build(struct vm_mem *m, uint64_t initrd_gpa, uint64_t initrd_size, struct sb_error *err)
{
	uint64_t mod_gpa = LAYOUT_PVH_INFO + sizeof(struct hvm_start_info);
	uint64_t map_gpa = mod_gpa + sizeof(struct hvm_modlist_entry);
	uint64_t total = map_gpa + PVH_MAX_MEMMAP * sizeof(struct hvm_memmap_table_entry);
	struct boot_e820_entry e820[PVH_MAX_MEMMAP];

	if (total > LAYOUT_ZERO_PAGE)
		return error_set(err, EINVAL, "PVH info does not fit");
	struct hvm_start_info *si = gpa_to_hva(m, LAYOUT_PVH_INFO, sizeof(*si));
	struct hvm_modlist_entry *mod = gpa_to_hva(m, mod_gpa, sizeof(*mod));
	struct hvm_memmap_table_entry *map = gpa_to_hva(m, map_gpa, PVH_MAX_MEMMAP * sizeof(*map));
	if (!si || !mod || !map)
		return error_set(err, ENOMEM, "no guest memory for PVH info");
	memset(si, 0, total - LAYOUT_PVH_INFO);
	si->magic = PVH_MAGIC;
	si->version = 1;
	si->cmdline_paddr = LAYOUT_CMDLINE;
	if (initrd_size) {
		mod->paddr = initrd_gpa;
		mod->size = initrd_size;
		si->nr_modules = 1;
		si->modlist_paddr = mod_gpa;
	}
	unsigned n = e820_build(m, e820, PVH_MAX_MEMMAP);
	for (unsigned i = 0; i < n; i++) {
		map[i].addr = e820[i].addr;
		map[i].size = e820[i].size;
		map[i].type = e820[i].type;
	}
	si->memmap_paddr = map_gpa;
	si->memmap_entries = n;
	return 0;
}
