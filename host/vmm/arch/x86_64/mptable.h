/* Intel MultiProcessor Specification 1.4 table: how Linux finds every vCPU, the IOAPIC and ISA
 * IRQs. */
#ifndef SB_VMM_X86_MPTABLE_H
#define SB_VMM_X86_MPTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "memory.h"

#define MPTABLE_MAX_CPUS 254u /* xAPIC ids 0..253; the IOAPIC takes the next id */
#define MPTABLE_ISA_IRQS 16
#define MPTABLE_IOAPIC_VERSION 0x11
#define MPTABLE_LAPIC_VERSION 0x14

/* Bytes the table needs for ncpus processors. */
size_t mptable_size(unsigned ncpus);

/* Write floating pointer + config table into buf (len bytes), which the guest
 * sees at gpa. 0 or -errno (too many CPUs, buffer too small). */
int mptable_build(uint8_t *buf, size_t len, uint64_t gpa, unsigned ncpus, struct sb_error *err);

/* mptable_build at LAYOUT_MPTABLE in guest memory. */
int mptable_write(struct vm_mem *m, unsigned ncpus, struct sb_error *err);

#endif
