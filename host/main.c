/* sandbox: the command-line entry point. Dispatches subcommands; they and
 * cmd_fail() are the only places that print errors and pick exit codes. */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "abi.h"
#include "commands.h"
#include "pack.h"


static const char usage[] =
    "Usage: sandbox COMMAND [OPTIONS]\n"
    "\n"
    "Run OCI images in micro-VMs, each with its own Linux kernel.\n"
    "\n"
    "Commands:\n"
    "  run      run a command in a new sandbox (sandbox run --help)\n"
    "  pack     pack an image into an initramfs: sandbox pack IMAGE -o FILE\n"
    "  pull     pull an image from a registry: sandbox pull NAME[:TAG]\n"
    "  images   list pulled images; rmi NAME... removes them\n"
    "  login    keep registry credentials: sandbox login [-u USER] REGISTRY; logout\n"
    "  boot     boot a kernel + initrd on the VMM: sandbox boot --help\n"
    "  cache    list or prune packed images: sandbox cache ls | prune [--all]\n"
    "  version  print the versions of sandbox, its guest kernel and guest init\n";

int cmd_fail(const struct sb_error *err)
{
	fprintf(stderr, "sandbox: %s\n", err->msg);
	return EXIT_SANDBOX;
}

int main(int argc, char **argv)
{
	/* One malloc arena for every thread, set before any thread exists.
	 * glibc trims a thread's own arena by reading
	 * /proc/sys/vm/overcommit_memory the first time it shrinks one; on a
	 * seccomp-filtered VMM thread (the network thread after a burst of
	 * connections) that openat stopped the VM. The main arena trims with
	 * brk and opens nothing. Our threads allocate little: no contention. */
	mallopt(M_ARENA_MAX, 1);
	/* The same binary is the OCI runtime under that name (a link or a copy). */
	const char *base = argc > 0 && argv[0] ? strrchr(argv[0], '/') : NULL;
	base = base ? base + 1 : (argc > 0 && argv[0] ? argv[0] : "");
	if (!strncmp(base, "sandbox-runtime", 15))
		return runtime_main(argc, argv);
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_SANDBOX;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "pack"))
		return cmd_pack(argc - 1, argv + 1);
	if (!strcmp(cmd, "boot"))
		return cmd_boot(argc - 1, argv + 1);
	if (!strcmp(cmd, "pull"))
		return cmd_pull(argc - 1, argv + 1);
	if (!strcmp(cmd, "images"))
		return cmd_images(argc - 1, argv + 1);
	if (!strcmp(cmd, "rmi"))
		return cmd_rmi(argc - 1, argv + 1);
	if (!strcmp(cmd, "login"))
		return cmd_login(argc - 1, argv + 1);
	if (!strcmp(cmd, "logout"))
		return cmd_logout(argc - 1, argv + 1);
	if (!strcmp(cmd, "cache"))
		return cmd_cache(argc - 1, argv + 1);
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version"))
		return cmd_version();
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	fprintf(stderr, "sandbox: unknown command `%s` (see sandbox --help)\n", cmd);
	return EXIT_SANDBOX;
}
