/* Image -> initramfs: resolve an image reference, verify it, pack it (cpio newc,
 * LZ4 legacy) into a cache keyed by manifest digest. */
#ifndef SB_PACK_H
#define SB_PACK_H

#include <stdint.h>

#include "digest.h"
#include "error.h"

/* One ExposedPorts key of the image config: "80/tcp", "53/udp", "80" (tcp),
 * or a range "8000-8010/tcp" (first < last). */
enum image_proto { IMAGE_PROTO_TCP, IMAGE_PROTO_UDP, IMAGE_PROTO_SCTP };
struct image_port {
	uint16_t first, last; /* 1 <= first <= last */
	enum image_proto proto;
};
#define IMAGE_MAX_EXPOSED 1024 /* ExposedPorts keys we take */

/* From the image config JSON; NULL-terminated string arrays, each may be NULL. */
struct image_config {
	char **entrypoint, **cmd, **env;
	char *workdir, *user;
	/* ExposedPorts (for -P), sorted by protocol then port, duplicates
	 * ("80" and "80/tcp") once; NULL when none. */
	struct image_port *exposed;
	size_t nexposed;
	/* Set by rootfs_prepare: bytes of the uncompressed cpio inside the
	 * initramfs (what the guest's rootfs takes in RAM once unpacked). */
	uint64_t unpacked_bytes;
	/* Set by rootfs_prepare: guest RAM the unpacked rootfs takes (files in
	 * whole pages plus a per-entry inode allowance); >= unpacked_bytes' data. */
	uint64_t guest_ram_bytes;
};

/* What a pack is doing, for a progress display. Reported at most every
 * 100 ms, and once more with finished set at the end (success or not). */
struct pack_progress {
	const char *phase;    /* "reading layers", "writing initramfs" */
	uint64_t done, total; /* bytes: layer blobs read / file contents written */
	uint64_t elapsed_ms;  /* since the pack started */
	int finished;
};
typedef void (*pack_progress_fn)(const struct pack_progress *p);

struct pack_limits {
	uint64_t max_unpacked_bytes; /* sum of uncompressed layer tar bytes */
	uint64_t max_entries;	     /* sum of tar entries over all layers */
	uint32_t max_path;	     /* bytes of a normalized path or symlink target */
	pack_progress_fn progress;   /* NULL: no reports */
	/* Called before a layer blob (sha256 hex) is opened, when set: returns
	 * once it is complete in the source (the registry client packs while
	 * later layers still download), or an error that ends the pack. */
	int (*layer_wait)(void *ctx, const char *hex, struct sb_error *err);
	void *layer_wait_ctx;
};

/* Largest max_path: the kernel's initramfs name limit (TREE_PATH_MAX). */
#define PACK_PATH_LIMIT 4096

/* Bump when the packed output changes for the same manifest. */
#define PACK_FORMAT_VERSION 1

/* 8 GiB, 2M entries, 4096 bytes, no progress, no layer_wait. */
void pack_limits_default(struct pack_limits *lim);
/* The command line's progress display: once a pack has run for 1 s
 * (SANDBOX_PROGRESS_AFTER_MS sets another delay; 0: from the start), one
 * `\r`-updated line on stderr when stderr is a terminal (never otherwise),
 * cleared at the end. The only rootfs/ code that writes to the terminal; the
 * CLI hands it in as pack_limits.progress. */
void pack_progress_tty(const struct pack_progress *p);
void image_config_free(struct image_config *cfg);

/* Resolve ref (`oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`,
 * `docker-archive:FILE[:NAME:TAG]` or a path), verify it, and make sure
 * its packed initramfs is in cache_dir/images/ (created 0700 if missing); pack it
 * if missing (temp file, fsync, rename). A cached image is reused only when it
 * is intact and lim is at least as generous as the limits it was packed under
 * (else it is packed again under lim). On success *path_out is a malloc'd path
 * to the cached file and *cfg is filled, unpacked_bytes included (free with
 * image_config_free). An archive file (compressed or not) that has not changed
 * since a previous call is not read again (pack_archive.c). */
int rootfs_prepare(const char *ref, const char *cache_dir, const struct pack_limits *lim,
		   char **path_out, struct image_config *cfg, struct sb_error *err);

/* One packed image in the cache. */
struct pack_cache_entry {
	char key[DIGEST_HEX_LEN + 1]; /* manifest digest (docker-archive: see oci_docker.c) */
	int version;		      /* PACK_FORMAT_VERSION it was packed with */
	uint64_t size;
	int64_t last_used; /* seconds since the epoch: the file's atime, set on every use */
};

/* The images in cache_dir/images, most recently used first (none if the
 * directory does not exist). *out is malloc'd. */
int pack_cache_list(const char *cache_dir, struct pack_cache_entry **out, size_t *n,
		    struct sb_error *err);

struct pack_prune_stats {
	uint64_t files, bytes;
};

/* Remove images packed with another PACK_FORMAT_VERSION (all images, and
 * the archive records of cache_dir/archives, when all), and temp files of
 * packs older than an hour that no pack holds locked. Counts the images and
 * temp files removed into *st. */
int pack_cache_prune(const char *cache_dir, int all, struct pack_prune_stats *st,
		     struct sb_error *err);

/* Pack the directory tree at dir (an OCI bundle's root) into out_fd as an
 * initramfs, under lim's max_unpacked_bytes (file bytes), max_entries and
 * max_path; symlinks are stored, never followed; sockets are left out.
 * *ram_bytes (may be NULL) receives what it takes in guest RAM unpacked. */
int rootfs_pack_dir(const char *dir, int out_fd, const struct pack_limits *lim, uint64_t *ram_bytes,
		    struct sb_error *err);

/* Pack ref into out_fd (written sequentially from its current offset). */
int rootfs_pack_fd(const char *ref, int out_fd, const struct pack_limits *lim,
		   struct sb_error *err);

#endif
