/* Why a VM ended without an exit status, from the guest kernel's last log lines. */
#include "diagnose.h"

#include <stdio.h>
#include <string.h>

static int has(const char *log, size_t len, const char *what)
{
	return memmem(log, len, what, strlen(what)) != NULL;
}

enum diagnosis diagnose_log(const char *log, size_t len)
{
	static const char *const no_memory[] = {
	    "Initramfs unpacking failed: write error",
	    "Out of memory",
	    "System is deadlocked on memory",
	    "Kernel panic - not syncing: Out of memory",
	    "not enough memory",
	};
	for (size_t i = 0; i < sizeof(no_memory) / sizeof(no_memory[0]); i++)
		if (has(log, len, no_memory[i]))
			return DIAG_NO_MEMORY;
	if (has(log, len, "No working init found") || has(log, len, "Initramfs unpacking failed"))
		return DIAG_NO_INIT;
	if (has(log, len, "Kernel panic"))
		return DIAG_PANIC;
	return DIAG_UNKNOWN;
}

void diagnose_advice(enum diagnosis d, uint64_t vm_mib, uint64_t image_mib, char *buf, size_t len)
{
	switch (d) {
	case DIAG_NO_MEMORY:
		snprintf(buf, len,
			 "the guest ran out of memory (%llu MiB of RAM for an image of %llu MiB "
			 "unpacked): give it more with --memory",
			 (unsigned long long)vm_mib, (unsigned long long)image_mib);
		break;
	case DIAG_NO_INIT:
		snprintf(buf, len,
			 "the guest kernel could not unpack the initramfs or find the guest init: "
			 "the image or guest init archive is damaged (try `sandbox cache prune "
			 "--all`, `make init`)");
		break;
	case DIAG_PANIC:
		snprintf(buf, len, "the guest kernel panicked (--debug shows its log)");
		break;
	default:
		snprintf(buf, len, "no reason in the kernel log (--debug shows it)");
		break;
	}
}
