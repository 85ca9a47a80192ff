/* CPUID for each vCPU: topology (APIC ids, cores), the hypervisor bit, and what the VMM cannot back
 * hidden. */
#include <errno.h>
#include <string.h>

#include "cpuid.h"

#define LEAF1_ECX_MONITOR (1u << 3)
#define LEAF1_ECX_HYPERVISOR (1u << 31)
#define LEAF1_EDX_HTT (1u << 28)
#define TOPO_SMT 1
#define TOPO_CORE 2

struct kvm_cpuid_entry2 *cpuid_find(struct cpuid_table *t, uint32_t function, uint32_t index)
{
	for (uint32_t i = 0; i < t->head.nent && i < CPUID_MAX_ENTRIES; i++) {
		struct kvm_cpuid_entry2 *e = &t->entries[i];
		if (e->function == function &&
		    (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == index))
			return e;
	}
	return NULL;
}

static unsigned order(unsigned n)
{
	unsigned bits = 0;

	while ((1u << bits) < n)
		bits++;
	return bits;
}

/* Drop every entry of function; returns whether there was one. */
static int drop(struct cpuid_table *t, uint32_t function)
{
	int found = 0;

	for (uint32_t i = 0; i < t->head.nent;) {
		if (t->entries[i].function == function) {
			t->entries[i] = t->entries[--t->head.nent];
			found = 1;
		} else {
			i++;
		}
	}
	return found;
}

/* Extended topology (0xB / 0x1F): SMT level with 1 thread, core level with ncpus. */
static int add_topology(struct cpuid_table *t, uint32_t function, unsigned index, unsigned ncpus)
{
	if (t->head.nent + 3 > CPUID_MAX_ENTRIES)
		return -E2BIG;
	for (uint32_t level = 0; level < 3; level++) {
		struct kvm_cpuid_entry2 *e = &t->entries[t->head.nent++];
		memset(e, 0, sizeof(*e));
		e->function = function;
		e->index = level;
		e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
		e->edx = index;
		e->ecx = level;
		if (level == 0) {
			e->eax = 0;
			e->ebx = 1;
			e->ecx |= TOPO_SMT << 8;
		} else if (level == 1) {
			e->eax = order(ncpus);
			e->ebx = ncpus;
			e->ecx |= TOPO_CORE << 8;
		}
	}
	return 0;
}

static void filter_entry(struct kvm_cpuid_entry2 *e, unsigned index, unsigned ncpus)
{
	switch (e->function) {
	case 0x1:
		e->ebx = (e->ebx & 0xffff) | (index & 0xff) << 24 | (ncpus & 0xff) << 16;
		e->ecx = (e->ecx & ~LEAF1_ECX_MONITOR) | LEAF1_ECX_HYPERVISOR;
		e->edx = ncpus > 1 ? e->edx | LEAF1_EDX_HTT : e->edx & ~LEAF1_EDX_HTT;
		break;
	case 0x4:
		e->eax &= 0x3fff; /* keep type, level, flags; rewrite the sharing counts */
		e->eax |= (ncpus - 1) << 26;
		if (((e->eax >> 5) & 7) == 3)
			e->eax |= ((ncpus - 1) & 0xfff) << 14; /* L3: shared by all cores */
		break;
	case 0x5: /* MONITOR/MWAIT */
	case 0xa: /* architectural PMU */
		e->eax = e->ebx = e->ecx = e->edx = 0;
		break;
	case 0x80000008:
		e->ecx = (e->ecx & ~0xf0ffu) | ((ncpus - 1) & 0xff);
		break;
	case 0x8000001e:
		e->eax = index;
		e->ebx = index & 0xff;
		e->ecx = 0;
		break;
	}
}

int cpuid_filter(struct cpuid_table *t, unsigned index, unsigned ncpus)
{
	if (t->head.nent > CPUID_MAX_ENTRIES || !ncpus || index >= ncpus)
		return -EINVAL;
	int had_b = drop(t, 0xb), had_1f = drop(t, 0x1f);
	for (uint32_t i = 0; i < t->head.nent; i++)
		filter_entry(&t->entries[i], index, ncpus);
	struct kvm_cpuid_entry2 *l0 = cpuid_find(t, 0, 0);
	if (had_b || (l0 && l0->eax >= 0xb)) {
		if (add_topology(t, 0xb, index, ncpus) < 0)
			return -E2BIG;
	}
	if (had_1f && add_topology(t, 0x1f, index, ncpus) < 0)
		return -E2BIG;
	return 0;
}
