/* Images: references, sources (OCI layout dirs, oci-archive and docker-archive
 * tars), index/manifest/config parsing, verified blobs. */
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
#define OCI_MEMBER_MAX 128	     /* docker-archive member names we keep per layer */
#define OCI_MAX_ARCHIVE (8ull << 30) /* default bound on an inflated image archive */

enum oci_compression { OCI_COMP_NONE, OCI_COMP_GZIP, OCI_COMP_ZSTD };

struct oci_desc {
	char digest[DIGEST_HEX_LEN + 1]; /* validated hex */
	uint64_t size;
};

struct oci_layer {
	struct oci_desc blob; /* digest "" when unknown (docker-archive) */
	enum oci_compression comp;
	char diff_id[DIGEST_HEX_LEN + 1];
	char member[OCI_MEMBER_MAX]; /* docker-archive: the member holding it, else "" */
};

/* How a reference names its image. OCI_REF_PATH: a bare path, detected from
 * its content. */
enum oci_ref_kind { OCI_REF_PATH, OCI_REF_LAYOUT, OCI_REF_ARCHIVE, OCI_REF_DOCKER };

struct oci_ref {
	enum oci_ref_kind kind;
	char *path, *tag; /* malloc'd; tag NULL when absent (docker: "NAME:TAG") */
};

struct tarindex;

/* Where an image's files are: a layout directory (fd -1, tar NULL) or an
 * indexed tar archive. */
struct oci_src {
	char *path;
	int fd;
	struct tarindex *tar;
};

/* One file of a source: the bytes [off, off + size) of fd. */
struct oci_file {
	int fd, owned;
	uint64_t off, size;
};

struct oci_image {
	struct oci_src src;
	struct oci_desc manifest; /* docker-archive: a synthetic key, see oci_docker.c */
	struct oci_desc config;
	struct oci_layer *layers;
	size_t nlayers;
	struct image_config cfg;
	char *config_json; /* the verified config blob (malloc'd), config.size bytes */
};

/* error_set without the ": strerror" suffix, keeping code as the errno. */
int oci_error(struct sb_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Split a reference: "oci:DIR[:TAG]", "oci-archive:FILE[:TAG]",
 * "docker-archive:FILE[:NAME:TAG]" or a bare path. Free with oci_ref_free. */
int oci_ref_parse(const char *ref, struct oci_ref *out, struct sb_error *err);
void oci_ref_free(struct oci_ref *r);

/* Open path as a source of the given kind; OCI_REF_PATH is detected from the
 * content and *kind updated. Errors say what the path holds instead. A
 * compressed archive is inflated first, to at most max_archive bytes (0:
 * OCI_MAX_ARCHIVE). */
int oci_src_open(struct oci_src *s, const char *path, enum oci_ref_kind *kind, uint64_t max_archive,
		 struct sb_error *err);
/* If the archive on *fd is compressed (gzip, zstd, xz, bzip2), inflate it into
 * an unlinked temp file (TMPDIR, else /var/tmp) of at most max bytes (0:
 * OCI_MAX_ARCHIVE), close *fd and put the temp file's fd there. Returns 1 when
 * it did, 0 for an uncompressed archive, or a negative errno. */
int oci_archive_inflate(int *fd, const char *where, uint64_t max, struct sb_error *err);
void oci_src_close(struct oci_src *s);
/* A regular file of the source by relative name (archive links followed inside). */
int oci_file_open(const struct oci_src *s, const char *name, struct oci_file *f,
		  struct sb_error *err);
void oci_file_close(struct oci_file *f);
/* Read a whole file of at most max bytes; *out malloc'd and NUL-terminated. */
int oci_file_read(const struct oci_file *f, size_t max, const char *what, char **out,
		  struct sb_error *err);

/* Resolve ref to one linux/amd64 manifest, load and verify the manifest and
 * config blobs. Layer blobs are only described (verified while streaming).
 * max_archive bounds a compressed archive's inflated size (0: the default). */
int oci_image_open(const char *ref, uint64_t max_archive, struct oci_image *img,
		   struct sb_error *err);
void oci_image_free(struct oci_image *img);

/* Open blobs/sha256/<hex> after checking it is a regular file of the described size. */
int oci_blob_open(const struct oci_src *s, const struct oci_desc *d, struct oci_file *f,
		  struct sb_error *err);
/* Read a whole blob (at most max bytes) and check its digest; *out is malloc'd
 * and NUL-terminated. */
int oci_blob_read(const struct oci_src *s, const struct oci_desc *d, size_t max, char **out,
		  struct sb_error *err);
/* The bytes of layer i (a blob, or a docker-archive member). */
int oci_layer_open(const struct oci_image *img, size_t i, struct oci_file *f, struct sb_error *err);

/* docker-archive manifest.json (pure, fuzzed): pick the image whose RepoTags
 * hold want ("NAME:TAG", may be NULL when there is one image), fill img's
 * layers (member names) and the config member name. */
int oci_docker_manifest_parse(const char *json, size_t len, const char *want, struct oci_image *img,
			      char config[OCI_MEMBER_MAX], struct sb_error *err);
/* Open a docker-archive whose source is open in img->src. */
int oci_docker_open(struct oci_image *img, const char *want, struct sb_error *err);

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
/* One ExposedPorts key: PORT[-PORT][/tcp|/udp|/sctp] (protocol in any case,
 * tcp when absent; ports 1..65535). 0, or -EINVAL. */
int oci_port_parse(const char *key, struct image_port *out);
/* Sort ports by protocol then port and drop repeats; returns the new count. */
size_t oci_ports_sort(struct image_port *p, size_t n);
/* Needs img->nlayers set (by oci_manifest_parse) to check diff_ids. */
int oci_config_parse(const char *json, size_t len, struct oci_image *img, struct sb_error *err);

#endif
