/* Pure helpers for the command line: sizes, counts, env lists, argv composition. */
#ifndef SB_CLI_H
#define SB_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* "512", "512k", "64m", "1g", "1.5g" (binary units, case-insensitive, optional
 * trailing "b"). Returns 0 and *out, or -EINVAL/-ERANGE with err naming `what`. */
int cli_parse_size(const char *s, const char *what, uint64_t *out, struct sb_error *err);
/* -m/--memory: a size as above, at least CLI_MEMORY_MIN (docker's floor) and
 * at most max (what the VM can still hold beside kernel and image). The error
 * names the bound and what to do. */
#define CLI_MEMORY_MIN (6ull << 20)
int cli_parse_memory(const char *s, uint64_t max, uint64_t *out, struct sb_error *err);
/* Unsigned integer in [min, max]. */
int cli_parse_uint(const char *s, const char *what, uint64_t min, uint64_t max, uint64_t *out,
		   struct sb_error *err);
/* "1.5" cpus -> millicpus (1500); 0.01 (the smallest cpu.max quota) to 1024. */
int cli_parse_cpus(const char *s, uint64_t *millicpus, struct sb_error *err);
/* A duration as timeout(1) takes it: "10", "10s", "1.5m", "2h", "1d", "500ms";
 * > 0 and at most 100 days. Returns 0 and *ms (rounded up to 1 ms), or -EINVAL. */
int cli_parse_duration(const char *s, const char *what, uint64_t *ms, struct sb_error *err);

/* A growable NULL-terminated list of malloc'd strings. */
struct strv {
	char **v;
	size_t n, cap;
};
int strv_push(struct strv *sv, const char *s);
int strv_push_all(struct strv *sv, char *const *list); /* list NULL-terminated, may be NULL */
void strv_free(struct strv *sv);

/* Set KEY=VALUE in an environment list, replacing an existing KEY. A bare "KEY"
 * takes the value from `lookup` (the host env); an unset KEY is dropped, as
 * docker does. */
int cli_env_set(struct strv *env, const char *kv, char *(*lookup)(const char *),
		struct sb_error *err);

/* docker's --env-file format: one KEY=VALUE or KEY per line; lines that are
 * blank or start with '#' (after leading blanks) are skipped; no quoting, the
 * value is everything after '='. Appends each entry to out. A NUL byte, a line
 * starting with '=' or an entry over 64 KiB is an error naming `name`:line. */
int cli_env_file_parse(const char *text, size_t len, const char *name, struct strv *out,
		       struct sb_error *err);

/* Docker's rule: argv = (--entrypoint, else image Entrypoint) + (command
 * line args, else image Cmd unless --entrypoint was given). */
int cli_compose_argv(struct strv *out, const char *entrypoint_opt, char *const *img_entrypoint,
		     char *const *cmdline_args, char *const *img_cmd, struct sb_error *err);

#endif
