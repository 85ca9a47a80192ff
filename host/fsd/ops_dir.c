/* Directory operations: listings bounded by the request and by OPS_DIRBUF_MAX. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops.h"

void ops_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fsd_server *s = ops_server(req);
	struct inode *in = inodes_get(&s->inodes, ino);
	int fd = !in ? -ESTALE : in->type != S_IFDIR ? -ENOTDIR : 0;

	if (fd == 0)
		fd = s->handles.used >= s->handles.max ? -EMFILE
						       : ops_reopen(s, in, O_RDONLY | O_DIRECTORY);
	if (fd >= 0)
		fd = handles_add(&s->handles, fd, HANDLE_DIR, &fi->fh);
	if (fd < 0)
		fuse_reply_err(req, -fd);
	else if (fuse_reply_open(req, fi) < 0)
		handles_remove(&s->handles, fi->fh, HANDLE_DIR);
}

static int is_dot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* One entry into out[*used..size): 1 added, 0 full, -errno to stop. */
static int add_one(fuse_req_t req, fuse_ino_t dir, const struct dirent64 *d, char *out,
		   size_t *used, size_t size, int plus)
{
	struct fsd_server *s = ops_server(req);
	struct fuse_entry_param e;
	size_t need;

	memset(&e, 0, sizeof(e));
	e.attr.st_ino = d->d_ino;
	e.attr.st_mode = (mode_t)d->d_type << 12;
	if (!plus) {
		need = fuse_add_direntry(req, NULL, 0, d->d_name, NULL, 0);
		if (need > size - *used)
			return 0;
		*used +=
		    fuse_add_direntry(req, out + *used, size - *used, d->d_name, &e.attr, d->d_off);
		return 1;
	}
	need = fuse_add_direntry_plus(req, NULL, 0, d->d_name, NULL, 0);
	if (need > size - *used)
		return 0;
	if (!is_dot(d->d_name)) { /* "." and ".." get no inode: node id 0 */
		int r = ops_lookup(s, NULL, dir, d->d_name, &e);
		if (r == -ENOENT)
			return 1; /* gone since the listing */
		if (r < 0)
			return r;
	}
	*used += fuse_add_direntry_plus(req, out + *used, size - *used, d->d_name, &e, d->d_off);
	return 1;
}

/* A single-file share's root: ".", ".." and the one name, at offsets 1 to 3;
 * the directory's own entries are never read. */
static int list_one_file(fuse_req_t req, size_t size, off_t off, int plus, size_t *used)
{
	struct fsd_server *s = ops_server(req);
	struct inode *root = inodes_get(&s->inodes, FUSE_ROOT_ID);
	const char *names[3] = {".", "..", s->file};
	struct stat fst;
	struct dirent64 d;
	int r = 1;

	if (fstatat(s->file_fd, "", &fst, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	for (off_t i = off < 0 ? 0 : off; i < 3 && r == 1; i++) {
		memset(&d, 0, sizeof(d));
		d.d_ino = i < 2 ? root->ino : fst.st_ino;
		d.d_off = i + 1;
		d.d_type = i < 2 ? DT_DIR : DT_REG;
		snprintf(d.d_name, sizeof(d.d_name), "%s", names[i]);
		r = add_one(req, FUSE_ROOT_ID, &d, s->iobuf, used, size, plus);
	}
	return r < 0 ? r : 0;
}

/* The directory behind fd from offset off: 0, or -errno. */
static int list_dir(fuse_req_t req, fuse_ino_t ino, int fd, size_t size, off_t off, int plus,
		    size_t *used)
{
	struct fsd_server *s = ops_server(req);
	int r = 0;

	if (lseek(fd, off, SEEK_SET) < 0)
		return -errno;
	for (int full = 0; !full && r >= 0;) {
		ssize_t n =
		    getdents64(fd, s->dirbuf, size < s->dirbuf_size ? size : s->dirbuf_size);
		if (n <= 0)
			return n < 0 ? -errno : 0;
		for (ssize_t at = 0; at < n && !full && r >= 0;) {
			const struct dirent64 *d = (const void *)(s->dirbuf + at);
			r = add_one(req, ino, d, s->iobuf, used, size, plus);
			full = r == 0;
			at += d->d_reclen;
		}
	}
	return r < 0 ? r : 0;
}

static void list(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi,
		 int plus)
{
	struct fsd_server *s = ops_server(req);
	int fd = handles_fd(&s->handles, fi->fh, HANDLE_DIR);
	size_t used = 0;

	if (fd < 0 || !inodes_get(&s->inodes, ino)) {
		fuse_reply_err(req, fd < 0 ? EBADF : ESTALE);
		return;
	}
	if (size > s->max_io)
		size = s->max_io;
	if (size > OPS_DIRBUF_MAX)
		size = OPS_DIRBUF_MAX;
	int r = s->file ? list_one_file(req, size, off, plus, &used) /* only the root is a dir */
			: list_dir(req, ino, fd, size, off, plus, &used);
	if (r < 0 && used == 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_buf(req, s->iobuf, used);
}

void ops_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	list(req, ino, size, off, fi, 0);
}

void ops_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	list(req, ino, size, off, fi, 1);
}

void ops_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	fuse_reply_err(req, -handles_remove(&ops_server(req)->handles, fi->fh, HANDLE_DIR));
}

void ops_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	int fd = handles_fd(&ops_server(req)->handles, fi->fh, HANDLE_DIR);

	(void)ino;
	if (fd < 0)
		fuse_reply_err(req, EBADF);
	else
		fuse_reply_err(req, (datasync ? fdatasync(fd) : fsync(fd)) < 0 ? errno : 0);
}
