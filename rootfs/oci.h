/* OCI image layouts: references, index/manifest/config parsing, verified blobs. */
#ifndef SB_OCI_H
#define SB_OCI_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "error.h"
#include "pack.h"

#define OCI_MAX_INDEX_JSON (4u << 20)
#define OCI_MAX_MANIFEST_JSON (4u << 20)
#define OCI_MAX_CONFIG_JSON (8u << 20)
#define OCI_MAX_LAYERS 1024
#define OCI_MAX_INDEX_DEPTH 4
#define OCI_REF_NAME "org.opencontainers.image.ref.name"

enum oci_compression { OCI_COMP_NONE, OCI_COMP_GZIP, OCI_COMP_ZSTD };

struct oci_desc {
	char digest[DIGEST_HEX_LEN + 1]; /* validated hex */
	uint64_t size;
};

struct oci_layer {
	struct oci_desc blob;
	enum oci_compression comp;
	char diff_id[DIGEST_HEX_LEN + 1];
};

struct oci_image {
	char *dir; /* layout directory */
	struct oci_desc manifest;
	struct oci_desc config;
	struct oci_layer *layers;
	size_t nlayers;
	struct image_config cfg;
};

/* Split a reference: "oci:DIR[:TAG]" or a bare layout directory. *dir and *tag
 * are malloc'd (*tag NULL when absent). */
int oci_ref_parse(const char *ref, char **dir, char **tag, struct sb_error *err);

/* Resolve ref to one linux/amd64 manifest, load and verify the manifest and
 * config blobs. Layer blobs are only described (verified while streaming). */
int oci_image_open(const char *ref, struct oci_image *img, struct sb_error *err);
void oci_image_free(struct oci_image *img);

/* Open a blob of the layout read-only after checking it is a regular file of
 * the described size. Returns the fd or a negative errno. */
int oci_blob_open(const char *dir, const struct oci_desc *d, struct sb_error *err);
/* Read a whole blob (at most max bytes) and check its digest; *out is malloc'd
 * and NUL-terminated. */
int oci_blob_read(const char *dir, const struct oci_desc *d, size_t max, char **out,
		  struct sb_error *err);

/* Pure JSON parsers (fuzzed). where names the layout in messages.
 * oci_index_select: pick a descriptor from an index. With top set it is the
 * layout's index.json: tag (may be NULL) selects by ref.name. Otherwise (nested
 * index) linux/amd64 is chosen. *is_index tells whether the chosen descriptor
 * is itself an index, judged by its mediaType. */
int oci_index_select(const char *json, size_t len, int top, const char *tag, const char *where,
		     struct oci_desc *out, int *is_index, struct sb_error *err);
/* Returns 1 when the JSON document is an index ("manifests" array), 0 if not. */
int oci_json_is_index(const char *json, size_t len);
int oci_manifest_parse(const char *json, size_t len, struct oci_image *img, struct sb_error *err);
/* Needs img->nlayers set (by oci_manifest_parse) to check diff_ids. */
int oci_config_parse(const char *json, size_t len, struct oci_image *img, struct sb_error *err);

#endif
