/* The virtio-fs file server: one confined process per shared host directory,
 * speaking FUSE with the VMM over a SOCK_SEQPACKET socket. */
#ifndef SB_FSD_FSD_H
#define SB_FSD_FSD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* How it fits:
 *
 *   guest virtio-fs driver --virtqueue--> VMM (host/vmm/virtio/fs.c)
 *        --one request per message--> file server (this folder, its own
 *        process) --one reply per message--> VMM --used ring--> guest
 *
 * The VMM never touches a host file on the guest's behalf and the file server
 * never sees guest memory: they share only the socket.
 *
 * Wire protocol on the socket (SOCK_SEQPACKET, so message boundaries hold):
 * - VMM -> server: one message is one FUSE request, the bytes of the chain's
 *   device-readable descriptors in order: struct fuse_in_header, whose len
 *   equals the message's length, then the opcode's arguments. At most
 *   FSD_MSG_MAX bytes. Before sending, the VMM replaces in_header.unique
 *   with its own token (the guest's value is not trusted to be unique) and
 *   puts the guest's value back into the reply.
 * - server -> VMM: one message is one reply: struct fuse_out_header (len =
 *   the message's length, unique = the request's token, error = 0 or a
 *   negative errno) then the payload. At most FSD_MSG_MAX bytes. Replies
 *   may come in any order. The VMM copies it into the chain's
 *   device-writable descriptors; a reply that does not fit becomes -EIO.
 * - FUSE_FORGET and FUSE_BATCH_FORGET get no reply (the VMM completes their
 *   chains with 0 bytes once sent); neither does FUSE_INTERRUPT.
 * - The server exits when the socket reaches end of file (the VMM closed it
 *   or died); it also dies with its parent (PR_SET_PDEATHSIG).
 * - Added precisions (the protocol above is unchanged): a message shorter
 *   than struct fuse_in_header, and a malformed FORGET/BATCH_FORGET, get no
 *   reply (no token to answer, or an opcode that never answers): the VMM
 *   answers such a chain -EIO itself rather than waiting. Any other request
 *   gets exactly one reply: -EIO when in_header.len differs from the
 *   message's length, -EINVAL for a malformed one, -ENOSYS for an opcode the
 *   server does not implement (xattrs, locks, ioctl, poll, DAX mappings,
 *   SYNCFS, COPY_FILE_RANGE...), -EROFS for a write on a read-only share,
 *   -EPERM for a name change on a single-file share (fsd_config.file).
 *   Replies never exceed msg_max (below). The server handles one request
 *   at a time, in order.
 *
 * - READ data through a pipe (fsd_config.data_pipe): the server splices the
 *   file's pages into the pipe (no copy), then sends the reply's header
 *   alone, with len = 16 + the bytes it put in the pipe. The VMM reads that
 *   many bytes from fsd_proc.data_fd straight into the guest's buffers (one
 *   copy in all, where pread + send + receive make three). The pipe carries
 *   nothing else, in reply order; a header whose len exceeds its message on
 *   a share without the pipe is still a bad reply.
 *
 * - WRITE data through a second pipe (also fsd_config.data_pipe), the other
 *   way: the VMM sends a WRITE's fuse_in_header and fuse_write_in alone, the
 *   header's len still counting the payload, then vmsplices the payload from
 *   guest memory into fsd_proc.wdata_fd (page references, no copy); the
 *   server splices it from the pipe into the file (one copy in all, where
 *   send + receive + pwrite make three). The server takes exactly len minus
 *   the message's bytes from the pipe before it answers that request,
 *   whatever the answer, so the pipe is empty again once every piped WRITE
 *   has its reply; the VMM pipes a WRITE only when it has room for it, and
 *   sends it by the socket otherwise.
 *
 * Every name in a request is untrusted: resolved beneath the held directory
 * fd only, host symlinks never followed, no FIFO/socket/device ever opened,
 * setuid/setgid bits stripped, no security.* or trusted.* xattrs, bounded
 * inodes and handles; a single-file share shows one file and nothing else
 * (fsd_config.file). README's "Volumes" section states the rules.
 */

#define FSD_MSG_MAX ((1u << 20) + 4096u) /* max_write/max_read 1 MiB + headers */

enum fsd_cache {
	FSD_CACHE_AUTO,	  /* the guest caches attributes, entries and data (default) */
	FSD_CACHE_STRICT, /* no caching: the host may change the tree while the guest runs */
};

