/* A directory tree on the host (an OCI bundle's root, usually an overlay mount an engine
 * made) -> one initramfs: walked through held directory fds, never following a symlink,
 * under the same limits as an image's layers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "pack.h"
#include "pack_int.h"

#define DIR_MAX_DEPTH 256 /* directories nested deeper are refused, not walked */
#define HARDLINKS_MAX 65536u

/* A file with more than one name, seen once: later names are written as
 * links to its first (data only once, as the kernel's initramfs expects). */
struct hardlink {
	dev_t dev;
	ino_t ino;
	uint32_t our_ino;
};

struct walk {
	struct pack_out out;
	const struct pack_limits *lim;
	uint64_t entries, bytes;
	uint32_t next_ino;
	struct hardlink *links;
	size_t nlinks;
	char path[PACK_PATH_LIMIT + 1];
	uint8_t buf[1 << 16];
};

static int copy_data(struct walk *w, int fd, uint64_t size, const char *path, struct sb_error *err)
{
	while (size > 0) {
		size_t want = size < sizeof(w->buf) ? (size_t)size : sizeof(w->buf);
		ssize_t n = read(fd, w->buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set(err, errno, "read `%s`", path);
		if (n == 0) /* shrank while we read it: pad, the header is written */
			memset(w->buf, 0, want), n = (ssize_t)want;
		int r = cpio_write_data(&w->out.w, w->buf, (size_t)n, err);
		if (r < 0)
			return r;
		size -= (uint64_t)n;
	}
	return 0;
}

/* Our inode number for st: a fresh one, or the first name's for a hard link
 * seen before (*seen set). */
static int link_ino(struct walk *w, const struct stat *st, uint32_t *ino, int *seen,
		    struct sb_error *err)
{
	*seen = 0;
	*ino = ++w->next_ino;
	if (!S_ISREG(st->st_mode) || st->st_nlink < 2)
		return 0;
	for (size_t i = 0; i < w->nlinks; i++)
		if (w->links[i].dev == st->st_dev && w->links[i].ino == st->st_ino) {
			*ino = w->links[i].our_ino;
			*seen = 1;
			return 0;
		}
	if (w->nlinks == HARDLINKS_MAX)
		return 0; /* past the table: a copy instead of a link */
	if (!(w->nlinks & (w->nlinks + 1))) {
		struct hardlink *n = realloc(w->links, (2 * w->nlinks + 1) * sizeof(*n));
		if (!n)
			return error_set(err, ENOMEM, "hard links");
		w->links = n;
	}
	w->links[w->nlinks++] = (struct hardlink){st->st_dev, st->st_ino, *ino};
	return 0;
}

static int walk_dir(struct walk *w, int dfd, size_t plen, int depth, struct sb_error *err);

/* One entry name of the directory dfd, whose path (without a leading '/') is w->path[0..plen). */
static int add_entry(struct walk *w, int dfd, size_t plen, const char *name, int depth,
		     struct sb_error *err)
{
	size_t nlen = strlen(name);
	size_t at = plen ? plen + 1 : 0;
	if (at + nlen > w->lim->max_path || at + nlen > PACK_PATH_LIMIT)
		return error_set(err, ENAMETOOLONG, "`%.*s/%s`: path longer than %u bytes",
				 (int)plen, w->path, name, w->lim->max_path);
	if (plen)
		w->path[plen] = '/';
	memcpy(w->path + at, name, nlen + 1);
	const char *path = w->path;

	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return error_set(err, errno, "stat `%s`", path);
	if (++w->entries > w->lim->max_entries)
		return error_set(err, EFBIG, "more than %llu entries",
				 (unsigned long long)w->lim->max_entries);
	if (S_ISSOCK(st.st_mode))
		return 0; /* a socket means nothing in a new kernel (tar skips them too) */
	struct cpio_entry e = {
	    .name = path,
	    .mode = st.st_mode,
	    .uid = st.st_uid,
	    .gid = st.st_gid,
	    .nlink = S_ISDIR(st.st_mode) ? 2 : 1,
	    .mtime = cpio_mtime(st.st_mtim.tv_sec),
	};
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		e.rdev_major = major(st.st_rdev);
		e.rdev_minor = minor(st.st_rdev);
	}
	int seen = 0, r = link_ino(w, &st, &e.ino, &seen, err);
	if (r < 0)
		return r;

	if (S_ISLNK(st.st_mode)) {
		char target[PACK_PATH_LIMIT + 1];
		ssize_t n = readlinkat(dfd, name, target, sizeof(target));
		if (n < 0)
			return error_set(err, errno, "readlink `%s`", path);
		if ((size_t)n > w->lim->max_path || (size_t)n >= sizeof(target))
			return error_set(err, ENAMETOOLONG, "`%s`: symlink target too long", path);
		target[n] = 0;
		e.size = (uint32_t)n;
		return pack_out_header(&w->out, &e, target, err);
	}
	if (S_ISDIR(st.st_mode)) {
		if (depth >= DIR_MAX_DEPTH)
			return error_set(err, ELOOP, "`%s`: directories nested deeper than %d", path,
					 DIR_MAX_DEPTH);
		int cfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0)
			return error_set(err, errno, "open `%s`", path);
		r = pack_out_header(&w->out, &e, NULL, err);
		if (r == 0)
			r = walk_dir(w, cfd, at + nlen, depth + 1, err); /* closes cfd */
		else
			close(cfd);
		return r;
	}
	if (!S_ISREG(st.st_mode)) /* FIFO, device: the header is all of it */
		return pack_out_header(&w->out, &e, NULL, err);

	if (seen) { /* a later name of a hard-linked file: no data */
		e.nlink = 2;
		return pack_out_header(&w->out, &e, NULL, err);
	}
	if ((uint64_t)st.st_size > CPIO_MAX_FILE_SIZE)
		return error_set(err, EFBIG, "`%s`: larger than 4 GiB (initramfs limit)", path);
	w->bytes += (uint64_t)st.st_size;
	if (w->bytes > w->lim->max_unpacked_bytes)
		return error_set(err, EFBIG, "more than %llu bytes of files",
				 (unsigned long long)w->lim->max_unpacked_bytes);
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "open `%s`", path);
	if (st.st_nlink > 1)
		e.nlink = 2; /* the kernel links later names with this inode to it */
	e.size = (uint32_t)st.st_size;
	r = pack_out_header(&w->out, &e, NULL, err);
	if (r == 0)
		r = copy_data(w, fd, (uint64_t)st.st_size, path, err);
	close(fd);
	return r;
}

