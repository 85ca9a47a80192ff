/* LZ4 "legacy" frame writer (the format the kernel's unlz4 reads for initramfs). */
#ifndef SB_LZ4LEGACY_H
#define SB_LZ4LEGACY_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define LZ4LEGACY_MAGIC 0x184C2102u
#define LZ4LEGACY_BLOCK (8u << 20) /* uncompressed bytes per block */

struct lz4legacy;

/* Start a stream on fd (writes the magic). level <= 1: LZ4_compress_default,
 * else LZ4_compress_HC at that level. Full blocks are compressed on two worker
 * threads while the caller fills the next one (3 blocks in flight at most). */
int lz4legacy_open(struct lz4legacy **out, int fd, int level, struct sb_error *err);
int lz4legacy_write(struct lz4legacy *z, const void *buf, size_t len, struct sb_error *err);
/* Zero-copy writing: *buf receives room for *avail (> 0) input bytes in the
 * current block (may write out older blocks first); after filling n <= *avail
 * of them, lz4legacy_advance(z, n). */
int lz4legacy_space(struct lz4legacy *z, uint8_t **buf, size_t *avail, struct sb_error *err);
void lz4legacy_advance(struct lz4legacy *z, size_t n);
#define LZ4LEGACY_MAX_HOLD 2

/* Keep the newest `blocks` full blocks (<= LZ4LEGACY_MAX_HOLD) uncompressed,
 * one more 8 MiB slot each, so that lz4legacy_patch reaches at least the
 * last blocks * LZ4LEGACY_BLOCK bytes written. Call before the first write. */
void lz4legacy_hold(struct lz4legacy *z, int blocks);
/* Overwrite len bytes at uncompressed stream offset off (already written).
 * 0, or -ERANGE when some of them are in a block already handed to the
 * compressor (nothing is changed then). */
int lz4legacy_patch(struct lz4legacy *z, uint64_t off, const void *buf, size_t len);
/* Flush, write the 4-byte zero end mark; frees z even on error. *total (may
 * be NULL) receives the bytes written to fd in all. */
int lz4legacy_close(struct lz4legacy *z, uint64_t *total, struct sb_error *err);
/* Free without finishing the stream (error paths). */
void lz4legacy_abort(struct lz4legacy *z);

#endif
