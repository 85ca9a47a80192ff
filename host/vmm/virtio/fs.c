/* virtio-fs: each chain becomes one message to the file server, each reply goes back to its
 * chain; tokens instead of the guest's unique, a bounded table, back-pressure on a full socket. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <linux/virtio_fs.h>
#include <linux/virtio_ids.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fs.h"
#include "fsd/fsd.h"
#include "snapstate.h"

_Static_assert(sizeof(struct fuse_in_header) == FS_IN_HDR_LEN, "fuse_in_header");
_Static_assert(sizeof(struct fuse_out_header) == FS_OUT_HDR_LEN, "fuse_out_header");
_Static_assert(FS_QUEUE_SIZE <= VIRTQ_MAX_IOV, "a chain may span the whole queue");
_Static_assert(FS_QUEUE_SIZE <= 256u, "the slot is the token's low byte");
_Static_assert(sizeof(((struct virtio_fs_config *)0)->tag) == FS_TAG_MAX, "tag size");

#define SLOT_BITS 8u

/* Outcome of one chain. */
enum { CHAIN_DONE, CHAIN_STOP };

static void set_blocked(struct fs *f, int on)
{
	if (on && !f->blocked)
		f->stats.blocked++;
	f->blocked = on;
	if (f->loop)
		eventloop_enable(f->loop, f->out_src, on);
}

static void more_work(struct fs *f)
{
	uint64_t one = 1;

	if (f->work_fd >= 0) {
		ssize_t k = write(f->work_fd, &one, sizeof(one));
		(void)k; /* EAGAIN: already pending */
	}
}

/* Answer chain c ourselves: a bare fuse_out_header carrying error. */
static void reply_error(struct virtq *q, const struct virtq_chain *c, uint64_t unique, int error)
{
	struct fuse_out_header h = {.len = FS_OUT_HDR_LEN, .error = error, .unique = unique};

	if (c->in_len < FS_OUT_HDR_LEN) {
		virtq_push(q, c->head, 0);
		return;
	}
	virtq_chain_write(c, 0, &h, sizeof(h));
	virtq_push(q, c->head, FS_OUT_HDR_LEN);
}

static int no_reply(uint32_t opcode)
{
	return opcode == FUSE_FORGET || opcode == FUSE_BATCH_FORGET || opcode == FUSE_INTERRUPT;
}

/* c's buffers [from, to) after their first skip bytes (the header we hold a
 * copy of), appended to iov from index k; returns the new count. */
static unsigned chain_iov(const struct virtq_chain *c, unsigned from, unsigned to, size_t skip,
			  struct iovec *iov, unsigned k)
{
	for (unsigned i = from; i < to; i++) {
		if (skip >= c->iov[i].iov_len) {
			skip -= c->iov[i].iov_len;
			continue;
		}
		iov[k++] = (struct iovec){.iov_base = (uint8_t *)c->iov[i].iov_base + skip,
					  .iov_len = c->iov[i].iov_len - skip};
		skip = 0;
	}
	return k;
}

/* The request as one message: our copy of the header, then the rest of the
 * chain's readable buffers straight from guest memory. 0, or -errno. */
