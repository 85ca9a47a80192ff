/* Model-specific registers, FPU and local APIC as firmware would leave them for the kernel. */
#ifndef SB_VMM_X86_MSR_H
#define SB_VMM_X86_MSR_H

#include <linux/kvm.h>
#include <stdint.h>

#define MSR_BOOT_COUNT 10
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MISC_ENABLE_FAST_STRING 0x1ull
#define MSR_MTRR_DEF_TYPE 0x2ff
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_MODE_NMI 0x4
#define LAPIC_MODE_EXTINT 0x7

/* Fill e with the boot MSR values; returns the count (MSR_BOOT_COUNT). */
unsigned msr_boot_list(struct kvm_msr_entry *e);
/* The FPU after reset: FCW 0x37f, MXCSR 0x1f80. */
void msr_boot_fpu(struct kvm_fpu *f);
/* LINT0 in ExtINT and LINT1 in NMI delivery mode (virtual wire), like a PC BIOS. */
void msr_boot_lapic(struct kvm_lapic_state *l);

#endif
