/* `sandbox run`: options, then image -> initramfs -> VM -> the workload's exit status. */
#ifndef SB_RUN_H
#define SB_RUN_H

/* Parses `run` options from argv (argv[0] is "run") and runs the sandbox.
 * Returns the process exit status: the workload's, or 125 for our failures. */
int run_main(int argc, char **argv);

#endif