static int send_request(struct fs *f, const struct virtq_chain *c, const struct fuse_in_header *h)
{
	struct iovec iov[VIRTQ_MAX_IOV + 1];
	iov[0] = (struct iovec){.iov_base = (void *)(uintptr_t)h, .iov_len = FS_IN_HDR_LEN};
	unsigned k = chain_iov(c, 0, c->n_out, FS_IN_HDR_LEN, iov, 1);
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = k};
	for (;;) {
		ssize_t n = sendmsg(f->sock, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == (ssize_t)c->out_len)
			return 0;
		if (n >= 0)
			return -EIO; /* a SOCK_SEQPACKET message goes whole or not at all */
		if (errno != EINTR)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

/* Pipe buffers a vmsplice of iov[0..k) fills: one per page each piece touches. */
static unsigned pipe_pages(const struct iovec *iov, unsigned k)
{
	unsigned n = 0;
	for (unsigned i = 0; i < k; i++) {
		uintptr_t a = (uintptr_t)iov[i].iov_base;
		if (iov[i].iov_len)
			n += (unsigned)(((a + iov[i].iov_len - 1) >> 12) - (a >> 12) + 1);
	}
	return n;
}

/* A WRITE by the WRITE data pipe (fsd.h): the header (its len still
 * counting the payload) and fuse_write_in as the message, then the payload
 * vmspliced from guest memory. 1: not this way (no pipe, not a WRITE, too
 * small, no room: the caller sends it whole); 0 with *slots taken; -EAGAIN
 * with nothing sent; -EPIPE when the message went but its payload could not
 * follow (the server waits for bytes that will not come); else -errno. */
static int send_piped(struct fs *f, const struct virtq_chain *c, const struct fuse_in_header *h,
		      unsigned *slots)
{
	const size_t head = FS_IN_HDR_LEN + sizeof(struct fuse_write_in);
	if (f->wdata_fd < 0 || h->opcode != FUSE_WRITE || c->out_len < head + FS_PIPE_WRITE_MIN)
		return 1;
	struct iovec iov[VIRTQ_MAX_IOV];
	unsigned k = chain_iov(c, 0, c->n_out, head, iov, 0);
	unsigned need = pipe_pages(iov, k);
	if (need > f->wslots - f->wslots_in)
		return 1;
	struct fuse_write_in w;
	virtq_chain_read(c, FS_IN_HDR_LEN, &w, sizeof(w));
	struct iovec mv[2] = {{.iov_base = (void *)(uintptr_t)h, .iov_len = FS_IN_HDR_LEN},
			      {.iov_base = &w, .iov_len = sizeof(w)}};
	struct msghdr m = {.msg_iov = mv, .msg_iovlen = 2};
	ssize_t n;
	do
		n = sendmsg(f->sock, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (n != (ssize_t)head)
		return -EIO;
	for (unsigned i = 0; i < k;) {
		n = vmsplice(f->wdata_fd, iov + i, k - i, SPLICE_F_NONBLOCK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) /* no room after all: only a server that stopped draining */
			return -EPIPE;
		while (i < k && (size_t)n >= iov[i].iov_len)
			n -= (ssize_t)iov[i++].iov_len;
		if (i < k) {
			iov[i].iov_base = (uint8_t *)iov[i].iov_base + n;
			iov[i].iov_len -= (size_t)n;
		}
	}
	*slots = need;
	f->wslots_in += need;
	f->stats.piped++;
	return 0;
}

static struct fs_pending *free_slot(struct fs *f)
{
	for (unsigned i = 0; i < FS_QUEUE_SIZE; i++)
		if (!f->pending[i].token)
			return &f->pending[i];
	return NULL;
}

static void server_gone(struct fs *f);

/* One popped chain of queue qi. CHAIN_STOP: not taken (the caller unpops
 * it): the socket is full, or every slot is in use. */
static int handle(struct fs *f, unsigned qi, struct virtq *q, const struct virtq_chain *c)
{
	struct fuse_in_header h = {0};

	if (c->out_len < FS_IN_HDR_LEN || c->out_len > FSD_MSG_MAX)
		goto malformed;
	virtq_chain_read(c, 0, &h, sizeof(h));
	int quiet = no_reply(h.opcode);
	if (h.len != c->out_len || (qi == FS_HIPRIO_QUEUE && !quiet) ||
	    (!quiet && c->in_len < FS_OUT_HDR_LEN))
		goto malformed;
	if (f->dead) {
		f->stats.failed++;
		reply_error(q, c, h.unique, -EIO);
		return CHAIN_DONE;
	}
	struct fs_pending *p = quiet ? NULL : free_slot(f);
	if (!quiet && !p)
		return CHAIN_STOP; /* a reply frees one and serves us again */
	uint64_t unique = h.unique;
	unsigned slot = p ? (unsigned)(p - f->pending) : 0xffu;
	h.unique = ++f->seq << SLOT_BITS | slot;
	unsigned slots = 0;
	int r = p ? send_piped(f, c, &h, &slots) : 1;
	if (r == 1)
		r = send_request(f, c, &h);
	if (r == -EAGAIN) {
		set_blocked(f, 1);
		return CHAIN_STOP;
	}
	if (r == -EPIPE || r == -ECONNRESET || r == -ENOTCONN) {
		server_gone(f);
		r = -EIO;
	}
	if (r < 0) { /* e.g. EMSGSIZE: larger than the socket carries */
		f->stats.failed++;
		reply_error(q, c, unique, -EIO);
		return CHAIN_DONE;
	}
	f->stats.requests++;
	if (quiet) {
		virtq_push(q, c->head, 0);
		return CHAIN_DONE;
	}
	*p = (struct fs_pending){.token = h.unique, .unique = unique, .chain = *c, .slots = slots};
	f->n_pending++;
	return CHAIN_DONE;
malformed:
	f->stats.malformed++;
	reply_error(q, c, h.unique, -EIO);
	return CHAIN_DONE;
}

/* At most two queues' worth of chains of queue qi per turn; stops at a full
 * socket or table. 0, or -EIO when the guest broke the queue. */
static int serve(struct fs *f, unsigned qi)
{
	struct virtq *q = virtio_mmio_queue(&f->mmio, qi);
	struct virtq_chain c;
	int r = 0, pushed = 0;
	unsigned k = 0;

	if (!q)
		return 0;
	for (; k < 2u * q->size && !f->blocked; k++) {
		r = virtq_pop(q, &c);
		if (r <= 0)
			break;
		uint16_t used = q->used_idx;
		if (handle(f, qi, q, &c) == CHAIN_STOP) {
			virtq_unpop(q);
			r = 0;
			break;
		}
		pushed |= q->used_idx != used;
	}
	if (pushed)
		virtio_mmio_used(&f->mmio, q);
	if (k == 2u * q->size)
		more_work(f);
	return r < 0 ? -EIO : 0;
}

/* With the lock held: a queue the guest broke fails the device. */
static void serve_all(struct fs *f)
{
	for (unsigned qi = 0; qi < 2; qi++)
		if (serve(f, qi) < 0)
			virtio_mmio_fail(&f->mmio, f->mmio.vq[qi].error ? f->mmio.vq[qi].error
									: "queue error");
}

/* The server died or closed its end: every pending request fails with -EIO,
 * and every later one at once. */
static void server_gone(struct fs *f)
{
	struct virtq *q = virtio_mmio_queue(&f->mmio, FS_REQUEST_QUEUE);
	int pushed = 0;

	f->dead = 1;
	set_blocked(f, 0);
	if (f->loop)
		eventloop_enable(f->loop, f->in_src, 0); /* EOF would wake us forever */
	for (unsigned i = 0; i < FS_QUEUE_SIZE; i++) {
		struct fs_pending *p = &f->pending[i];
		if (!p->token)
			continue;
		if (q) {
			reply_error(q, &p->chain, p->unique, -EIO);
			pushed = 1;
		}
		f->stats.failed++;
		p->token = 0;
	}
	f->n_pending = 0;
	f->wslots_in = 0;
	if (pushed)
		virtio_mmio_used(&f->mmio, q);
}

/* Up to len bytes of the message at the head of the socket (recvmsg: the
 * event loop's seccomp list has no recvfrom). */
static ssize_t recv_head(struct fs *f, void *buf, size_t len, int flags)
{
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

	return recvmsg(f->sock, &m, MSG_DONTWAIT | flags);
}

/* Take the message at the head of the socket and throw it away. */
static void discard(struct fs *f)
{
	struct fuse_out_header h;
	ssize_t n;

	do
		n = recv_head(f, &h, sizeof(h), 0);
	while (n < 0 && errno == EINTR);
}

/* Bytes of the reply whose header h came in a message of n bytes that wait
 * in the data pipe (fsd.h): h->len beyond the message, on a share with the
 * pipe; else 0. */
static size_t piped_bytes(const struct fs *f, const struct fuse_out_header *h, size_t n)
{
	return f->data_fd >= 0 && n >= FS_OUT_HDR_LEN && h->len > n ? h->len - n : 0;
}

/* Exactly len bytes of the data pipe into iov[0..k) (NULL: thrown away).
 * The server put them all in before it sent their header: fewer breaks the
 * protocol, and the pipe can no longer be read in step (-EIO). */
static int pipe_take(struct fs *f, struct iovec *iov, unsigned k, size_t len)
{
	uint8_t scrap[4096]; /* throwing away is rare: small steps will do */
	struct iovec one;
	while (len) {
		if (!iov) {
			one = (struct iovec){.iov_base = scrap,
					     .iov_len = len < sizeof(scrap) ? len : sizeof(scrap)};
			iov = &one;
			k = 1;
		}
		ssize_t got = readv(f->data_fd, iov, (int)k);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -EIO;
		len -= (size_t)got;
		if (iov == &one) {
			iov = NULL;
			continue;
		}
		while (k && (size_t)got >= iov->iov_len) { /* step past what was filled */
			got -= (ssize_t)iov->iov_len;
			iov++;
			k--;
		}
		if (k && got) {
			iov->iov_base = (uint8_t *)iov->iov_base + got;
			iov->iov_len -= (size_t)got;
		}
		if (!k && len)
			return -EIO;
	}
	return 0;
}

/* The reply whose header h (n bytes in its message, piped more in the data
 * pipe) was peeked: straight from the socket, then the pipe, into the
 * writable buffers of chain c, the header our own copy so that the guest's
 * unique goes back. 0; -EIO when the message did not arrive whole; -EPIPE
 * when the pipe is out of step. */
static int receive_into(struct fs *f, const struct virtq_chain *c, struct fuse_out_header *h,
			size_t n, size_t piped)
{
	struct iovec iov[VIRTQ_MAX_IOV + 1];
	iov[0] = (struct iovec){.iov_base = h, .iov_len = FS_OUT_HDR_LEN};
	unsigned k = chain_iov(c, c->n_out, c->n_out + c->n_in, FS_OUT_HDR_LEN, iov, 1);
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = k};
	ssize_t got;
	do
		got = recvmsg(f->sock, &m, MSG_DONTWAIT);
	while (got < 0 && errno == EINTR);
	int r = got == (ssize_t)n && !(m.msg_flags & MSG_TRUNC) ? 0 : -EIO;
	if (piped) {
		k = chain_iov(c, c->n_out, c->n_out + c->n_in, n, iov, 0);
		if (pipe_take(f, iov, k, piped) < 0)
			return -EPIPE;
	}
	return r;
}

/* The server message at the head of the socket, n bytes (from a peek), whose
 * header is h: checked against its pending slot, then received into the
 * chain (one copy) or thrown away, its piped bytes with it. Returns 1 when a
 * chain went back. A pipe out of step ends the server (server_gone). */
static int deliver(struct fs *f, struct virtq *q, struct fuse_out_header *h, size_t n)
{
	size_t piped = piped_bytes(f, h, n);
	if (piped > FSD_MSG_MAX) { /* no reply is that big: the pipe's count is lost */
		discard(f);
		f->stats.bad_replies++;
		server_gone(f);
		return 0;
	}
	if (n < FS_OUT_HDR_LEN) {
		discard(f);
		f->stats.bad_replies++;
		return 0;
	}
	unsigned slot = (unsigned)(h->unique & ((1u << SLOT_BITS) - 1));
	struct fs_pending *p = slot < FS_QUEUE_SIZE ? &f->pending[slot] : NULL;
	if (!p || !p->token || p->token != h->unique) {
		discard(f);
		f->stats.bad_replies++;
		if (piped && pipe_take(f, NULL, 0, piped) < 0)
			server_gone(f);
		return 0;
	}
	uint64_t unique = p->unique;
	struct virtq_chain c = p->chain;
	size_t len = n + piped;
	p->token = 0;
	f->n_pending--;
	f->wslots_in -= p->slots; /* the server took them before it answered */
	int ok = q && h->len == len && len <= FSD_MSG_MAX && len <= c.in_len;
	if (!ok) {
		discard(f);
		if (piped && pipe_take(f, NULL, 0, piped) < 0) {
			if (q)
				reply_error(q, &c, unique, -EIO);
			server_gone(f);
			return q != NULL;
		}
	}
	if (!q)
		return 0; /* the queue went away meanwhile */
	if (h->len != len || len > FSD_MSG_MAX) {
		f->stats.bad_replies++;
		reply_error(q, &c, unique, -EIO);
		return 1;
	}
	if (len > c.in_len) {
		f->stats.failed++;
		reply_error(q, &c, unique, -EIO);
		return 1;
	}
	int r = receive_into(f, &c, h, n, piped);
	if (r < 0) {
		f->stats.bad_replies++;
		reply_error(q, &c, unique, -EIO);
		if (r == -EPIPE)
			server_gone(f);
		return 1;
	}
	h->unique = unique;
	virtq_chain_write(&c, 0, h, sizeof(*h));
	virtq_push(q, c.head, (uint32_t)len);
	f->stats.replies++;
	return 1;
}

void fs_sock_readable(struct fs *f)
{
	pthread_mutex_lock(&f->mmio.lock);
	struct virtq *q = virtio_mmio_queue(&f->mmio, FS_REQUEST_QUEUE);
	int pushed = 0;
	/* A bounded turn: the loop calls us again while more is waiting. */
	for (unsigned k = 0; k < FS_QUEUE_SIZE && !f->dead; k++) {
		struct fuse_out_header h = {0};
		/* the header only, and (MSG_TRUNC) the whole message's length */
		ssize_t n = recv_head(f, &h, sizeof(h), MSG_PEEK | MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) { /* end of file (or a broken socket): the server is gone */
			server_gone(f);
			break;
		}
		pushed |= deliver(f, q, &h, (size_t)n);
	}
	if (pushed)
		virtio_mmio_used(&f->mmio, q);
	if (!f->blocked)
		serve_all(f); /* slots came free (or, server gone, waiting chains fail) */
	pthread_mutex_unlock(&f->mmio.lock);
}

void fs_sock_writable(struct fs *f)
{
	pthread_mutex_lock(&f->mmio.lock);
	if (f->blocked) {
		set_blocked(f, 0);
		serve_all(f);
	}
	pthread_mutex_unlock(&f->mmio.lock);
}

void fs_work(struct fs *f)
{
	pthread_mutex_lock(&f->mmio.lock);
	if (!f->blocked)
		serve_all(f);
	pthread_mutex_unlock(&f->mmio.lock);
}

static int fs_notify(void *dev, unsigned qi)
{
	struct fs *f = dev;

	return f->blocked ? 0 : serve(f, qi); /* blocked: the socket's writability resumes us */
}

static void fs_read_config(void *dev, uint32_t off, uint8_t *buf, uint32_t len)
{
	struct fs *f = dev;
	struct virtio_fs_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.tag, f->tag, FS_TAG_MAX);
	cfg.num_request_queues = htole32(1);
	memcpy(buf, (const uint8_t *)&cfg + off, len);
}

