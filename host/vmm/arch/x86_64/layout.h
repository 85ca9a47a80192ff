/* Where the x86_64 boot code puts things in guest physical memory. */
#ifndef SB_VMM_X86_LAYOUT_H
#define SB_VMM_X86_LAYOUT_H

#define LAYOUT_GDT 0x500ull	   /* boot GDT (5 entries) */
#define LAYOUT_IDT 0x540ull	   /* empty boot IDT */
#define LAYOUT_PVH_INFO 0x6000ull  /* hvm_start_info + module list + memory map (PVH) */
#define LAYOUT_ZERO_PAGE 0x7000ull /* struct boot_params */
#define LAYOUT_BOOT_STACK 0x8ff0ull
#define LAYOUT_PML4 0x9000ull
#define LAYOUT_PDPT 0xa000ull
#define LAYOUT_PD 0xb000ull /* 4 page directories: first 4 GiB in 2 MiB pages */
#define LAYOUT_CMDLINE 0x20000ull
#define LAYOUT_CMDLINE_MAX 0x10000ull /* bytes including the NUL */
#define LAYOUT_EBDA 0x9fc00ull	      /* e820: usable below, reserved from here to 1 MiB */
#define LAYOUT_MPTABLE 0xf0000ull     /* MP floating pointer + config table (BIOS area) */
#define LAYOUT_MPTABLE_MAX 0x10000ull
#define LAYOUT_HIMEM 0x100000ull /* kernel load address */

/* KVM's private pages, in the 32-bit MMIO hole. */
#define LAYOUT_KVM_IDENTITY_MAP 0xfffbc000ull
#define LAYOUT_KVM_TSS 0xfffbd000ull
#define LAYOUT_IOAPIC 0xfec00000ull
#define LAYOUT_LAPIC 0xfee00000ull

#endif
