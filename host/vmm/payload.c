/* Reading what the guest boots: the kernel file (mapped, bounded) and the initrd blobs into guest RAM. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "payload.h"

/* Read exactly len bytes from fd into dst. */
static int read_full(int fd, uint8_t *dst, size_t len, const char *path, struct sb_error *err)
{
	while (len) {
		ssize_t n = read(fd, dst, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set(err, errno, "read `%s`", path);
		if (n == 0)
			return error_set(err, EIO, "read `%s`: file shrank while reading", path);
		dst += n;
		len -= (size_t)n;
	}
	return 0;
}

static int open_sized(const char *path, uint64_t *size, struct sb_error *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return error_set(err, errno, "open `%s`", path);
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return error_set(err, e, "stat `%s`", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(err, EINVAL, "`%s` is not a regular file", path);
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

int payload_map_file(const char *path, size_t max, struct payload_map *map, struct sb_error *err)
{
	uint64_t size;
	cleanup_close int fd = open_sized(path, &size, err);

	map->data = NULL;
	map->len = 0;
	if (fd < 0)
		return fd;
	if (size > max)
		return error_set(err, EFBIG, "`%s` is too large (%llu bytes)", path,
				 (unsigned long long)size);
	if (size == 0)
		return 0;
	/* A private read-only view of the page cache: the loader copies straight
	 * from it into guest RAM, with no buffer in between. MAP_POPULATE maps
	 * every page in one go instead of one fault per 4 KiB. If the file
	 * shrinks under us the loader faults (SIGBUS): it is our own kernel file,
	 * not guest input, and the same holds for any mmap-based loader. */
	void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (p == MAP_FAILED)
		return error_set(err, errno, "map `%s`", path);
	map->data = p;
	map->len = size;
	return 0;
}

void payload_unmap(struct payload_map *map)
{
	if (map->data)
		munmap((void *)map->data, map->len);
	map->data = NULL;
	map->len = 0;
}

static int blob_size(const struct vmm_blob *b, uint64_t *size, struct sb_error *err)
{
	if (!b->path) {
		*size = b->len;
		return 0;
	}
	int fd = open_sized(b->path, size, err);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int payload_initrd_size(const struct vmm_blob *b, size_t n, uint64_t *size, struct sb_error *err)
{
	uint64_t total = 0, s;

	for (size_t i = 0; i < n; i++) {
		int r = blob_size(&b[i], &s, err);
		if (r < 0)
			return r;
		total = (total + 3) & ~3ull;
		if (s > (1ull << 40) || total + s > (1ull << 40))
			return error_set(err, EFBIG, "initramfs too large");
		total += s;
	}
	*size = total;
	return 0;
}

/* Files are read, not mapped: the guest reads every byte of the initrd, then
 * reuses the memory once it is unpacked. A private file mapping would cost it
 * one nested page fault per 4 KiB page read and another per page rewritten
 * (7,750 faults instead of 870 for a 9 MB initrd in the test host), where
 * read() fills guest RAM's huge pages in a few milliseconds. Each file is
 * opened once here: measured, checked against the room left, read. */
int payload_initrd_copy(const struct vmm_blob *b, size_t n, struct vm_mem *m, uint64_t gpa,
			uint64_t size, struct sb_error *err)
{
	uint8_t *dst = gpa_to_hva(m, gpa, size);
	uint64_t off = 0, s;

	if (!dst && size)
		return error_set(err, EINVAL, "initramfs outside guest memory");
	for (size_t i = 0; i < n; i++) {
		uint64_t pad = ((off + 3) & ~3ull) - off;
		cleanup_close int fd = -1;
		if (b[i].path && (fd = open_sized(b[i].path, &s, err)) < 0)
			return fd;
		if (!b[i].path)
			s = b[i].len;
		if (pad + s > size - off)
			return error_set(err, EIO, "initramfs part %zu changed size", i);
		memset(dst + off, 0, pad);
		off += pad;
		if (fd >= 0) {
			int r = read_full(fd, dst + off, s, b[i].path, err);
			if (r < 0)
				return r;
		} else if (s) {
			memcpy(dst + off, b[i].data, s);
		}
		off += s;
	}
	return 0;
}
