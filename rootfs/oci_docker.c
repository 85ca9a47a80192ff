/* docker-archive (docker save / podman save): manifest.json lists per image its
 * Config member, RepoTags and Layers members (legacy `<id>/layer.tar` or
 * `blobs/sha256/<hex>`); layers may be plain, gzip or zstd tars.
 *
 * Trust: manifest.json itself is not content-addressed. The config's sha256 is
 * computed here, and each layer's uncompressed tar must match the config's
 * diff_ids (checked while streaming), so the packed rootfs is exactly the one
 * the config describes. Layer members named blobs/sha256/<hex> are checked
 * against that digest too.
 *
 * Cache key: there is no manifest, so img->manifest.digest is
 * sha256("docker-archive\n" + config hex). The config (its digest) names the
 * layer list through its diff_ids, which are verified, so the same key always
 * means the same rootfs; it never equals a real manifest's digest. */
#include "oci.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

#define MAX_IMAGES 1024
#define MAX_TAGS 1024

/* "docker.io/library/x" == "x", "localhost/x" == "x", no tag == ":latest". */
static void tag_norm(const char *in, char *out, size_t cap)
{
	static const char *const prefixes[] = {"docker.io/library/", "docker.io/", "localhost/"};
	for (size_t i = 0; i < 3; i++)
		if (!strncmp(in, prefixes[i], strlen(prefixes[i]))) {
			in += strlen(prefixes[i]);
			break;
		}
	const char *slash = strrchr(in, '/');
	int tagged = strchr(slash ? slash : in, ':') != NULL;
	snprintf(out, cap, "%s%s", in, tagged ? "" : ":latest");
}

/* 1 when the image's RepoTags hold want; appends its tags to list. -1: bad RepoTags. */
static int tags_match(json_t *tags, const char *want, char *list, size_t cap)
{
	if (!tags || json_is_null(tags))
		return 0;
	if (!json_is_array(tags) || json_array_size(tags) > MAX_TAGS)
		return -1;
	char a[512], b[512];
	int hit = 0;
	if (want)
		tag_norm(want, a, sizeof(a));
	for (size_t i = 0; i < json_array_size(tags); i++) {
		const char *t = json_string_value(json_array_get(tags, i));
		if (!t || strlen(t) > 255)
			return -1;
		size_t n = strlen(list);
		if (n + strlen(t) + 3 < cap)
			snprintf(list + n, cap - n, "%s%s", n ? ", " : "", t);
		tag_norm(t, b, sizeof(b));
		hit |= want && !strcmp(a, b);
	}
	return hit;
}

static int select_image(json_t *root, const char *want, json_t **out, struct sb_error *err)
{
	char list[512] = "";
	size_t n = json_array_size(root);
	if (!json_is_array(root) || n == 0)
		return error_set(err, EINVAL, "manifest.json: not a non-empty array");
	if (n > MAX_IMAGES)
		return error_set(err, E2BIG, "manifest.json: more than %d images", MAX_IMAGES);
	for (size_t i = 0; i < n; i++) {
		json_t *m = json_array_get(root, i);
		int hit = tags_match(json_object_get(m, "RepoTags"), want, list, sizeof(list));
		if (!json_is_object(m) || hit < 0)
			return error_set(err, EINVAL, "manifest.json: image %zu: bad RepoTags", i);
		if (hit || (!want && n == 1)) {
			*out = m;
			return 0;
		}
	}
	if (!want)
		return error_set(err, EINVAL, "holds %zu images, name one: %s", n,
				 list[0] ? list : "(untagged)");
	return oci_error(err, ENOENT, "no image tagged `%.200s` (tags: %s)", want,
			 list[0] ? list : "none");
}

static int member_copy(json_t *s, char out[OCI_MEMBER_MAX], const char *what, struct sb_error *err)
{
	const char *v = json_string_value(s);
	if (!v || !v[0] || strlen(v) >= OCI_MEMBER_MAX)
		return error_set(err, EINVAL, "manifest.json: bad %s", what);
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

/* blobs/sha256/<hex>: the member name is its own digest. */
static void member_digest(struct oci_layer *l)
{
	static const char pre[] = "blobs/sha256/";
	char tmp[DIGEST_HEX_LEN + 8];
	if (strncmp(l->member, pre, sizeof(pre) - 1) ||
	    strlen(l->member) != sizeof(pre) - 1 + DIGEST_HEX_LEN)
		return;
	snprintf(tmp, sizeof(tmp), "sha256:%s", l->member + sizeof(pre) - 1);
	if (digest_parse(tmp, l->blob.digest, NULL) < 0)
		l->blob.digest[0] = '\0';
}

int oci_docker_manifest_parse(const char *json, size_t len, const char *want, struct oci_image *img,
			      char config[OCI_MEMBER_MAX], struct sb_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr), *m = NULL;
	if (!root)
		return error_set(err, EINVAL, "manifest.json: bad JSON: %s (line %d)", jerr.text,
				 jerr.line);
	int r = select_image(root, want, &m, err);
	json_t *layers = json_object_get(m, "Layers");
	size_t n = json_array_size(layers);
	if (r == 0)
		r = member_copy(json_object_get(m, "Config"), config, "Config", err);
	if (r == 0 && (!json_is_array(layers) || n > OCI_MAX_LAYERS))
		r = error_set(err, EINVAL, "manifest.json: bad Layers");
	if (r == 0 && !(img->layers = calloc(n ? n : 1, sizeof(*img->layers))))
		r = error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; r == 0 && i < n; i++) {
		img->nlayers = i + 1;
		r = member_copy(json_array_get(layers, i), img->layers[i].member, "Layers entry",
				err);
		member_digest(&img->layers[i]);
	}
	json_decref(root);
	return r;
}

static int config_load(struct oci_image *img, const char *member, struct sb_error *err)
{
	struct oci_file f;
	cleanup_free char *json = NULL;
	int r = oci_file_open(&img->src, member, &f, err);
	if (r == 0)
		r = oci_file_read(&f, OCI_MAX_CONFIG_JSON, "config", &json, err);
	oci_file_close(&f);
	if (r == 0)
		r = digest_buf(json, f.size, img->config.digest, err);
	img->config.size = f.size;
	if (r == 0)
		r = oci_config_parse(json, f.size, img, err);
	if (r < 0)
		return r;
	img->config_json = steal_ptr(json);
	char key[DIGEST_HEX_LEN + 32];
	int n = snprintf(key, sizeof(key), "docker-archive\n%s", img->config.digest);
	return digest_buf(key, (size_t)n, img->manifest.digest, err);
}

int oci_docker_open(struct oci_image *img, const char *want, struct sb_error *err)
{
	struct oci_file f;
	cleanup_free char *json = NULL;
	char config[OCI_MEMBER_MAX];
	int r = oci_file_open(&img->src, "manifest.json", &f, err);
	if (r < 0)
		return r;
	r = oci_file_read(&f, OCI_MAX_MANIFEST_JSON, "manifest.json", &json, err);
	oci_file_close(&f);
	if (r == 0)
		r = oci_docker_manifest_parse(json, f.size, want, img, config, err);
	if (r == 0)
		r = config_load(img, config, err);
	for (size_t i = 0; r == 0 && i < img->nlayers; i++) {
		struct oci_layer *l = &img->layers[i];
		if ((r = oci_file_open(&img->src, l->member, &f, err)) < 0)
			return error_prefix(err, "layer %zu", i);
		l->blob.size = f.size; /* checked against the digest when it has one */
		oci_file_close(&f);
	}
	return r;
}
