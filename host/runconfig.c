/* Host side of the run config: checks a struct runconfig, writes it as an FDT blob. */
#include "runconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <libfdt.h>

#include "abi.h"
#include "cleanup.h"

/* Number of entries and bytes (with NULs) of a NULL-terminated list, or -E2BIG. */
static int list_size(char *const *list, size_t max, size_t *count, size_t *bytes)
{
	*count = 0;
	*bytes = 0;
	for (; list && list[*count]; ++*count) {
		if (*count >= max)
			return -E2BIG;
		*bytes += strlen(list[*count]) + 1;
		if (*bytes > ABI_CONFIG_MAX_BYTES)
			return -E2BIG;
	}
	return 0;
}

static int check_strings(const struct runconfig *rc, struct sb_error *err)
{
	size_t n, bytes;
	if (!rc->argv || !rc->argv[0] || rc->argv[0][0] == '\0')
		return error_set(err, 0, "run config: no command to run");
	if (list_size(rc->argv, ABI_MAX_ARGS, &n, &bytes) < 0)
		return error_set(err, E2BIG, "run config: argv");
	if (list_size(rc->env, ABI_MAX_ENV, &n, &bytes) < 0)
		return error_set(err, E2BIG, "run config: env");
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(rc->env[i], '=');
		if (!eq || eq == rc->env[i])
			return error_set(err, 0, "run config: env entry `%s` is not NAME=VALUE",
					 rc->env[i]);
	}
	if (rc->cwd && (rc->cwd[0] != '/' || strlen(rc->cwd) >= ABI_PATH_MAX))
		return error_set(
		    err, 0, "run config: working directory `%s` is not an absolute path", rc->cwd);
	if (rc->user && strlen(rc->user) >= ABI_PATH_MAX)
		return error_set(err, 0, "run config: user name too long");
	char *const *paths[2] = {rc->masked, rc->readonly};
	for (int k = 0; k < 2; k++) {
		if (list_size(paths[k], ABI_MASKS_MAX, &n, &bytes) < 0)
			return error_set(err, E2BIG, "run config: more than %d %s paths",
					 ABI_MASKS_MAX, k ? "read-only" : "masked");
		for (size_t i = 0; i < n; i++)
			if (paths[k][i][0] != '/' || strlen(paths[k][i]) >= ABI_PATH_MAX)
				return error_set(err, 0, "run config: `%s` is not an absolute path",
						 paths[k][i]);
	}
	if (rc->hostname && *rc->hostname && !runconfig_hostname_ok(rc->hostname))
		return error_set(err, 0,
				 "run config: hostname `%s` is not 1 to %d letters, digits, '-', "
				 "'_', '.'",
				 rc->hostname, ABI_HOSTNAME_MAX);
	return 0;
}

static int check_winsize(const struct runconfig *rc, struct sb_error *err)
{
	if (!rc->rows && !rc->cols)
		return 0;
	if (!rc->tty)
		return error_set(err, 0, "run config: a window size without a tty");
	if (!rc->rows || !rc->cols)
		return error_set(err, 0, "run config: window size %ux%u has a zero side",
				 (unsigned)rc->rows, (unsigned)rc->cols);
	return 0;
}

static int check_limits(const struct runconfig_limits *l, struct sb_error *err)
{
	if (l->cpu_period_us && !l->cpu_quota_us)
		return error_set(err, 0, "run config: cpu period without a cpu quota");
	if (l->cpu_period_us &&
	    (l->cpu_period_us < ABI_CPU_PERIOD_MIN || l->cpu_period_us > ABI_CPU_PERIOD_MAX))
		return error_set(err, 0, "run config: cpu period %llu us not in [%llu, %llu]",
				 (unsigned long long)l->cpu_period_us, ABI_CPU_PERIOD_MIN,
				 ABI_CPU_PERIOD_MAX);
	if (l->cpu_quota_us &&
	    (l->cpu_quota_us < ABI_CPU_QUOTA_MIN || l->cpu_quota_us > ABI_CPU_QUOTA_MAX))
		return error_set(err, 0, "run config: cpu quota %llu us not in [%llu, %llu]",
				 (unsigned long long)l->cpu_quota_us, ABI_CPU_QUOTA_MIN,
				 ABI_CPU_QUOTA_MAX);
	return 0;
}

