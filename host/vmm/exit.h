/* What a vCPU exit means: I/O to the buses, or the end of the VM with a reason (default-deny). */
#ifndef SB_VMM_EXIT_H
#define SB_VMM_EXIT_H

#include <linux/kvm.h>
#include <stddef.h>

#include "bus.h"
#include "runstate.h"

struct exit_ctx {
	struct bus *pio, *mmio;
	struct runstate *rs;
	unsigned vcpu; /* index, for messages */
};

/* Handle one exit in run (a kvm_run mapping of run_size bytes). Anything the
 * VMM does not know, or malformed, ends the VM through x->rs. */
void exit_handle(const struct exit_ctx *x, struct kvm_run *run, size_t run_size);

#endif
