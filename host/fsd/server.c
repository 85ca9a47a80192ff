/* The libfuse session on our socket: custom I/O through the gate, the ops table, INIT settings. */
#include <errno.h>
#include <linux/fuse.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "gate.h"
#include "ops.h"
#include "server.h"

#define TIMEOUT_AUTO 86400.0 /* the guest owns the tree: cache for a day (virtiofsd's "always") */

static void send_error(struct fsd_server *s, int fd, uint64_t unique, int err)
{
	struct fuse_out_header out = {.len = sizeof(out), .error = err, .unique = unique};
	ssize_t n = send(fd, &out, sizeof(out), MSG_NOSIGNAL);
	(void)n; /* the VMM is gone: the next read ends the loop */
	(void)s;
}

/* Bytes of the request in buf (n bytes received) that wait in the WRITE
 * data pipe: a WRITE header counting more than its message, on a share with
 * the pipe (the gate checks the rest). */
static size_t piped_bytes(const struct fsd_server *s, const void *buf, size_t n)
{
	struct fuse_in_header h;

	if (s->wdata_fd < 0 || n < sizeof(h))
		return 0;
	memcpy(&h, buf, sizeof(h));
	if (h.opcode != FUSE_WRITE || h.len <= n || h.len - n > s->wdata_max)
		return 0;
	return h.len - n;
}

/* One message through the gate: its length when libfuse may parse it, 0 when answered or dropped.
 */
static size_t admit(struct fsd_server *s, int fd, const void *buf, size_t n, size_t cap)
{
	uint64_t unique;
	int err;
	unsigned mode = (s->readonly ? GATE_READONLY : 0) | (s->file ? GATE_ONE_FILE : 0);
	size_t m = n > cap ? cap : n;
	s->wpiped = piped_bytes(s, buf, m);
	enum gate_verdict v = gate_check(buf, m, s->wpiped, mode, &unique, &err);

	if (n > cap && v != GATE_DROP) { /* truncated: bigger than any request may be */
		v = GATE_REPLY;
		err = -EIO;
	}
	if (v != GATE_PASS)
		ops_drain_write(s); /* the pipe in step before any answer */
	if (v == GATE_REPLY)
		send_error(s, fd, unique, err);
	return v == GATE_PASS ? n : 0;
}

/* libfuse's read: the next message that passes the gate; 0 at end of file. */
static ssize_t io_read(int fd, void *buf, size_t len, void *userdata)
{
	struct fsd_server *s = userdata;

	ops_drain_write(s); /* a WRITE nobody answered (none should be) */
	for (;;) {
		ssize_t n = recv(fd, buf, len, MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			fuse_session_exit(s->se);
			return 0;
		}
		if (admit(s, fd, buf, (size_t)n, len))
			return n;
	}
}

/* libfuse's writev: one reply per message, never above msg_max. */
static ssize_t io_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	struct fsd_server *s = userdata;
	size_t total = 0;

	for (int i = 0; i < count; i++)
		total += iov[i].iov_len;
	if (s->piped && count >= 1 && iov[0].iov_len >= sizeof(struct fuse_out_header)) {
		/* a READ whose data went into the pipe (ops_read): its length says so */
		struct fuse_out_header *out = iov[0].iov_base;
		out->len += (uint32_t)s->piped;
	}
	s->piped = 0;
	ops_drain_write(s); /* the pipe in step before any answer */
	if (total > s->msg_max || iov[0].iov_len < sizeof(struct fuse_out_header)) {
		struct fuse_out_header out;
		memcpy(&out, iov[0].iov_base, sizeof(out));
		send_error(s, fd, out.unique, -EIO);
		return (ssize_t)total;
	}
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)count};
	ssize_t n;
	do
		n = sendmsg(fd, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n;
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct fsd_server *s = userdata;
	size_t room = s->msg_max - sizeof(struct fuse_in_header) - sizeof(struct fuse_write_in);
	unsigned max_write = (unsigned)(room & ~(size_t)4095);

	/* WRITE requests and READ replies both fit one socket message. */
	if (conn->max_write > max_write)
		conn->max_write = max_write;
	conn->want &=
	    ~(unsigned)(FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE);
	/* A single writer (cache auto): the guest gathers writes in its page
	 * cache and sends them in max_write pieces, instead of waiting on every
	 * write(2). */
	s->writeback = s->cache == FSD_CACHE_AUTO && !s->readonly &&
		       (conn->capable & FUSE_CAP_WRITEBACK_CACHE);
	if (s->writeback)
		conn->want |= FUSE_CAP_WRITEBACK_CACHE;
	conn->time_gran = 1;
}

static void op_destroy(void *userdata)
{
	(void)userdata;
}

static const struct fuse_lowlevel_ops ops = {
    .init = op_init,
    .destroy = op_destroy,
    .lookup = ops_lookup_op,
    .forget = ops_forget,
    .forget_multi = ops_forget_multi,
    .getattr = ops_getattr,
    .setattr = ops_setattr,
    .readlink = ops_readlink,
    .mknod = ops_mknod,
    .mkdir = ops_mkdir,
    .symlink = ops_symlink,
    .unlink = ops_unlink,
    .rmdir = ops_rmdir,
    .rename = ops_rename,
    .link = ops_link,
    .open = ops_open,
    .create = ops_create,
    .read = ops_read,
    .write = ops_write,
    .flush = ops_flush,
    .release = ops_release,
    .fsync = ops_fsync,
    .opendir = ops_opendir,
    .readdir = ops_readdir,
    .readdirplus = ops_readdirplus,
    .releasedir = ops_releasedir,
    .fsyncdir = ops_fsyncdir,
    .statfs = ops_statfs,
    .access = ops_access,
    .fallocate = ops_fallocate,
    .lseek = ops_lseek,
};