/* A string-list property, written in place. */
static int put_list(void *fdt, const char *name, char *const *list)
{
	size_t n, bytes;
	if (list_size(list, SIZE_MAX, &n, &bytes) < 0)
		return -FDT_ERR_NOSPACE;
	void *val;
	int r = fdt_property_placeholder(fdt, name, (int)bytes, &val);
	if (r < 0)
		return r;
	char *p = val;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(list[i]) + 1;
		memcpy(p, list[i], l);
		p += l;
	}
	return 0;
}

static int put_limit(void *fdt, const char *name, uint64_t v)
{
	return v ? fdt_property_u64(fdt, name, v) : 0;
}

/* The whole tree into buf; returns 0 or a negative FDT_ERR_*. */
static int write_tree(const struct runconfig *rc, const uint8_t *seed, void *buf, int size)
{
	const struct runconfig_limits *l = &rc->limits;
	int r = fdt_create(buf, size);
	r = r ?: fdt_finish_reservemap(buf);
	r = r ?: fdt_begin_node(buf, "");
	r = r ?: fdt_property_string(buf, "compatible", ABI_FDT_COMPATIBLE);
	r = r ?: fdt_property_u32(buf, ABI_PROP_VERSION, SANDBOX_ABI_VERSION);
	r = r ?: put_list(buf, ABI_PROP_ARGV, rc->argv);
	r = r ?: put_list(buf, ABI_PROP_ENV, rc->env);
	r = r ?: fdt_property_string(buf, ABI_PROP_CWD, rc->cwd ? rc->cwd : "/");
	r = r ?: fdt_property_string(buf, ABI_PROP_USER, rc->user ? rc->user : "");
	r = r
		?: fdt_property_string(buf, ABI_PROP_HOSTNAME,
				       rc->hostname && *rc->hostname ? rc->hostname : "sandbox");
	if (rc->time_ns)
		r = r ?: fdt_property_u64(buf, ABI_PROP_TIME_NS, rc->time_ns);
	r = r ?: fdt_property(buf, ABI_PROP_SEED, seed, ABI_SEED_BYTES);
	r = r ?: fdt_property_u32(buf, ABI_PROP_TTY, rc->tty ? 1 : 0);
	if (rc->caps) {
		fdt64_t sets[ABI_CAP_SETS];
		for (unsigned i = 0; i < ABI_CAP_SETS; i++)
			sets[i] = cpu_to_fdt64(rc->caps[i]);
		r = r ?: fdt_property(buf, ABI_PROP_CAPS, sets, sizeof(sets));
		if (rc->caps_root_only)
			r = r ?: fdt_property_u32(buf, ABI_PROP_CAPS_ROOT_ONLY, 1);
	}
	if (rc->no_new_privs)
		r = r ?: fdt_property_u32(buf, ABI_PROP_NO_NEW_PRIVS, 1);
	if (rc->masked && rc->masked[0])
		r = r ?: put_list(buf, ABI_PROP_MASKED_PATHS, rc->masked);
	if (rc->readonly && rc->readonly[0])
		r = r ?: put_list(buf, ABI_PROP_READONLY_PATHS, rc->readonly);
	if (rc->hold)
		r = r ?: fdt_property_u32(buf, ABI_PROP_HOLD, 1);
	if (rc->pid_ns)
		r = r ?: fdt_property_u32(buf, ABI_PROP_PID_NS, 1);
	if (rc->exec)
		r = r ?: fdt_property_u32(buf, ABI_PROP_EXEC, 1);
	if (rc->n_groups) {
		fdt32_t g[ABI_GROUPS_MAX];
		size_t n = rc->n_groups < ABI_GROUPS_MAX ? rc->n_groups : ABI_GROUPS_MAX;
		for (size_t i = 0; i < n; i++)
			g[i] = cpu_to_fdt32(rc->groups[i]);
		r = r ?: fdt_property(buf, ABI_PROP_GROUPS, g, (int)(n * sizeof(fdt32_t)));
	}
	if (rc->n_rlimits) {
		fdt64_t cells[3 * ABI_RLIMITS_MAX];
		size_t n = rc->n_rlimits < ABI_RLIMITS_MAX ? rc->n_rlimits : ABI_RLIMITS_MAX;
		for (size_t i = 0; i < n; i++) {
			cells[3 * i] = cpu_to_fdt64(rc->rlimits[i].resource);
			cells[3 * i + 1] = cpu_to_fdt64(rc->rlimits[i].soft);
			cells[3 * i + 2] = cpu_to_fdt64(rc->rlimits[i].hard);
		}
		r = r ?: fdt_property(buf, ABI_PROP_RLIMITS, cells, (int)(n * 3 * sizeof(fdt64_t)));
	}
	if (rc->rows && rc->cols) {
		const fdt32_t ws[2] = {cpu_to_fdt32(rc->rows), cpu_to_fdt32(rc->cols)};
		r = r ?: fdt_property(buf, ABI_PROP_WINSIZE, ws, sizeof(ws));
	}
	if (l->memory_max || l->pids_max || l->cpu_quota_us) {
		r = r ?: fdt_begin_node(buf, ABI_NODE_LIMITS);
		r = r ?: put_limit(buf, ABI_PROP_MEMORY_MAX, l->memory_max);
		r = r ?: put_limit(buf, ABI_PROP_PIDS_MAX, l->pids_max);
		r = r ?: put_limit(buf, ABI_PROP_CPU_QUOTA, l->cpu_quota_us);
		r = r ?: put_limit(buf, ABI_PROP_CPU_PERIOD, l->cpu_period_us);
		r = r ?: fdt_end_node(buf);
	}
	r = r ?: runconfig_net_write(buf, &rc->net);
	r = r ?: runconfig_mounts_write(buf, &rc->mounts);
	r = r ?: fdt_end_node(buf);
	return r ?: fdt_finish(buf);
}

