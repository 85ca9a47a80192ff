/* Name operations: every guest name resolved beneath a held directory fd, host symlinks never
 * followed. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gate.h"
#include "ops.h"

int ops_open_beneath(int dirfd, const char *name, int flags, mode_t mode)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
	    .mode = flags & O_CREAT ? mode : 0,
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) /* before Linux 5.6: name is one checked component */
		fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	return fd < 0 ? -errno : fd;
}

/* Only regular files and directories are ever opened for I/O: through
 * /proc/self/fd of the O_PATH fd, so the inode cannot change under us. */
int ops_reopen(struct fsd_server *s, const struct inode *in, int flags)
{
	char name[16];
	struct stat st;

	if (in->type != S_IFREG && in->type != S_IFDIR)
		return -EACCES;
	if (s->proc_fd < 0)
		return -EACCES;
	snprintf(name, sizeof(name), "%d", in->fd);
	int fd = openat(s->proc_fd, name, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_dev != in->dev || st.st_ino != in->ino ||
	    (st.st_mode & S_IFMT) != in->type) {
		close(fd);
		return -EIO;
	}
	return fd;
}

struct inode *ops_parent(struct fsd_server *s, fuse_ino_t parent, const char *name, int *err)
{
	struct inode *p = inodes_get(&s->inodes, parent);

	*err = gate_name(name);
	if (*err)
		return NULL;
	if (!p)
		*err = -ESTALE;
	else if (p->type != S_IFDIR)
		*err = -ENOTDIR;
	return *err ? NULL : p;
}

struct inode *ops_parent_to_change(struct fsd_server *s, fuse_ino_t parent, const char *name,
				   int *err)
{
	if (s->file) {
		*err = -EPERM;
		return NULL;
	}
	return ops_parent(s, parent, name, err);
}

/* A single-file share's LOOKUP: the held inode under its one name, nothing
 * else (the name is never resolved again on the host). */
static int lookup_one_file(struct fsd_server *s, fuse_ino_t parent, const char *name,
			   struct fuse_entry_param *e)
{
	if (parent != FUSE_ROOT_ID)
		return inodes_get(&s->inodes, parent) ? -ENOTDIR : -ESTALE;
	if (strcmp(name, s->file) != 0)
		return -ENOENT;
	int fd = fcntl(s->file_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	return ops_fill_entry(s, fd, e);
}

/* The guest's ids on what it created, when we run as root (docker's
 * behaviour); a setgid directory keeps its group. */
int ops_set_owner(struct fsd_server *s, fuse_req_t req, int fd, int parent_fd)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct stat pst;

	if (!s->guest_owner)
		return 0;
	gid_t gid = ctx->gid;
	if (fstat(parent_fd, &pst) == 0 && (pst.st_mode & S_ISGID))
		gid = (gid_t)-1;
	if (fchownat(fd, "", ctx->uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

/* fd (O_PATH, owned) into the inode table and *e. */
int ops_fill_entry(struct fsd_server *s, int fd, struct fuse_entry_param *e)
{
	uint64_t id;

	memset(e, 0, sizeof(*e));
	if (fstatat(fd, "", &e->attr, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	int r = inodes_add(&s->inodes, fd, &e->attr, &id);
	if (r < 0)
		return r;
	e->ino = id;
	e->generation = inodes_get(&s->inodes, id)->generation;
	e->attr_timeout = s->timeout;
	e->entry_timeout = s->timeout;
	return 0;
}

int ops_lookup(struct fsd_server *s, fuse_req_t req, fuse_ino_t parent, const char *name,
	       struct fuse_entry_param *e)
{
	int r;
	struct inode *p = ops_parent(s, parent, name, &r);

	if (!p)
		return r;
	if (s->file)
		return lookup_one_file(s, parent, name, e);
	int pfd = p->fd;
	int fd = ops_open_beneath(pfd, name, O_PATH, 0);
	if (fd < 0)
		return fd;
	if (req && (r = ops_set_owner(s, req, fd, pfd)) < 0) {
		close(fd);
		return r;
	}
	return ops_fill_entry(s, fd, e);
}

static void reply_entry(fuse_req_t req, int r, const struct fuse_entry_param *e)
{
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_entry(req, e);
}

void ops_lookup_op(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fsd_server *s = ops_server(req);
	struct fuse_entry_param e;
	int r = ops_lookup(s, NULL, parent, name, &e);

	if (r == -ENOENT && s->timeout > 0) { /* a negative entry the guest may cache */
		memset(&e, 0, sizeof(e));
		e.entry_timeout = s->timeout;
		r = 0;
	}
	reply_entry(req, r, &e);
}

void ops_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	inodes_forget(&ops_server(req)->inodes, ino, nlookup);
	fuse_reply_none(req);
}

void ops_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	struct fsd_server *s = ops_server(req);

	for (size_t i = 0; i < count; i++)
		inodes_forget(&s->inodes, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

void ops_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct inode *in = inodes_get(&ops_server(req)->inodes, ino);
	char buf[PATH_MAX + 1];

	if (!in || in->type != S_IFLNK) {
		fuse_reply_err(req, in ? EINVAL : ESTALE);
		return;
	}
	ssize_t n = readlinkat(in->fd, "", buf, PATH_MAX);
	if (n < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	buf[n] = '\0';
	fuse_reply_readlink(req, buf);
}

/* The inode table must have room before anything is created on the host. */
static int room(struct fsd_server *s)
{
	return s->inodes.used < s->inodes.max ? 0 : -ENFILE;
}

/* After r == 0 from making name beneath parent: look it up, chown it to the
 * guest when own (a new inode, not a new link), reply its entry. */
static void make_entry(fuse_req_t req, fuse_ino_t parent, const char *name, int r, bool own)
{
	struct fuse_entry_param e;

	if (r == 0)
		r = ops_lookup(ops_server(req), own ? req : NULL, parent, name, &e);
	reply_entry(req, r, &e);
}

void ops_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	struct fsd_server *s = ops_server(req);
	int r;
	struct inode *p = ops_parent_to_change(s, parent, name, &r);

	(void)rdev;
	if (p && (mode & S_IFMT) != S_IFREG) /* never a device, FIFO or socket */
		r = -EPERM;
	else if (p && (r = room(s)) == 0 &&
		 mknodat(p->fd, name, S_IFREG | (mode & OPS_MODE_MASK), 0))
		r = -errno;
	make_entry(req, parent, name, r, true);
}

void ops_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct fsd_server *s = ops_server(req);
	int r;
	struct inode *p = ops_parent_to_change(s, parent, name, &r);

	if (p && (r = room(s)) == 0 && mkdirat(p->fd, name, mode & OPS_MODE_MASK) < 0)
		r = -errno;
	make_entry(req, parent, name, r, true);
}

void ops_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	struct fsd_server *s = ops_server(req);
	int r;
	struct inode *p = ops_parent_to_change(s, parent, name, &r);

	if (p && strnlen(link, PATH_MAX) >= PATH_MAX)
		r = -ENAMETOOLONG;
	else if (p && (r = room(s)) == 0 && symlinkat(link, p->fd, name) < 0)
		r = -errno;
	make_entry(req, parent, name, r, true);
}

static void remove_name(fuse_req_t req, fuse_ino_t parent, const char *name, int flags)
{
	int r;
	struct inode *p = ops_parent_to_change(ops_server(req), parent, name, &r);

	if (p && unlinkat(p->fd, name, flags) < 0)
		r = -errno;
	fuse_reply_err(req, -r);
}

void ops_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_name(req, parent, name, 0);
}

void ops_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_name(req, parent, name, AT_REMOVEDIR);
}

