/* `sandbox version`: our version, the guest ABI and pack format, and what the
 * guest kernel and guest init found beside the binary say about themselves. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abi.h"
#include "cleanup.h"
#include "commands.h"
#include "pack.h"
#include "paths.h"
#include "version.h"

#define HEAD_BYTES 65536u /* the bzImage setup area and the init cpio's first entries */

/* Up to HEAD_BYTES of path into buf; the count, or -1. */
static ssize_t read_head(const char *path, char *buf)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = 0;
	while (n < HEAD_BYTES) {
		ssize_t r = read(fd, buf + n, HEAD_BYTES - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	return (ssize_t)n;
}

/* "Linux 6.1.192 (...) #1 ..." from a bzImage's kernel_version field
 * (boot protocol: a u16 at 0x20e, the string at that + 0x200). */
static void kernel_ident(const char *head, size_t n, char *out, size_t len)
{
	snprintf(out, len, "not a bzImage (vmlinux?)");
	if (n >= 4 && !memcmp(head, "\x7f" "ELF", 4)) {
		snprintf(out, len, "ELF vmlinux");
		return;
	}
	if (n < 0x210 || memcmp(head + 0x202, "HdrS", 4))
		return;
	size_t off = (size_t)(unsigned char)head[0x20e] | (size_t)(unsigned char)head[0x20f] << 8;
	off += 0x200;
	if (off >= n)
		return;
	size_t max = n - off < 200 ? n - off : 200;
	size_t k = strnlen(head + off, max);
	snprintf(out, len, "bzImage, Linux %.*s", (int)k, head + off);
}

/* The content of .sandbox/version in a newc cpio (the guest init archive). */
static void init_ident(const char *head, size_t n, char *out, size_t len)
{
	snprintf(out, len, "no version entry (an older build? run `make init`)");
	size_t pos = 0;
	while (pos + 110 <= n && !memcmp(head + pos, "070701", 6)) {
		char f[9] = {0};
		memcpy(f, head + pos + 54, 8);
		size_t fsize = strtoul(f, NULL, 16);
		memcpy(f, head + pos + 94, 8);
		size_t nsize = strtoul(f, NULL, 16);
		size_t name = pos + 110, data = (name + nsize + 3) & ~(size_t)3;
		if (nsize == 0 || data > n || fsize > n - data)
			return;
		if (nsize == sizeof(".sandbox/version") &&
		    !memcmp(head + name, ".sandbox/version", nsize)) {
			size_t k = fsize && head[data + fsize - 1] == '\n' ? fsize - 1 : fsize;
			snprintf(out, len, "%.*s", (int)k, head + data);
			return;
		}
		pos = (data + fsize + 3) & ~(size_t)3;
	}
}

int cmd_version(void)
{
	char path[PATH_MAX], ident[256];
	struct sb_error err = {0};
	cleanup_free char *head = malloc(HEAD_BYTES);
	if (!head)
		return error_set(&err, ENOMEM, "version"), cmd_fail(&err);
	printf("sandbox %s\nguest ABI: %d\npack format: %d\n", SANDBOX_VERSION, SANDBOX_ABI_VERSION,
	       PACK_FORMAT_VERSION);
	ssize_t n;
	if (paths_kernel(NULL, path, sizeof(path), &err) < 0) {
		printf("guest kernel: missing (%s)\n", err.msg);
	} else if ((n = read_head(path, head)) < 0) {
		printf("guest kernel: %s: %s\n", path, strerror(errno));
	} else {
		kernel_ident(head, (size_t)n, ident, sizeof(ident));
		printf("guest kernel: %s (%s)\n", path, ident);
	}
	if (paths_init_archive(path, sizeof(path), &err) < 0) {
		printf("guest init: missing (%s)\n", err.msg);
	} else if ((n = read_head(path, head)) < 0) {
		printf("guest init: %s: %s\n", path, strerror(errno));
	} else {
		init_ident(head, (size_t)n, ident, sizeof(ident));
		printf("guest init: %s (%s)\n", path, ident);
	}
	return 0;
}
