/* Unit tests for boot info: e820 (incl. the 3 GiB hole), command line, initrd placement, zero page,
 * PVH, boot CPU state. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86_64/bootparams.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/pvh.h"

#define MIB (1ull << 20)
#define GIB (1ull << 30)

static struct vm_mem layout(uint64_t size)
{
	struct vm_mem m = {0};
	mem_layout(&m, size);
	return m;
}

static struct kernel_image bz(void)
{
	struct kernel_image k;
	memset(&k, 0, sizeof(k));
	k.kind = KERNEL_BZIMAGE;
	k.entry = LAYOUT_HIMEM + 0x200;
	k.end = 0x1800000;
	k.cmdline_max = 2047;
	k.initrd_max = 0x7fffffff;
	k.hdr.boot_flag = 0xaa55;
	k.hdr.header = 0x53726448;
	k.hdr.version = 0x020f;
	k.hdr.loadflags = LOADED_HIGH | KEEP_SEGMENTS;
	k.hdr_len = sizeof(k.hdr);
	return k;
}

static void test_e820_128m(void **state)
{
	(void)state;
	struct vm_mem m = layout(128 * MIB);
	struct boot_e820_entry t[8];

	assert_int_equal(e820_build(&m, t, 8), 3);
	assert_int_equal(t[0].addr, 0);
	assert_int_equal(t[0].size, 0x9fc00);
	assert_int_equal(t[0].type, E820_TYPE_RAM);
	assert_int_equal(t[1].addr, 0x9fc00);
	assert_int_equal(t[1].addr + t[1].size, 0x100000);
	assert_int_equal(t[1].type, E820_TYPE_RESERVED);
	assert_int_equal(t[2].addr, 0x100000);
	assert_int_equal(t[2].addr + t[2].size, 128 * MIB);
	assert_int_equal(t[2].type, E820_TYPE_RAM);
	/* The MP table lives in reserved memory. */
	assert_true(LAYOUT_MPTABLE >= t[1].addr &&
		    LAYOUT_MPTABLE + 0x1000 <= t[1].addr + t[1].size);
}

static void test_e820_hole(void **state)
{
	(void)state;
	struct vm_mem m = layout(4 * GIB);
	struct boot_e820_entry t[8];

	assert_int_equal(e820_build(&m, t, 8), 4);
	assert_int_equal(t[2].addr + t[2].size, 3 * GIB);
	assert_int_equal(t[3].addr, 4 * GIB);
	assert_int_equal(t[3].size, 1 * GIB);
	assert_int_equal(t[3].type, E820_TYPE_RAM);

	m = layout(3 * GIB); /* exactly fills the low part: nothing above */
	assert_int_equal(e820_build(&m, t, 8), 3);
	assert_int_equal(e820_build(&m, t, 2), 2); /* never more than max */
}

static void test_cmdline(void **state)
{
	(void)state;
	struct vm_mem m;
	struct sb_error err = {0};
	struct kernel_image k = bz();
	char big[4096];

	assert_int_equal(mem_create(&m, 64 * MIB, &err), 0);
	assert_int_equal(cmdline_place(&m, &k, "console=ttyS0 quiet", &err), 0);
	assert_string_equal((char *)gpa_to_hva(&m, LAYOUT_CMDLINE, 1), "console=ttyS0 quiet");

	memset(big, 'a', 2047);
	big[2047] = '\0';
	assert_int_equal(cmdline_place(&m, &k, big, &err), 0); /* exactly cmdline_size */
	memset(big, 'a', 2048);
	big[2048] = '\0';
	assert_int_equal(cmdline_place(&m, &k, big, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "at most 2047"));

	k.cmdline_max = 0xffffffff; /* the kernel's claim is capped by our window */
	static char huge[LAYOUT_CMDLINE_MAX + 1];
	memset(huge, 'b', LAYOUT_CMDLINE_MAX);
	assert_int_equal(cmdline_place(&m, &k, huge, &err), -E2BIG);
	mem_destroy(&m);
}

