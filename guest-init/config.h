/* Guest side of the run config: reads and validates the FDT blob from the host. */
#ifndef GUEST_CONFIG_H
#define GUEST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* cgroup limits; 0 means "not set" (unlimited). */
struct config_limits {
	uint64_t memory_max;
	uint64_t pids_max;
	uint64_t cpu_quota_us;
	uint64_t cpu_period_us; /* ABI_CPU_PERIOD_DEFAULT when only a quota is given */
};

/* The parsed config. All strings point into the blob given to config_parse(),
 * which must outlive it; only the argv/env arrays are allocated. */
struct config {
	char **argv; /* argc entries + NULL */
	size_t argc;
	char **env; /* envc entries + NULL */
	size_t envc;
	const char *cwd;
	const char *user;
	const char *hostname;
	uint64_t time_ns;
	bool has_time;
	bool tty;
	uint16_t rows, cols; /* the pty's first size; 0x0 = not given */
	struct config_limits limits;
};

/* Read a whole config file of at most ABI_CONFIG_MAX_BYTES into a new buffer
 * (*blob, free() it). Returns 0 or a negative errno. */
int config_read_file(const char *path, void **blob, size_t *len, struct sb_error *err);

/* Validate blob (len bytes, hostile) and fill *cfg. Returns 0 or -EINVAL
 * (-ENOMEM) with a one-line reason in err; *cfg is zeroed on failure. */
int config_parse(const void *blob, size_t len, struct config *cfg, struct sb_error *err);

/* Free what config_parse() allocated. */
void config_free(struct config *cfg);

#endif
