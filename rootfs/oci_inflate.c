/* Compressed image archives (`docker save | gzip`, oci-archive .tar.gz/.zst/.xz):
 * inflated once, in one streaming pass through libarchive's filters, into an
 * unlinked temp file that the tar index then reads in place. Layers can be
 * needed in any order and the manifest usually comes last, so one pass over
 * the compressed stream cannot apply them; the temp file is bounded by the
 * caller's limit and vanishes with its fd. */
#include "oci.h"

#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

#define INFLATE_BUF (256u << 10)

static int is_compressed(int fd, struct sb_error *err)
{
	uint8_t b[6] = {0};
	if (pread(fd, b, sizeof(b), 0) < 0)
		return error_set(err, errno, "read archive");
	return (b[0] == 0x1f && b[1] == 0x8b) || !memcmp(b, "\x28\xb5\x2f\xfd", 4) ||
	       !memcmp(b, "\xfd\x37\x7a\x58\x5a", 5) || !memcmp(b, "BZh", 3);
}

static int tmpfile_open(struct sb_error *err)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/var/tmp";
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd >= 0 ? fd : error_set(err, errno, "temp file in `%s`", dir);
	char path[4200];
	snprintf(path, sizeof(path), "%s/.sandbox-archive-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "temp file in `%s`", dir);
	unlink(path);
	return fd;
}

static int write_all(int fd, const uint8_t *p, size_t len, struct sb_error *err)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error_set(err, n < 0 ? errno : EIO, "write temp file");
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copy the decompressed stream of a (opened, raw format) into out. */
static int copy_out(struct archive *a, int out, const char *where, uint64_t max,
		    struct sb_error *err)
{
	cleanup_free uint8_t *buf = malloc(INFLATE_BUF);
	if (!buf)
		return error_set(err, ENOMEM, "out of memory");
	uint64_t total = 0;
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, INFLATE_BUF);
		if (n == 0)
			return 0;
		if (n < 0)
			return error_set(err, 0, "`%s`: %s", where, archive_error_string(a));
		if ((uint64_t)n > max - total)
			return error_set(err, EFBIG,
					 "`%s`: decompressed archive larger than %llu bytes "
					 "(--max-unpacked)",
					 where, (unsigned long long)max);
		total += (uint64_t)n;
		int r = write_all(out, buf, (size_t)n, err);
		if (r < 0)
			return r;
	}
}

static int inflate_to(int fd, int out, const char *where, uint64_t max, struct sb_error *err)
{
	struct archive *a = archive_read_new();
	if (!a)
		return error_set(err, ENOMEM, "out of memory");
	/* Only in-process decompressors: never libarchive's external programs. */
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_format_raw(a);
	struct archive_entry *ae;
	int r;
	if (lseek(fd, 0, SEEK_SET) < 0)
		r = error_set(err, errno, "seek `%s`", where);
	else if (archive_read_open_fd(a, fd, INFLATE_BUF) != ARCHIVE_OK ||
		 archive_read_next_header(a, &ae) != ARCHIVE_OK)
		r = error_set(err, 0, "`%s`: unreadable compressed archive: %s", where,
			      archive_error_string(a) ? archive_error_string(a) : "?");
	else
		r = copy_out(a, out, where, max, err);
	archive_read_free(a);
	return r;
}

int oci_archive_inflate(int *fd, const char *where, uint64_t max, struct sb_error *err)
{
	int r = is_compressed(*fd, err);
	if (r <= 0)
		return r;
	int out = tmpfile_open(err);
	if (out < 0)
		return out;
	r = inflate_to(*fd, out, where, max ? max : OCI_MAX_ARCHIVE, err);
	if (r < 0) {
		close(out);
		return r;
	}
	close(*fd);
	*fd = out;
	return 1;
}