static void test_initrd_place(void **state)
{
	(void)state;
	struct vm_mem m = layout(128 * MIB);
	struct kernel_image k = bz();
	struct sb_error err = {0};
	uint64_t gpa;

	assert_int_equal(initrd_place(&m, &k, 1000001, &gpa, &err), 0);
	assert_int_equal(gpa % 4096, 0);
	assert_true(gpa + 1000001 <= 128 * MIB);
	assert_true(gpa >= 128 * MIB - 1000001 - 4096);
	assert_true(gpa >= k.end);

	k.initrd_max = 64 * MIB - 1; /* old kernels: below initrd_addr_max */
	assert_int_equal(initrd_place(&m, &k, 4096, &gpa, &err), 0);
	assert_int_equal(gpa, 64 * MIB - 4096);

	k.initrd_max = 0x7fffffff;
	assert_int_equal(initrd_place(&m, &k, 120 * MIB, &gpa, &err), -ENOMEM);
	assert_int_equal(initrd_place(&m, &k, UINT64_MAX, &gpa, &err), -ENOMEM);

	struct vm_mem big = layout(8 * GIB); /* stays below the hole */
	assert_int_equal(initrd_place(&big, &k, 4096, &gpa, &err), 0);
	assert_int_equal(gpa, 0x80000000 - 4096);
	k.initrd_max = 0xffffffff;
	assert_int_equal(initrd_place(&big, &k, 4096, &gpa, &err), 0);
	assert_int_equal(gpa, 3 * GIB - 4096);
}

static void test_zero_page(void **state)
{
	(void)state;
	struct vm_mem m;
	struct sb_error err = {0};
	struct kernel_image k = bz();

	assert_int_equal(mem_create(&m, 128 * MIB, &err), 0);
	memset(gpa_to_hva(&m, LAYOUT_ZERO_PAGE, 4096), 0xcc, 4096);
	assert_int_equal(boot_params_build(&m, &k, 100 * MIB, 12345, &err), 0);
	struct boot_params *bp = gpa_to_hva(&m, LAYOUT_ZERO_PAGE, sizeof(*bp));
	assert_int_equal(bp->hdr.boot_flag, 0xaa55);
	assert_int_equal(bp->hdr.header, 0x53726448);
	assert_int_equal(bp->hdr.type_of_loader, 0xff);
	assert_true(bp->hdr.loadflags & LOADED_HIGH);
	assert_false(bp->hdr.loadflags & KEEP_SEGMENTS);
	assert_int_equal(bp->hdr.cmd_line_ptr, LAYOUT_CMDLINE);
	assert_int_equal(bp->hdr.ramdisk_image, 100 * MIB);
	assert_int_equal(bp->hdr.ramdisk_size, 12345);
	assert_int_equal(bp->e820_entries, 3);
	assert_int_equal(bp->e820_table[2].addr + bp->e820_table[2].size, 128 * MIB);
	assert_int_equal(bp->_pad9[0], 0); /* the rest of the page was cleared */

	k.kind = KERNEL_PVH;
	assert_int_equal(boot_params_build(&m, &k, 0, 0, &err), -EINVAL);
	mem_destroy(&m);
}

static void test_pvh(void **state)
{
	(void)state;
	struct vm_mem m;
	struct sb_error err = {0};

	assert_int_equal(mem_create(&m, 64 * MIB, &err), 0);
	assert_int_equal(pvh_build(&m, 32 * MIB, 777, &err), 0);
	struct hvm_start_info *si = gpa_to_hva(&m, LAYOUT_PVH_INFO, sizeof(*si));
	assert_int_equal(si->magic, PVH_MAGIC);
	assert_int_equal(si->version, 1);
	assert_int_equal(si->cmdline_paddr, LAYOUT_CMDLINE);
	assert_int_equal(si->nr_modules, 1);
	struct hvm_modlist_entry *mod = gpa_to_hva(&m, si->modlist_paddr, sizeof(*mod));
	assert_int_equal(mod->paddr, 32 * MIB);
	assert_int_equal(mod->size, 777);
	assert_int_equal(si->memmap_entries, 3);
	struct hvm_memmap_table_entry *map = gpa_to_hva(&m, si->memmap_paddr, 3 * sizeof(*map));
	assert_int_equal(map[2].addr, LAYOUT_HIMEM);
	assert_int_equal(map[2].addr + map[2].size, 64 * MIB);
	assert_int_equal(map[1].type, E820_TYPE_RESERVED);
	assert_true(si->memmap_paddr + 3 * sizeof(*map) <= LAYOUT_ZERO_PAGE);

	assert_int_equal(pvh_build(&m, 0, 0, &err), 0);
	assert_int_equal(si->nr_modules, 0);
	mem_destroy(&m);
}