/* The driver reset the device: requests in flight are forgotten (their
 * replies find no token and are dropped). */
static void fs_reset(void *dev)
{
	struct fs *f = dev;

	if (f->wslots_in) /* unanswered piped WRITEs: when their buffers come free is lost */
		f->wdata_fd = -1;
	for (unsigned i = 0; i < FS_QUEUE_SIZE; i++)
		f->pending[i].token = 0;
	f->n_pending = 0;
	set_blocked(f, 0);
}

const struct virtio_dev_ops fs_ops = {
    .name = "fs",
    .device_id = VIRTIO_ID_FS,
    .features = VIRTIO_FEATURE_EVENT_IDX,
    .num_queues = 2,
    .queue_size = FS_QUEUE_SIZE,
    .config_size = sizeof(struct virtio_fs_config),
    .read_config = fs_read_config,
    .queue_notify = fs_notify,
    .reset = fs_reset,
};

int fs_init(struct fs *f, const struct vm_mem *mem, struct runstate *rs, const char *tag, int sock,
	    struct sb_error *err)
{
	memset(f, 0, sizeof(*f));
	f->sock = sock;
	f->data_fd = f->wdata_fd = -1;
	f->out_fd = f->work_fd = -1;
	f->in_src = f->out_src = f->work_src = -1;
	size_t len = tag ? strlen(tag) : 0;
	if (!len || len > FS_TAG_MAX)
		return error_set(err, EINVAL, "virtio-fs: tag must be 1 to %u bytes", FS_TAG_MAX);
	memcpy(f->tag, tag, len);
	virtio_mmio_init(&f->mmio, &fs_ops, f, mem, rs);
	return 0;
}

