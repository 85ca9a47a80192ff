/* Manifests as registries serve them: the four media types, an index's
 * choice of platform, and an image manifest's config and layers. Pure
 * (fuzzed); the image manifest itself goes through rootfs's parser, so a
 * pulled image is held to the same rules as one packed from disk. */
#ifndef SB_REGISTRY_MANIFEST_H
#define SB_REGISTRY_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "oci.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
/* Every type we take: some registries answer 404 when the stored one is missing. */
#define MANIFEST_ACCEPT                                                                            \
	MT_OCI_INDEX ", " MT_OCI_MANIFEST ", " MT_DOCKER_LIST ", " MT_DOCKER_MANIFEST
#define MANIFEST_MT_MAX 128

enum manifest_kind { MANIFEST_IMAGE = 1, MANIFEST_INDEX };

struct platform {
	char os[32], arch[32], variant[32]; /* variant "" when none asked */
};

struct manifest_desc {
	char digest[DIGEST_HEX_LEN + 1]; /* hex */
	uint64_t size;
	char media_type[MANIFEST_MT_MAX];
};

/* "os/arch[/variant]" (docker's --platform); arch aliases x86_64 -> amd64,
 * aarch64 -> arm64. */
int platform_parse(const char *s, struct platform *p, struct sb_error *err);
void platform_default(struct platform *p); /* linux/amd64 */

/* What a manifest document is: its Content-Type when that is one of the
 * four, else its mediaType field, else its shape. media_type gets the type to
 * record. Docker schema 1 and other types (artifacts, ...) are errors. */
int manifest_kind(const char *content_type, const char *json, size_t len, enum manifest_kind *kind,
		  char media_type[MANIFEST_MT_MAX], struct sb_error *err);

/* The manifest for platform p in an index (attestation entries, platform
 * unknown/unknown, skipped). The error lists the platforms there are. */
int manifest_index_pick(const char *json, size_t len, const struct platform *p,
			struct manifest_desc *out, struct sb_error *err);

/* An image manifest's config (which must be an image config) and layers,
 * into img (rootfs's oci_manifest_parse; free with manifest_image_free). */
int manifest_image_parse(const char *json, size_t len, struct oci_image *img, struct sb_error *err);
/* What manifest_image_parse (and oci_config_parse) filled in; img has no source. */
void manifest_image_free(struct oci_image *img);

#endif
