/* Guest side of the run config: validates the host's FDT blob (network node: config_net.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libfdt.h>

#include "abi.h"
#include "cleanup.h"
#include "netcheck.h"

int config_read_file(const char *path, void **blob, size_t *len, struct sb_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "open `%s`", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return error_set(err, errno, "stat `%s`", path);
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > ABI_CONFIG_MAX_BYTES)
		return error_set(err, 0, "`%s`: not a regular file of 1 to %u bytes", path,
				 ABI_CONFIG_MAX_BYTES);
	size_t size = (size_t)st.st_size, done = 0;
	cleanup_free char *buf = malloc(size);
	if (!buf)
		return error_set(err, ENOMEM, "read `%s`", path);
	while (done < size) {
		ssize_t n = read(fd, buf + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set(err, errno, "read `%s`", path);
		if (n == 0)
			return error_set(err, 0, "read `%s`: file shrank", path);
		done += (size_t)n;
	}
	*blob = steal_ptr(buf);
	*len = size;
	return 0;
}

int config_get_string(const char *name, const char *val, int len, size_t max, const char **out,
		      struct sb_error *err)
{
	if (len < 1 || (size_t)len > max || val[len - 1] != '\0' ||
	    memchr(val, '\0', (size_t)len - 1))
		return error_set(err, 0, "property `%s`: not a string of at most %zu bytes", name,
				 max - 1);
	*out = val;
	return 0;
}

int config_get_list(const char *name, const char *val, int len, size_t max, char ***out,
		    size_t *count, struct sb_error *err)
{
	size_t n = 0;
	if (len > 0 && val[len - 1] != '\0')
		return error_set(err, 0, "property `%s`: string list not NUL-terminated", name);
	for (int i = 0; i < len; i++)
		if (val[i] == '\0' && ++n > max)
			return error_set(err, 0, "property `%s`: more than %zu entries", name, max);
	char **list = calloc(n + 1, sizeof(*list));
	if (!list)
		return error_set(err, ENOMEM, "property `%s`", name);
	const char *p = val;
	for (size_t i = 0; i < n; i++) {
		list[i] = (char *)p; /* the blob is read-only in practice; execve wants char * */
		p += strlen(p) + 1;
	}
	*out = list;
	*count = n;
	return 0;
}

int config_get_u32(const char *name, const void *val, int len, uint32_t *out, struct sb_error *err)
{
	if (len != 4)
		return error_set(err, 0, "property `%s`: %d bytes, want a 32-bit cell", name, len);
	fdt32_t v;
	memcpy(&v, val, 4);
	*out = fdt32_to_cpu(v);
	return 0;
}

int config_get_bool(const char *name, const void *val, int len, bool *out, struct sb_error *err)
{
	uint32_t v;
	int r = config_get_u32(name, val, len, &v, err);
	if (r == 0 && v > 1)
		return error_set(err, 0, "property `%s`: %u is not 0 or 1", name, v);
	*out = v == 1;
	return r;
}

static int get_u64(const char *name, const void *val, int len, uint64_t *out, struct sb_error *err)
{
	if (len != 8)
		return error_set(err, 0, "property `%s`: %d bytes, want a 64-bit value", name, len);
	fdt64_t v;
	memcpy(&v, val, 8);
	*out = fdt64_to_cpu(v);
	return 0;
}

/* A non-zero u64 in [min, max]. */
static int get_limit(const char *name, const void *val, int len, uint64_t min, uint64_t max,
		     uint64_t *out, struct sb_error *err)
{
	int r = get_u64(name, val, len, out, err);
	if (r < 0)
		return r;
	if (*out < min || *out > max)
		return error_set(err, 0, "property `%s`: %llu out of range [%llu, %llu]", name,
				 (unsigned long long)*out, (unsigned long long)min,
				 (unsigned long long)max);
	return 0;
}

enum {
	SEEN_COMPATIBLE = 1 << 0,
	SEEN_VERSION = 1 << 1,
	SEEN_ARGV = 1 << 2,
	SEEN_ENV = 1 << 3,
	SEEN_CWD = 1 << 4,
	SEEN_USER = 1 << 5,
	SEEN_HOSTNAME = 1 << 6,
	SEEN_TIME = 1 << 7,
	SEEN_TTY = 1 << 8,
	SEEN_LIMITS = 1 << 9,
	SEEN_MEMORY = 1 << 10,
	SEEN_PIDS = 1 << 11,
	SEEN_QUOTA = 1 << 12,
	SEEN_PERIOD = 1 << 13,
	SEEN_WINSIZE = 1 << 14,
	SEEN_NETWORK = 1 << 15,
	SEEN_MOUNTS = 1 << 16,
	SEEN_HOLD = 1 << 17,
	SEEN_PID_NS = 1 << 18,
	SEEN_RLIMITS = 1 << 19,
	SEEN_GROUPS = 1 << 20,
	SEEN_EXEC = 1 << 21,
	SEEN_CAPS = 1 << 22,
	SEEN_NNP = 1 << 23,
	SEEN_CAPS_ROOT = 1 << 24,
	SEEN_MASKED = 1 << 25,
	SEEN_READONLY = 1 << 26,
	SEEN_SEED = 1 << 27,
};

