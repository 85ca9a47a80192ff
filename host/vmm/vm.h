/* The VM object: KVM VM fd with in-kernel irqchip and PIT, TSS/identity pages, guest RAM slots. */
#ifndef SB_VMM_VM_H
#define SB_VMM_VM_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "memory.h"

struct vm {
	int kvm_fd;
	int fd;
	size_t run_size; /* bytes of each vCPU's kvm_run mapping */
	struct vm_mem mem;
};

/* Open KVM, create the VM and map mem_bytes of RAM into it. On failure
 * everything acquired is released. 0 or -errno. */
int vm_create(struct vm *vm, uint64_t mem_bytes, struct sb_error *err);
void vm_destroy(struct vm *vm);
/* Set interrupt line irq (GSI) to level. 0 or -errno. */
int vm_irq_line(struct vm *vm, unsigned irq, int level);

#endif
