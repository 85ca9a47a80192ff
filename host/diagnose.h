/* Why a VM ended without an exit status, in words a user can act on, from
 * the guest kernel's last log lines. */
#ifndef SB_DIAGNOSE_H
#define SB_DIAGNOSE_H

#include <stddef.h>
#include <stdint.h>

enum diagnosis {
	DIAG_UNKNOWN,
	DIAG_NO_MEMORY, /* the guest ran out of RAM (unpacking the image, or the kernel OOM) */
	DIAG_NO_INIT,	/* the kernel found no init to run (a damaged initramfs) */
	DIAG_PANIC,	/* some other kernel panic */
};

/* Classify the kernel log tail log (len bytes, need not be NUL-terminated). */
enum diagnosis diagnose_log(const char *log, size_t len);

/* One line (no newline) for d, into buf: what happened and what to do.
 * vm_mib and image_mib size the advice for DIAG_NO_MEMORY. */
void diagnose_advice(enum diagnosis d, uint64_t vm_mib, uint64_t image_mib, char *buf, size_t len);

#endif
