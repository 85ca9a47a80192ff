/* config.json's linux object: resources, cgroupsPath, namespaces, masked and
 * read-only paths, sysctl. */
#include "spec_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const ns_names[SPEC_NS_COUNT] = {
    [SPEC_NS_PID] = "pid",	 [SPEC_NS_NETWORK] = "network", [SPEC_NS_MOUNT] = "mount",
    [SPEC_NS_IPC] = "ipc",	 [SPEC_NS_UTS] = "uts",		[SPEC_NS_USER] = "user",
    [SPEC_NS_CGROUP] = "cgroup", [SPEC_NS_TIME] = "time",
};

static int namespace_parse(json_t *o, const char *path, struct spec *s, struct sb_error *err)
{
	char tpath[SPEC_PATH_MAX], *type = NULL, *nspath = NULL;
	if (!json_is_object(o))
		return spec_json_fail(err, path, "not an object");
	int r = spec_json_string_field(o, path, "type", true, &type, err);
	if (r < 0)
		return r;
	spec_json_path(tpath, path, "type");
	int t = 0;
	while (t < SPEC_NS_COUNT && strcmp(ns_names[t], type))
		t++;
	if (t == SPEC_NS_COUNT)
		r = spec_json_fail(err, tpath, "unknown namespace type `%.64s`", type);
	else if (s->ns[t].present)
		r = spec_json_fail(err, tpath, "duplicate `%s` namespace", type);
	free(type);
	if (r < 0)
		return r;
	if ((r = spec_json_string_field(o, path, "path", false, &nspath, err)) < 0)
		return r;
	s->ns[t].present = true;
	if (nspath && !*nspath) { /* "": a new namespace, as runc reads it */
		free(nspath);
		nspath = NULL;
	}
	s->ns[t].path = nspath;
	return 0;
}

static int namespaces_parse(json_t *linux_obj, struct spec *s, struct sb_error *err)
{
	char item[SPEC_PATH_MAX];
	json_t *arr = spec_json_get(linux_obj, "namespaces");
	if (arr && !json_is_array(arr))
		return spec_json_fail(err, "linux.namespaces", "not an array");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		spec_json_index(item, "linux.namespaces", i);
		int r = namespace_parse(json_array_get(arr, i), item, s, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int memory_parse(json_t *res, struct spec_resources *rs, struct sb_error *err)
{
	const char *path = "linux.resources.memory";
	json_t *m;
	bool oom;
	int64_t x;
	int r = spec_json_object_field(res, "linux.resources", "memory", &m, err);
	if (r < 0 || !m)
		return r;
	if ((r = spec_json_int_field(m, path, "limit", -1, INT64_MAX, &rs->memory_limit, NULL,
				     err)) < 0 ||
	    (r = spec_json_int_field(m, path, "swap", -1, INT64_MAX, &rs->memory_swap, NULL, err)) <
		0)
		return r;
	/* not honoured, type-checked */
	if ((r = spec_json_int_field(m, path, "reservation", -1, INT64_MAX, &x, NULL, err)) < 0 ||
	    (r = spec_json_int_field(m, path, "swappiness", 0, 100, &x, NULL, err)) < 0)
		return r;
	return spec_json_bool_field(m, path, "disableOOMKiller", &oom, err);
}

static int cpu_parse(json_t *res, struct spec_resources *rs, struct sb_error *err)
{
	const char *path = "linux.resources.cpu";
	json_t *c;
	int r = spec_json_object_field(res, "linux.resources", "cpu", &c, err);
	if (r < 0 || !c)
		return r;
	if ((r = spec_json_int_field(c, path, "shares", 0, INT64_MAX, &rs->cpu_shares, NULL, err)) <
		0 ||
	    (r = spec_json_int_field(c, path, "quota", -1, INT64_MAX, &rs->cpu_quota, NULL, err)) <
		0 ||
	    (r = spec_json_int_field(c, path, "period", 0, INT64_MAX, &rs->cpu_period, NULL, err)) <
		0 ||
	    (r = spec_json_string_field(c, path, "cpus", false, &rs->cpu_cpus, err)) < 0)
		return r;
	return spec_json_string_field(c, path, "mems", false, NULL, err);
}

static int resources_parse(json_t *linux_obj, struct spec_resources *rs, struct sb_error *err)
{
	json_t *res, *pids;
	int r = spec_json_object_field(linux_obj, "linux", "resources", &res, err);
	if (r < 0 || !res)
		return r;
	if ((r = memory_parse(res, rs, err)) < 0 || (r = cpu_parse(res, rs, err)) < 0)
		return r;
	if ((r = spec_json_object_field(res, "linux.resources", "pids", &pids, err)) < 0 || !pids)
		return r;
	r = spec_json_int_field(pids, "linux.resources.pids", "limit", INT64_MIN, INT64_MAX,
				&rs->pids_limit, NULL, err);
	if (rs->pids_limit <= 0) /* 0 or negative: no limit (spec.h) */
		rs->pids_limit = -1;
	return r;
}

int spec_linux_from_json(json_t *linux_obj, struct spec *s, struct sb_error *err)
{
	int r;
	if ((r = resources_parse(linux_obj, &s->resources, err)) < 0 ||
	    (r = spec_json_string_field(linux_obj, "linux", "cgroupsPath", false, &s->cgroups_path,
					err)) < 0 ||
	    (r = namespaces_parse(linux_obj, s, err)) < 0)
		return r;
	if ((r = spec_json_strv_field(linux_obj, "linux", "maskedPaths", SIZE_MAX, &s->masked_paths,
				      NULL, err)) < 0)
		return r;
	if ((r = spec_json_strv_field(linux_obj, "linux", "readonlyPaths", SIZE_MAX,
				      &s->readonly_paths, NULL, err)) < 0)
		return r;
	return spec_json_strmap_check(linux_obj, "linux", "sysctl", SIZE_MAX, err);
}
