/* config.json (OCI runtime-spec 1.x): the top level, root, mounts, annotations,
 * loading from a bundle. process is spec_process.c, linux is spec_linux.c. */
#include "spec_json.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int root_parse(json_t *top, struct spec *s, struct sb_error *err)
{
	json_t *root;
	int r = spec_json_object_field(top, "", "root", &root, err);
	if (r < 0)
		return r;
	if (!root)
		return spec_json_fail(err, "root", "missing");
	if ((r = spec_json_string_field(root, "root", "path", true, &s->root_path, err)) < 0)
		return r;
	if (!*s->root_path)
		return spec_json_fail(err, "root.path", "empty");
	return spec_json_bool_field(root, "root", "readonly", &s->root_readonly, err);
}

static int mount_parse(json_t *o, const char *path, struct spec_mount *m, struct sb_error *err)
{
	char dpath[SPEC_PATH_MAX];
	if (!json_is_object(o))
		return spec_json_fail(err, path, "not an object");
	int r = spec_json_string_field(o, path, "destination", true, &m->destination, err);
	if (r < 0)
		return r;
	spec_json_path(dpath, path, "destination");
	if (m->destination[0] != '/')
		return spec_json_fail(err, dpath, "not an absolute path");
	if ((r = spec_json_string_field(o, path, "type", false, &m->type, err)) < 0 ||
	    (r = spec_json_string_field(o, path, "source", false, &m->source, err)) < 0)
		return r;
	return spec_json_strv_field(o, path, "options", SPEC_MAX_OPTIONS, &m->options,
				    &m->n_options, err);
}

