/* Boot CPU state: identity page tables, GDT, segment/control registers for 64-bit and PVH entry. */
#include <errno.h>
#include <string.h>

#include "cpu.h"
#include "layout.h"

#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_PS 0x80ull

int cpu_write_tables(struct vm_mem *m, struct sb_error *err)
{
	static const uint64_t gdt[CPU_GDT_ENTRIES] = {
	    0,
	    0x00cf9b000000ffffull, /* 0x08: 32-bit code, flat */
	    0x00af9b000000ffffull, /* 0x10: 64-bit code */
	    0x00cf93000000ffffull, /* 0x18: data, flat */
	    0x00008b0000000067ull, /* 0x20: busy TSS at 0, 104 bytes (low half) */
	    0,			   /* TSS high half: base 63:32 */
	};
	uint64_t *g = gpa_to_hva(m, LAYOUT_GDT, sizeof(gdt));
	uint64_t *idt = gpa_to_hva(m, LAYOUT_IDT, 8);
	uint64_t *pml4 = gpa_to_hva(m, LAYOUT_PML4, 4096);
	uint64_t *pdpt = gpa_to_hva(m, LAYOUT_PDPT, 4096);
	uint64_t *pd = gpa_to_hva(m, LAYOUT_PD, 4096 * CPU_IDENTITY_GIB);

	if (!g || !idt || !pml4 || !pdpt || !pd)
		return error_set(err, ENOMEM, "no guest memory for boot page tables");
	memcpy(g, gdt, sizeof(gdt));
	*idt = 0;
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = LAYOUT_PDPT | PTE_P | PTE_RW;
	for (uint64_t i = 0; i < CPU_IDENTITY_GIB; i++)
		pdpt[i] = (LAYOUT_PD + i * 4096) | PTE_P | PTE_RW;
	for (uint64_t i = 0; i < 512 * CPU_IDENTITY_GIB; i++)
		pd[i] = (i << 21) | PTE_P | PTE_RW | PTE_PS;
	return 0;
}

static struct kvm_segment flat(uint16_t sel, uint8_t type, uint8_t l)
{
	struct kvm_segment s = {
	    .base = 0,
	    .limit = 0xffffffff,
	    .selector = sel,
	    .type = type,
	    .present = 1,
	    .dpl = 0,
	    .db = l ? 0 : 1,
	    .s = 1,
	    .l = l,
	    .g = 1,
	};
	return s;
}

void cpu_boot_sregs(struct kvm_sregs *s, enum kernel_kind kind)
{
	int long_mode = kind == KERNEL_BZIMAGE;

	s->cs = long_mode ? flat(CPU_SEL_CODE64, 0xb, 1) : flat(CPU_SEL_CODE32, 0xb, 0);
	s->ds = s->es = s->fs = s->gs = s->ss = flat(CPU_SEL_DATA, 0x3, 0);
	memset(&s->tr, 0, sizeof(s->tr));
	s->tr.selector = CPU_SEL_TSS;
	s->tr.limit = 0x67;
	s->tr.type = 0xb; /* busy TSS (64-bit in long mode, 32-bit otherwise) */
	s->tr.present = 1;
	s->gdt.base = LAYOUT_GDT;
	s->gdt.limit = CPU_GDT_ENTRIES * 8 - 1;
	s->idt.base = LAYOUT_IDT;
	s->idt.limit = 7;
	if (long_mode) {
		s->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
		s->cr3 = LAYOUT_PML4;
		s->cr4 = CR4_PAE;
		s->efer = EFER_LME | EFER_LMA;
	} else {
		s->cr0 = CR0_PE | CR0_ET;
		s->cr3 = 0;
		s->cr4 = 0;
		s->efer = 0;
	}
}

void cpu_boot_regs(struct kvm_regs *r, const struct kernel_image *k)
{
	memset(r, 0, sizeof(*r));
	r->rflags = 0x2;
	r->rip = k->entry;
	r->rsp = r->rbp = LAYOUT_BOOT_STACK;
	if (k->kind == KERNEL_BZIMAGE)
		r->rsi = LAYOUT_ZERO_PAGE;
	else
		r->rbx = LAYOUT_PVH_INFO;
}