int runconfig_build(const struct runconfig *rc, void **blob, size_t *len, struct sb_error *err)
{
	int r = check_strings(rc, err);
	if (r < 0 || (r = check_winsize(rc, err)) < 0 || (r = check_limits(&rc->limits, err)) < 0 ||
	    (r = runconfig_net_check(&rc->net, err)) < 0 ||
	    (r = runconfig_mounts_check(&rc->mounts, err)) < 0)
		return r;
	/* Every config its own: see abi.h's random-seed. */
	uint8_t seed[ABI_SEED_BYTES];
	ssize_t got = getrandom(seed, sizeof(seed), 0);
	if (got != (ssize_t)sizeof(seed))
		return error_set(err, got < 0 ? errno : EIO, "run config: random seed");
	for (size_t size = 4096; size <= ABI_CONFIG_MAX_BYTES; size *= 2) {
		cleanup_free void *buf = calloc(1, size);
		if (!buf)
			return error_set(err, ENOMEM, "run config");
		r = write_tree(rc, seed, buf, (int)size);
		if (r == -FDT_ERR_NOSPACE)
			continue;
		if (r < 0)
			return error_set(err, 0, "run config: libfdt: %s", fdt_strerror(r));
		*len = fdt_totalsize(buf);
		*blob = steal_ptr(buf);
		return 0;
	}
	return error_set(err, E2BIG, "run config: more than %u bytes", ABI_CONFIG_MAX_BYTES);
}