static void test_cpu_state(void **state)
{
	(void)state;
	struct vm_mem m;
	struct sb_error err = {0};
	struct kvm_sregs s;
	struct kvm_regs r;
	struct kernel_image k = bz();

	assert_int_equal(mem_create(&m, 64 * MIB, &err), 0);
	assert_int_equal(cpu_write_tables(&m, &err), 0);
	uint64_t *pml4 = gpa_to_hva(&m, LAYOUT_PML4, 8), *pd = gpa_to_hva(&m, LAYOUT_PD, 4 * 4096);
	uint64_t *gdt = gpa_to_hva(&m, LAYOUT_GDT, 48);
	assert_int_equal(pml4[0] & ~0xfffull, LAYOUT_PDPT);
	assert_int_equal(pd[1], (2ull << 20) | 0x83);
	assert_int_equal(pd[2047] & ~0xfffull, 4 * GIB - 2 * MIB); /* 4 GiB identity mapped */
	assert_int_equal((gdt[CPU_SEL_CODE64 / 8] >> 40) & 0xff, 0x9b);
	assert_true(gdt[CPU_SEL_CODE64 / 8] & (1ull << 53)); /* L bit */

	memset(&s, 0, sizeof(s));
	cpu_boot_sregs(&s, KERNEL_BZIMAGE);
	assert_int_equal(s.cs.selector, 0x10);
	assert_int_equal(s.ds.selector, 0x18);
	assert_int_equal(s.cs.l, 1);
	assert_int_equal(s.cr3, LAYOUT_PML4);
	assert_true(s.cr0 & CR0_PG);
	assert_true(s.efer & EFER_LMA);
	cpu_boot_regs(&r, &k);
	assert_int_equal(r.rip, 0x100200);
	assert_int_equal(r.rsi, LAYOUT_ZERO_PAGE);
	assert_int_equal(r.rflags, 2);

	cpu_boot_sregs(&s, KERNEL_PVH);
	assert_int_equal(s.cs.l, 0);
	assert_int_equal(s.cs.db, 1);
	assert_false(s.cr0 & CR0_PG);
	assert_int_equal(s.efer, 0);
	k.kind = KERNEL_PVH;
	k.entry = 0x1000850;
	cpu_boot_regs(&r, &k);
	assert_int_equal(r.rbx, LAYOUT_PVH_INFO);
	assert_int_equal(r.rip, 0x1000850);
	mem_destroy(&m);
}

static void test_msr_fpu_lapic(void **state)
{
	(void)state;
	struct kvm_msr_entry e[MSR_BOOT_COUNT];
	struct kvm_fpu f;
	struct kvm_lapic_state l;
	int misc = 0;

	assert_int_equal(msr_boot_list(e), MSR_BOOT_COUNT);
	for (unsigned i = 0; i < MSR_BOOT_COUNT; i++)
		if (e[i].index == MSR_IA32_MISC_ENABLE && e[i].data == MISC_ENABLE_FAST_STRING)
			misc = 1;
	assert_true(misc);
	msr_boot_fpu(&f);
	assert_int_equal(f.fcw, 0x37f);
	assert_int_equal(f.mxcsr, 0x1f80);
	memset(&l, 0xff, sizeof(l));
	msr_boot_lapic(&l);
	uint32_t v0, v1;
	memcpy(&v0, &l.regs[LAPIC_LVT_LINT0], 4);
	memcpy(&v1, &l.regs[LAPIC_LVT_LINT1], 4);
	assert_int_equal((v0 >> 8) & 7, LAPIC_MODE_EXTINT);
	assert_int_equal((v1 >> 8) & 7, LAPIC_MODE_NMI);
	assert_int_equal(v0 | 0x700, 0xffffffff); /* other bits untouched */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_e820_128m), cmocka_unit_test(test_e820_hole),
	    cmocka_unit_test(test_cmdline),   cmocka_unit_test(test_initrd_place),
	    cmocka_unit_test(test_zero_page), cmocka_unit_test(test_pvh),
	    cmocka_unit_test(test_cpu_state), cmocka_unit_test(test_msr_fpu_lapic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