static int mounts_parse(json_t *top, struct spec *s, struct sb_error *err)
{
	char item[SPEC_PATH_MAX];
	json_t *arr = spec_json_get(top, "mounts");
	if (arr && !json_is_array(arr))
		return spec_json_fail(err, "mounts", "not an array");
	size_t n = json_array_size(arr);
	if (n > SPEC_MAX_MOUNTS)
		return spec_json_fail(err, "mounts", "more than %u entries", SPEC_MAX_MOUNTS);
	if (n == 0)
		return 0;
	if (!(s->mounts = calloc(n, sizeof(*s->mounts))))
		return error_set(err, ENOMEM, "mounts");
	for (size_t i = 0; i < n; i++) {
		spec_json_index(item, "mounts", i);
		s->n_mounts++; /* owns whatever mount_parse filled, even on error */
		int r = mount_parse(json_array_get(arr, i), item, &s->mounts[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int annotations_parse(json_t *top, struct spec *s, struct sb_error *err)
{
	char item[SPEC_PATH_MAX];
	json_t *map, *v;
	const char *k;
	int r = spec_json_object_field(top, "", "annotations", &map, err);
	if (r < 0 || !map)
		return r;
	size_t n = json_object_size(map);
	if (n > SPEC_MAX_ANNOTATIONS)
		return spec_json_fail(err, "annotations", "more than %u entries",
				      SPEC_MAX_ANNOTATIONS);
	if (n == 0)
		return 0;
	if (!(s->annotations = calloc(n, sizeof(*s->annotations))))
		return error_set(err, ENOMEM, "annotations");
	json_object_foreach(map, k, v)
	{
		struct spec_annotation *a = &s->annotations[s->n_annotations];
		spec_json_path(item, "annotations", k);
		if (strlen(k) > SPEC_MAX_STRING)
			return spec_json_fail(err, item, "key longer than %u bytes",
					      SPEC_MAX_STRING);
		if ((r = spec_json_string(v, item, &a->value, err)) < 0)
			return r;
		s->n_annotations++;
		if (!(a->key = strdup(k)))
			return error_set(err, ENOMEM, "annotations");
	}
	return 0;
}

static int top_parse(json_t *top, struct spec *s, struct sb_error *err)
{
	json_t *process, *linux_obj;
	int r = spec_json_string_field(top, "", "ociVersion", true, &s->oci_version, err);
	if (r < 0)
		return r;
	if (!*s->oci_version)
		return spec_json_fail(err, "ociVersion", "empty");
	if ((r = root_parse(top, s, err)) < 0 ||
	    (r = spec_json_string_field(top, "", "hostname", false, &s->hostname, err)) < 0 ||
	    (r = spec_json_object_field(top, "", "process", &process, err)) < 0)
		return r;
	if (!process)
		return spec_json_fail(err, "process", "missing");
	if ((r = spec_process_from_json(process, "process", &s->process, err)) < 0 ||
	    (r = mounts_parse(top, s, err)) < 0 || (r = annotations_parse(top, s, err)) < 0 ||
	    (r = spec_json_object_field(top, "", "linux", &linux_obj, err)) < 0)
		return r;
	return spec_linux_from_json(linux_obj, s, err); /* absent: the defaults */
}

int spec_parse(const char *json, size_t len, struct spec *s, struct sb_error *err)
{
	json_error_t jerr;
	memset(s, 0, sizeof(*s));
	s->resources = (struct spec_resources){.memory_limit = -1,
					       .memory_swap = -1,
					       .cpu_quota = -1,
					       .cpu_period = -1,
					       .cpu_shares = -1,
					       .pids_limit = -1};
	json_t *top = spec_json_load(json, len, &jerr);
	int r;
	if (!top)
		r = error_set(err, 0, "invalid JSON: %s (line %d, column %d)", jerr.text, jerr.line,
			      jerr.column);
	else if (!json_is_object(top))
		r = error_set(err, 0, "not a JSON object");
	else
		r = top_parse(top, s, err);
	json_decref(top);
	if (r < 0) {
		spec_free(s);
		spec_json_one_line(err);
	}
	return r;
}

/* Reads all of FD, at most SPEC_MAX_BYTES (one more byte read tells a bigger file). */
static int read_bounded(int fd, char **out, size_t *len, struct sb_error *err)
{
	size_t cap = 64 << 10, n = 0;
	char *buf = malloc(cap), *nb;
	if (!buf)
		return error_set(err, ENOMEM, "read");
	for (;;) {
		if (n == cap) {
			cap = cap * 2 > SPEC_MAX_BYTES + 1 ? SPEC_MAX_BYTES + 1 : cap * 2;
			if (!(nb = realloc(buf, cap))) {
				free(buf);
				return error_set(err, ENOMEM, "read");
			}
			buf = nb;
		}
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;
			free(buf);
			return error_set(err, e, "read");
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > SPEC_MAX_BYTES) {
			free(buf);
			error_set(err, 0, "larger than %u bytes", SPEC_MAX_BYTES);
			if (err)
				err->code = EFBIG;
			return -EFBIG;
		}
	}
	*out = buf;
	*len = n;
	return 0;
}

/* A regular file's bytes, at most SPEC_MAX_BYTES (a FIFO or device is refused unopened). */
static int read_file(const char *path, char **json, size_t *len, struct sb_error *err)
{
	struct stat st;
	int r;
	/* O_NONBLOCK: a FIFO in its place must not hang the open (it is refused below) */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return error_set(err, errno, "open `%.512s`", path);
	if (fstat(fd, &st) < 0)
		r = error_set(err, errno, "stat `%.512s`", path);
	else if (!S_ISREG(st.st_mode))
		r = error_set(err, 0, "`%.512s`: not a regular file", path);
	else
		r = read_bounded(fd, json, len, err);
	close(fd);
	return r;
}

int spec_load(const char *bundle, struct spec *s, struct sb_error *err)
{
	char path[PATH_MAX], *json = NULL;
	size_t len = 0;
	int r;
	memset(s, 0, sizeof(*s));
	if ((size_t)snprintf(path, sizeof(path), "%s/config.json", bundle) >= sizeof(path))
		r = error_set(err, ENAMETOOLONG, "bundle path");
	else if ((r = read_file(path, &json, &len, err)) == 0)
		r = spec_parse(json, len, s, err);
	free(json);
	if (r < 0) {
		error_prefix(err, "config.json");
		spec_json_one_line(err);
	}
	return r;
}

int spec_load_process(const char *path, struct spec_process *p, struct sb_error *err)
{
	char *json = NULL;
	size_t len = 0;
	memset(p, 0, sizeof(*p));
	int r = read_file(path, &json, &len, err);
	if (r == 0)
		r = spec_parse_process(json, len, p, err);
	free(json);
	if (r < 0) {
		error_prefix(err, "--process %.512s", path);
		spec_json_one_line(err);
	}
	return r;
}

const char *spec_annotation(const struct spec *s, const char *key)
{
	for (size_t i = 0; i < s->n_annotations; i++)
		if (!strcmp(s->annotations[i].key, key))
			return s->annotations[i].value;
	return NULL;
}

bool spec_is_pod_sandbox(const struct spec *s)
{
	static const char *const keys[] = {"io.kubernetes.cri.container-type",
					   "io.kubernetes.cri-o.ContainerType"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = spec_annotation(s, keys[i]);
		if (v && !strcmp(v, "sandbox"))
			return true;
	}
	return false;
}

void spec_free(struct spec *s)
{
	if (!s)
		return;
	free(s->oci_version);
	free(s->root_path);
	free(s->hostname);
	spec_process_free(&s->process);
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].destination);
		free(s->mounts[i].type);
		free(s->mounts[i].source);
		spec_json_strv_free(s->mounts[i].options);
	}
	free(s->mounts);
	for (size_t i = 0; i < s->n_annotations; i++) {
		free(s->annotations[i].key);
		free(s->annotations[i].value);
	}
	free(s->annotations);
	free(s->resources.cpu_cpus);
	free(s->cgroups_path);
	for (int i = 0; i < SPEC_NS_COUNT; i++)
		free(s->ns[i].path);
	spec_json_strv_free(s->masked_paths);
	spec_json_strv_free(s->readonly_paths);
	memset(s, 0, sizeof(*s));
}
