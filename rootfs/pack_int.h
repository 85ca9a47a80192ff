/* Private to pack*.c: packing one opened image, temp files, progress meter. */
#ifndef SB_PACK_INT_H
#define SB_PACK_INT_H

#include "oci.h"
#include "pack.h"

/* Merge img's layers and write the initramfs to out_fd; spill file in spill_dir. */
int pack_image(const struct oci_image *img, int out_fd, const char *spill_dir,
	       const struct pack_limits *lim, struct sb_error *err);
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
