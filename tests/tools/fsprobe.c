/* fsprobe: what busybox cannot do on a volume, for the volume integration cases (static, runs
 * in the guest from a read-only volume).
 *   fsprobe mmap FILE OFFSET TEXT   write TEXT at OFFSET through a MAP_SHARED mapping, msync
 *   fsprobe fsync FILE              open, fsync, close
 *   fsprobe open FILE               open read-only without blocking; prints ok or the errno name
 *   fsprobe create FILE             open O_WRONLY|O_CREAT; prints ok or the errno name
 * Exit status 0 when the call worked (open/create: whatever they print), 1 otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char *errname(int e)
{
	switch (e) {
	case EROFS:
		return "EROFS";
	case EACCES:
		return "EACCES";
	case EPERM:
		return "EPERM";
	case ENXIO:
		return "ENXIO";
	case ENOENT:
		return "ENOENT";
	case ELOOP:
		return "ELOOP";
	case EIO:
		return "EIO";
	case EINVAL:
		return "EINVAL";
	case ENODEV:
		return "ENODEV";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	default:
		return strerror(e);
	}
}

static int do_mmap(const char *path, long off, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_RDWR);
	if (fd < 0)
		return perror(path), 1;
	long page = sysconf(_SC_PAGESIZE), base = off - off % page;
	size_t span = (size_t)(off - base) + len;
	char *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_SHARED, fd, base);
	if (p == MAP_FAILED)
		return perror("mmap"), 1;
	memcpy(p + (off - base), text, len);
	if (msync(p, span, MS_SYNC) < 0)
		return perror("msync"), 1;
	munmap(p, span);
	return close(fd) < 0 ? (perror("close"), 1) : 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "mmap"))
		return do_mmap(argv[2], atol(argv[3]), argv[4]);
	if (argc == 3 && !strcmp(argv[1], "fsync")) {
		int fd = open(argv[2], O_RDWR);
		if (fd < 0 || fsync(fd) < 0)
			return perror(argv[2]), 1;
		return close(fd) < 0;
	}
	if (argc == 3 && (!strcmp(argv[1], "open") || !strcmp(argv[1], "create"))) {
		int fd = !strcmp(argv[1], "open") ? open(argv[2], O_RDONLY | O_NONBLOCK)
						  : open(argv[2], O_WRONLY | O_CREAT, 0644);
		puts(fd < 0 ? errname(errno) : "ok");
		return 0;
	}
	fprintf(stderr,
		"usage: fsprobe mmap FILE OFFSET TEXT | fsync FILE | open FILE | create FILE\n");
	return 2;
}