static const struct {
	const char *name;
	unsigned bit;
} known_props[] = {
    {"compatible", SEEN_COMPATIBLE},
    {ABI_PROP_VERSION, SEEN_VERSION},
    {ABI_PROP_ARGV, SEEN_ARGV},
    {ABI_PROP_ENV, SEEN_ENV},
    {ABI_PROP_CWD, SEEN_CWD},
    {ABI_PROP_USER, SEEN_USER},
    {ABI_PROP_HOSTNAME, SEEN_HOSTNAME},
    {ABI_PROP_TIME_NS, SEEN_TIME},
    {ABI_PROP_TTY, SEEN_TTY},
    {ABI_PROP_MEMORY_MAX, SEEN_MEMORY},
    {ABI_PROP_PIDS_MAX, SEEN_PIDS},
    {ABI_PROP_CPU_QUOTA, SEEN_QUOTA},
    {ABI_PROP_CPU_PERIOD, SEEN_PERIOD},
    {ABI_PROP_WINSIZE, SEEN_WINSIZE},
    {ABI_PROP_HOLD, SEEN_HOLD},
    {ABI_PROP_PID_NS, SEEN_PID_NS},
    {ABI_PROP_RLIMITS, SEEN_RLIMITS},
    {ABI_PROP_GROUPS, SEEN_GROUPS},
    {ABI_PROP_EXEC, SEEN_EXEC},
    {ABI_PROP_CAPS, SEEN_CAPS},
    {ABI_PROP_NO_NEW_PRIVS, SEEN_NNP},
    {ABI_PROP_CAPS_ROOT_ONLY, SEEN_CAPS_ROOT},
    {ABI_PROP_MASKED_PATHS, SEEN_MASKED},
    {ABI_PROP_READONLY_PATHS, SEEN_READONLY},
    {ABI_PROP_SEED, SEEN_SEED},
};

/* The bit for name, or 0 when unknown or already seen (*seen is updated). */
static int mark_seen(const char *name, unsigned allowed, unsigned *seen, struct sb_error *err)
{
	for (size_t i = 0; i < sizeof(known_props) / sizeof(known_props[0]); i++) {
		if (strcmp(name, known_props[i].name) != 0 || !(known_props[i].bit & allowed))
			continue;
		if (*seen & known_props[i].bit)
			return error_set(err, 0, "property `%s` appears twice", name);
		*seen |= known_props[i].bit;
		return (int)known_props[i].bit;
	}
	return error_set(err, 0, "unknown property `%s`", name);
}

#define ROOT_PROPS                                                                                 \
	(0x1ffu | SEEN_WINSIZE | SEEN_HOLD | SEEN_PID_NS | SEEN_RLIMITS | SEEN_GROUPS |            \
	 SEEN_EXEC | SEEN_CAPS | SEEN_NNP | SEEN_CAPS_ROOT | SEEN_MASKED | SEEN_READONLY |         \
	 SEEN_SEED)
#define LIMIT_PROPS (SEEN_MEMORY | SEEN_PIDS | SEEN_QUOTA | SEEN_PERIOD)

/* rlimits: u64 triplets RESOURCE SOFT HARD (abi.h). */
static int get_rlimits(const char *name, const void *val, int len, struct config *cfg,
		       struct sb_error *err)
{
	const size_t triplet = 3 * sizeof(uint64_t);
	if (len <= 0 || (size_t)len % triplet || (size_t)len / triplet > ABI_RLIMITS_MAX)
		return error_set(err, 0, "property `%s`: not 1..%u triplets of 64-bit cells", name,
				 ABI_RLIMITS_MAX);
	cfg->n_rlimits = (unsigned)((size_t)len / triplet);
	for (unsigned i = 0; i < cfg->n_rlimits; i++) {
		fdt64_t cell[3];
		memcpy(cell, (const uint8_t *)val + i * triplet, triplet);
		uint64_t res = fdt64_to_cpu(cell[0]);
		struct config_rlimit *rl = &cfg->rlimits[i];
		rl->soft = fdt64_to_cpu(cell[1]);
		rl->hard = fdt64_to_cpu(cell[2]);
		if (res >= ABI_RLIMITS_MAX || rl->soft > rl->hard)
			return error_set(err, 0,
					 "property `%s`: triplet %u is not a resource < %u "
					 "with soft <= hard",
					 name, i, ABI_RLIMITS_MAX);
		rl->resource = (unsigned)res;
	}
	return 0;
}

