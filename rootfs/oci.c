/* Opening an image: reference -> source -> (OCI layout: index.json, nested
 * indexes, manifest | docker-archive: manifest.json) -> verified config. */
#include "oci.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

static int index_read(const struct oci_src *s, char **out, size_t *len, struct sb_error *err)
{
	struct oci_file f;
	int r = oci_file_open(s, "index.json", &f, err);
	if (r < 0)
		return error_prefix(err, "`%s` is not an OCI image layout", s->path);
	r = oci_file_read(&f, OCI_MAX_INDEX_JSON, "index.json", out, err);
	if (r == 0)
		*len = f.size;
	oci_file_close(&f);
	return r < 0 ? error_prefix(err, "`%s`", s->path) : 0;
}

/* Follow index.json -> (nested indexes) -> manifest; returns the manifest JSON. */
static int resolve(struct oci_image *img, const char *tag, char **json, struct sb_error *err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	const char *where = img->src.path;
	int r = index_read(&img->src, &buf, &len, err);
	if (r < 0)
		return r;
	int is_index;
	r = oci_index_select(buf, len, 1, tag, where, &img->manifest, &is_index, err);
	for (int depth = 0; r == 0; depth++) {
		free(buf);
		buf = NULL;
		r = oci_blob_read(&img->src, &img->manifest, OCI_MAX_MANIFEST_JSON, &buf, err);
		if (r < 0)
			return r;
		if (!is_index && !oci_json_is_index(buf, img->manifest.size))
			break;
		if (depth >= OCI_MAX_INDEX_DEPTH)
			return error_set(err, ELOOP, "%s: image indexes nested too deep", where);
		r = oci_index_select(buf, img->manifest.size, 0, NULL, where, &img->manifest,
				     &is_index, err);
	}
	if (r == 0)
		*json = steal_ptr(buf);
	return r;
}

static int layout_open(struct oci_image *img, const char *tag, struct sb_error *err)
{
	cleanup_free char *manifest = NULL, *config = NULL;
	int r = resolve(img, tag, &manifest, err);
	if (r == 0)
		r = oci_manifest_parse(manifest, img->manifest.size, img, err);
	if (r == 0)
		r = oci_blob_read(&img->src, &img->config, OCI_MAX_CONFIG_JSON, &config, err);
	if (r == 0)
		r = oci_config_parse(config, img->config.size, img, err);
	if (r == 0)
		img->config_json = steal_ptr(config);
	return r;
}

int oci_image_open(const char *ref, uint64_t max_archive, struct oci_image *img,
		   struct sb_error *err)
{
	memset(img, 0, sizeof(*img));
	img->src.fd = -1;
	struct oci_ref rf;
	int r = oci_ref_parse(ref, &rf, err);
	if (r < 0)
		return r;
	r = oci_src_open(&img->src, rf.path, &rf.kind, max_archive, err);
	if (r == 0 && rf.kind == OCI_REF_DOCKER)
		r = oci_docker_open(img, rf.tag, err);
	else if (r == 0)
		r = layout_open(img, rf.tag, err);
	oci_ref_free(&rf);
	if (r < 0) {
		error_prefix(err, "image `%s`", ref);
		oci_image_free(img);
	}
	return r;
}

void oci_image_free(struct oci_image *img)
{
	if (img->src.path || img->src.tar)
		oci_src_close(&img->src);
	free(img->layers);
	free(img->config_json);
	image_config_free(&img->cfg);
	memset(img, 0, sizeof(*img));
	img->src.fd = -1;
}
