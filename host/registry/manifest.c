/* Manifest media types, platform choice in an index, image manifests. */
#include "errors.h"
#include "manifest.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INDEX_MAX_ENTRIES 4096

void platform_default(struct platform *p)
{
	memset(p, 0, sizeof(*p));
	strcpy(p->os, "linux");
	strcpy(p->arch, "amd64");
}

static const char *arch_alias(const char *a)
{
	if (!strcmp(a, "x86_64") || !strcmp(a, "x86-64"))
		return "amd64";
	if (!strcmp(a, "aarch64"))
		return "arm64";
	return a;
}

static bool word_ok(const char *s, size_t n)
{
	if (n == 0 || n >= 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

int platform_parse(const char *s, struct platform *p, struct sb_error *err)
{
	memset(p, 0, sizeof(*p));
	const char *a = strchr(s, '/'), *v = a ? strchr(a + 1, '/') : NULL;
	size_t on = a ? (size_t)(a - s) : 0, an = a ? (v ? (size_t)(v - a - 1) : strlen(a + 1)) : 0;
	if (!a || !word_ok(s, on) || !word_ok(a + 1, an) ||
	    (v && (!word_ok(v + 1, strlen(v + 1)) || strchr(v + 1, '/'))))
		return registry_fail(
		    err, EINVAL,
		    "invalid --platform `%.64s` (want os/arch[/variant], e.g. linux/amd64)", s);
	memcpy(p->os, s, on);
	char arch[32] = {0};
	memcpy(arch, a + 1, an);
	snprintf(p->arch, sizeof(p->arch), "%s", arch_alias(arch));
	if (v)
		snprintf(p->variant, sizeof(p->variant), "%s", v + 1);
	return 0;
}

static const char *const image_types[] = {MT_OCI_MANIFEST, MT_DOCKER_MANIFEST};
static const char *const index_types[] = {MT_OCI_INDEX, MT_DOCKER_LIST};

static enum manifest_kind type_kind(const char *t)
{
	for (int i = 0; t && i < 2; i++) {
		if (!strcmp(t, image_types[i]))
			return MANIFEST_IMAGE;
		if (!strcmp(t, index_types[i]))
			return MANIFEST_INDEX;
	}
	return 0;
}

int manifest_kind(const char *content_type, const char *json, size_t len, enum manifest_kind *kind,
		  char media_type[MANIFEST_MT_MAX], struct sb_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr);
	if (!json_is_object(root)) {
		json_decref(root);
		return registry_fail(err, EBADMSG, "manifest is not a JSON object");
	}
	const char *field = json_string_value(json_object_get(root, "mediaType"));
	const char *type = type_kind(content_type) ? content_type : type_kind(field) ? field : NULL;
	int r = 0;
	if (!type && json_integer_value(json_object_get(root, "schemaVersion")) == 1)
		r = registry_fail(err, ENOTSUP,
				  "docker schema 1 manifest: not supported (push the image again "
				  "with a current tool)");
	else if (!type && !field && json_is_array(json_object_get(root, "manifests")))
		type = MT_OCI_INDEX;
	else if (!type && !field && json_is_object(json_object_get(root, "config")))
		type = MT_OCI_MANIFEST;
	if (r == 0 && !type)
		r = registry_fail(err, ENOTSUP, "unsupported manifest type `%.100s`",
				  field				  ? field
				  : content_type && *content_type ? content_type
								  : "(none)");
	if (r == 0 && field && type_kind(field) && type_kind(field) != type_kind(type))
		r = registry_fail(err, EBADMSG,
				  "manifest says it is `%.100s` but was served as `%.100s`", field,
				  type);
	if (r == 0) {
		*kind = type_kind(type);
		snprintf(media_type, MANIFEST_MT_MAX, "%s", type);
	}
	json_decref(root);
	return r;
}

/* 2: exact (variant too), 1: os/arch match and the variant was not asked
 * for, 0: no match. */
static int platform_score(json_t *plat, const struct platform *p)
{
	const char *os = json_string_value(json_object_get(plat, "os"));
	const char *arch = json_string_value(json_object_get(plat, "architecture"));
	const char *variant = json_string_value(json_object_get(plat, "variant"));
	if (!os || !arch || strcmp(os, p->os) || strcmp(arch_alias(arch), p->arch))
		return 0;
	if (!p->variant[0])
		return variant && *variant ? 1 : 2;
	return variant && !strcmp(variant, p->variant) ? 2 : 0;
}

static int desc_fill(json_t *m, struct manifest_desc *out, struct sb_error *err)
{
	json_t *size = json_object_get(m, "size");
	const char *mt = json_string_value(json_object_get(m, "mediaType"));
	if (!json_is_integer(size) || json_integer_value(size) <= 0)
		return registry_fail(err, EBADMSG, "index entry has no valid size");
	int r = digest_parse(json_string_value(json_object_get(m, "digest")), out->digest, err);
	if (r < 0)
		return error_prefix(err, "index entry");
	out->size = (uint64_t)json_integer_value(size);
	snprintf(out->media_type, sizeof(out->media_type), "%s", mt ? mt : "");
	return 0;
}

static void list_platform(char *buf, size_t cap, json_t *plat)
{
	const char *os = json_string_value(json_object_get(plat, "os"));
	const char *arch = json_string_value(json_object_get(plat, "architecture"));
	const char *variant = json_string_value(json_object_get(plat, "variant"));
	char one[100];
	snprintf(one, sizeof(one), "%.24s/%.24s%s%.24s", os ? os : "?", arch ? arch : "?",
		 variant && *variant ? "/" : "", variant && *variant ? variant : "");
	for (char *q = one; *q; q++)
		if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7f)
			*q = '?';
	size_t len = strlen(buf);
	if (strstr(buf, one) || len + strlen(one) + 3 >= cap)
		return;
	snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", one);
}

