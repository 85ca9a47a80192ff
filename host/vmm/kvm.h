/* /dev/kvm: host checks (presence, permission, PVM) and opening it with the capabilities we need.
 */
#ifndef SB_VMM_KVM_H
#define SB_VMM_KVM_H

#include <stddef.h>

#include "error.h"

#define KVM_PVM_MODULE "/sys/module/kvm_pvm"

/* Nonzero when this host's KVM is PVM (kvm_pvm loaded). */
int kvm_is_pvm(void);
/* Open /dev/kvm and check the API version and capabilities. Returns the fd
 * and the size of a vCPU's kvm_run mapping in *run_size, or -errno. */
int kvm_open(size_t *run_size, struct sb_error *err);

/* kvm_check_host() is declared in vmm.h. */

#endif
