/* The registry client runs as its own program, sandbox-registry, built
 * beside sandbox: libcurl and OpenSSL (5 MB, 19k relocations) stay out of
 * the binary every `sandbox run` execs, and are loaded only when a pull or
 * a login needs them. `sandbox pull/login/logout` become that program;
 * `run` and `pack` start it for a missing image and read its report:
 *   sandbox-registry pull --report-fd=N [-q] [--pack] -- NAME
 * writes one line to fd N, "ok HEX" (the stored image manifest's sha256)
 * or "error ERRNO MESSAGE", prints nothing on stdout, and its progress (on
 * a terminal) on stderr. */
#ifndef SB_REGISTRY_HELPER_H
#define SB_REGISTRY_HELPER_H

#include <stdbool.h>
#include <stddef.h>

#include "digest.h"
#include "error.h"

#define HELPER_NAME "sandbox-registry"
#define HELPER_REPORT_MAX 4096

/* <directory of the running executable>/sandbox-registry. */
int helper_path(char *buf, size_t len, struct sb_error *err);

/* Become the client: exec it with VERB and argv[1..] (argv[0] is the verb's
 * own name). Returns only on failure, with err set. */
int helper_exec(const char *verb, int argc, char **argv, struct sb_error *err);

/* Pull name (a full reference) through the client and wait for it: 0 and
 * hex, or a negative errno with the client's own message in err. pack: the
 * client also packs it into the pack cache as it downloads (--pack). */
int helper_pull(const char *name, bool quiet, bool pack, char hex[DIGEST_HEX_LEN + 1],
		struct sb_error *err);

/* One report line -> 0 and hex ("ok HEX"), or the error it carries.
 * Pure (unit-tested): anything else is a protocol error. */
int helper_report_parse(const char *line, size_t len, char hex[DIGEST_HEX_LEN + 1],
			struct sb_error *err);

#endif
