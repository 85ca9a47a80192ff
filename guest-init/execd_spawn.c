/* Starts one exec session's process from its EXEC_NEW config: user, environment, stdio, spawn. */
#include "execd_spawn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "env.h"
#include "user.h"

/* With cfg parsed: ids, env, stdio, fork/exec. */
static int start(struct config *cfg, const struct execd_env *env, struct procio *io,
		 struct spawn_result *res, struct sb_error *err)
{
	cleanup_free struct user_ids *ids = malloc(sizeof(*ids)); /* ~8 KiB: not on the stack */
	if (!ids)
		return error_set(err, ENOMEM, "exec: user");
	int r = user_load(cfg->user, cfg->groups, cfg->n_groups, ids, err);
	if (r < 0)
		return r;
	if (env->hostname) /* the sandbox's, not what the blob says */
		cfg->hostname = env->hostname;
	cleanup_free char **envp = env_build(cfg, ids->home);
	if (!envp)
		return error_set(err, ENOMEM, "exec: environment");
	if ((r = procio_open(cfg->tty, cfg->rows, cfg->cols, io, err)) < 0)
		return r;
	const struct spawn_request rq = {
	    .argv = cfg->argv,
	    .env = envp,
	    .cwd = cfg->cwd,
	    .ids = geteuid() == 0 ? ids : NULL, /* a unit test runs unprivileged */
	    .cgroup_root = env->cgroup_root,
	    .in_fd = io->child_in,
	    .out_fd = io->child_out,
	    .err_fd = io->child_err,
	    .ctty = cfg->tty,
	    .rlimits = cfg->rlimits,
	    .n_rlimits = cfg->n_rlimits,
	    .caps = cfg->has_caps ? cfg->caps : NULL,
	    .caps_root_only = cfg->caps_root_only,
	    .no_new_privs = cfg->no_new_privs,
	};
	r = spawn_start(&rq, res, err);
	procio_close_child(io);
	if (r < 0 || res->exec_status)
		procio_close(io);
	return r;
}

int execd_spawn(const void *blob, size_t len, const struct execd_env *env, struct procio *io,
		bool *tty, struct spawn_result *res, struct sb_error *err)
{
	/* config_parse's strings point into the blob; the frame's payload is
	 * only valid during the callback, so the copy lives until the fork. */
	cleanup_free void *copy = malloc(len);
	if (!copy)
		return error_set(err, ENOMEM, "exec: config");
	memcpy(copy, blob, len);
	struct config cfg;
	int r = config_parse(copy, len, &cfg, err);
	if (r < 0)
		return r;
	*tty = cfg.tty;
	r = start(&cfg, env, io, res, err);
	config_free(&cfg);
	return r;
}
