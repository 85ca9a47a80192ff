/* The initramfs being written: cpio newc entries inside one LZ4 legacy stream,
 * zero padding to a multiple of 4, and the sizes a cache entry records.
 *
 * Compression: LZ4_compress_default (acceleration 1). bench/lz4-level on
 * bench/pack's 190 MiB Debian rootfs (one thread, medians of 5, host load ~3):
 *
 *   level     size      compress  decompress (lz4 -d: the kernel's algorithm)
 *   accel 8   127 MiB   0.66 s    0.11 s
 *   default   111 MiB   0.62 s    0.13 s
 *   HC 4       97 MiB   4.7 s     0.14 s
 *   HC 9       97 MiB   8.7 s     0.18 s
 *
 * HC saves 12% of the archive for 7-14x the compression time (seconds more
 * on every first run of an image) and does not unpack faster: decompression
 * is 0.1-0.2 s for every level, within the noise, and small next to creating
 * the files. The archive only crosses memory (cache file -> guest RAM), never
 * a network, so size buys little. Acceleration 8 grows the archive 15% (RAM
 * the guest holds while it unpacks) and saved no measurable time here (0.58-
 * 0.66 s against 0.62-0.79 s over two runs). */
#include "pack_int.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lz4legacy.h"

#define PACK_LZ4_LEVEL 1

static int lz4_sink(void *ctx, const void *buf, size_t len, struct sb_error *err)
{
	return lz4legacy_write(ctx, buf, len, err);
}

int pack_out_open(struct pack_out *o, int fd, int hold, struct sb_error *err)
{
	memset(o, 0, sizeof(*o));
	int r = lz4legacy_open(&o->z, fd, PACK_LZ4_LEVEL, err);
	if (r < 0)
		return r;
	if (hold)
		lz4legacy_hold(o->z, LZ4LEGACY_MAX_HOLD);
	cpio_writer_init(&o->w, lz4_sink, o->z);
	return 0;
}

int pack_out_header(struct pack_out *o, const struct cpio_entry *e, const char *symlink,
		    struct sb_error *err)
{
	o->ram += PACK_RAM_PER_ENTRY +
		  ((uint64_t)e->size + PACK_RAM_PAGE - 1) / PACK_RAM_PAGE * PACK_RAM_PAGE;
	int r = cpio_write_header(&o->w, e, err);
	if (r == 0 && symlink)
		r = cpio_write_data(&o->w, symlink, e->size, err);
	return r;
}

/* Zeros after the stream up to a multiple of 4: the kernel skips zeros
 * between archives and wants the next one 4-aligned. */
int pack_out_close(struct pack_out *o, int ok, int fd, struct pack_stats *st, struct sb_error *err)
{
	if (!ok) {
		lz4legacy_abort(o->z);
		o->z = NULL;
		return 0;
	}
	uint64_t written = 0;
	int r = cpio_write_trailer(&o->w, err);
	if (r == 0)
		r = lz4legacy_close(o->z, &written, err);
	else
		lz4legacy_abort(o->z);
	o->z = NULL;
	static const uint8_t zeros[4];
	size_t pad = (size_t)((4 - (written & 3)) & 3);
	if (r == 0 && pad && write(fd, zeros, pad) != (ssize_t)pad)
		r = error_set(err, errno ? errno : EIO, "write padding");
	st->stream_size = written;
	st->file_size = written + pad;
	st->cpio_bytes = o->w.offset;
	st->ram_bytes = o->ram;
	return r;
}
