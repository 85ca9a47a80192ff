/* ELF vmlinux loader: validated PT_LOAD segments at their physical addresses, PVH entry from the
 * Xen note. */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "elf.h"
#include "layout.h"

int elf_is_elf(const uint8_t *img, size_t len)
{
	return len >= SELFMAG && !memcmp(img, ELFMAG, SELFMAG);
}

static int check_ehdr(const Elf64_Ehdr *eh, size_t len, struct sb_error *err)
{
	if (len < sizeof(*eh) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64 ||
	    eh->e_type != ET_EXEC)
		return error_set(err, EINVAL, "ELF kernel is not a 64-bit x86 executable");
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || !eh->e_phnum || eh->e_phnum > ELF_MAX_PHDRS)
		return error_set(err, EINVAL, "ELF kernel has a bad program header table");
	if (eh->e_phoff > len || (len - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum)
		return error_set(err, EINVAL, "ELF kernel truncated (program headers)");
	return 0;
}

/* Find the PVH entry in one PT_NOTE segment; 1 when found. */
static int find_pvh_note(const uint8_t *p, uint64_t n, uint64_t *entry)
{
	while (n >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		memcpy(&nh, p, sizeof(nh));
		uint64_t name = ((uint64_t)nh.n_namesz + 3) & ~3ull;
		uint64_t desc = ((uint64_t)nh.n_descsz + 3) & ~3ull;
		uint64_t total = sizeof(nh) + name + desc;
		if (total > n)
			return 0;
		const uint8_t *d = p + sizeof(nh) + name;
		if (nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY && nh.n_namesz == 4 &&
		    !memcmp(p + sizeof(nh), "Xen", 4) && (nh.n_descsz == 4 || nh.n_descsz == 8)) {
			uint32_t e;
			memcpy(&e, d, 4); /* low 32 bits either way (little endian) */
			*entry = e;
			return 1;
		}
		p += total;
		n -= total;
	}
	return 0;
}

static int check_load(const Elf64_Phdr *ph, const Elf64_Phdr *all, unsigned i, size_t len,
		      const struct vm_mem *m, struct sb_error *err)
{
	uint64_t fend, mend;

	if (ph->p_filesz > ph->p_memsz ||
	    __builtin_add_overflow(ph->p_offset, ph->p_filesz, &fend) || fend > len)
		return error_set(err, EINVAL, "ELF kernel segment %u is outside the file", i);
	if (ph->p_paddr < LAYOUT_HIMEM || __builtin_add_overflow(ph->p_paddr, ph->p_memsz, &mend) ||
	    !gpa_to_hva(m, ph->p_paddr, ph->p_memsz))
		return error_set(err, ENOMEM,
				 "ELF kernel segment %u (0x%llx + 0x%llx) is outside guest RAM", i,
				 (unsigned long long)ph->p_paddr, (unsigned long long)ph->p_memsz);
	for (unsigned j = 0; j < i; j++) {
		const Elf64_Phdr *o = &all[j];
		if (o->p_type == PT_LOAD && ph->p_paddr < o->p_paddr + o->p_memsz &&
		    o->p_paddr < mend && ph->p_memsz && o->p_memsz)
			return error_set(err, EINVAL, "ELF kernel segments %u and %u overlap", j,
					 i);
	}
	return 0;
}

int elf_load(const uint8_t *img, size_t len, struct vm_mem *m, struct kernel_image *k,
	     struct sb_error *err)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[ELF_MAX_PHDRS];
	uint64_t entry = 0, end = LAYOUT_HIMEM;
	int have_entry = 0;

	if (len < sizeof(eh) || !elf_is_elf(img, len))
		return error_set(err, EINVAL, "not an ELF file");
	memcpy(&eh, img, sizeof(eh));
	int r = check_ehdr(&eh, len, err);
	if (r < 0)
		return r;
	memcpy(ph, img + eh.e_phoff, eh.e_phnum * sizeof(Elf64_Phdr));
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_NOTE && ph[i].p_offset <= len &&
		    ph[i].p_filesz <= len - ph[i].p_offset && !have_entry)
			have_entry = find_pvh_note(img + ph[i].p_offset, ph[i].p_filesz, &entry);
		if (ph[i].p_type != PT_LOAD)
			continue;
		r = check_load(&ph[i], ph, i, len, m, err);
		if (r < 0)
			return r;
		if (ph[i].p_paddr + ph[i].p_memsz > end)
			end = ph[i].p_paddr + ph[i].p_memsz;
	}
	if (!have_entry)
		return error_set(err, EINVAL,
				 "ELF kernel has no PVH entry note (build it with CONFIG_PVH=y "
				 "or boot the bzImage)");
	if (!gpa_to_hva(m, entry, 1))
		return error_set(err, EINVAL, "ELF kernel PVH entry 0x%llx is outside guest RAM",
				 (unsigned long long)entry);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		uint8_t *dst = gpa_to_hva(m, ph[i].p_paddr, ph[i].p_memsz);
		memcpy(dst, img + ph[i].p_offset, ph[i].p_filesz);
		memset(dst + ph[i].p_filesz, 0, ph[i].p_memsz - ph[i].p_filesz);
	}
	memset(&k->hdr, 0, sizeof(k->hdr));
	k->hdr_len = 0;
	k->kind = KERNEL_PVH;
	k->entry = entry;
	k->end = end;
	k->initrd_max = mem_low_end(m) - 1;
	k->cmdline_max = 2047; /* x86 COMMAND_LINE_SIZE - 1 */
	return 0;
}
