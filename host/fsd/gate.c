/* The request gate: argument sizes, NUL-terminated names, supported opcodes, read-only mode. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fuse.h>
#include <string.h>

#include "gate.h"

/* What an opcode carries after its fixed argument struct. */
enum tail {
	T_NONE,	   /* nothing (extra bytes are tolerated, as the kernel pads) */
	T_NAME,	   /* one NUL-terminated name */
	T_NAMES,   /* two NUL-terminated names */
	T_WRITE,   /* exactly fuse_write_in.size bytes */
	T_FORGETS, /* fuse_batch_forget_in.count fuse_forget_one entries */
};

struct rule {
	unsigned char known;   /* 1: supported */
	unsigned char writes;  /* 1: refused with EROFS in read-only mode, 2: also changes names
				* (refused with EPERM on a single-file share) */
	unsigned char noreply; /* 1: never answered */
	unsigned char tail;
	unsigned short fixed; /* size of the argument struct */
};

#define OP(op, size, t, w) [op] = {1, w, 0, t, size}

/* Every opcode the server answers; anything else gets ENOSYS (no xattrs, no
 * locks, no ioctl, no DAX mappings). */
static const struct rule rules[] = {
    OP(FUSE_LOOKUP, 0, T_NAME, 0),
    [FUSE_FORGET] = {1, 0, 1, T_NONE, sizeof(struct fuse_forget_in)},
    OP(FUSE_GETATTR, sizeof(struct fuse_getattr_in), T_NONE, 0),
    OP(FUSE_SETATTR, sizeof(struct fuse_setattr_in), T_NONE, 1),
    OP(FUSE_READLINK, 0, T_NONE, 0),
    OP(FUSE_SYMLINK, 0, T_NAMES, 2),
    OP(FUSE_MKNOD, sizeof(struct fuse_mknod_in), T_NAME, 2),
    OP(FUSE_MKDIR, sizeof(struct fuse_mkdir_in), T_NAME, 2),
    OP(FUSE_UNLINK, 0, T_NAME, 2),
    OP(FUSE_RMDIR, 0, T_NAME, 2),
    OP(FUSE_RENAME, sizeof(struct fuse_rename_in), T_NAMES, 2),
    OP(FUSE_LINK, sizeof(struct fuse_link_in), T_NAME, 2),
    OP(FUSE_OPEN, sizeof(struct fuse_open_in), T_NONE, 0),
    OP(FUSE_READ, sizeof(struct fuse_read_in), T_NONE, 0),
    OP(FUSE_WRITE, sizeof(struct fuse_write_in), T_WRITE, 1),
    OP(FUSE_STATFS, 0, T_NONE, 0),
    OP(FUSE_RELEASE, sizeof(struct fuse_release_in), T_NONE, 0),
    OP(FUSE_FSYNC, sizeof(struct fuse_fsync_in), T_NONE, 0),
    OP(FUSE_FLUSH, sizeof(struct fuse_flush_in), T_NONE, 0),
    OP(FUSE_INIT, 16, T_NONE, 0), /* major, minor, max_readahead, flags */
    OP(FUSE_OPENDIR, sizeof(struct fuse_open_in), T_NONE, 0),
    OP(FUSE_READDIR, sizeof(struct fuse_read_in), T_NONE, 0),
    OP(FUSE_RELEASEDIR, sizeof(struct fuse_release_in), T_NONE, 0),
    OP(FUSE_FSYNCDIR, sizeof(struct fuse_fsync_in), T_NONE, 0),
    OP(FUSE_ACCESS, sizeof(struct fuse_access_in), T_NONE, 0),
    OP(FUSE_CREATE, sizeof(struct fuse_create_in), T_NAME, 2),
    [FUSE_INTERRUPT] = {1, 0, 1, T_NONE, 0},
    OP(FUSE_DESTROY, 0, T_NONE, 0),
    [FUSE_BATCH_FORGET] = {1, 0, 1, T_FORGETS, sizeof(struct fuse_batch_forget_in)},
    OP(FUSE_FALLOCATE, sizeof(struct fuse_fallocate_in), T_NONE, 1),
    OP(FUSE_READDIRPLUS, sizeof(struct fuse_read_in), T_NONE, 0),
    OP(FUSE_RENAME2, sizeof(struct fuse_rename2_in), T_NAMES, 2),
    OP(FUSE_LSEEK, sizeof(struct fuse_lseek_in), T_NONE, 0),
};

