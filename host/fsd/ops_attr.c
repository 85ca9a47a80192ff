/* GETATTR and SETATTR: chmod (setuid/setgid stripped), chown, truncate, utimens on held inodes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops.h"

/* A single-file share's root tells nothing of the directory's other
 * entries: two links, no size, the file's times. */
static int one_file_root(struct fsd_server *s, struct stat *st)
{
	struct stat fst;

	if (fstatat(s->file_fd, "", &fst, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	st->st_nlink = 2;
	st->st_size = 0;
	st->st_blocks = 0;
	st->st_atim = fst.st_atim;
	st->st_mtim = fst.st_mtim;
	st->st_ctim = fst.st_ctim;
	return 0;
}

void ops_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fsd_server *s = ops_server(req);
	struct inode *in = inodes_get(&s->inodes, ino);
	struct stat st;
	int r = 0;

	(void)fi;
	if (!in)
		r = -ESTALE;
	else if (fstatat(in->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	else if (s->file && ino == FUSE_ROOT_ID)
		r = one_file_root(s, &st);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_attr(req, &st, s->timeout);
}

static int set_mode(struct fsd_server *s, const struct inode *in, int hfd, mode_t mode)
{
	char name[16];

	mode &= OPS_MODE_MASK;
	if (hfd >= 0)
		return fchmod(hfd, mode) < 0 ? -errno : 0;
	if (in->type == S_IFLNK)
		return -EOPNOTSUPP;
	if (s->proc_fd < 0)
		return -EACCES;
	snprintf(name, sizeof(name), "%d", in->fd);
	return fchmodat(s->proc_fd, name, mode, 0) < 0 ? -errno : 0;
}

static int set_size(struct fsd_server *s, const struct inode *in, int hfd, off_t size)
{
	if (in->type == S_IFDIR)
		return -EISDIR;
	if (in->type != S_IFREG)
		return -EINVAL;
	if (hfd >= 0)
		return ftruncate(hfd, size) < 0 ? -errno : 0;
	int fd = ops_reopen(s, in, O_WRONLY);
	if (fd < 0)
		return fd;
	int r = ftruncate(fd, size) < 0 ? -errno : 0;
	close(fd);
	return r;
}

static int set_times(const struct inode *in, const struct stat *attr, int to_set)
{
	struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_nsec = UTIME_OMIT}};

	if (to_set & FUSE_SET_ATTR_ATIME_NOW)
		ts[0].tv_nsec = UTIME_NOW;
	else if (to_set & FUSE_SET_ATTR_ATIME)
		ts[0] = attr->st_atim;
	if (to_set & FUSE_SET_ATTR_MTIME_NOW)
		ts[1].tv_nsec = UTIME_NOW;
	else if (to_set & FUSE_SET_ATTR_MTIME)
		ts[1] = attr->st_mtim;
	return utimensat(in->fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

void ops_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		 struct fuse_file_info *fi)
{
	struct fsd_server *s = ops_server(req);
	struct inode *in = inodes_get(&s->inodes, ino);
	int hfd = fi ? handles_fd(&s->handles, fi->fh, HANDLE_FILE) : -1;
	int r = !in ? -ESTALE : hfd == -EBADF ? -EBADF : 0;

	if (r == 0 && s->file && ino == FUSE_ROOT_ID)
		r = -EPERM; /* the host's directory, not the guest's (the gate says so too) */

	if (r == 0 && (to_set & FUSE_SET_ATTR_MODE))
		r = set_mode(s, in, hfd, attr->st_mode);
	if (r == 0 && (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))) {
		uid_t uid = to_set & FUSE_SET_ATTR_UID ? attr->st_uid : (uid_t)-1;
		gid_t gid = to_set & FUSE_SET_ATTR_GID ? attr->st_gid : (gid_t)-1;
		if (fchownat(in->fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			r = errno == EINVAL ? -EPERM
					    : -errno; /* EINVAL: an id our namespace lacks */
	}
	if (r == 0 && (to_set & FUSE_SET_ATTR_SIZE))
		r = set_size(s, in, hfd, attr->st_size);
	if (r == 0 && (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
				 FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW)))
		r = set_times(in, attr, to_set);
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		ops_getattr(req, ino, NULL);
}