int manifest_index_pick(const char *json, size_t len, const struct platform *p,
			struct manifest_desc *out, struct sb_error *err)
{
	json_t *root = json_loadb(json, len, 0, NULL);
	json_t *arr = json_object_get(root, "manifests");
	int r = 0;
	if (!json_is_array(arr))
		r = registry_fail(err, EBADMSG, "index has no manifests array");
	else if (json_array_size(arr) > INDEX_MAX_ENTRIES)
		r = registry_fail(err, E2BIG, "index lists more than %d manifests",
				  INDEX_MAX_ENTRIES);
	json_t *best = NULL, *m;
	int best_score = 0;
	char seen[400] = "";
	size_t i;
	if (r == 0)
		json_array_foreach(arr, i, m)
		{
			json_t *plat = json_object_get(m, "platform");
			const char *os = json_string_value(json_object_get(plat, "os"));
			if (!json_is_object(m) || (os && !strcmp(os, "unknown")))
				continue; /* attestations and the like */
			list_platform(seen, sizeof(seen), plat);
			int s = platform_score(plat, p);
			if (s > best_score) {
				best_score = s;
				best = m;
			}
		}
	if (r == 0 && !best)
		r = registry_fail(err, ENOENT, "no %s/%s%s%s image in the index (platforms: %s)",
				  p->os, p->arch, p->variant[0] ? "/" : "", p->variant,
				  seen[0] ? seen : "none");
	if (r == 0)
		r = desc_fill(best, out, err);
	if (r == 0 && type_kind(out->media_type) == MANIFEST_INDEX)
		r = registry_fail(err, ENOTSUP, "nested image index: not supported");
	json_decref(root);
	return r;
}

void manifest_image_free(struct oci_image *img)
{
	free(img->layers);
	free(img->config_json);
	image_config_free(&img->cfg);
	memset(img, 0, sizeof(*img));
	img->src.fd = -1;
}

int manifest_image_parse(const char *json, size_t len, struct oci_image *img, struct sb_error *err)
{
	memset(img, 0, sizeof(*img));
	img->src.fd = -1;
	json_t *root = json_loadb(json, len, 0, NULL);
	const char *cmt =
	    json_string_value(json_object_get(json_object_get(root, "config"), "mediaType"));
	int r = 0;
	if (cmt && strcmp(cmt, "application/vnd.oci.image.config.v1+json") &&
	    strcmp(cmt, "application/vnd.docker.container.image.v1+json"))
		r = registry_fail(err, ENOTSUP,
				  "not a container image (config media type `%.100s`)", cmt);
	json_decref(root);
	if (r == 0)
		r = oci_manifest_parse(json, len, img, err);
	return r;
}