/* winsize = <rows cols>: two cells, each in 1..ABI_WINSIZE_MAX. */
static int get_winsize(const char *name, const void *val, int len, struct config *cfg,
		       struct sb_error *err)
{
	fdt32_t cell[2];
	if (len != (int)sizeof(cell))
		return error_set(err, 0, "property `%s`: %d bytes, want two 32-bit cells", name,
				 len);
	memcpy(cell, val, sizeof(cell));
	uint32_t rows = fdt32_to_cpu(cell[0]), cols = fdt32_to_cpu(cell[1]);
	if (!rows || !cols || rows > ABI_WINSIZE_MAX || cols > ABI_WINSIZE_MAX)
		return error_set(err, 0, "property `%s`: %ux%u out of range [1, %u]", name, rows,
				 cols, ABI_WINSIZE_MAX);
	cfg->rows = (uint16_t)rows;
	cfg->cols = (uint16_t)cols;
	return 0;
}

/* A list of 1..ABI_MASKS_MAX absolute paths, each shorter than ABI_PATH_MAX. */
static int get_paths(const char *name, const char *val, int len, char ***out, size_t *n,
		     struct sb_error *err)
{
	int r = config_get_list(name, val, len, ABI_MASKS_MAX, out, n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < *n; i++)
		if ((*out)[i][0] != '/' || strlen((*out)[i]) >= ABI_PATH_MAX)
			return error_set(err, 0, "property `%s`: entry %zu is not an absolute path",
					 name, i);
	return *n ? 0 : error_set(err, 0, "property `%s`: empty list", name);
}

static int root_prop(struct config *cfg, int bit, const char *name, const char *val, int len,
		     struct sb_error *err)
{
	uint32_t u32 = 0;
	int r;
	switch (bit) {
	case SEEN_COMPATIBLE:
		if (len != (int)sizeof(ABI_FDT_COMPATIBLE) ||
		    memcmp(val, ABI_FDT_COMPATIBLE, sizeof(ABI_FDT_COMPATIBLE)) != 0)
			return error_set(err, 0, "not a run config (compatible is not \"%s\")",
					 ABI_FDT_COMPATIBLE);
		return 0;
	case SEEN_VERSION:
		if ((r = config_get_u32(name, val, len, &u32, err)) < 0)
			return r;
		if (u32 != SANDBOX_ABI_VERSION)
			return error_set(err, 0, "run config version %u, this init speaks %u", u32,
					 SANDBOX_ABI_VERSION);
		return 0;
	case SEEN_ARGV:
		return config_get_list(name, val, len, ABI_MAX_ARGS, &cfg->argv, &cfg->argc, err);
	case SEEN_ENV:
		return config_get_list(name, val, len, ABI_MAX_ENV, &cfg->env, &cfg->envc, err);
	case SEEN_CWD:
		return config_get_string(name, val, len, ABI_PATH_MAX, &cfg->cwd, err);
	case SEEN_USER:
		return config_get_string(name, val, len, ABI_PATH_MAX, &cfg->user, err);
	case SEEN_HOSTNAME:
		return config_get_string(name, val, len, ABI_HOSTNAME_MAX + 1, &cfg->hostname, err);
	case SEEN_TIME:
		cfg->has_time = true;
		return get_u64(name, val, len, &cfg->time_ns, err);
	case SEEN_TTY:
		return config_get_bool(name, val, len, &cfg->tty, err);
	case SEEN_SEED:
		if (len < ABI_SEED_MIN || len > ABI_SEED_MAX)
			return error_set(err, 0, "property `%s`: %d bytes, want %u to %u", name,
					 len, ABI_SEED_MIN, ABI_SEED_MAX);
		cfg->seed = (uint8_t *)(uintptr_t)val;
		cfg->seed_len = (size_t)len;
		return 0;
	case SEEN_WINSIZE:
		return get_winsize(name, val, len, cfg, err);
	case SEEN_RLIMITS:
		return get_rlimits(name, val, len, cfg, err);
	case SEEN_GROUPS:
		if (len <= 0 || len % 4 || len / 4 > (int)ABI_GROUPS_MAX)
			return error_set(err, 0, "property `%s`: not 1..%u 32-bit cells", name,
					 ABI_GROUPS_MAX);
		cfg->n_groups = (unsigned)len / 4;
		for (unsigned i = 0; i < cfg->n_groups; i++) {
			fdt32_t c;
			memcpy(&c, (const uint8_t *)val + 4 * i, 4);
			cfg->groups[i] = fdt32_to_cpu(c);
		}
		return 0;
	case SEEN_HOLD:
		return config_get_bool(name, val, len, &cfg->hold, err);
	case SEEN_PID_NS:
		return config_get_bool(name, val, len, &cfg->pid_ns, err);
	case SEEN_EXEC:
		return config_get_bool(name, val, len, &cfg->exec, err);
	case SEEN_CAPS:
		if (len != (int)(ABI_CAP_SETS * sizeof(fdt64_t)))
			return error_set(err, 0, "property `%s`: %d bytes, want %u 64-bit cells",
					 name, len, ABI_CAP_SETS);
		for (unsigned i = 0; i < ABI_CAP_SETS; i++) {
			fdt64_t c;
			memcpy(&c, val + 8 * i, 8);
			cfg->caps[i] = fdt64_to_cpu(c);
		}
		cfg->has_caps = true;
		return 0;
	case SEEN_NNP:
		return config_get_bool(name, val, len, &cfg->no_new_privs, err);
	case SEEN_CAPS_ROOT:
		return config_get_bool(name, val, len, &cfg->caps_root_only, err);
	case SEEN_MASKED:
		return get_paths(name, val, len, &cfg->masked, &cfg->n_masked, err);
	case SEEN_READONLY:
		return get_paths(name, val, len, &cfg->readonly, &cfg->n_readonly, err);
	}
	return error_set(err, 0, "property `%s` not allowed here", name);
}

