/* Private to pack*.c: packing one opened image, temp files, progress meter. */
#ifndef SB_PACK_INT_H
#define SB_PACK_INT_H

#include <sys/stat.h>

#include "cpio.h"
#include "layer.h"
#include "oci.h"
#include "pack.h"

struct lz4legacy;

/* What one pack wrote, and the limits it ran under (kept with a cache entry). */
struct pack_stats {
	uint64_t file_size;   /* the initramfs file: LZ4 stream + zero padding to 4 */
	uint64_t stream_size; /* the LZ4 stream, its end mark included */
	uint64_t cpio_bytes;  /* the uncompressed cpio */
	uint64_t ram_bytes;   /* what it takes in guest RAM unpacked (pack.c: PACK_RAM_*) */
	uint64_t max_unpacked, max_entries;
	uint32_t max_path;
};

/* Guest RAM an unpacked entry takes: its data in whole pages, plus an
 * inode and a dentry (about 0.6 + 0.2 KiB on 6.1 x86_64, rounded up). */
#define PACK_RAM_PAGE 4096u
#define PACK_RAM_PER_ENTRY 1024u

/* Feeds a pack_progress_fn, throttled to one report per 100 ms. */
struct pack_meter {
	pack_progress_fn fn;
	uint64_t t0, last; /* ms */
	struct pack_progress p;
};
void pack_meter_start(struct pack_meter *m, pack_progress_fn fn);
void pack_meter_phase(struct pack_meter *m, const char *phase, uint64_t total);
void pack_meter_add(void *meter, uint64_t n); /* a layer_source progress callback */
void pack_meter_set(struct pack_meter *m, uint64_t done);
/* The final report (finished = 1), whatever the time since the last one. */
void pack_meter_end(struct pack_meter *m);

/* The initramfs being written (pack_out.c): one cpio inside one LZ4 legacy
 * stream, then zero padding to a multiple of 4. */
struct pack_out {
	struct cpio_writer w;
	struct lz4legacy *z;
	uint64_t ram; /* PACK_RAM_* estimate so far */
};
/* Start the stream on fd. hold: keep the last LZ4LEGACY_MAX_HOLD blocks
 * patchable (lz4legacy_hold). */
int pack_out_open(struct pack_out *o, int fd, int hold, struct sb_error *err);
/* An entry's header (and the symlink target, if any); counts its guest RAM. */
int pack_out_header(struct pack_out *o, const struct cpio_entry *e, const char *symlink,
		    struct sb_error *err);
/* ok: write the trailer, end the stream, pad; fills st's sizes. !ok: abandon. */
int pack_out_close(struct pack_out *o, int ok, int fd, struct pack_stats *st, struct sb_error *err);

/* A single-layer image streamed from its tar straight into the initramfs,
 * without a spill file or a tree (pack_direct.c). Returns 0, a negative
 * errno, or LAYER_FALLBACK when only a merge gives the exact result (then
 * whatever was written to out_fd is garbage: the caller rewinds). */
int pack_direct(const struct oci_image *img, int out_fd, const struct pack_limits *lim,
		struct pack_meter *m, struct pack_stats *st, struct sb_error *err);

/* Merge img's layers and write the initramfs to out_fd; spill file in
 * spill_dir. *st (may be NULL) receives what was written. */
int pack_image(const struct oci_image *img, int out_fd, const char *spill_dir,
	       const struct pack_limits *lim, struct pack_stats *st, struct sb_error *err);
/* A fresh layer_budget from lim. */
void pack_budget(const struct pack_limits *lim, struct layer_budget *b);
/* oci_layer_open after lim->layer_wait (if set); errors say "layer I: ...". */
int pack_layer_open(const struct oci_image *img, size_t i, const struct pack_limits *lim,
		    struct oci_file *f, struct sb_error *err);
/* What layer_apply/layer_stream read for layer i of img, opened as f. */
void pack_layer_source(const struct oci_image *img, size_t i, const struct oci_file *f,
		       struct pack_meter *m, struct layer_source *src);
/* The path limit in force: lim->max_path, 0 or too large meaning PACK_PATH_LIMIT. */
uint32_t pack_max_path(const struct pack_limits *lim);

/* The paths of key's cache entry: cache_dir/images and, in it, the image and
 * its record (malloc'd; -ENOMEM). */
int pack_cache_paths(const char *cache_dir, const char *key, char **dir, char **final, char **meta);
/* 0 when the entry (image final, record meta) is intact and lim is at least
 * as generous as what it was packed under; marks it used. Else -ENOENT. */
int pack_cache_hit(const char *final, const char *meta, const struct pack_limits *lim,
		   struct pack_stats *st);

/* Cache hits for image archive files without reading them (pack_archive.c). */
struct pack_archive {
	char *record;	 /* the record's path; NULL when ref is not an archive file */
	char *file;	 /* the archive's real path */
	struct stat st;	 /* the archive file as it was when looked up */
	char *canonical; /* what the record is named after: kind, real path, tag */
};
/* Look ref up; never fails (no record path means no fast path). */
void pack_archive_find(const char *ref, const char *cache_dir, struct pack_archive *a);
/* 0 with *path and *cfg filled as rootfs_prepare fills them when a's record
 * matches the file as it is now and its cache entry is a hit under lim;
 * -ENOENT otherwise. */
int pack_archive_hit(const struct pack_archive *a, const char *cache_dir,
		     const struct pack_limits *lim, char **path, struct image_config *cfg);
/* After the slow path succeeded: record img for a's file, if it is still the
 * file a looked at. Failing is harmless. */
void pack_archive_note(const struct pack_archive *a, const char *cache_dir,
		       const struct oci_image *img);
void pack_archive_free(struct pack_archive *a);

/* Cache entry records (pack_meta.c). write: temp file, fsync, rename to path. */
int pack_meta_write(const char *dir, const char *path, const struct pack_stats *st,
		    struct sb_error *err);
/* 0, or a negative errno when missing or malformed. */
int pack_meta_read(const char *path, struct pack_stats *st);
/* 0 when the image file at path is complete and matches st, else -EINVAL. */
int pack_meta_check_image(const char *path, const struct pack_stats *st);
/* 1 when lim is at least as generous as the limits st was packed under. */
int pack_meta_limits_ok(const struct pack_stats *st, const struct pack_limits *lim);
/* An unlinked read-write temp file in dir. Returns the fd or a negative errno. */
int pack_tmpfile(const char *dir, struct sb_error *err);

#endif
