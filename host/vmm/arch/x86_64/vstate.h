/* x86_64 KVM state of a paused VM and its vCPUs, saved to and restored from snapshot records. */
#ifndef SB_VMM_X86_VSTATE_H
#define SB_VMM_X86_VSTATE_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "snapstate.h"

/* The most MSRs one vCPU record holds; a longer list is refused both ways. */
#define VSTATE_MSR_MAX 512
/* Room for everything vstate_host_id writes. */
#define VSTATE_HOST_ID_MAX 512

/* Everything KVM holds for one paused vCPU (out of KVM_RUN), appended to w:
 * TSC kHz, MP_STATE, REGS, SREGS, XSAVE, XCRS, DEBUGREGS, LAPIC, MSRs, VCPU_EVENTS.
 * kvm_fd is /dev/kvm (MSR index lists, capabilities). 0 or -errno. */
int vstate_save_vcpu(int kvm_fd, int vcpu_fd, struct snap_w *w, struct sb_error *err);
/* One guest TSC for every vCPU of a restore; start with it zeroed. */
struct vstate_tsc {
	int have;	 /* offset is set (by the first vCPU restored) */
	uint64_t offset; /* KVM_VCPU_TSC_OFFSET that continues the saved TSC */
};

/* The same back, in that order, on a fresh vCPU whose CPUID is already set
 * (and with the VM's memory slots registered: some PV MSRs point into guest
 * RAM); then KVM_KVMCLOCK_CTRL. Scales the TSC (KVM_SET_TSC_KHZ) when the
 * host's rate differs, or fails. 0 or -errno; a damaged record is -EINVAL. */
int vstate_restore_vcpu(int kvm_fd, int vcpu_fd, struct snap_r *r, struct vstate_tsc *tsc,
			struct sb_error *err);

/* Per VM: PIT2, the PIC master, PIC slave and IOAPIC, KVM_GET_CLOCK. 0 or -errno. */
int vstate_save_vm(int vm_fd, struct snap_w *w, struct sb_error *err);
/* The same back on a fresh VM with its irqchip and PIT created; the clock
 * continues from the saved value (no REALTIME/HOST_TSC flags). 0 or -errno. */
int vstate_restore_vm(int vm_fd, struct snap_r *r, struct sb_error *err);

/* What of this host a snapshot depends on, as bytes to hash into its key:
 * the host CPU (vendor, family/model/stepping, feature leaves 1/7/0xd and
 * 0x80000001), a digest of KVM_GET_SUPPORTED_CPUID without per-CPU fields,
 * the kernel release, KVM's API version and the capabilities used here, the
 * XSAVE size and, when vcpu_fd >= 0, the vCPU's TSC kHz (use the same
 * choice every time). Writes up to max bytes; returns the length used. */
size_t vstate_host_id(int kvm_fd, int vcpu_fd, uint8_t *out, size_t max);

/* Pure helpers, for the unit test. */

/* Filter KVM's MSR index list in place to the ones a snapshot saves: drops
 * Hyper-V synthetic MSRs, VMX capability MSRs, any index in skip (the feature
 * MSRs, which describe the host and are set by KVM itself) and duplicates;
 * keeps KVM's order but moves MSR_IA32_TSC_DEADLINE to the end, after
 * MSR_IA32_TSC. Returns the new count. */
size_t vstate_msr_select(uint32_t *idx, size_t n, const uint32_t *skip, size_t nskip);
/* A saved MSR list as KVM_SET_MSRS may take it: n <= VSTATE_MSR_MAX, reserved
 * fields zero, no index twice, TSC_DEADLINE after TSC. 0, or -EINVAL with
 * the offending index in *bad. */
int vstate_msr_check(const struct kvm_msr_entry *e, size_t n, uint32_t *bad);
/* A TSC_DEADLINE of 0 becomes the saved TSC, so a timer that fired just
 * before the snapshot fires again after the restore instead of being lost
 * (KVM ignores the value when the LAPIC timer is not in deadline mode). */
void vstate_msr_fix_deadline(struct kvm_msr_entry *e, size_t n);
/* Nonzero when a host at have kHz runs a snapshot's TSC of want kHz without
 * scaling: within 250 ppm, KVM's own tolerance. */
int vstate_tsc_khz_close(uint32_t want, uint32_t have);

#endif
