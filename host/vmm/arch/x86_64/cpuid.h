/* CPUID for each vCPU: KVM's supported table with topology, hypervisor leaves and masked features.
 */
#ifndef SB_VMM_X86_CPUID_H
#define SB_VMM_X86_CPUID_H

#include <linux/kvm.h>
#include <stdint.h>

#define CPUID_MAX_ENTRIES 256

/* A kvm_cpuid2 with room for CPUID_MAX_ENTRIES entries. */
struct cpuid_table {
	struct kvm_cpuid2 head;
	struct kvm_cpuid_entry2 entries[CPUID_MAX_ENTRIES];
};

/* Rewrite t (a copy of KVM_GET_SUPPORTED_CPUID) for vCPU index of ncpus, one
 * thread per core, all cores in one package, APIC id = index: leaf 1 APIC id
 * and counts + hypervisor bit, leaves 4/0xB/0x1F/0x8000001E topology,
 * MONITOR/MWAIT (leaf 1 ECX, leaf 5) and the PMU (leaf 0xA) hidden.
 * Returns 0, or -E2BIG when the table has no room for the topology leaves. */
int cpuid_filter(struct cpuid_table *t, unsigned index, unsigned ncpus);

/* The entry for (function, index), or NULL. */
struct kvm_cpuid_entry2 *cpuid_find(struct cpuid_table *t, uint32_t function, uint32_t index);

#endif
