/* Private to pack*.c: packing one opened image, temp files. */
#ifndef SB_PACK_INT_H
#define SB_PACK_INT_H

#include "oci.h"
#include "pack.h"

/* Merge img's layers and write the initramfs to out_fd; spill file in spill_dir. */
int pack_image(const struct oci_image *img, int out_fd, const char *spill_dir,
	       const struct pack_limits *lim, struct sb_error *err);
/* An unlinked read-write temp file in dir. Returns the fd or a negative errno. */
int pack_tmpfile(const char *dir, struct sb_error *err);

#endif
