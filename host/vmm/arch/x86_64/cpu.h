/* Boot CPU state: identity page tables, GDT, segment/control registers for 64-bit and PVH entry. */
#ifndef SB_VMM_X86_CPU_H
#define SB_VMM_X86_CPU_H

#include <linux/kvm.h>

#include "error.h"
#include "kernel.h"
#include "memory.h"

#define CPU_SEL_CODE32 0x08
#define CPU_SEL_CODE64 0x10 /* __BOOT_CS */
#define CPU_SEL_DATA 0x18   /* __BOOT_DS */
#define CPU_SEL_TSS 0x20
#define CPU_GDT_ENTRIES 6  /* null, code32, code64, data, 16-byte TSS */
#define CPU_IDENTITY_GIB 4 /* page tables map [0, 4 GiB) with 2 MiB pages */

#define CR0_PE 0x1ull
#define CR0_ET 0x10ull
#define CR0_NE 0x20ull
#define CR0_PG 0x80000000ull
#define CR4_PAE 0x20ull
#define EFER_LME 0x100ull
#define EFER_LMA 0x400ull

/* Write the GDT, an empty IDT and the identity page tables (layout.h). */
int cpu_write_tables(struct vm_mem *m, struct sb_error *err);
/* Set s up for the kernel's entry (64-bit long mode for bzImage, 32-bit
 * protected mode without paging for PVH); other fields are left alone. */
void cpu_boot_sregs(struct kvm_sregs *s, enum kernel_kind kind);
/* General registers at entry: RIP, RSI = boot_params (bzImage) or
 * RBX = hvm_start_info (PVH), a stack, RFLAGS = 2. */
void cpu_boot_regs(struct kvm_regs *r, const struct kernel_image *k);

#endif
