/* The workload's environment: the config's env plus docker's defaults. */
#include "env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *env_get(char *const *env, const char *name)
{
	size_t n = strlen(name);
	for (; env && *env; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

char **env_build(const struct config *cfg, const char *home)
{
	const char *add[][2] = {
	    {"PATH", ENV_DEFAULT_PATH},
	    {"HOSTNAME", cfg->hostname},
	    {"HOME", home},
	    {"TERM", cfg->tty ? "xterm" : NULL},
	};
	size_t nadd = sizeof(add) / sizeof(add[0]), bytes = 0;
	for (size_t i = 0; i < nadd; i++)
		if (add[i][1])
			bytes += strlen(add[i][0]) + strlen(add[i][1]) + 2;
	size_t slots = cfg->envc + nadd + 1;
	char **env = malloc(slots * sizeof(char *) + bytes);
	if (!env)
		return NULL;
	char *store = (char *)(env + slots);
	memcpy(env, cfg->env, cfg->envc * sizeof(char *));
	size_t n = cfg->envc;
	env[n] = NULL;
	for (size_t i = 0; i < nadd; i++) {
		if (!add[i][1] || env_get(env, add[i][0]))
			continue;
		int len = sprintf(store, "%s=%s", add[i][0], add[i][1]);
		env[n++] = store;
		env[n] = NULL;
		store += len + 1;
	}
	return env;
}
