/* The VM object: KVM VM fd with in-kernel irqchip and PIT, TSS/identity pages, guest RAM slots. */
#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "arch/x86_64/layout.h"
#include "kvm.h"
#include "vm.h"
#include "thread.h"

static int set_slot(struct vm *vm, uint32_t slot, uint64_t gpa, uint64_t size, void *hva,
		    struct sb_error *err)
{
	struct kvm_userspace_memory_region r = {
	    .slot = slot,
	    .guest_phys_addr = gpa,
	    .memory_size = size,
	    .userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return error_set(err, errno, "KVM_SET_USER_MEMORY_REGION");
	return 0;
}

static int set_slots(struct vm *vm, struct sb_error *err)
{
	int r = set_slot(vm, 0, 0, vm->mem.low_size, vm->mem.base, err);

	if (r == 0 && vm->mem.size > vm->mem.low_size)
		r = set_slot(vm, 1, MEM_HOLE_END, vm->mem.size - vm->mem.low_size,
			     vm->mem.base + vm->mem.low_size, err);
	return r;
}

static void *slots_thread(void *arg)
{
	struct vm *vm = arg;

	vm->slots_result = set_slots(vm, &vm->slots_err);
	return NULL;
}

/* Registering RAM with KVM can cost milliseconds (5 ms for the first slot on
 * PVM, whatever its size) and nothing before the first KVM_RUN needs it done:
 * the builder fills guest RAM through our own mapping meanwhile. So it runs on
 * a thread of its own; vm_wait_ready joins it. Synchronous if no thread. */
static int start_slots(struct vm *vm, struct sb_error *err)
{
	if (thread_spawn(&vm->slots_tid, slots_thread, vm) == 0) {
		vm->slots_pending = 1;
		return 0;
	}
	return set_slots(vm, err);
}

static int setup(struct vm *vm, uint64_t mem_bytes, int mem_fd, bool copy, struct sb_error *err)
{
	struct kvm_pit_config pit = {.flags = 0};

	if (ioctl(vm->fd, KVM_SET_TSS_ADDR, (unsigned long)LAYOUT_KVM_TSS) < 0)
		return error_set(err, errno, "KVM_SET_TSS_ADDR");
	uint64_t ident = LAYOUT_KVM_IDENTITY_MAP;
	if (ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &ident) < 0)
		return error_set(err, errno, "KVM_SET_IDENTITY_MAP_ADDR");
	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return error_set(err, errno, "KVM_CREATE_IRQCHIP");
	if (ioctl(vm->fd, KVM_CREATE_PIT2, &pit) < 0)
		return error_set(err, errno, "KVM_CREATE_PIT2");
	int r = mem_create(&vm->mem, mem_bytes, err);
	if (r == 0 && mem_fd >= 0)
		r = copy ? mem_load_file(&vm->mem, mem_fd, err)
			 : mem_map_file(&vm->mem, mem_fd, err);
	if (r == 0)
		r = start_slots(vm, err);
	return r;
}

int vm_create(struct vm *vm, uint64_t mem_bytes, int mem_fd, bool copy, struct sb_error *err)
{
	memset(vm, 0, sizeof(*vm));
	vm->fd = -1;
	vm->kvm_fd = kvm_open(&vm->run_size, err);
	if (vm->kvm_fd < 0) {
		int r = vm->kvm_fd;
		vm->kvm_fd = -1;
		return r;
	}
	vm->fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		int r = error_set(err, errno, "KVM_CREATE_VM");
		vm_destroy(vm);
		return r;
	}
	int r = setup(vm, mem_bytes, mem_fd, copy, err);
	if (r < 0)
		vm_destroy(vm);
	return r;
}

int vm_wait_ready(struct vm *vm, struct sb_error *err)
{
	if (vm->slots_pending) {
		pthread_join(vm->slots_tid, NULL);
		vm->slots_pending = 0;
	}
	if (vm->slots_result < 0 && err)
		*err = vm->slots_err;
	return vm->slots_result;
}

void vm_destroy(struct vm *vm)
{
	vm_wait_ready(vm, NULL); /* the slot thread uses the fd and the mapping */
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->fd = vm->kvm_fd = -1;
	mem_destroy(&vm->mem);
}

int vm_irq_line(struct vm *vm, unsigned irq, int level)
{
	struct kvm_irq_level l = {.irq = irq, .level = (uint32_t)level};

	return ioctl(vm->fd, KVM_IRQ_LINE, &l) < 0 ? -errno : 0;
}
