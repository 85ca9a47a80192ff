/* sandbox-registry: the registry client as a program of its own (helper.h
 * says why). `sandbox pull|login|logout ARGS` exec it as
 * `sandbox-registry VERB ARGS`; `run` and `pack` start it with
 * `pull --report-fd=N`. It speaks as sandbox: "sandbox: MESSAGE", exit 125. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

int cmd_fail(const struct sb_error *err)
{
	fprintf(stderr, "sandbox: %s\n", err->msg);
	return EXIT_SANDBOX;
}

int main(int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";
	if (!strcmp(verb, "pull"))
		return cmd_pull(argc - 1, argv + 1);
	if (!strcmp(verb, "login"))
		return cmd_login(argc - 1, argv + 1);
	if (!strcmp(verb, "logout"))
		return cmd_logout(argc - 1, argv + 1);
	fprintf(stderr, "usage: sandbox-registry pull|login|logout ARGS "
			"(run by sandbox pull|login|logout)\n");
	return EXIT_SANDBOX;
}