/* libfuse logs to stderr; the server has none worth the guest's control. */
static void quiet(enum fuse_log_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
}

static int alloc_buffers(struct fsd_server *s, const struct fsd_config *c,
			 const struct server_env *env)
{
	unsigned max_in = c->max_inodes ? c->max_inodes : FSD_DEFAULT_MAX_INODES;
	unsigned max_h = c->max_handles ? c->max_handles : FSD_DEFAULT_MAX_HANDLES;
	int r = inodes_init(&s->inodes, env->root_fd, max_in);

	if (r < 0)
		return r;
	if ((r = handles_init(&s->handles, max_h)) < 0)
		return r;
	s->max_io = s->msg_max - sizeof(struct fuse_out_header);
	s->dirbuf_size = OPS_DIRBUF_MAX;
	s->iobuf = malloc(s->max_io);
	s->dirbuf = malloc(s->dirbuf_size);
	return s->iobuf && s->dirbuf ? 0 : -ENOMEM;
}

/* A single-file share: its name one plain component, its inode a regular file. */
static int one_file(struct fsd_server *s, const char *name)
{
	struct stat st;

	if (gate_name(name) < 0)
		return -EINVAL;
	if (fstat(s->file_fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	s->file = strdup(name);
	return s->file ? 0 : -ENOMEM;
}

int server_new(const struct fsd_config *c, const struct server_env *env, struct fsd_server **out,
	       struct sb_error *err)
{
	static const struct fuse_custom_io io = {.read = io_read, .writev = io_writev};
	char *argv[] = {"sandbox-fsd", NULL};
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	struct fsd_server *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s) {
		close(env->root_fd);
		close(env->proc_fd);
		close(env->sock);
		if (env->data_max)
			close(env->data_fd);
		if (env->wdata_max)
			close(env->wdata_fd);
		if (c->file)
			close(env->file_fd);
		return error_set(err, ENOMEM, "file server for `%s`", c->host_path);
	}
	s->proc_fd = env->proc_fd;
	s->sock = env->sock;
	s->data_fd = env->data_max ? env->data_fd : -1;
	s->data_max = env->data_max;
	s->wdata_fd = env->wdata_max ? env->wdata_fd : -1;
	s->wdata_max = env->wdata_max;
	s->file_fd = c->file ? env->file_fd : -1;
	s->readonly = c->readonly;
	s->guest_owner = env->guest_owner;
	s->cache = c->cache;
	s->timeout = c->cache == FSD_CACHE_AUTO ? TIMEOUT_AUTO : 0.0;
	s->msg_max = env->msg_max < FSD_MSG_MAX ? env->msg_max : FSD_MSG_MAX;
	int r = c->file ? one_file(s, c->file) : 0;
	if (r == 0 && s->msg_max < 64 * 1024)
		r = -EINVAL;
	if (r == 0)
		r = alloc_buffers(s, c, env); /* root_fd is the inode table's, even on failure */
	else
		close(env->root_fd);
	if (r < 0) {
		server_free(s);
		return error_set(err, -r, "file server for `%s`", c->host_path);
	}
	fuse_set_log_func(quiet);
	s->se = fuse_session_new(&args, &ops, sizeof(ops), s);
	fuse_opt_free_args(&args);
	if (!s->se) {
		server_free(s);
		return error_set(err, ENOMEM, "file server for `%s`: libfuse session",
				 c->host_path);
	}
	r = fuse_session_custom_io(s->se, &io, s->sock);
	if (r < 0) {
		server_free(s);
		return error_set(err, -r, "file server for `%s`: libfuse custom I/O", c->host_path);
	}
	s->sock = -1; /* the session closes it */
	*out = s;
	return 0;
}

int server_run(struct fsd_server *s)
{
	return fuse_session_loop(s->se);
}

void server_handle(struct fsd_server *s, const void *msg, size_t len)
{
	int fd = fuse_session_fd(s->se);
	char *copy = malloc(len ? len : 1); /* exactly len: ASan sees any over-read */

	if (!copy)
		return;
	memcpy(copy, msg, len);
	if (admit(s, fd, copy, len, FSD_MSG_MAX)) {
		struct fuse_buf b = {.size = len, .mem = copy};
		fuse_session_process_buf(s->se, &b);
	}
	free(copy);
}

void server_free(struct fsd_server *s)
{
	if (!s)
		return;
	if (s->se)
		fuse_session_destroy(s->se);
	if (s->sock >= 0)
		close(s->sock);
	if (s->proc_fd >= 0)
		close(s->proc_fd);
	if (s->file_fd >= 0)
		close(s->file_fd);
	if (s->data_fd >= 0)
		close(s->data_fd);
	if (s->wdata_fd >= 0)
		close(s->wdata_fd);
	free(s->file);
	inodes_free(&s->inodes);
	handles_free(&s->handles);
	free(s->iobuf);
	free(s->dirbuf);
	free(s);
}
