/* Model-specific registers, FPU and local APIC as firmware would leave them for the kernel. */
#include <string.h>

#include "msr.h"

unsigned msr_boot_list(struct kvm_msr_entry *e)
{
	static const struct {
		uint32_t index;
		uint64_t value;
	} boot[MSR_BOOT_COUNT] = {
	    {0x174, 0},	     /* SYSENTER_CS */
	    {0x175, 0},	     /* SYSENTER_ESP */
	    {0x176, 0},	     /* SYSENTER_EIP */
	    {0xc0000081, 0}, /* STAR */
	    {0xc0000082, 0}, /* LSTAR */
	    {0xc0000083, 0}, /* CSTAR */
	    {0xc0000084, 0}, /* SYSCALL_MASK */
	    {0xc0000102, 0}, /* KERNEL_GS_BASE */
	    {MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING},
	    {MSR_MTRR_DEF_TYPE, (1u << 11) | 6}, /* MTRRs on, default write-back */
	};

	for (unsigned i = 0; i < MSR_BOOT_COUNT; i++) {
		memset(&e[i], 0, sizeof(e[i]));
		e[i].index = boot[i].index;
		e[i].data = boot[i].value;
	}
	return MSR_BOOT_COUNT;
}

void msr_boot_fpu(struct kvm_fpu *f)
{
	memset(f, 0, sizeof(*f));
	f->fcw = 0x37f;
	f->mxcsr = 0x1f80;
}

static void set_mode(struct kvm_lapic_state *l, unsigned reg, uint32_t mode)
{
	uint32_t v;

	memcpy(&v, &l->regs[reg], 4);
	v = (v & ~0x700u) | mode << 8;
	memcpy(&l->regs[reg], &v, 4);
}

void msr_boot_lapic(struct kvm_lapic_state *l)
{
	set_mode(l, LAPIC_LVT_LINT0, LAPIC_MODE_EXTINT);
	set_mode(l, LAPIC_LVT_LINT1, LAPIC_MODE_NMI);
}
