/* OCI image index parsing: pick a manifest by tag, then by platform (linux/amd64). */
#include "oci.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define MAX_MANIFESTS 4096

static int is_index_type(const char *mt)
{
	return mt && (!strcmp(mt, "application/vnd.oci.image.index.v1+json") ||
		      !strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json"));
}

static const char *ref_name(json_t *m)
{
	return json_string_value(json_object_get(json_object_get(m, "annotations"), OCI_REF_NAME));
}

/* 1 if the descriptor's platform is linux/amd64, 0 if another, -1 if absent. */
static int platform_match(json_t *m)
{
	json_t *p = json_object_get(m, "platform");
	if (!json_is_object(p))
		return -1;
	const char *os = json_string_value(json_object_get(p, "os"));
	const char *arch = json_string_value(json_object_get(p, "architecture"));
	return os && arch && !strcmp(os, "linux") && !strcmp(arch, "amd64");
}

/* Append "a, b, c" (distinct, truncated) to buf. */
static void list_add(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(s);
	for (const char *p = strstr(buf, s); p; p = strstr(p + 1, s))
		if ((p == buf || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
			return;
	size_t len = strlen(buf);
	if (len + n + 3 >= cap)
		return;
	snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", s);
}

static int desc_parse(json_t *m, struct oci_desc *out, int *is_index, struct sb_error *err)
{
	json_t *size = json_object_get(m, "size");
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return error_set(err, EINVAL, "descriptor has no valid size");
	int r = digest_parse(json_string_value(json_object_get(m, "digest")), out->digest, err);
	if (r < 0)
		return r;
	out->size = (uint64_t)json_integer_value(size);
	*is_index = is_index_type(json_string_value(json_object_get(m, "mediaType")));
	return 0;
}

static int pick_platform(json_t **cand, size_t n, const char *where, json_t **out,
			 struct sb_error *err)
{
	char found[512] = "";
	for (size_t i = 0; i < n; i++) {
		int pm = platform_match(cand[i]);
		if (pm == 1 || (pm == -1 && n == 1)) {
			*out = cand[i];
			return 0;
		}
		json_t *p = json_object_get(cand[i], "platform");
		const char *os = json_string_value(json_object_get(p, "os"));
		const char *arch = json_string_value(json_object_get(p, "architecture"));
		char one[160];
		snprintf(one, sizeof(one), "%.64s/%.64s", os ? os : "?", arch ? arch : "?");
		list_add(found, sizeof(found), one);
	}
	return error_set(err, ENOENT, "%s: no linux/amd64 image (platforms: %s)", where,
			 found[0] ? found : "none");
}

static int select_from(json_t *arr, int top, const char *tag, const char *where, json_t **out,
		       struct sb_error *err)
{
	size_t n = json_array_size(arr);
	json_t *cand[MAX_MANIFESTS];
	size_t nc = 0;
	char tags[512] = "";
	for (size_t i = 0; i < n; i++) {
		json_t *m = json_array_get(arr, i);
		const char *name = top ? ref_name(m) : NULL;
		if (name)
			list_add(tags, sizeof(tags), name);
		if (!tag || (name && !strcmp(name, tag)))
			cand[nc++] = m;
	}
	if (nc == 0 && tag)
		return error_set(err, ENOENT, "%s: no image tagged `%s` (tags: %s)", where, tag,
				 tags[0] ? tags : "none");
	if (nc == 0)
		return error_set(err, ENOENT, "%s: index lists no manifests", where);
	if (top && !tag && strchr(tags, ','))
		return error_set(err, EINVAL, "%s holds several images, name one of the tags: %s",
				 where, tags);
	if (nc == 1 && top) {
		*out = cand[0];
		if (platform_match(cand[0]) != 0)
			return 0;
	}
	return pick_platform(cand, nc, where, out, err);
}

int oci_index_select(const char *json, size_t len, int top, const char *tag, const char *where,
		     struct oci_desc *out, int *is_index, struct sb_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr);
	if (!root)
		return error_set(err, EINVAL, "%s: bad index JSON: %s (line %d)", where, jerr.text,
				 jerr.line);
	int r;
	json_t *arr = json_object_get(root, "manifests");
	json_t *m = NULL;
	if (!json_is_array(arr))
		r = error_set(err, EINVAL, "%s: index has no manifests array", where);
	else if (json_array_size(arr) > MAX_MANIFESTS)
		r = error_set(err, E2BIG, "%s: index lists too many manifests", where);
	else
		r = select_from(arr, top, tag, where, &m, err);
	if (r == 0) {
		r = desc_parse(m, out, is_index, err);
		if (r < 0)
			error_prefix(err, "%s: index entry", where);
	}
	json_decref(root);
	return r;
}

int oci_json_is_index(const char *json, size_t len)
{
	json_t *root = json_loadb(json, len, 0, NULL);
	int r = json_is_array(json_object_get(root, "manifests"));
	json_decref(root);
	return r;
}