static int limit_prop(struct config_limits *l, int bit, const char *name, const char *val, int len,
		      struct sb_error *err)
{
	switch (bit) {
	case SEEN_MEMORY:
		return get_limit(name, val, len, 1, UINT64_MAX, &l->memory_max, err);
	case SEEN_PIDS:
		return get_limit(name, val, len, 1, UINT64_MAX, &l->pids_max, err);
	case SEEN_QUOTA:
		return get_limit(name, val, len, ABI_CPU_QUOTA_MIN, ABI_CPU_QUOTA_MAX,
				 &l->cpu_quota_us, err);
	case SEEN_PERIOD:
		return get_limit(name, val, len, ABI_CPU_PERIOD_MIN, ABI_CPU_PERIOD_MAX,
				 &l->cpu_period_us, err);
	}
	return error_set(err, 0, "property `%s` not allowed here", name);
}

/* Walk the properties of node, checking names against allowed. */
static int walk_props(const void *fdt, int node, unsigned allowed, unsigned *seen,
		      struct config *cfg, struct sb_error *err)
{
	int off, r;
	fdt_for_each_property_offset(off, fdt, node)
	{
		const char *name;
		int len;
		const char *val = fdt_getprop_by_offset(fdt, off, &name, &len);
		if (!val || !name || len < 0)
			return error_set(err, 0, "unreadable property: %s", fdt_strerror(len));
		if ((r = mark_seen(name, allowed, seen, err)) < 0)
			return r;
		if (allowed == LIMIT_PROPS)
			r = limit_prop(&cfg->limits, r, name, val, len, err);
		else
			r = root_prop(cfg, r, name, val, len, err);
		if (r < 0)
			return r;
	}
	if (off != -FDT_ERR_NOTFOUND)
		return error_set(err, 0, "bad property table: %s", fdt_strerror(off));
	return 0;
}

/* The subnodes of root: at most one limits, one network and one mounts node. */
static int walk_nodes(const void *fdt, int root, unsigned *seen, struct config *cfg,
		      struct sb_error *err)
{
	int node, r;
	fdt_for_each_subnode(node, fdt, root)
	{
		const char *name = fdt_get_name(fdt, node, NULL);
		bool limits = name && strcmp(name, ABI_NODE_LIMITS) == 0;
		bool network = name && strcmp(name, ABI_NODE_NETWORK) == 0;
		bool mounts = name && strcmp(name, ABI_NODE_MOUNTS) == 0;
		unsigned bit = limits ? SEEN_LIMITS : network ? SEEN_NETWORK : SEEN_MOUNTS;
		if ((!limits && !network && !mounts) || (*seen & bit))
			return error_set(err, 0, "unexpected node `%s`", name ? name : "?");
		*seen |= bit;
		if (mounts) { /* its subnodes are the mounts */
			if ((r = config_mounts_parse(fdt, node, &cfg->mounts, err)) < 0)
				return r;
			continue;
		}
		if (fdt_first_subnode(fdt, node) >= 0)
			return error_set(err, 0, "unexpected node under `%s`", name);
		if (limits)
			r = walk_props(fdt, node, LIMIT_PROPS, seen, cfg, err);
		else
			r = config_net_parse(fdt, node, &cfg->net, err);
		if (r < 0)
			return r;
	}
	if (node != -FDT_ERR_NOTFOUND)
		return error_set(err, 0, "bad node table: %s", fdt_strerror(node));
	return 0;
}

