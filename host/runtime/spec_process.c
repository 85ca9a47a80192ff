/* config.json's process object: args, env, cwd, user, capabilities, rlimits. */
#include "spec_json.h"

#include "secopts.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* Each name at its number: NAMED(CAP_KILL) is [5] = "CAP_KILL". */
#define NAMED(c) [c] = #c

_Static_assert(CAP_LAST_CAP < 64, "capability sets are 64-bit masks");

/* <sys/resource.h>'s RLIMIT_* names, as runc accepts them. */
static const char *const rlimit_names[] = {
    NAMED(RLIMIT_CPU),	    NAMED(RLIMIT_FSIZE), NAMED(RLIMIT_DATA),   NAMED(RLIMIT_STACK),
    NAMED(RLIMIT_CORE),	    NAMED(RLIMIT_RSS),	 NAMED(RLIMIT_NPROC),  NAMED(RLIMIT_NOFILE),
    NAMED(RLIMIT_MEMLOCK),  NAMED(RLIMIT_AS),	 NAMED(RLIMIT_LOCKS),  NAMED(RLIMIT_SIGPENDING),
    NAMED(RLIMIT_MSGQUEUE), NAMED(RLIMIT_NICE),	 NAMED(RLIMIT_RTPRIO), NAMED(RLIMIT_RTTIME),
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static int name_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return (int)i;
	return -1;
}

static int cap_set(json_t *caps, const char *parent, const char *key, uint64_t *mask,
		   struct sb_error *err)
{
	char path[SPEC_PATH_MAX], item[SPEC_PATH_MAX];
	spec_json_path(path, parent, key);
	json_t *arr = spec_json_get(caps, key);
	if (arr && !json_is_array(arr))
		return spec_json_fail(err, path, "not an array");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *v = json_array_get(arr, i);
		spec_json_index(item, path, i);
		int r = spec_json_string(v, item, NULL, err);
		if (r < 0)
			return r;
		const char *name = json_string_value(v);
		int bit = secopts_cap_number(name); /* runc: "CAP_" and upper case only */
		if (bit >= 0 && strcmp(secopts_cap_name((unsigned)bit), name))
			bit = -1;
		if (bit >= 0) /* unknown: ignored, as runc does (with a warning) */
			*mask |= UINT64_C(1) << bit;
	}
	return 0;
}

static int caps_parse(json_t *o, const char *parent, struct spec_caps *c, struct sb_error *err)
{
	char path[SPEC_PATH_MAX];
	json_t *caps;
	int r = spec_json_object_field(o, parent, "capabilities", &caps, err);
	if (r < 0 || !caps)
		return r;
	spec_json_path(path, parent, "capabilities");
	c->present = true;
	if ((r = cap_set(caps, path, "bounding", &c->bounding, err)) < 0 ||
	    (r = cap_set(caps, path, "effective", &c->effective, err)) < 0 ||
	    (r = cap_set(caps, path, "inheritable", &c->inheritable, err)) < 0 ||
	    (r = cap_set(caps, path, "permitted", &c->permitted, err)) < 0)
		return r;
	return cap_set(caps, path, "ambient", &c->ambient, err);
}

static int rlimit_parse(json_t *o, const char *path, struct spec_process *p, struct sb_error *err)
{
	struct spec_rlimit *rl = &p->rlimits[p->n_rlimits];
	char tpath[SPEC_PATH_MAX];
	int64_t hard = 0, soft = 0; /* absent: 0, Go's zero value, as runc reads it */
	if (!json_is_object(o))
		return spec_json_fail(err, path, "not an object");
	int r = spec_json_string_field(o, path, "type", true, &rl->type, err);
	if (r < 0)
		return r;
	p->n_rlimits++; /* owns rl->type from here */
	spec_json_path(tpath, path, "type");
	if ((rl->resource = name_index(rlimit_names, N_ELEMS(rlimit_names), rl->type)) < 0)
		return spec_json_fail(err, tpath, "unknown rlimit `%.64s`", rl->type);
	for (size_t i = 0; i + 1 < p->n_rlimits; i++)
		if (!strcmp(p->rlimits[i].type, rl->type))
			return spec_json_fail(err, tpath, "duplicate `%s`", rl->type);
	/* -1: 2^64-1 in the file (spec_json_load), RLIM_INFINITY */
	if ((r = spec_json_int_field(o, path, "hard", -1, INT64_MAX, &hard, NULL, err)) < 0 ||
	    (r = spec_json_int_field(o, path, "soft", -1, INT64_MAX, &soft, NULL, err)) < 0)
		return r;
	rl->hard = hard < 0 ? UINT64_MAX : (uint64_t)hard;
	rl->soft = soft < 0 ? UINT64_MAX : (uint64_t)soft;
	return 0;
}

