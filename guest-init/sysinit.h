/* Small one-shot guest settings: console fds, the CRNG's seed, clock, hostname. */
#ifndef GUEST_SYSINIT_H
#define GUEST_SYSINIT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Make sure fds 0-2 are open (on /dev/console) so nothing else lands there. */
void sysinit_console(void);

/* Bring CLOCK_REALTIME up to host_ns (the host's clock when it wrote the
 * config, ns since the epoch) plus the guest's uptime; a guest clock already
 * later than that is left alone. Returns 0 or a negative errno. */
int sysinit_clock(uint64_t host_ns, struct sb_error *err);

/* Credit the host's len random bytes (abi.h's random-seed, at most
 * ABI_SEED_MAX) to the kernel's pool and reseed the CRNG from it now, so
 * every later random number depends on them; then wipe seed. Needs
 * CAP_SYS_ADMIN. Returns 0 or a negative errno. */
int sysinit_seed(uint8_t *seed, size_t len, struct sb_error *err);

/* Set the hostname. Returns 0 or a negative errno. */
int sysinit_hostname(const char *name, struct sb_error *err);

#endif
