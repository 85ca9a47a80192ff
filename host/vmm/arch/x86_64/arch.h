/* The arch seam: everything the generic VMM asks of x86_64 (kernel, boot info, vCPU state). */
#ifndef SB_VMM_ARCH_H
#define SB_VMM_ARCH_H

#include <stddef.h>
#include <stdint.h>

#include "cpuid.h"
#include "error.h"
#include "kernel.h"
#include "memory.h"

/* Load a bzImage or an ELF vmlinux (PVH) from img into guest memory. */
int arch_load_kernel(struct vm_mem *m, const uint8_t *img, size_t len, struct kernel_image *k,
		     struct sb_error *err);
/* Where an initrd of size bytes goes (0 when size is 0). */
int arch_place_initrd(const struct vm_mem *m, const struct kernel_image *k, uint64_t size,
		      uint64_t *gpa, struct sb_error *err);
/* Command line, zero page or PVH start info, MP table, GDT and page tables. */
int arch_write_boot_info(struct vm_mem *m, const struct kernel_image *k, const char *cmdline,
			 uint64_t initrd_gpa, uint64_t initrd_size, unsigned ncpus,
			 struct sb_error *err);
/* KVM_GET_SUPPORTED_CPUID into t. */
int arch_supported_cpuid(int kvm_fd, struct cpuid_table *t, struct sb_error *err);
/* The CPUID of vCPU index of ncpus (KVM_SET_CPUID2): all a restored vCPU
 * needs before its saved state goes back. */
int arch_vcpu_cpuid(int vcpu_fd, const struct cpuid_table *supported, unsigned index,
		    unsigned ncpus, struct sb_error *err);
/* CPUID, MSRs, FPU, LAPIC for every vCPU; boot registers on the BSP (index 0). */
int arch_vcpu_setup(int vcpu_fd, const struct cpuid_table *supported, unsigned index,
		    unsigned ncpus, const struct kernel_image *k, struct sb_error *err);

#endif
