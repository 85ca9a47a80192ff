/* The passthrough operations behind the libfuse session, and the state they share. */
#ifndef SB_FSD_OPS_H
#define SB_FSD_OPS_H

#define FUSE_USE_VERSION 34
#include <fuse_lowlevel.h>
#include <stdbool.h>

#include "fsd.h"
#include "handles.h"
#include "inodes.h"

struct fsd_server {
	struct fuse_session *se;
	struct inodes inodes;
	struct handles handles;
	int proc_fd;	  /* /proc/self/fd */
	int sock;	  /* until the session owns it */
	bool readonly;	  /* also enforced by the gate */
	int file_fd;	  /* single-file share: the file, O_PATH (owned); else -1 */
	char *file;	  /* its name in the root (fsd_config.file); else NULL */
	bool guest_owner; /* chown what the guest creates to its uid/gid */
	enum fsd_cache cache;
	/* The guest's page cache holds writes back (FUSE_CAP_WRITEBACK_CACHE,
	 * cache auto on a writable share): it may READ a file it opened
	 * write-only, and it keeps appends' offsets itself. */
	bool writeback;
	double timeout; /* entry and attribute timeouts, seconds */
	size_t msg_max; /* largest message on the socket */
	size_t max_io;	/* largest READ/READDIR payload in a reply */
	char *iobuf;	/* max_io bytes: READ and READDIR replies */
	int data_fd;	/* the READ data pipe (fsd.h), or -1 */
	size_t data_max;
	size_t piped; /* bytes of the reply being sent that went into the pipe */
	int wdata_fd; /* the WRITE data pipe (fsd.h), or -1 */
	size_t wdata_max;
	size_t wpiped; /* bytes of the request being handled that wait in that pipe */
	char *dirbuf;  /* getdents64 buffer */
	size_t dirbuf_size;
};

#define OPS_DIRBUF_MAX (64u * 1024u) /* the most a READDIR reply lists at once */

static inline struct fsd_server *ops_server(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* Helpers (ops_entry.c). */
int ops_reopen(struct fsd_server *s, const struct inode *in, int flags);
int ops_open_beneath(int dirfd, const char *name, int flags, mode_t mode);
/* Look name up beneath parent: *e filled, the inode's lookup count raised.
 * With req and guest_owner, first chown it to the caller (a new entry). */
int ops_lookup(struct fsd_server *s, fuse_req_t req, fuse_ino_t parent, const char *name,
	       struct fuse_entry_param *e);
/* The parent directory's inode for a name the guest gave, or NULL with *err. */
struct inode *ops_parent(struct fsd_server *s, fuse_ino_t parent, const char *name, int *err);
/* The same for a name to make, remove or rename: never on a single-file
 * share (-EPERM, as the gate answers). */
struct inode *ops_parent_to_change(struct fsd_server *s, fuse_ino_t parent, const char *name,
				   int *err);
int ops_set_owner(struct fsd_server *s, fuse_req_t req, int fd, int parent_fd);
int ops_fill_entry(struct fsd_server *s, int fd, struct fuse_entry_param *e);

/* Throw away what is left of the current request's piped WRITE data
 * (ops_file.c); 0, or -EPIPE when the pipe ended first. */
int ops_drain_write(struct fsd_server *s);

/* Entries (ops_entry.c, ops_attr.c). */
void ops_lookup_op(fuse_req_t req, fuse_ino_t parent, const char *name);
void ops_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void ops_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets);
void ops_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ops_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		 struct fuse_file_info *fi);
void ops_readlink(fuse_req_t req, fuse_ino_t ino);
void ops_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev);
void ops_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void ops_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name);
void ops_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void ops_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void ops_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		const char *newname, unsigned int flags);
void ops_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname);
void ops_statfs(fuse_req_t req, fuse_ino_t ino);
void ops_access(fuse_req_t req, fuse_ino_t ino, int mask);

/* Files (ops_file.c). */
void ops_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ops_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		struct fuse_file_info *fi);
void ops_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void ops_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
	       struct fuse_file_info *fi);
void ops_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ops_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ops_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
void ops_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len,
		   struct fuse_file_info *fi);
void ops_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi);

/* Directories (ops_dir.c). */
void ops_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ops_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void ops_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi);
void ops_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void ops_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);

/* Setuid and setgid never reach the host from the guest. */
#define OPS_MODE_MASK (07777 & ~(S_ISUID | S_ISGID))

#endif
