/* cgroup v2 limit values as the kernel's interface files want them (pure formatting). */
#ifndef GUEST_CGLIMITS_H
#define GUEST_CGLIMITS_H

#include <stddef.h>
#include <stdint.h>

#define CGLIMITS_BUF 48 /* enough for any value below */

/* memory.max / pids.max: decimal, or "max" for 0 (unset). Returns buf. */
const char *cglimits_format_max(uint64_t v, char buf[CGLIMITS_BUF]);

/* cpu.max: "QUOTA PERIOD", or "max" when quota is 0. Returns buf. */
const char *cglimits_format_cpu_max(uint64_t quota_us, uint64_t period_us, char buf[CGLIMITS_BUF]);

/* memory.swap.max: "0" when memory is limited (the guest has no swap; this
 * keeps a later swap device from extending the limit, like docker's
 * --memory-swap equal to --memory), "max" otherwise. */
const char *cglimits_format_swap_max(uint64_t memory_max);

/* The oom_kill counter of a memory.events text (0 if absent or malformed). */
uint64_t cglimits_oom_kills(const char *events);

#endif