void ops_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		const char *newname, unsigned int flags)
{
	struct fsd_server *s = ops_server(req);
	int r, r2 = 0;
	struct inode *p = ops_parent_to_change(s, parent, name, &r);
	struct inode *np = ops_parent_to_change(s, newparent, newname, &r2);

	if (p && np && (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE)))
		r = -EINVAL; /* no RENAME_WHITEOUT */
	else if (p && np && renameat2(p->fd, name, np->fd, newname, flags) < 0)
		r = -errno;
	fuse_reply_err(req, r ? -r : -r2);
}

void ops_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	struct fsd_server *s = ops_server(req);
	struct inode *in = inodes_get(&s->inodes, ino);
	char name[16];
	int r;
	struct inode *np = ops_parent_to_change(s, newparent, newname, &r);

	if (np && !in)
		r = -ESTALE;
	else if (np && in->type == S_IFDIR)
		r = -EPERM;
	else if (np && linkat(in->fd, "", np->fd, newname, AT_EMPTY_PATH) < 0) {
		/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH: else through /proc */
		r = -errno;
		snprintf(name, sizeof(name), "%d", in->fd);
		if ((r == -ENOENT || r == -EPERM) && s->proc_fd >= 0 && in->type != S_IFLNK)
			r = linkat(s->proc_fd, name, np->fd, newname, AT_SYMLINK_FOLLOW) < 0
				? -errno
				: 0;
	}
	make_entry(req, newparent, newname, r, false);
}

void ops_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct fsd_server *s = ops_server(req);
	struct inode *in = inodes_get(&s->inodes, ino);
	struct statfs f;
	struct statvfs v;

	if (!in)
		in = inodes_get(&s->inodes, FUSE_ROOT_ID);
	if (fstatfs(in->fd, &f) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	memset(&v, 0, sizeof(v));
	v.f_bsize = (unsigned long)f.f_bsize;
	v.f_frsize = (unsigned long)(f.f_frsize ? f.f_frsize : f.f_bsize);
	v.f_blocks = f.f_blocks;
	v.f_bfree = f.f_bfree;
	v.f_bavail = f.f_bavail;
	v.f_files = f.f_files;
	v.f_ffree = f.f_ffree;
	v.f_favail = f.f_ffree;
	v.f_namemax = (unsigned long)f.f_namelen;
	fuse_reply_statfs(req, &v);
}

void ops_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct fsd_server *s = ops_server(req);
	struct inode *in = inodes_get(&s->inodes, ino);
	char name[16];
	int r = 0;

	if (!in)
		r = ESTALE;
	else if (s->readonly && (mask & W_OK))
		r = EROFS;
	else if (in->type != S_IFLNK && s->proc_fd >= 0) {
		snprintf(name, sizeof(name), "%d", in->fd);
		r = faccessat(s->proc_fd, name, mask, 0) < 0 ? errno : 0;
	}
	fuse_reply_err(req, r);
}
