/* The subcommands of `sandbox`: each parses its own options and returns the
 * process exit status (125 for sandbox's own failures). */
#ifndef SB_COMMANDS_H
#define SB_COMMANDS_H

#include <stdint.h>

#include "error.h"

#define EXIT_SANDBOX 125

int cmd_run(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_boot(int argc, char **argv);
int cmd_cache(int argc, char **argv);
int cmd_version(void);
/* host/registry/: pull from registries, list and remove pulled images. */
int cmd_pull(int argc, char **argv);
int cmd_images(int argc, char **argv);
int cmd_rmi(int argc, char **argv);
int cmd_login(int argc, char **argv);
int cmd_logout(int argc, char **argv);
/* host/runtime/: the whole of sandbox-runtime (argv[0] is its name). */
int runtime_main(int argc, char **argv);

struct vmm_stats;
/* SANDBOX_STATS (for benchmarks, `boot` and `run`): unset/0 VMM_STATS_OFF,
 * first-run VMM_STATS_FIRST_RUN (the VM ends at its first KVM_RUN), else
 * VMM_STATS_ON. */
int stats_mode(void);
/* One "sandbox-stats: first_kvm_run_ns=... " line on stderr (CLOCK_MONOTONIC;
 * end_ns: when vmm_run returned). */
void stats_print(const struct vmm_stats *st, uint64_t end_ns);

/* Print "sandbox: MSG" on stderr and return EXIT_SANDBOX. */
int cmd_fail(const struct sb_error *err);

#endif
