/* The arch seam for x86_64: kernel loading, boot info and vCPU state through KVM ioctls. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "arch.h"
#include "bootparams.h"
#include "bzimage.h"
#include "cpu.h"
#include "elf.h"
#include "msr.h"
#include "mptable.h"
#include "pvh.h"

int arch_load_kernel(struct vm_mem *m, const uint8_t *img, size_t len, struct kernel_image *k,
		     struct sb_error *err)
{
	memset(k, 0, sizeof(*k));
	if (elf_is_elf(img, len))
		return elf_load(img, len, m, k, err);
	return bzimage_load(img, len, m, k, err);
}

int arch_place_initrd(const struct vm_mem *m, const struct kernel_image *k, uint64_t size,
		      uint64_t *gpa, struct sb_error *err)
{
	return initrd_place(m, k, size, gpa, err);
}

int arch_write_boot_info(struct vm_mem *m, const struct kernel_image *k, const char *cmdline,
			 uint64_t initrd_gpa, uint64_t initrd_size, unsigned ncpus,
			 struct sb_error *err)
{
	int r = cmdline_place(m, k, cmdline, err);
	if (r == 0)
		r = k->kind == KERNEL_BZIMAGE
			? boot_params_build(m, k, initrd_gpa, initrd_size, err)
			: pvh_build(m, initrd_gpa, initrd_size, err);
	if (r == 0)
		r = mptable_write(m, ncpus, err);
	if (r == 0)
		r = cpu_write_tables(m, err);
	return r;
}

int arch_supported_cpuid(int kvm_fd, struct cpuid_table *t, struct sb_error *err)
{
	memset(t, 0, sizeof(*t));
	t->head.nent = CPUID_MAX_ENTRIES;
	if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, t) < 0)
		return error_set(err, errno, "KVM_GET_SUPPORTED_CPUID");
	/* KVM emulates the TSC-deadline timer but does not list it (leaf 1 ECX
	 * bit 24): without it the guest falls back to the PIT and boots slowly,
	 * and many VMs at once starve each other. */
	if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0)
		for (unsigned i = 0; i < t->head.nent && i < CPUID_MAX_ENTRIES; i++)
			if (t->entries[i].function == 1)
				t->entries[i].ecx |= 1u << 24;
	return 0;
}

static int set_msrs(int fd, struct sb_error *err)
{
	struct {
		struct kvm_msrs head;
		struct kvm_msr_entry e[MSR_BOOT_COUNT];
	} msrs;

	memset(&msrs, 0, sizeof(msrs));
	msrs.head.nmsrs = msr_boot_list(msrs.e);
	int n = ioctl(fd, KVM_SET_MSRS, &msrs);
	if (n < 0)
		return error_set(err, errno, "KVM_SET_MSRS");
	if ((unsigned)n != msrs.head.nmsrs)
		return error_set(err, EINVAL, "KVM_SET_MSRS: MSR 0x%x refused", msrs.e[n].index);
	return 0;
}

static int set_lapic_fpu(int fd, struct sb_error *err)
{
	struct kvm_lapic_state lapic;
	struct kvm_fpu fpu;

	if (ioctl(fd, KVM_GET_LAPIC, &lapic) < 0)
		return error_set(err, errno, "KVM_GET_LAPIC");
	msr_boot_lapic(&lapic);
	if (ioctl(fd, KVM_SET_LAPIC, &lapic) < 0)
		return error_set(err, errno, "KVM_SET_LAPIC");
	msr_boot_fpu(&fpu);
	if (ioctl(fd, KVM_SET_FPU, &fpu) < 0)
		return error_set(err, errno, "KVM_SET_FPU");
	return 0;
}

static int set_boot_regs(int fd, const struct kernel_image *k, struct sb_error *err)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(fd, KVM_GET_SREGS, &sregs) < 0)
		return error_set(err, errno, "KVM_GET_SREGS");
	cpu_boot_sregs(&sregs, k->kind);
	if (ioctl(fd, KVM_SET_SREGS, &sregs) < 0)
		return error_set(err, errno, "KVM_SET_SREGS");
	cpu_boot_regs(&regs, k);
	if (ioctl(fd, KVM_SET_REGS, &regs) < 0)
		return error_set(err, errno, "KVM_SET_REGS");
	return 0;
}

int arch_vcpu_cpuid(int vcpu_fd, const struct cpuid_table *supported, unsigned index,
		    unsigned ncpus, struct sb_error *err)
{
	struct cpuid_table *t = malloc(sizeof(*t));

	if (!t)
		return error_set(err, ENOMEM, "cpuid table");
	memcpy(t, supported, sizeof(*t));
	int r = cpuid_filter(t, index, ncpus);
	if (r < 0)
		error_set(err, -r, "CPUID filtering for vCPU %u", index);
	else if (ioctl(vcpu_fd, KVM_SET_CPUID2, t) < 0)
		r = error_set(err, errno, "KVM_SET_CPUID2");
	free(t);
	return r;
}

int arch_vcpu_setup(int vcpu_fd, const struct cpuid_table *supported, unsigned index,
		    unsigned ncpus, const struct kernel_image *k, struct sb_error *err)
{
	int r = arch_vcpu_cpuid(vcpu_fd, supported, index, ncpus, err);
	if (r == 0)
		r = set_msrs(vcpu_fd, err);
	if (r == 0)
		r = set_lapic_fpu(vcpu_fd, err);
	if (r == 0 && index == 0)
		r = set_boot_regs(vcpu_fd, k, err);
	return r;
}
