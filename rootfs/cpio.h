/* cpio "newc" writer: streaming entries to a sink, or a small archive in memory. */
#ifndef SB_CPIO_H
#define SB_CPIO_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define CPIO_NEWC_HDR_LEN 110
#define CPIO_MAX_FILE_SIZE 0xffffffffull /* newc sizes are 32-bit */

/* Where archive bytes go. Returns 0 or a negative errno (filling err). */
typedef int (*cpio_sink_fn)(void *ctx, const void *buf, size_t len, struct sb_error *err);

struct cpio_writer {
	cpio_sink_fn sink;
	void *ctx;
	uint64_t offset;   /* bytes written so far */
	uint64_t pending;  /* data bytes still owed by the current entry */
	uint32_t data_len; /* data length of the current entry (for padding) */
};

/* Metadata of one entry. mode is the full st_mode including the file type. */
struct cpio_entry {
	const char *name; /* without leading '/', NUL-free */
	uint32_t ino, mode, uid, gid, nlink, mtime;
	uint32_t size; /* data bytes that follow (regular files, symlink target) */
	uint32_t rdev_major, rdev_minor;
};

/* Where the nlink field (8 hex digits) is in a newc header. */
#define CPIO_NLINK_OFF 38
#define CPIO_FIELD_LEN 8

/* The 8 hex digits of a header field holding v (for patching a written header). */
void cpio_field(uint32_t v, char out[CPIO_FIELD_LEN]);
/* A tar mtime in newc's unsigned 32 bits: clamped to [0, UINT32_MAX]. */
uint32_t cpio_mtime(int64_t t);

void cpio_writer_init(struct cpio_writer *w, cpio_sink_fn sink, void *ctx);
/* Write a header and name; the entry's data must then be written with
 * cpio_write_data (exactly e->size bytes, in any number of calls). */
int cpio_write_header(struct cpio_writer *w, const struct cpio_entry *e, struct sb_error *err);
int cpio_write_data(struct cpio_writer *w, const void *buf, size_t len, struct sb_error *err);
/* The caller put len data bytes of the current entry into the sink itself
 * (zero copy): account for them (and pad after the last). */
int cpio_note_data(struct cpio_writer *w, size_t len, struct sb_error *err);
/* Write the TRAILER!!! entry. Returns -EINVAL if data is still owed. */
int cpio_write_trailer(struct cpio_writer *w, struct sb_error *err);

/* A whole small archive in memory (the per-run config archive). Directories are
 * entries with S_IFDIR mode and no data; files are owned by root, mtime 0. */
struct cpio_file {
	const char *path;
	unsigned mode; /* full st_mode including type */
	const void *data;
	size_t len;
};
/* Build a newc archive ending with TRAILER!!!; *out is malloc'd. */
int cpio_build(const struct cpio_file *files, size_t n, uint8_t **out, size_t *out_len,
	       struct sb_error *err);

#endif
