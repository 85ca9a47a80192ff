/* OCI image manifest and config parsing (layers, diff_ids, Entrypoint/Cmd/Env...). */
#include "oci.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STRINGS 65536

static const struct {
	const char *type;
	enum oci_compression comp;
} layer_types[] = {
    {"application/vnd.oci.image.layer.v1.tar", OCI_COMP_NONE},
    {"application/vnd.oci.image.layer.v1.tar+gzip", OCI_COMP_GZIP},
    {"application/vnd.oci.image.layer.v1.tar+zstd", OCI_COMP_ZSTD},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar", OCI_COMP_NONE},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", OCI_COMP_GZIP},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", OCI_COMP_ZSTD},
    {"application/vnd.docker.image.rootfs.diff.tar.gzip", OCI_COMP_GZIP},
    {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", OCI_COMP_GZIP},
};

static int layer_parse(json_t *l, size_t i, struct oci_layer *out, struct sb_error *err)
{
	const char *mt = json_string_value(json_object_get(l, "mediaType"));
	json_t *size = json_object_get(l, "size");
	size_t k;
	for (k = 0; mt && k < sizeof(layer_types) / sizeof(layer_types[0]); k++)
		if (!strcmp(mt, layer_types[k].type))
			break;
	if (!mt || k == sizeof(layer_types) / sizeof(layer_types[0]))
		return error_set(err, ENOTSUP,
				 "manifest: layer %zu: unsupported media type `%.100s`", i,
				 mt ? mt : "(none)");
	out->comp = layer_types[k].comp;
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return error_set(err, EINVAL, "manifest: layer %zu: bad size", i);
	out->blob.size = (uint64_t)json_integer_value(size);
	int r =
	    digest_parse(json_string_value(json_object_get(l, "digest")), out->blob.digest, err);
	return r < 0 ? error_prefix(err, "manifest: layer %zu", i) : 0;
}

static int manifest_fill(json_t *root, struct oci_image *img, struct sb_error *err)
{
	if (json_integer_value(json_object_get(root, "schemaVersion")) != 2)
		return error_set(err, EINVAL, "manifest: schemaVersion is not 2");
	json_t *cfg = json_object_get(root, "config");
	json_t *size = json_object_get(cfg, "size");
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return error_set(err, EINVAL, "manifest: config has no valid size");
	img->config.size = (uint64_t)json_integer_value(size);
	if (digest_parse(json_string_value(json_object_get(cfg, "digest")), img->config.digest,
			 err) < 0)
		return error_prefix(err, "manifest: config");
	json_t *layers = json_object_get(root, "layers");
	if (!json_is_array(layers))
		return error_set(err, EINVAL, "manifest: no layers array");
	size_t n = json_array_size(layers);
	if (n > OCI_MAX_LAYERS)
		return error_set(err, E2BIG, "manifest: %zu layers (max %d)", n, OCI_MAX_LAYERS);
	img->layers = calloc(n ? n : 1, sizeof(*img->layers));
	if (!img->layers)
		return error_set(err, ENOMEM, "manifest: out of memory");
	img->nlayers = n;
	for (size_t i = 0; i < n; i++) {
		int r = layer_parse(json_array_get(layers, i), i, &img->layers[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

int oci_manifest_parse(const char *json, size_t len, struct oci_image *img, struct sb_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr);
	if (!root)
		return error_set(err, EINVAL, "manifest: bad JSON: %s (line %d)", jerr.text,
				 jerr.line);
	int r = manifest_fill(root, img, err);
	json_decref(root);
	return r;
}

/* A JSON array of strings (or null/absent) -> NULL-terminated malloc'd array. */
static int strings_dup(json_t *arr, const char *what, char ***out, struct sb_error *err)
{
	*out = NULL;
	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > MAX_STRINGS)
		return error_set(err, EINVAL, "config: %s is not an array of strings", what);
	size_t n = json_array_size(arr);
	char **v = calloc(n + 1, sizeof(*v));
	if (!v)
		return error_set(err, ENOMEM, "config: out of memory");
	*out = v;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(arr, i));
		if (!s)
			return error_set(err, EINVAL, "config: %s[%zu] is not a string", what, i);
		if (!(v[i] = strdup(s)))
			return error_set(err, ENOMEM, "config: out of memory");
	}
	return 0;
}

