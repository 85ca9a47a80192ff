/* What a vCPU exit means: I/O to the buses, or the end of the VM with a reason (default-deny). */
#include <stdint.h>

#include "exit.h"

static void handle_io(const struct exit_ctx *x, struct kvm_run *run, size_t run_size)
{
	uint32_t size = run->io.size, count = run->io.count;
	uint64_t bytes = (uint64_t)size * count, end;

	if ((size != 1 && size != 2 && size != 4) || run->io.data_offset < sizeof(*run) ||
	    __builtin_add_overflow(run->io.data_offset, bytes, &end) || end > run_size) {
		runstate_fail(x->rs, "malformed I/O exit (port 0x%x, size %u, count %u)",
			      run->io.port, size, count);
		return;
	}
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bus_access(x->pio, run->io.port, run->io.direction == KVM_EXIT_IO_OUT, data, size, count);
}

static void handle_mmio(const struct exit_ctx *x, struct kvm_run *run)
{
	uint32_t len = run->mmio.len;

	if (!len || len > sizeof(run->mmio.data)) {
		runstate_fail(x->rs, "malformed MMIO exit (address 0x%llx, length %u)",
			      (unsigned long long)run->mmio.phys_addr, len);
		return;
	}
	bus_access(x->mmio, run->mmio.phys_addr, run->mmio.is_write, run->mmio.data, len, 1);
}

static void handle_event(const struct exit_ctx *x, struct kvm_run *run)
{
	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		runstate_fail(x->rs, "guest powered off without an exit status");
		break;
	case KVM_SYSTEM_EVENT_RESET:
		runstate_fail(x->rs, "guest kernel rebooted or panicked (reset)");
		break;
	default:
		runstate_fail(x->rs, "unhandled system event %u", run->system_event.type);
	}
}

void exit_handle(const struct exit_ctx *x, struct kvm_run *run, size_t run_size)
{
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(x, run, run_size);
		break;
	case KVM_EXIT_MMIO:
		handle_mmio(x, run);
		break;
	case KVM_EXIT_INTR:
		break;
	case KVM_EXIT_HLT:
		runstate_fail(x->rs, "guest halted (vCPU %u)", x->vcpu);
		break;
	case KVM_EXIT_SHUTDOWN:
		runstate_fail(x->rs, "guest kernel panicked or rebooted (triple fault)");
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		handle_event(x, run);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		runstate_fail(x->rs, "KVM internal error (suberror %u) on vCPU %u",
			      run->internal.suberror, x->vcpu);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		runstate_fail(x->rs, "KVM entry failed (hardware reason 0x%llx) on vCPU %u",
			      (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
			      x->vcpu);
		break;
	default:
		runstate_fail(x->rs, "unhandled exit reason %u on vCPU %u", run->exit_reason,
			      x->vcpu);
	}
}
