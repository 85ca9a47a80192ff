/* Private to pack*.c: packing one opened image, temp files, progress meter. */
#ifndef SB_PACK_INT_H
#define SB_PACK_INT_H

#include "oci.h"
#include "pack.h"

/* What one pack wrote, and the limits it ran under (kept with a cache entry). */
struct pack_stats {
	uint64_t file_size;   /* the initramfs file: LZ4 stream + zero padding to 4 */
	uint64_t stream_size; /* the LZ4 stream, its end mark included */
	uint64_t cpio_bytes;  /* the uncompressed cpio */
	uint64_t ram_bytes;   /* what it takes in guest RAM unpacked (pack.c: PACK_RAM_*) */
	uint64_t max_unpacked, max_entries;
	uint32_t max_path;
};

/* Merge img's layers and write the initramfs to out_fd; spill file in
 * spill_dir. *st (may be NULL) receives what was written. */
int pack_image(const struct oci_image *img, int out_fd, const char *spill_dir,
	       const struct pack_limits *lim, struct pack_stats *st, struct sb_error *err);
/* The path limit in force: lim->max_path, 0 or too large meaning PACK_PATH_LIMIT. */
uint32_t pack_max_path(const struct pack_limits *lim);

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

#endif