static int string_dup(json_t *s, const char *what, char **out, struct sb_error *err)
{
	*out = NULL;
	if (!s || json_is_null(s))
		return 0;
	if (!json_is_string(s))
		return error_set(err, EINVAL, "config: %s is not a string", what);
	if (!(*out = strdup(json_string_value(s))))
		return error_set(err, ENOMEM, "config: out of memory");
	return 0;
}

static int diff_ids_fill(json_t *root, struct oci_image *img, struct sb_error *err)
{
	json_t *ids = json_object_get(json_object_get(root, "rootfs"), "diff_ids");
	if (!json_is_array(ids))
		return error_set(err, EINVAL, "config: no rootfs.diff_ids array");
	if (json_array_size(ids) != img->nlayers)
		return error_set(err, EINVAL, "config: %zu diff_ids for %zu layers",
				 json_array_size(ids), img->nlayers);
	for (size_t i = 0; i < img->nlayers; i++)
		if (digest_parse(json_string_value(json_array_get(ids, i)), img->layers[i].diff_id,
				 err) < 0)
			return error_prefix(err, "config: diff_ids[%zu]", i);
	return 0;
}

/* ExposedPorts: an object whose keys are ports ({"80/tcp": {}}), or null. */
static int exposed_fill(json_t *obj, struct image_config *cfg, struct sb_error *err)
{
	if (!obj || json_is_null(obj))
		return 0;
	if (!json_is_object(obj) || json_object_size(obj) > IMAGE_MAX_EXPOSED)
		return error_set(err, EINVAL,
				 "config: ExposedPorts is not an object of <= %d ports",
				 IMAGE_MAX_EXPOSED);
	size_t n = json_object_size(obj);
	if (n == 0)
		return 0;
	if (!(cfg->exposed = calloc(n, sizeof(*cfg->exposed))))
		return error_set(err, ENOMEM, "config: out of memory");
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		if (oci_port_parse(key, &cfg->exposed[cfg->nexposed]) < 0)
			return error_set(err, EINVAL,
					 "config: ExposedPorts key `%.64s` is not "
					 "PORT[-PORT][/tcp|/udp|/sctp]",
					 key);
		cfg->nexposed++;
	}
	cfg->nexposed = oci_ports_sort(cfg->exposed, cfg->nexposed);
	return 0;
}

static int config_fill(json_t *root, struct oci_image *img, struct sb_error *err)
{
	const char *os = json_string_value(json_object_get(root, "os"));
	const char *arch = json_string_value(json_object_get(root, "architecture"));
	if ((os && strcmp(os, "linux")) || (arch && strcmp(arch, "amd64")))
		return error_set(err, ENOEXEC, "config: image is for %.32s/%.32s, not linux/amd64",
				 os ? os : "?", arch ? arch : "?");
	int r = diff_ids_fill(root, img, err);
	if (r < 0)
		return r;
	json_t *c = json_object_get(root, "config");
	if (c && !json_is_null(c) && !json_is_object(c))
		return error_set(err, EINVAL, "config: config is not an object");
	struct image_config *cfg = &img->cfg;
	if ((r = strings_dup(json_object_get(c, "Entrypoint"), "Entrypoint", &cfg->entrypoint,
			     err)) < 0 ||
	    (r = strings_dup(json_object_get(c, "Cmd"), "Cmd", &cfg->cmd, err)) < 0 ||
	    (r = strings_dup(json_object_get(c, "Env"), "Env", &cfg->env, err)) < 0 ||
	    (r = string_dup(json_object_get(c, "WorkingDir"), "WorkingDir", &cfg->workdir, err)) <
		0 ||
	    (r = string_dup(json_object_get(c, "User"), "User", &cfg->user, err)) < 0 ||
	    (r = exposed_fill(json_object_get(c, "ExposedPorts"), cfg, err)) < 0)
		return r;
	return 0;
}

int oci_config_parse(const char *json, size_t len, struct oci_image *img, struct sb_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr);
	if (!root)
		return error_set(err, EINVAL, "config: bad JSON: %s (line %d)", jerr.text,
				 jerr.line);
	int r = json_is_object(root) ? config_fill(root, img, err)
				     : error_set(err, EINVAL, "config: not a JSON object");
	json_decref(root);
	return r;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void image_config_free(struct image_config *cfg)
{
	if (!cfg)
		return;
	strv_free(cfg->entrypoint);
	strv_free(cfg->cmd);
	strv_free(cfg->env);
	free(cfg->workdir);
	free(cfg->user);
	free(cfg->exposed);
	memset(cfg, 0, sizeof(*cfg));
}