/* Every entry of dfd (closed here), parents before their children. */
static int walk_dir(struct walk *w, int dfd, size_t plen, int depth, struct sb_error *err)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		int e = errno;
		close(dfd);
		return error_set(err, e, "open directory `%.*s`", (int)plen, w->path);
	}
	int r = 0;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno)
				r = error_set(err, errno, "read directory `%.*s`", (int)plen,
					      w->path);
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((r = add_entry(w, dirfd(d), plen, de->d_name, depth, err)) < 0)
			break;
		w->path[plen] = 0;
	}
	closedir(d);
	return r;
}

int rootfs_pack_dir(const char *dir, int out_fd, const struct pack_limits *lim, uint64_t *ram_bytes,
		    struct sb_error *err)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return error_set(err, errno, "open rootfs `%s`", dir);
	struct walk *w = calloc(1, sizeof(*w));
	if (!w) {
		close(dfd);
		return error_set(err, ENOMEM, "pack `%s`", dir);
	}
	w->lim = lim;
	int r = pack_out_open(&w->out, out_fd, 0, err);
	if (r < 0) {
		close(dfd);
		free(w);
		return r;
	}
	r = walk_dir(w, dfd, 0, 0, err);
	struct pack_stats st = {0};
	int c = pack_out_close(&w->out, r == 0, out_fd, &st, err);
	if (r == 0)
		r = c;
	if (r == 0 && ram_bytes)
		*ram_bytes = st.ram_bytes;
	free(w->links);
	free(w);
	return r < 0 ? error_prefix(err, "rootfs `%s`", dir) : 0;
}
