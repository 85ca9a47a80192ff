/* The VM object: KVM VM fd with in-kernel irqchip and PIT, TSS/identity pages, guest RAM slots. */
#ifndef SB_VMM_VM_H
#define SB_VMM_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "memory.h"

struct vm {
	int kvm_fd;
	int fd;
	size_t run_size; /* bytes of each vCPU's kvm_run mapping */
	struct vm_mem mem;
	/* RAM registration, in the background until vm_wait_ready */
	pthread_t slots_tid;
	int slots_pending;
	int slots_result;
	struct sb_error slots_err;
};

/* Open KVM, create the VM and map mem_bytes of RAM into it: zeroes, or
 * with mem_fd >= 0 that file's pages (a snapshot's memory), mapped private
 * or, with copy, copied in. On failure everything acquired is released. 0
 * or -errno. */
int vm_create(struct vm *vm, uint64_t mem_bytes, int mem_fd, bool copy, struct sb_error *err);
/* Wait until guest RAM is registered with KVM (vm_create starts that in the
 * background): needed before the first KVM_RUN. 0 or -errno with *err set. */
int vm_wait_ready(struct vm *vm, struct sb_error *err);
/* Release everything; a zeroed struct vm with fd = kvm_fd = -1 is fine too. */
void vm_destroy(struct vm *vm);
/* Set interrupt line irq (GSI) to level. 0 or -errno. */
int vm_irq_line(struct vm *vm, unsigned irq, int level);

#endif