static int rlimits_parse(json_t *o, const char *parent, struct spec_process *p,
			 struct sb_error *err)
{
	char path[SPEC_PATH_MAX], item[SPEC_PATH_MAX];
	spec_json_path(path, parent, "rlimits");
	json_t *arr = spec_json_get(o, "rlimits");
	if (arr && !json_is_array(arr))
		return spec_json_fail(err, path, "not an array");
	size_t n = json_array_size(arr);
	if (n > SPEC_MAX_RLIMITS)
		return spec_json_fail(err, path, "more than %u entries", SPEC_MAX_RLIMITS);
	if (n == 0)
		return 0;
	if (!(p->rlimits = calloc(n, sizeof(*p->rlimits))))
		return error_set(err, ENOMEM, "%s", path);
	for (size_t i = 0; i < n; i++) {
		spec_json_index(item, path, i);
		int r = rlimit_parse(json_array_get(arr, i), item, p, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int gids_parse(json_t *user, const char *parent, struct spec_process *p,
		      struct sb_error *err)
{
	char path[SPEC_PATH_MAX], item[SPEC_PATH_MAX];
	spec_json_path(path, parent, "additionalGids");
	json_t *arr = spec_json_get(user, "additionalGids");
	if (arr && !json_is_array(arr))
		return spec_json_fail(err, path, "not an array");
	size_t n = json_array_size(arr);
	if (n > SPEC_MAX_GIDS)
		return spec_json_fail(err, path, "more than %u entries", SPEC_MAX_GIDS);
	if (n == 0)
		return 0;
	if (!(p->gids = calloc(n, sizeof(*p->gids))))
		return error_set(err, ENOMEM, "%s", path);
	for (size_t i = 0; i < n; i++) {
		int64_t g;
		spec_json_index(item, path, i);
		int r = spec_json_int(json_array_get(arr, i), item, 0, UINT32_MAX, &g, err);
		if (r < 0)
			return r;
		p->gids[p->n_gids++] = (uint32_t)g;
	}
	return 0;
}

static int user_parse(json_t *o, const char *parent, struct spec_process *p, struct sb_error *err)
{
	char path[SPEC_PATH_MAX];
	json_t *user;
	int64_t uid = 0, gid = 0, umask = 0;
	int r = spec_json_object_field(o, parent, "user", &user, err);
	if (r < 0 || !user)
		return r;
	spec_json_path(path, parent, "user");
	if ((r = spec_json_int_field(user, path, "uid", 0, UINT32_MAX, &uid, NULL, err)) < 0 ||
	    (r = spec_json_int_field(user, path, "gid", 0, UINT32_MAX, &gid, NULL, err)) < 0 ||
	    (r = spec_json_int_field(user, path, "umask", 0, UINT32_MAX, &umask, NULL, err)) < 0 ||
	    (r = spec_json_string_field(user, path, "username", false, &p->username, err)) < 0)
		return r;
	p->uid = (uint32_t)uid;
	p->gid = (uint32_t)gid;
	return gids_parse(user, path, p, err);
}

static int console_parse(json_t *o, const char *parent, struct spec_process *p,
			 struct sb_error *err)
{
	char path[SPEC_PATH_MAX];
	json_t *size;
	int64_t h = 0, w = 0;
	int r = spec_json_object_field(o, parent, "consoleSize", &size, err);
	if (r < 0 || !size)
		return r;
	spec_json_path(path, parent, "consoleSize");
	if ((r = spec_json_int_field(size, path, "height", 0, UINT16_MAX, &h, NULL, err)) < 0 ||
	    (r = spec_json_int_field(size, path, "width", 0, UINT16_MAX, &w, NULL, err)) < 0)
		return r;
	p->rows = (uint16_t)h;
	p->cols = (uint16_t)w;
	return 0;
}

static int args_parse(json_t *o, const char *parent, struct spec_process *p, struct sb_error *err)
{
	char path[SPEC_PATH_MAX];
	size_t n = 0;
	spec_json_path(path, parent, "args");
	if (!spec_json_get(o, "args"))
		return spec_json_fail(err, path, "missing");
	int r = spec_json_strv_field(o, parent, "args", SPEC_MAX_ARGS, &p->args, &n, err);
	if (r < 0)
		return r;
	if (n == 0)
		return spec_json_fail(err, path, "empty");
	spec_json_index(path, path, 0);
	if (!p->args[0][0])
		return spec_json_fail(err, path, "empty");
	return 0;
}

static int env_parse(json_t *o, const char *parent, struct spec_process *p, struct sb_error *err)
{
	char path[SPEC_PATH_MAX], item[SPEC_PATH_MAX];
	int r = spec_json_strv_field(o, parent, "env", SPEC_MAX_ENV, &p->env, NULL, err);
	if (r < 0)
		return r;
	spec_json_path(path, parent, "env");
	for (size_t i = 0; p->env[i]; i++) {
		const char *eq = strchr(p->env[i], '=');
		if (!eq || eq == p->env[i]) {
			spec_json_index(item, path, i);
			return spec_json_fail(err, item, "not NAME=VALUE");
		}
	}
	return 0;
}

static int cwd_parse(json_t *o, const char *parent, struct spec_process *p, struct sb_error *err)
{
	char path[SPEC_PATH_MAX];
	int r = spec_json_string_field(o, parent, "cwd", false, &p->cwd, err);
	if (r < 0)
		return r;
	spec_json_path(path, parent, "cwd");
	if (p->cwd && p->cwd[0] != '/')
		return spec_json_fail(err, path, "not an absolute path");
	if (!p->cwd && !(p->cwd = strdup("/")))
		return error_set(err, ENOMEM, "%s", path);
	return 0;
}

int spec_process_from_json(json_t *o, const char *parent, struct spec_process *p,
			   struct sb_error *err)
{
	int64_t oom = 0;
	int r;
	if ((r = spec_json_bool_field(o, parent, "terminal", &p->terminal, err)) < 0 ||
	    (r = console_parse(o, parent, p, err)) < 0 || (r = user_parse(o, parent, p, err)) < 0 ||
	    (r = args_parse(o, parent, p, err)) < 0 || (r = env_parse(o, parent, p, err)) < 0 ||
	    (r = cwd_parse(o, parent, p, err)) < 0 ||
	    (r = caps_parse(o, parent, &p->caps, err)) < 0 ||
	    (r = rlimits_parse(o, parent, p, err)) < 0)
		return r;
	if ((r = spec_json_bool_field(o, parent, "noNewPrivileges", &p->no_new_privileges, err)) <
		0 ||
	    (r = spec_json_int_field(o, parent, "oomScoreAdj", -1000, 1000, &oom,
				     &p->has_oom_score_adj, err)) < 0)
		return r;
	p->oom_score_adj = oom;
	/* honoured by nothing in a VM, but a known field: its type is still checked */
	if ((r = spec_json_string_field(o, parent, "apparmorProfile", false, NULL, err)) < 0)
		return r;
	return spec_json_string_field(o, parent, "selinuxLabel", false, NULL, err);
}

void spec_process_free(struct spec_process *p)
{
	if (!p)
		return;
	free(p->gids);
	free(p->username);
	spec_json_strv_free(p->args);
	spec_json_strv_free(p->env);
	free(p->cwd);
	for (size_t i = 0; i < p->n_rlimits; i++)
		free(p->rlimits[i].type);
	free(p->rlimits);
	memset(p, 0, sizeof(*p));
}

int spec_parse_process(const char *json, size_t len, struct spec_process *p, struct sb_error *err)
{
	json_error_t jerr;
	memset(p, 0, sizeof(*p));
	json_t *root = spec_json_load(json, len, &jerr);
	int r;
	if (!root)
		r = error_set(err, 0, "invalid JSON: %s (line %d, column %d)", jerr.text, jerr.line,
			      jerr.column);
	else if (!json_is_object(root))
		r = error_set(err, 0, "process: not a JSON object");
	else
		r = spec_process_from_json(root, "", p, err);
	json_decref(root);
	if (r < 0) {
		spec_process_free(p);
		spec_json_one_line(err);
	}
	return r;
}