void fs_set_data_pipe(struct fs *f, int data_fd)
{
	f->data_fd = data_fd;
}

void fs_set_write_pipe(struct fs *f, int wdata_fd, size_t size)
{
	f->wdata_fd = wdata_fd;
	f->wslots = (unsigned)(size / 4096);
}

void fs_destroy(struct fs *f)
{
	if (f->out_fd >= 0)
		close(f->out_fd);
	if (f->work_fd >= 0)
		close(f->work_fd);
	f->out_fd = f->work_fd = -1;
	virtio_mmio_destroy(&f->mmio);
}

int fs_save(struct fs *f, struct snap_w *w)
{
	if (f->n_pending || f->blocked || f->dead)
		return -EBUSY;
	virtio_mmio_save(&f->mmio, w);
	return 0;
}

int fs_restore(struct fs *f, struct snap_r *r)
{
	return virtio_mmio_restore(&f->mmio, r);
}

static void on_readable(void *ctx)
{
	fs_sock_readable(ctx);
}

static void on_writable(void *ctx)
{
	fs_sock_writable(ctx);
}

static void on_work(void *ctx)
{
	struct fs *f = ctx;
	uint64_t v;

	if (read(f->work_fd, &v, sizeof(v)) == sizeof(v))
		fs_work(f);
}

int fs_attach(struct fs *f, struct eventloop *loop, struct sb_error *err)
{
	f->work_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (f->work_fd < 0)
		return error_set(err, errno, "virtio-fs: eventfd");
	f->out_fd = fcntl(f->sock, F_DUPFD_CLOEXEC, 3);
	if (f->out_fd < 0)
		return error_set(err, errno, "virtio-fs: dup");
	int in_src = eventloop_add(loop, f->sock, on_readable, f, 1, err);
	if (in_src < 0)
		return error_prefix(err, "virtio-fs");
	int out_src = eventloop_add_writable(loop, f->out_fd, on_writable, f, 0, err);
	if (out_src < 0)
		return error_prefix(err, "virtio-fs");
	int work_src = eventloop_add(loop, f->work_fd, on_work, f, 1, err);
	if (work_src < 0)
		return error_prefix(err, "virtio-fs");
	pthread_mutex_lock(&f->mmio.lock);
	f->loop = loop;
	f->in_src = in_src;
	f->out_src = out_src;
	f->work_src = work_src;
	if (f->dead)
		eventloop_enable(loop, in_src, 0);
	pthread_mutex_unlock(&f->mmio.lock);
	return 0;
}
