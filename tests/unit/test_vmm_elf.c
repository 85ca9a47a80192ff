/* Unit tests for the ELF vmlinux (PVH) loader, valid and hostile. */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86_64/elf.h"
#include "arch/x86_64/layout.h"

#define MIB (1ull << 20)
#define SEG_OFF 0x1000
#define SEG_FILESZ 0x800
#define NOTE_OFF 0x3000

struct img {
	uint8_t buf[0x4000];
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph; /* [0] LOAD text, [1] LOAD data (bss), [2] NOTE */
};

static void make(struct img *im, uint32_t entry)
{
	memset(im->buf, 0, sizeof(im->buf));
	im->eh = (Elf64_Ehdr *)im->buf;
	im->ph = (Elf64_Phdr *)(im->buf + sizeof(Elf64_Ehdr));
	memcpy(im->eh->e_ident, ELFMAG, SELFMAG);
	im->eh->e_ident[EI_CLASS] = ELFCLASS64;
	im->eh->e_ident[EI_DATA] = ELFDATA2LSB;
	im->eh->e_type = ET_EXEC;
	im->eh->e_machine = EM_X86_64;
	im->eh->e_phoff = sizeof(Elf64_Ehdr);
	im->eh->e_phentsize = sizeof(Elf64_Phdr);
	im->eh->e_phnum = 3;
	im->ph[0] = (Elf64_Phdr){.p_type = PT_LOAD,
				 .p_offset = SEG_OFF,
				 .p_paddr = 16 * MIB,
				 .p_filesz = SEG_FILESZ,
				 .p_memsz = SEG_FILESZ};
	im->ph[1] = (Elf64_Phdr){.p_type = PT_LOAD,
				 .p_offset = SEG_OFF + SEG_FILESZ,
				 .p_paddr = 20 * MIB,
				 .p_filesz = 0x10,
				 .p_memsz = 0x2000};
	for (unsigned i = 0; i < SEG_FILESZ + 0x10; i++)
		im->buf[SEG_OFF + i] = (uint8_t)(i + 1);
	/* Two notes: an unrelated one, then Xen PHYS32_ENTRY with an 8-byte desc. */
	uint8_t *n = im->buf + NOTE_OFF;
	Elf64_Nhdr a = {.n_namesz = 6, .n_descsz = 3, .n_type = 1};
	memcpy(n, &a, sizeof(a));
	memcpy(n + 12, "Linux", 6);
	n += 12 + 8 + 4;
	Elf64_Nhdr x = {.n_namesz = 4, .n_descsz = 8, .n_type = XEN_ELFNOTE_PHYS32_ENTRY};
	memcpy(n, &x, sizeof(x));
	memcpy(n + 12, "Xen", 4);
	uint64_t e = entry;
	memcpy(n + 16, &e, 8);
	im->ph[2] = (Elf64_Phdr){.p_type = PT_NOTE,
				 .p_offset = NOTE_OFF,
				 .p_filesz = (uint64_t)(n + 24 - (im->buf + NOTE_OFF))};
}

static struct vm_mem mem;

static int setup(void **state)
{
	(void)state;
	return mem_create(&mem, 64 * MIB, NULL);
}

static int teardown(void **state)
{
	(void)state;
	mem_destroy(&mem);
	return 0;
}

static void test_valid(void **state)
{
	(void)state;
	struct img im;
	struct kernel_image k;
	struct sb_error err = {0};

	make(&im, 16 * MIB + 0x40);
	memset(gpa_to_hva(&mem, 20 * MIB, 0x2000), 0xee, 0x2000); /* bss must be cleared */
	assert_true(elf_is_elf(im.buf, sizeof(im.buf)));
	assert_int_equal(elf_load(im.buf, sizeof(im.buf), &mem, &k, &err), 0);
	assert_int_equal(k.kind, KERNEL_PVH);
	assert_int_equal(k.entry, 16 * MIB + 0x40);
	assert_int_equal(k.end, 20 * MIB + 0x2000);
	assert_memory_equal(gpa_to_hva(&mem, 16 * MIB, SEG_FILESZ), im.buf + SEG_OFF, SEG_FILESZ);
	uint8_t *bss = gpa_to_hva(&mem, 20 * MIB, 0x2000);
	assert_int_equal(bss[0], im.buf[SEG_OFF + SEG_FILESZ]);
	assert_int_equal(bss[0x10], 0);
	assert_int_equal(bss[0x1fff], 0);
}

static void expect(struct img *im, int code, const char *what)
{
	struct kernel_image k;
	struct sb_error err = {0};

	assert_int_equal(elf_load(im->buf, sizeof(im->buf), &mem, &k, &err), code);
	assert_non_null(strstr(err.msg, what));
}

static void test_hostile(void **state)
{
	(void)state;
	struct img im;

	make(&im, 16 * MIB);
	im.eh->e_ident[EI_CLASS] = ELFCLASS32;
	expect(&im, -EINVAL, "64-bit");

	make(&im, 16 * MIB);
	im.eh->e_phnum = 1000;
	expect(&im, -EINVAL, "program header");

	make(&im, 16 * MIB);
	im.eh->e_phoff = sizeof(im.buf) - 8;
	expect(&im, -EINVAL, "truncated");

	make(&im, 16 * MIB);
	im.ph[0].p_paddr = 64 * MIB - 0x400; /* runs past the end of RAM */
	expect(&im, -ENOMEM, "outside guest RAM");

	make(&im, 16 * MIB);
	im.ph[0].p_paddr = 0x7000; /* would overwrite the zero page */
	expect(&im, -ENOMEM, "outside guest RAM");

	make(&im, 16 * MIB);
	im.ph[0].p_paddr = UINT64_MAX - 0x100;
	expect(&im, -ENOMEM, "outside guest RAM");

	make(&im, 16 * MIB);
	im.ph[0].p_filesz = 0xffffffffffff0000ull;
	expect(&im, -EINVAL, "outside the file");

	make(&im, 16 * MIB);
	im.ph[0].p_filesz = im.ph[0].p_memsz + 1;
	expect(&im, -EINVAL, "outside the file");

	make(&im, 16 * MIB);
	im.ph[0].p_offset = UINT64_MAX - 4;
	expect(&im, -EINVAL, "outside the file");

	make(&im, 16 * MIB);
	im.ph[1].p_paddr = 16 * MIB + 0x400; /* overlaps segment 0 */
	expect(&im, -EINVAL, "overlap");

	make(&im, 16 * MIB);
	im.ph[2].p_type = PT_NULL; /* no PVH note */
	expect(&im, -EINVAL, "PVH");

	make(&im, 16 * MIB);
	im.ph[2].p_filesz = 1u << 30; /* note segment beyond the file: ignored, so no entry */
	expect(&im, -EINVAL, "PVH");

	make(&im, 16 * MIB);
	((Elf64_Nhdr *)(im.buf + NOTE_OFF))->n_namesz = 0xfffffff0; /* runaway note */
	expect(&im, -EINVAL, "PVH");

	make(&im, 100 * MIB); /* entry outside RAM */
	expect(&im, -EINVAL, "entry");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
