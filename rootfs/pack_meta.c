/* A cache entry's record, <key>.v<N>.meta beside <key>.v<N>.cpio.lz4: the
 * sizes the pack produced and the limits it ran under, written before the
 * image is renamed into place and checked, with the image's structure, on
 * every hit. */
#include "pack_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cleanup.h"
#include "lz4legacy.h"

#define META_MAGIC "sandbox-pack-meta 2\n"
#define META_MAX 1024

static const char meta_out[] = META_MAGIC
    "file_size %" PRIu64 "\nstream_size %" PRIu64 "\ncpio_bytes %" PRIu64 "\nram_bytes %" PRIu64
    "\nmax_unpacked %" PRIu64 "\nmax_entries %" PRIu64 "\nmax_path %" PRIu32 "\n";
static const char meta_in[] = META_MAGIC
    "file_size %" SCNu64 "\nstream_size %" SCNu64 "\ncpio_bytes %" SCNu64 "\nram_bytes %" SCNu64
    "\nmax_unpacked %" SCNu64 "\nmax_entries %" SCNu64 "\nmax_path %" SCNu32 "\n%n";

int pack_meta_write(const char *dir, const char *path, const struct pack_stats *st,
		    struct sb_error *err)
{
	char buf[META_MAX], tmp[4200];
	int len =
	    snprintf(buf, sizeof(buf), meta_out, st->file_size, st->stream_size, st->cpio_bytes,
		     st->ram_bytes, st->max_unpacked, st->max_entries, st->max_path);
	snprintf(tmp, sizeof(tmp), "%s/.tmp-meta-XXXXXX", dir);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "create `%s`", tmp);
	int r = 0;
	if (write(fd, buf, (size_t)len) != len || fchmod(fd, 0600) < 0)
		r = error_set(err, errno ? errno : EIO, "write `%s`", tmp);
	return atomicfile_commit(r, fd, tmp, path, err);
}

int pack_meta_read(const char *path, struct pack_stats *st)
{
	char buf[META_MAX + 1];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, META_MAX);
	close(fd);
	if (n <= 0)
		return -EINVAL;
	buf[n] = '\0';
	int end = 0;
	if (sscanf(buf, meta_in, &st->file_size, &st->stream_size, &st->cpio_bytes, &st->ram_bytes,
		   &st->max_unpacked, &st->max_entries, &st->max_path, &end) != 7 ||
	    end != n || strncmp(buf, META_MAGIC, strlen(META_MAGIC)))
		return -EINVAL;
	return 0;
}

static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t n;
	do
		n = pread(fd, buf, len, (off_t)off);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -EINVAL;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The file is what st describes: its size, the magic, a chain of block sizes
 * that ends with the zero end mark exactly at stream_size, zero padding. */
int pack_meta_check_image(const char *path, const struct pack_stats *st)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat s;
	uint8_t b[4];
	if (fd < 0 || fstat(fd, &s) < 0 || !S_ISREG(s.st_mode) ||
	    (uint64_t)s.st_size != st->file_size || st->stream_size < 8 ||
	    st->stream_size > st->file_size || st->file_size - st->stream_size > 3 ||
	    read_at(fd, b, 4, 0) < 0 || le32(b) != LZ4LEGACY_MAGIC)
		return -EINVAL;
	const uint32_t bound = (uint32_t)LZ4_compressBound(LZ4LEGACY_BLOCK);
	uint64_t off = 4;
	for (;;) {
		if (off + 4 > st->stream_size || read_at(fd, b, 4, off) < 0)
			return -EINVAL;
		uint32_t n = le32(b);
		off += 4;
		if (n == 0)
			break;
		if (n > bound)
			return -EINVAL;
		off += n;
	}
	if (off != st->stream_size)
		return -EINVAL;
	uint8_t pad[3] = {0};
	size_t np = (size_t)(st->file_size - st->stream_size);
	if (np && (read_at(fd, pad, np, off) < 0 || pad[0] || pad[1] || pad[2]))
		return -EINVAL;
	return 0;
}

int pack_meta_limits_ok(const struct pack_stats *st, const struct pack_limits *lim)
{
	uint32_t max_path = pack_max_path(lim);
	return lim->max_unpacked_bytes >= st->max_unpacked && lim->max_entries >= st->max_entries &&
	       max_path >= st->max_path;
}
