/* virtio-fs (device id 26): FUSE requests from the guest's queues to a file server's socket and
 * its replies back. */
#ifndef SB_VMM_VIRTIO_FS_H
#define SB_VMM_VIRTIO_FS_H

#include <stdint.h>

#include "error.h"
#include "eventloop.h"
#include "mmio.h"

#define FS_HIPRIO_QUEUE 0u  /* FORGET and BATCH_FORGET (no reply) */
#define FS_REQUEST_QUEUE 1u /* everything else */
/* Linux sizes its requests to the queue: at most queue size - 4 pages per
 * chain (FUSE_HEADER_OVERHEAD), so 128 lets a READ or WRITE carry 496 KiB
 * (the file server's max_write lowers that when its socket carries less: an
 * unprivileged process can raise a Unix socket's send buffer to 2 *
 * net.core.wmem_max, 416 KiB by default). At 64 (240 KiB) sequential I/O
 * took twice as many requests. */
#define FS_QUEUE_SIZE 128u
#define FS_TAG_MAX 36u	   /* virtio_fs_config.tag: not NUL-terminated when full */
#define FS_IN_HDR_LEN 40u  /* struct fuse_in_header */
#define FS_OUT_HDR_LEN 16u /* struct fuse_out_header */
/* A WRITE payload of at least this many bytes goes by the server's WRITE
 * data pipe when it has one (below); smaller ones are cheaper to copy. */
#define FS_PIPE_WRITE_MIN (16u * 1024u)

struct fs_stats {
	uint64_t requests;    /* sent to the server */
	uint64_t replies;     /* copied into the guest's buffers */
	uint64_t malformed;   /* chains the guest got back with -EIO unsent: short, too big, a
				 length that is not the chain's, nowhere to put a reply */
	uint64_t failed;      /* requests answered -EIO by us: reply too big for the chain,
				 server gone */
	uint64_t bad_replies; /* server messages dropped: short, a wrong length, no such token */
	uint64_t blocked;     /* times the socket was full (back-pressure) */
	uint64_t piped;	      /* WRITEs whose payload went by the WRITE data pipe */
};

/* One request the server has not answered yet. */
struct fs_pending {
	uint64_t token;	 /* what the server sees as unique; 0: slot free */
	uint64_t unique; /* the guest's */
	struct virtq_chain chain;
	unsigned slots; /* pipe buffers its WRITE payload holds until the reply */
};

struct fs {
	struct virtio_mmio mmio; /* first: the transport; its lock guards everything here */
	char tag[FS_TAG_MAX];
	int sock;	    /* the file server's socket (SOCK_SEQPACKET, not owned) */
	int data_fd;	    /* its READ data pipe (host/fsd/fsd.h; not owned), or -1 */
	int wdata_fd;	    /* its WRITE data pipe's write end (not owned), or -1 */
	unsigned wslots;    /* pipe buffers (pages) that pipe holds */
	unsigned wslots_in; /* of them, taken by WRITEs not yet answered */
	int out_fd;	    /* dup of sock, watched for writability while blocked; -1 none */
	int work_fd;	    /* eventfd: come back after a bounded turn; -1 none */
	struct eventloop *loop;
	int in_src, out_src, work_src; /* event loop sources, -1 none */
	int blocked;		       /* the socket was full: wait until it is writable */
	int dead;		       /* the server is gone: every request fails with -EIO */
	uint64_t seq;		       /* token sequence (tokens carry the slot in bits 0-7) */
	unsigned n_pending;
	struct fs_pending pending[FS_QUEUE_SIZE];
	struct fs_stats stats;
};

extern const struct virtio_dev_ops fs_ops;

/* tag: 1..FS_TAG_MAX bytes (the guest mounts it by this name); sock: the
 * server's end (fsd_spawn sizes its buffers; every call on it is
 * MSG_DONTWAIT). A request the socket cannot carry (EMSGSIZE) is answered
 * -EIO. 0 or -errno with err filled. */
int fs_init(struct fs *f, const struct vm_mem *mem, struct runstate *rs, const char *tag, int sock,
	    struct sb_error *err);
/* The server's READ data pipe (fsd_proc.data_fd, non-blocking), before the
 * guest runs: a reply whose header counts more than its message takes the
 * rest from it. */
void fs_set_data_pipe(struct fs *f, int data_fd);
/* The server's WRITE data pipe (fsd_proc.wdata_fd, non-blocking, size bytes),
 * before the guest runs: a WRITE of FS_PIPE_WRITE_MIN or more whose pages fit
 * beside the unanswered ones goes as its header and fuse_write_in, the
 * payload vmspliced from guest memory into the pipe. After a reset with
 * piped WRITEs unanswered (their count is lost) every WRITE goes by the
 * socket. */
void fs_set_write_pipe(struct fs *f, int wdata_fd, size_t size);
/* Closes our own fds (after the event loop stopped); not the socket. */
void fs_destroy(struct fs *f);
/* Snapshots (host/vmm/snapstate.h): the transport and its queues, taken
 * before the guest mounted the share (no request in flight: fs_save fails
 * with -EBUSY otherwise, so a session with the server is never half in a
 * snapshot). fs_restore gives the server a fresh guest that has not sent
 * FUSE_INIT yet. */
struct snap_w;
struct snap_r;
int fs_save(struct fs *f, struct snap_w *w);
int fs_restore(struct fs *f, struct snap_r *r);
/* Serve the socket from loop (replies, writability) and our work eventfd.
 * Before the loop starts. 0 or -errno. */
int fs_attach(struct fs *f, struct eventloop *loop, struct sb_error *err);

/* What those sources do; any thread, they take the transport's lock. Unit
 * tests and the fuzzer call them directly. */
void fs_sock_readable(struct fs *f); /* replies (or the server's end) */
void fs_sock_writable(struct fs *f); /* resume sending */
void fs_work(struct fs *f);	     /* both queues: after a bounded turn */

#endif