/* Cross-property rules and defaults, once everything is read. */
static int finish(struct config *cfg, unsigned seen, struct sb_error *err)
{
	if (!(seen & SEEN_COMPATIBLE) || !(seen & SEEN_VERSION))
		return error_set(err, 0, "not a run config (no compatible or version)");
	if (!(seen & SEEN_ARGV) || cfg->argc == 0 || cfg->argv[0][0] == '\0')
		return error_set(err, 0, "no command to run (argv is missing or empty)");
	for (size_t i = 0; i < cfg->envc; i++) {
		const char *eq = strchr(cfg->env[i], '=');
		if (!eq || eq == cfg->env[i])
			return error_set(err, 0, "env entry %zu is not NAME=VALUE", i);
	}
	if (!cfg->env && !(cfg->env = calloc(1, sizeof(char *))))
		return error_set(err, ENOMEM, "env");
	if (!cfg->cwd)
		cfg->cwd = "/";
	if (cfg->cwd[0] != '/')
		return error_set(err, 0, "cwd `%s` is not absolute", cfg->cwd);
	if (!cfg->user)
		cfg->user = "";
	if (!cfg->hostname)
		cfg->hostname = "sandbox";
	if (!netcheck_name(cfg->hostname, ABI_HOSTNAME_MAX, NULL))
		return error_set(err, 0, "hostname is not 1 to %d letters, digits, '-', '_', '.'",
				 ABI_HOSTNAME_MAX);
	if ((seen & SEEN_WINSIZE) && !cfg->tty)
		return error_set(err, 0, "%s without %s = <1>", ABI_PROP_WINSIZE, ABI_PROP_TTY);
	if (cfg->limits.cpu_period_us && !cfg->limits.cpu_quota_us)
		return error_set(err, 0, "%s without %s", ABI_PROP_CPU_PERIOD, ABI_PROP_CPU_QUOTA);
	if (cfg->limits.cpu_quota_us && !cfg->limits.cpu_period_us)
		cfg->limits.cpu_period_us = ABI_CPU_PERIOD_DEFAULT;
	return 0;
}

static int parse(const void *blob, size_t len, struct config *cfg, struct sb_error *err)
{
	if (len > ABI_CONFIG_MAX_BYTES)
		return error_set(err, 0, "%zu bytes, more than %u", len, ABI_CONFIG_MAX_BYTES);
	if ((uintptr_t)blob % 8 != 0)
		return error_set(err, 0, "misaligned buffer");
	/* Only version 17 blobs, as libfdt's writer makes them: libfdt 1.6.1's
	 * fdt_check_full() reads through NULL on some hostile older-version
	 * blobs (found by tests/fuzz/fuzz_guest_config). */
	if (len < sizeof(struct fdt_header) || fdt_magic(blob) != FDT_MAGIC ||
	    fdt_version(blob) != 17)
		return error_set(err, 0, "invalid FDT: not a version 17 device tree");
	int r = fdt_check_full(blob, len);
	if (r < 0)
		return error_set(err, 0, "invalid FDT: %s", fdt_strerror(r));
	unsigned seen = 0;
	if ((r = walk_props(blob, 0, ROOT_PROPS, &seen, cfg, err)) < 0)
		return r;
	if ((r = walk_nodes(blob, 0, &seen, cfg, err)) < 0)
		return r;
	return finish(cfg, seen, err);
}

int config_parse(const void *blob, size_t len, struct config *cfg, struct sb_error *err)
{
	memset(cfg, 0, sizeof(*cfg));
	int r = parse(blob, len, cfg, err);
	if (r < 0) {
		error_prefix(err, "run config");
		config_free(cfg);
	}
	return r;
}

void config_free(struct config *cfg)
{
	free(cfg->argv);
	free(cfg->env);
	free(cfg->masked);
	free(cfg->readonly);
	config_net_free(&cfg->net);
	config_mounts_free(&cfg->mounts);
	memset(cfg, 0, sizeof(*cfg));
}
