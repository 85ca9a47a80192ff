/* File operations: OPEN/CREATE of regular files only, I/O on handles. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops.h"

/* The open flags the guest may pass on; never O_CREAT, O_NOFOLLOW games or
 * O_PATH. With the guest's writeback cache, a write-only open is read-write
 * (the guest reads to fill the rest of a page it writes) and O_APPEND goes
 * (the guest gives every write its offset). */
static int open_flags(const struct fsd_server *s, int flags)
{
	int acc = flags & O_ACCMODE;
	int keep = O_TRUNC | O_SYNC | O_DSYNC | O_NOATIME | (s->writeback ? 0 : O_APPEND);
	if (s->writeback && acc == O_WRONLY)
		acc = O_RDWR;
	return acc | (flags & keep);
}

/* ops_reopen with open_flags; a file the host lets us only write (mode 0200
 * for an ordinary user) is opened as asked, write-only. */
static int reopen(struct fsd_server *s, const struct inode *in, int flags)
{
	int fd = ops_reopen(s, in, open_flags(s, flags));
	if (fd == -EACCES && s->writeback && (flags & O_ACCMODE) == O_WRONLY)
		fd = ops_reopen(s, in, (open_flags(s, flags) & ~O_ACCMODE) | O_WRONLY);
	return fd;
}

static void set_cache(const struct fsd_server *s, struct fuse_file_info *fi)
{
	fi->keep_cache = s->cache == FSD_CACHE_AUTO;
	fi->direct_io = s->cache == FSD_CACHE_STRICT;
}

static void reply_open(fuse_req_t req, int fd, struct fuse_file_info *fi)
{
	struct fsd_server *s = ops_server(req);
	int r = fd;

	if (fd >= 0)
		r = handles_add(&s->handles, fd, HANDLE_FILE, &fi->fh);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	set_cache(s, fi);
	if (fuse_reply_open(req, fi) < 0)
		handles_remove(&s->handles, fi->fh, HANDLE_FILE);
}

void ops_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fsd_server *s = ops_server(req);
	struct inode *in = inodes_get(&s->inodes, ino);
	int fd;

	if (!in)
		fd = -ESTALE;
	else if (in->type == S_IFDIR)
		fd = -EISDIR;
	else if (in->type != S_IFREG) /* FIFOs, sockets and devices stay closed */
		fd = -EACCES;
	else if ((fi->flags & O_ACCMODE) == O_ACCMODE)
		fd = -EINVAL;
	else if (s->readonly && ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)))
		fd = -EROFS;
	else if (s->handles.used >= s->handles.max)
		fd = -EMFILE;
	else
		fd = reopen(s, in, fi->flags);
	reply_open(req, fd, fi);
}

/* An existing name (CREATE without O_EXCL): the ordinary open path, type checked. */
static int open_existing(fuse_req_t req, fuse_ino_t parent, const char *name,
			 struct fuse_file_info *fi, struct fuse_entry_param *e)
{
	struct fsd_server *s = ops_server(req);
	int r = ops_lookup(s, NULL, parent, name, e);

	if (r < 0)
		return r;
	struct inode *in = inodes_get(&s->inodes, e->ino);
	r = in->type == S_IFDIR ? -EISDIR : in->type != S_IFREG ? -EACCES : 0;
	if (r == 0)
		r = reopen(s, in, fi->flags);
	if (r < 0)
		inodes_forget(&s->inodes, e->ino, 1);
	return r;
}

/* A new file: created exclusively beneath parent, owned, entered. */
static int create_new(fuse_req_t req, struct inode *p, const char *name, mode_t mode,
		      struct fuse_file_info *fi, struct fuse_entry_param *e)
{
	struct fsd_server *s = ops_server(req);
	char self[16];
	int pfd = p->fd;
	int fd = ops_open_beneath(pfd, name, open_flags(s, fi->flags) | O_CREAT | O_EXCL,
				  mode & OPS_MODE_MASK);

	if (fd < 0)
		return fd;
	int r = ops_set_owner(s, req, fd, pfd);
	snprintf(self, sizeof(self), "%d", fd);
	int pathfd = r < 0	       ? -1
		     : s->proc_fd >= 0 ? openat(s->proc_fd, self, O_PATH | O_CLOEXEC)
				       : -1;
	if (r == 0 && pathfd < 0)
		r = s->proc_fd >= 0 ? -errno : -EACCES;
	if (r == 0)
		r = ops_fill_entry(s, pathfd, e);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

void ops_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		struct fuse_file_info *fi)
{
	struct fsd_server *s = ops_server(req);
	struct fuse_entry_param e;
	int fd;
	struct inode *p = ops_parent_to_change(s, parent, name, &fd);

	if (!p)
		;
	else if ((fi->flags & O_ACCMODE) == O_ACCMODE)
		fd = -EINVAL;
	else if (s->handles.used >= s->handles.max)
		fd = -EMFILE;
	else if (s->inodes.used >= s->inodes.max)
		fd = -ENFILE;
	else {
		fd = create_new(req, p, name, mode, fi, &e);
		if (fd == -EEXIST && !(fi->flags & O_EXCL))
			fd = open_existing(req, parent, name, fi, &e);
	}
	if (fd >= 0 && (fd = handles_add(&s->handles, fd, HANDLE_FILE, &fi->fh)) < 0)
		inodes_forget(&s->inodes, e.ino, 1);
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		return;
	}
	set_cache(s, fi);
	if (fuse_reply_create(req, &e, fi) < 0) {
		handles_remove(&s->handles, fi->fh, HANDLE_FILE);
		inodes_forget(&s->inodes, e.ino, 1);
	}
}