struct fsd_config {
	const char *host_path; /* the share, for messages only */
	int dir_fd;	       /* the share's directory (O_PATH | O_DIRECTORY); dup'ed */
	/* Added: a single-file share (a file bind) when not NULL: the name of a
	 * regular file directly in dir_fd (no '/'). fsd_start opens it with
	 * O_PATH | O_NOFOLLOW before it forks (a symlink, FIFO, socket, device
	 * or directory there fails the start with EINVAL) and the server holds
	 * that inode for its whole life: the root lists ".", ".." and this one
	 * name, LOOKUP of it always gives the held inode (a host that later
	 * renames, replaces or deletes the name changes nothing the guest sees,
	 * as with a bind mount of a file), LOOKUP of any other name is ENOENT,
	 * no name is ever made, removed or renamed (CREATE, MKNOD, MKDIR,
	 * SYMLINK, LINK, RENAME, UNLINK, RMDIR: EPERM) and the root's
	 * attributes cannot be set (EPERM). The file itself is read and, unless
	 * readonly, written, truncated, chmod'ed as in a directory share. */
	const char *file;
	bool readonly;	/* every write opcode fails with EROFS, on the host side */
	bool data_pipe; /* READ and WRITE data through pipes (above): fsd_proc.data_fd, wdata_fd */
	enum fsd_cache cache;
	unsigned max_inodes;  /* 0: FSD_DEFAULT_MAX_INODES */
	unsigned max_handles; /* 0: FSD_DEFAULT_MAX_HANDLES */
};

#define FSD_DEFAULT_MAX_INODES 65536u
#define FSD_DEFAULT_MAX_HANDLES 4096u

struct fsd_proc {
	pid_t pid;
	int sock; /* the VMM's end of the socket, close-on-exec */
	/* Added: the largest message the socket carries in either direction
	 * (<= FSD_MSG_MAX; less when the host caps socket buffers, e.g. an
	 * ordinary user with net.core.wmem_max at 208 KiB). The server's INIT
	 * reply keeps max_write/max_pages within it, so a well-behaved guest
	 * never sends or asks for more; a request bigger than this fails in
	 * send() with EMSGSIZE and the VMM answers it -EIO itself. */
	size_t msg_max;
	unsigned confinement; /* FSD_CONFINED_* bits: what the host allowed */
	/* With fsd_config.data_pipe: the pipe's read end (non-blocking,
	 * close-on-exec) and what it holds; else -1 and 0. A READ bigger than
	 * data_max comes in its reply message as without the pipe. */
	int data_fd;
	size_t data_max;
	/* With fsd_config.data_pipe: the WRITE data pipe's write end
	 * (non-blocking, close-on-exec) and its size in bytes (a multiple of
	 * the page size: data_max / 4096 page references fit); else -1 and 0. */
	int wdata_fd;
	size_t wdata_max;
	int ready_fd; /* start-up report pipe until fsd_ready has read it, else -1 */
};

#define FSD_CONFINED_USERNS (1u << 0)	/* own user namespace (not as root) */
#define FSD_CONFINED_MOUNTNS (1u << 1)	/* own mount namespace */
#define FSD_CONFINED_NETNS (1u << 2)	/* own network namespace */
#define FSD_CONFINED_PIVOT (1u << 3)	/* the share is its "/" (pivot_root) */
#define FSD_CONFINED_CHROOT (1u << 4)	/* else chroot'ed into the share */
#define FSD_CONFINED_RO_MOUNT (1u << 5) /* read-only share: the mount is read-only too */

/* Start the file server for c (forked; call before the VMM starts any
 * thread, from the thread that lives as long as the server should: the
 * server dies with it, PR_SET_PDEATHSIG). Returns once the server is
 * confined and ready for FUSE_INIT. 0 or -errno with err filled.
 * fsd_spawn is fsd_start then fsd_ready. */
int fsd_spawn(const struct fsd_config *c, struct fsd_proc *p, struct sb_error *err);
/* Added: the two halves, so that the server confines itself while the VMM
 * builds the guest. fsd_start returns right after fork (p->sock is usable at
 * once: requests wait in the socket); fsd_ready waits for the server's
 * start-up report (0, or -errno with err filled and the server reaped) and
 * then returns 0 at once on later calls. msg_max is known after fsd_start,
 * confinement after fsd_ready. */
int fsd_start(const struct fsd_config *c, struct fsd_proc *p, struct sb_error *err);
int fsd_ready(struct fsd_proc *p, struct sb_error *err);
/* Close the socket, then reap the server (killing it if it lingers after
 * 2 s). Safe to call again, and after a failed fsd_start/fsd_spawn/
 * fsd_ready (they leave pid, sock and ready_fd at -1); not on a zeroed
 * struct (fd 0). */
void fsd_stop(struct fsd_proc *p);

#endif
