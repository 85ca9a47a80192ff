/* `sandbox pull`, `login` and `logout`: run by the registry client,
 * sandbox-registry (helper.h says why it is a program of its own). */
#include "commands.h"
#include "helper.h"

static int become(const char *verb, int argc, char **argv)
{
	struct sb_error err = {0};
	helper_exec(verb, argc, argv, &err);
	return cmd_fail(&err);
}

int cmd_pull(int argc, char **argv)
{
	return become("pull", argc, argv);
}

int cmd_login(int argc, char **argv)
{
	return become("login", argc, argv);
}

int cmd_logout(int argc, char **argv)
{
	return become("logout", argc, argv);
}