int gate_name(const char *name)
{
	size_t n = strnlen(name, NAME_MAX + 1);

	if (n == 0 || strchr(name, '/'))
		return -EINVAL;
	if (n > NAME_MAX)
		return -ENAMETOOLONG;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EINVAL;
	return 0;
}

/* n NUL-terminated strings fill p[0..len) exactly (the kernel sends no padding after names). */
static int names_ok(const char *p, size_t len, int n)
{
	while (n-- > 0) {
		const char *nul = memchr(p, '\0', len);
		if (!nul)
			return 0;
		len -= (size_t)(nul - p) + 1;
		p = nul + 1;
	}
	return len == 0;
}

static int tail_ok(const struct rule *r, const char *arg, size_t len, size_t piped)
{
	const char *rest = arg + r->fixed;
	size_t n = len - r->fixed;

	if (piped && (r->tail != T_WRITE || n)) /* piped: the whole payload */
		return 0;

	switch (r->tail) {
	case T_NAME:
		return names_ok(rest, n, 1);
	case T_NAMES:
		return names_ok(rest, n, 2);
	case T_WRITE: {
		struct fuse_write_in w;
		memcpy(&w, arg, sizeof(w));
		return w.size == n + piped;
	}
	case T_FORGETS: {
		struct fuse_batch_forget_in b;
		memcpy(&b, arg, sizeof(b));
		return (uint64_t)b.count * sizeof(struct fuse_forget_one) <= n;
	}
	default:
		return 1;
	}
}

/* Opcodes whose arguments say whether they write. */
static int opens_for_write(uint32_t opcode, const char *arg)
{
	if (opcode != FUSE_OPEN)
		return 0;
	struct fuse_open_in o;
	memcpy(&o, arg, sizeof(o));
	return (o.flags & O_ACCMODE) != O_RDONLY || (o.flags & O_TRUNC);
}

/* INIT: protocol 7.31 (the first with virtio-fs) or later; with
 * FUSE_INIT_EXT the whole struct (flags2). */
static int init_ok(const char *arg, size_t len)
{
	struct fuse_init_in in;

	memset(&in, 0, sizeof(in));
	memcpy(&in, arg, len < sizeof(in) ? len : sizeof(in));
	if (in.major != 7 || in.minor < 31)
		return 0;
	return !(in.flags & FUSE_INIT_EXT) || len >= sizeof(in);
}

enum gate_verdict gate_check(const void *msg, size_t len, size_t piped, unsigned mode,
			     uint64_t *unique, int *err)
{
	struct fuse_in_header h;

	*unique = 0;
	*err = -EIO;
	if (len < sizeof(h))
		return GATE_DROP; /* no token to answer to */
	memcpy(&h, msg, sizeof(h));
	*unique = h.unique;
	if (h.len != len + piped || piped > UINT32_MAX)
		return GATE_REPLY;
	const struct rule *r =
	    h.opcode < sizeof(rules) / sizeof(rules[0]) ? &rules[h.opcode] : NULL;
	if (!r || !r->known) {
		*err = -ENOSYS;
		return GATE_REPLY;
	}
	const char *arg = (const char *)msg + sizeof(h);
	size_t alen = len - sizeof(h);
	int ok = alen >= r->fixed && tail_ok(r, arg, alen, piped);
	if (ok && h.opcode == FUSE_INIT)
		ok = init_ok(arg, alen);
	if (!ok) {
		*err = h.opcode == FUSE_INIT ? -EPROTO : -EINVAL;
		return r->noreply ? GATE_DROP : GATE_REPLY;
	}
	if (h.opcode == FUSE_INTERRUPT)
		return GATE_DROP; /* one request at a time: nothing to interrupt */
	if ((mode & GATE_ONE_FILE) &&
	    (r->writes == 2 || (h.opcode == FUSE_SETATTR && h.nodeid == FUSE_ROOT_ID))) {
		*err = -EPERM;
		return GATE_REPLY;
	}
	if ((mode & GATE_READONLY) && (r->writes || opens_for_write(h.opcode, arg))) {
		*err = -EROFS;
		return GATE_REPLY;
	}
	return GATE_PASS;
}