/* The handle's fd, or a reply with EBADF and -1. */
static int file_fd(fuse_req_t req, struct fuse_file_info *fi)
{
	int fd = handles_fd(&ops_server(req)->handles, fi->fh, HANDLE_FILE);

	if (fd < 0)
		fuse_reply_err(req, EBADF);
	return fd;
}

/* READ through the data pipe (fsd.h): the file's pages spliced in, then the
 * header alone, whose length counts them. It blocks while the VMM has not
 * yet taken an earlier reply's bytes (they were all in before that reply's
 * header went out, so it will). */
static void read_to_pipe(fuse_req_t req, struct fsd_server *s, int fd, size_t size, off_t off)
{
	size_t got = 0;
	loff_t at = off;
	while (got < size) {
		ssize_t n = splice(fd, &at, s->data_fd, NULL, size - got, SPLICE_F_MOVE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && got == 0) {
			fuse_reply_err(req, errno);
			return;
		}
		if (n <= 0) /* end of file, or an error after some bytes: those */
			break;
		got += (size_t)n;
	}
	s->piped = got;
	fuse_reply_buf(req, NULL, 0);
	s->piped = 0; /* io_writev took it (or the reply never went) */
}

void ops_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct fsd_server *s = ops_server(req);
	int fd = file_fd(req, fi);

	(void)ino;
	if (fd < 0)
		return;
	if (size > s->max_io)
		size = s->max_io;
	/* the pipe holds data_max / 4096 buffers, at most one per page the
	 * range touches: an unaligned READ that would need one more would
	 * wait for room forever */
	uint64_t pages = size ? (((uint64_t)off + size - 1) >> 12) - ((uint64_t)off >> 12) + 1 : 0;
	if (s->data_fd >= 0 && pages <= s->data_max / 4096) {
		read_to_pipe(req, s, fd, size, off);
		return;
	}
	ssize_t n = pread(fd, s->iobuf, size, off);
	if (n < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_buf(req, s->iobuf, (size_t)n);
}

/* The next piece of the current request's piped WRITE data into iobuf: its
 * length; 0 when none is left; -EPIPE when the pipe ended first (the VMM is
 * gone: nothing more is owed). */
static ssize_t take_piece(struct fsd_server *s)
{
	while (s->wpiped) {
		size_t want = s->wpiped < s->max_io ? s->wpiped : s->max_io;
		ssize_t n = read(s->wdata_fd, s->iobuf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			s->wpiped = 0;
			return -EPIPE;
		}
		s->wpiped -= (size_t)n;
		return n;
	}
	return 0;
}

int ops_drain_write(struct fsd_server *s)
{
	ssize_t n;
	while ((n = take_piece(s)) > 0)
		;
	return (int)n;
}

/* The rest of a piped WRITE's payload through iobuf: for a file splice
 * will not write (opened O_APPEND). Bytes written, or -errno. */
static ssize_t write_by_copy(struct fsd_server *s, int fd, loff_t at)
{
	size_t done = 0;
	ssize_t n;
	while ((n = take_piece(s)) != 0) {
		if (n < 0)
			return done ? (ssize_t)done : n;
		ssize_t w = pwrite(fd, s->iobuf, (size_t)n, at);
		if (w < 0)
			return done ? (ssize_t)done : -errno;
		done += (size_t)w;
		at += w;
		if (w < n)
			break; /* a full disk: the rest is drained before the reply */
	}
	return (ssize_t)done;
}

/* A WRITE whose payload waits in the WRITE data pipe (fsd.h): spliced from
 * the pipe into the file at off, the page cache's one copy. What is not
 * written (an error midway) is drained before the reply goes (io_writev). */
static void write_from_pipe(fuse_req_t req, struct fsd_server *s, int fd, off_t off)
{
	loff_t at = off;
	size_t done = 0;
	int err = 0;
	while (s->wpiped) {
		ssize_t n = splice(s->wdata_fd, NULL, fd, &at, s->wpiped, SPLICE_F_MOVE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EINVAL) {
			n = write_by_copy(s, fd, at);
			if (n > 0)
				done += (size_t)n;
			else
				err = (int)-n;
			break;
		}
		if (n <= 0) {
			err = n < 0 ? errno : EPIPE;
			break;
		}
		s->wpiped -= (size_t)n;
		done += (size_t)n;
	}
	if (done == 0 && err)
		fuse_reply_err(req, err);
	else
		fuse_reply_write(req, done);
}

void ops_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
	       struct fuse_file_info *fi)
{
	struct fsd_server *s = ops_server(req);
	int fd = file_fd(req, fi);

	(void)ino;
	if (fd < 0)
		return;
	if (s->wpiped) { /* the gate saw size == wpiped; buf holds none of it */
		write_from_pipe(req, s, fd, off);
		return;
	}
	ssize_t n = pwrite(fd, buf, size, off);
	if (n < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_write(req, (size_t)n);
}

void ops_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	if (file_fd(req, fi) >= 0)
		fuse_reply_err(req, 0);
}

void ops_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	fuse_reply_err(req, -handles_remove(&ops_server(req)->handles, fi->fh, HANDLE_FILE));
}

void ops_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	int fd = file_fd(req, fi);

	(void)ino;
	if (fd >= 0)
		fuse_reply_err(req, (datasync ? fdatasync(fd) : fsync(fd)) < 0 ? errno : 0);
}

void ops_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len,
		   struct fuse_file_info *fi)
{
	int fd = file_fd(req, fi);

	(void)ino;
	if (fd >= 0)
		fuse_reply_err(req, fallocate(fd, mode, off, len) < 0 ? errno : 0);
}

void ops_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi)
{
	int fd = file_fd(req, fi);

	(void)ino;
	if (fd < 0)
		return;
	off_t r = lseek(fd, off, whence);
	if (r < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_lseek(req, r);
}
