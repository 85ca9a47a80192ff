/* Unit tests for the file server: a spawned server on a temporary share, driven over its socket
 * with hand-built FUSE requests (INIT first), escapes and limits included. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsd.h"
#include "server.h"
#include "test_fsd_client.h"

struct t {
	char top[64]; /* temp dir holding share/ and outside/ */
	char share[96];
	char outside[96];
	int dirfd;
	struct fsd_proc p;
	struct fclient *c;
	struct fuse_init_out init;
	bool pipe; /* start with fsd_config.data_pipe */
};

static char *path(struct t *t, const char *rel)
{
	static char buf[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", t->share, rel);
	return buf[i];
}

static void put(const char *p, const char *text, mode_t mode)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

static int get(const char *p, char *buf, size_t len)
{
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return (int)n;
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	strcpy(t->top, "/tmp/test_fsd.XXXXXX");
	assert_non_null(mkdtemp(t->top));
	snprintf(t->share, sizeof(t->share), "%s/share", t->top);
	snprintf(t->outside, sizeof(t->outside), "%s/outside", t->top);
	assert_int_equal(mkdir(t->share, 0755), 0);
	assert_int_equal(mkdir(t->outside, 0755), 0);
	put(path(t, "hello"), "hello world\n", 0644);
	assert_int_equal(mkdir(path(t, "d"), 0755), 0);
	put(path(t, "d/inner"), "inner\n", 0644);
	char secret[160];
	snprintf(secret, sizeof(secret), "%s/secret", t->outside);
	put(secret, "SECRET\n", 0644);
	t->dirfd = open(t->share, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(t->dirfd >= 0);
	t->c = calloc(1, sizeof(*t->c));
	t->p.pid = -1;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	char cmd[128];
	if (t->p.pid > 0)
		fsd_stop(&t->p);
	close(t->dirfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->top);
	assert_int_equal(system(cmd), 0);
	free(t->c);
	free(t);
	return 0;
}

static void start_with(struct t *t, bool ro, enum fsd_cache cache, unsigned ni, unsigned nh)
{
	struct fsd_config cfg = {.host_path = t->share,
				 .dir_fd = t->dirfd,
				 .readonly = ro,
				 .cache = cache,
				 .max_inodes = ni,
				 .max_handles = nh,
				 .data_pipe = t->pipe};
	struct sb_error err = {0};
	int r = fsd_spawn(&cfg, &t->p, &err);
	if (r < 0)
		fail_msg("fsd_spawn: %s", err.msg);
	assert_true(t->p.msg_max >= 64 * 1024 && t->p.msg_max <= FSD_MSG_MAX);
	t->c->sock = t->p.sock;
	t->c->uid = getuid();
	t->c->gid = getgid();
	struct fuse_init_in in = {.major = 7,
				  .minor = 36,
				  .max_readahead = 128 * 1024,
				  .flags = FUSE_MAX_PAGES | FUSE_INIT_EXT | FUSE_DO_READDIRPLUS |
					   FUSE_ASYNC_READ | FUSE_BIG_WRITES};
	fm_begin(t->c, FUSE_INIT, 0);
	fm_add(t->c, &in, sizeof(in));
	assert_int_equal(fm_call(t->c), 0);
	assert_true(t->c->reply_len >= 24);
	memcpy(&t->init, t->c->reply,
	       t->c->reply_len < sizeof(t->init) ? t->c->reply_len : sizeof(t->init));
	assert_int_equal(t->init.major, 7);
	/* a WRITE of max_write and a READ reply of max_pages fit one message */
	assert_true(t->init.max_write + 80 <= t->p.msg_max);
	assert_true((size_t)t->init.max_pages * 4096 + 16 <= t->p.msg_max);
}

static void start(struct t *t)
{
	start_with(t, false, FSD_CACHE_AUTO, 0, 0);
}

/* --- request helpers ------------------------------------------------------ */

static int lookup(struct t *t, uint64_t parent, const char *name, struct fuse_entry_out *e)
{
	fm_begin(t->c, FUSE_LOOKUP, parent);
	fm_str(t->c, name);
	int r = fm_call(t->c);
	if (r == 0 && e)
		memcpy(e, t->c->reply, sizeof(*e));
	if (r == 0 && t->c->reply_len == sizeof(*e)) {
		struct fuse_entry_out x;
		memcpy(&x, t->c->reply, sizeof(x));
		if (x.nodeid == 0) /* a cached negative entry */
			return -ENOENT;
	}
	return r;
}

static uint64_t node(struct t *t, uint64_t parent, const char *name)
{
	struct fuse_entry_out e;
	assert_int_equal(lookup(t, parent, name, &e), 0);
	return e.nodeid;
}

static int fopen_(struct t *t, uint64_t nodeid, uint32_t flags, uint64_t *fh, uint32_t *oflags)
{
	struct fuse_open_in in = {.flags = flags};
	fm_begin(t->c, FUSE_OPEN, nodeid);
	fm_add(t->c, &in, sizeof(in));
	int r = fm_call(t->c);
	if (r == 0) {
		struct fuse_open_out o;
		memcpy(&o, t->c->reply, sizeof(o));
		*fh = o.fh;
		if (oflags)
			*oflags = o.open_flags;
	}
	return r;
}

static int fread_(struct t *t, uint64_t nodeid, uint64_t fh, uint64_t off, uint32_t size)
{
	struct fuse_read_in in = {.fh = fh, .offset = off, .size = size};
	fm_begin(t->c, FUSE_READ, nodeid);
	fm_add(t->c, &in, sizeof(in));
	int r = fm_call(t->c);
	return r < 0 ? r : (int)t->c->reply_len;
}

static int fwrite_(struct t *t, uint64_t nodeid, uint64_t fh, uint64_t off, const void *d,
		   uint32_t n)
{
	struct fuse_write_in in = {.fh = fh, .offset = off, .size = n};
	fm_begin(t->c, FUSE_WRITE, nodeid);
	fm_add(t->c, &in, sizeof(in));
	fm_add(t->c, d, n);
	int r = fm_call(t->c);
	if (r < 0)
		return r;
	struct fuse_write_out o;
	memcpy(&o, t->c->reply, sizeof(o));
	return (int)o.size;
}

static int release(struct t *t, uint32_t op, uint64_t nodeid, uint64_t fh)
{
	struct fuse_release_in in = {.fh = fh};
	fm_begin(t->c, op, nodeid);
	fm_add(t->c, &in, sizeof(in));
	return fm_call(t->c);
}

static int fcreate(struct t *t, uint64_t parent, const char *name, uint32_t flags, uint32_t mode,
		   struct fuse_entry_out *e, uint64_t *fh)
{
	struct fuse_create_in in = {.flags = flags, .mode = S_IFREG | mode};
	fm_begin(t->c, FUSE_CREATE, parent);
	fm_add(t->c, &in, sizeof(in));
	fm_str(t->c, name);
	int r = fm_call(t->c);
	if (r == 0) {
		struct fuse_open_out o;
		memcpy(e, t->c->reply, sizeof(*e));
		memcpy(&o, t->c->reply + sizeof(*e), sizeof(o));
		*fh = o.fh;
	}
	return r;
}

static int fmkdir(struct t *t, uint64_t parent, const char *name, uint32_t mode)
{
	struct fuse_mkdir_in in = {.mode = mode};
	fm_begin(t->c, FUSE_MKDIR, parent);
	fm_add(t->c, &in, sizeof(in));
	fm_str(t->c, name);
	return fm_call(t->c);
}

static int fmknod(struct t *t, uint64_t parent, const char *name, uint32_t mode, uint32_t rdev)
{
	struct fuse_mknod_in in = {.mode = mode, .rdev = rdev};
	fm_begin(t->c, FUSE_MKNOD, parent);
	fm_add(t->c, &in, sizeof(in));
	fm_str(t->c, name);
	return fm_call(t->c);
}

static int fsetattr(struct t *t, uint64_t nodeid, struct fuse_setattr_in *in)
{
	fm_begin(t->c, FUSE_SETATTR, nodeid);
	fm_add(t->c, in, sizeof(*in));
	return fm_call(t->c);
}

static int fname_op(struct t *t, uint32_t op, uint64_t parent, const char *name)
{
	fm_begin(t->c, op, parent);
	fm_str(t->c, name);
	return fm_call(t->c);
}

static void forget(struct t *t, uint64_t nodeid, uint64_t n)
{
	struct fuse_forget_in in = {.nlookup = n};
	fm_begin(t->c, FUSE_FORGET, nodeid);
	fm_add(t->c, &in, sizeof(in));
	assert_int_equal(fm_send_raw(t->c, 0, 0), 0);
}

/* --- tests ------------------------------------------------------------------ */

static void test_lookup_read(void **state)
{
	struct t *t = *state;
	struct fuse_entry_out e;
	uint64_t fh;

	start(t);
	assert_int_equal(lookup(t, 1, "hello", &e), 0);
	assert_int_equal(e.attr.size, 12);
	assert_true(S_ISREG(e.attr.mode));
	assert_true(e.entry_valid > 0); /* AUTO caches */
	assert_int_equal(fopen_(t, e.nodeid, O_RDONLY, &fh, NULL), 0);
	assert_int_equal(fread_(t, e.nodeid, fh, 0, 4096), 12);
	assert_memory_equal(t->c->reply, "hello world\n", 12);
	assert_int_equal(fread_(t, e.nodeid, fh, 6, 5), 5);
	assert_memory_equal(t->c->reply, "world", 5);
	/* a READ far bigger than a message is cut to fit one */
	assert_int_equal(fread_(t, e.nodeid, fh, 0, 64u << 20), 12);
	assert_int_equal(release(t, FUSE_RELEASE, e.nodeid, fh), 0);
	assert_int_equal(release(t, FUSE_RELEASE, e.nodeid, fh), -EBADF);
	/* in a subdirectory */
	uint64_t d = node(t, 1, "d");
	assert_int_equal(lookup(t, d, "inner", &e), 0);
	assert_int_equal(lookup(t, d, "missing", NULL), -ENOENT);
	/* GETATTR of the root */
	struct fuse_getattr_in gi = {0};
	fm_begin(t->c, FUSE_GETATTR, 1);
	fm_add(t->c, &gi, sizeof(gi));
	assert_int_equal(fm_call(t->c), 0);
	struct fuse_attr_out ao;
	memcpy(&ao, t->c->reply, sizeof(ao));
	assert_true(S_ISDIR(ao.attr.mode));
}

static void test_create_write(void **state)
{
	struct t *t = *state;
	struct fuse_entry_out e;
	uint64_t fh;
	char buf[64];
	struct stat st;

	start(t);
	/* setuid and setgid asked for, never given */
	assert_int_equal(fcreate(t, 1, "new", O_WRONLY | O_CREAT, 06755, &e, &fh), 0);
	assert_int_equal(fwrite_(t, e.nodeid, fh, 0, "data\n", 5), 5);
	assert_int_equal(release(t, FUSE_RELEASE, e.nodeid, fh), 0);
	assert_int_equal(get(path(t, "new"), buf, sizeof(buf)), 5);
	assert_string_equal(buf, "data\n");
	assert_int_equal(stat(path(t, "new"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	/* O_EXCL on an existing name */
	assert_int_equal(fcreate(t, 1, "new", O_WRONLY | O_CREAT | O_EXCL, 0644, &e, &fh), -EEXIST);
	/* mkdir, chmod: stripped too */
	assert_int_equal(fmkdir(t, 1, "sub", 02775), 0);
	assert_int_equal(stat(path(t, "sub"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & (S_ISUID | S_ISGID), 0);
	struct fuse_setattr_in sa = {.valid = FATTR_MODE, .mode = S_IFREG | 04777};
	assert_int_equal(fsetattr(t, e.nodeid, &sa), 0);
	assert_int_equal(stat(path(t, "new"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0777);
	/* truncate and utimens */
	sa = (struct fuse_setattr_in){.valid = FATTR_SIZE | FATTR_MTIME, .size = 2, .mtime = 1000};
	assert_int_equal(fsetattr(t, e.nodeid, &sa), 0);
	assert_int_equal(stat(path(t, "new"), &st), 0);
	assert_int_equal(st.st_size, 2);
	assert_int_equal(st.st_mtime, 1000);
	/* symlink, readlink, link, rename, unlink, rmdir */
	fm_begin(t->c, FUSE_SYMLINK, 1);
	fm_str(t->c, "ln");
	fm_str(t->c, "/anywhere/the/guest/likes");
	assert_int_equal(fm_call(t->c), 0);
	memcpy(&e, t->c->reply, sizeof(e));
	fm_begin(t->c, FUSE_READLINK, e.nodeid);
	assert_int_equal(fm_call(t->c), 0);
	assert_int_equal(t->c->reply_len, strlen("/anywhere/the/guest/likes"));
	assert_int_equal(readlink(path(t, "ln"), buf, sizeof(buf)), 25);
	struct fuse_link_in li = {.oldnodeid = node(t, 1, "new")};
	fm_begin(t->c, FUSE_LINK, 1);
	fm_add(t->c, &li, sizeof(li));
	fm_str(t->c, "new2");
	assert_int_equal(fm_call(t->c), 0);
	assert_int_equal(stat(path(t, "new2"), &st), 0);
	assert_int_equal(st.st_nlink, 2);
	struct fuse_rename2_in ri = {.newdir = node(t, 1, "sub")};
	fm_begin(t->c, FUSE_RENAME2, 1);
	fm_add(t->c, &ri, sizeof(ri));
	fm_str(t->c, "new2");
	fm_str(t->c, "moved");
	assert_int_equal(fm_call(t->c), 0);
	assert_int_equal(stat(path(t, "sub/moved"), &st), 0);
	assert_int_equal(fname_op(t, FUSE_UNLINK, ri.newdir, "moved"), 0);
	assert_int_equal(fname_op(t, FUSE_RMDIR, 1, "sub"), 0);
	assert_int_equal(stat(path(t, "sub"), &st), -1);
	/* MKNOD makes regular files only */
	assert_int_equal(fmknod(t, 1, "reg", S_IFREG | 0644, 0), 0);
	assert_int_equal(stat(path(t, "reg"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(fmknod(t, 1, "fifo", S_IFIFO | 0644, 0), -EPERM);
	assert_int_equal(fmknod(t, 1, "null", S_IFCHR | 0666, makedev(1, 3)), -EPERM);
	assert_int_equal(fmknod(t, 1, "sock", S_IFSOCK | 0666, 0), -EPERM);
	assert_int_equal(lstat(path(t, "fifo"), &st), -1);
}

static void test_bad_names(void **state)
{
	struct t *t = *state;
	struct fuse_entry_out e;
	uint64_t fh;
	char longname[300];

	start(t);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(lookup(t, 1, "..", NULL), -EINVAL);
	assert_int_equal(lookup(t, 1, ".", NULL), -EINVAL);
	assert_int_equal(lookup(t, 1, "", NULL), -EINVAL);
	assert_int_equal(lookup(t, 1, "d/inner", NULL), -EINVAL);
	assert_int_equal(lookup(t, 1, "/etc", NULL), -EINVAL);
	assert_int_equal(lookup(t, node(t, 1, "d"), "../hello", NULL), -EINVAL);
	assert_int_equal(lookup(t, 1, longname, NULL), -ENAMETOOLONG);
	assert_int_equal(fcreate(t, 1, "../escaped", O_WRONLY | O_CREAT, 0644, &e, &fh), -EINVAL);
	assert_int_equal(fmkdir(t, 1, "..", 0755), -EINVAL);
	assert_int_equal(fname_op(t, FUSE_UNLINK, 1, "../outside/secret"), -EINVAL);
	char secret[160];
	snprintf(secret, sizeof(secret), "%s/secret", t->outside);
	assert_int_equal(access(secret, F_OK), 0);
	assert_int_equal(access(path(t, "../escaped"), F_OK), -1);
	/* unknown node ids */
	assert_int_equal(lookup(t, 999999, "x", NULL), -ESTALE);
	assert_int_equal(lookup(t, node(t, 1, "hello"), "x", NULL), -ENOTDIR);
	/* malformed messages: a name without its NUL, a wrong length, junk opcodes */
	fm_begin(t->c, FUSE_LOOKUP, 1);
	fm_add(t->c, "hello", 5);
	assert_int_equal(fm_call(t->c), -EINVAL);
	fm_begin(t->c, FUSE_LOOKUP, 1);
	fm_str(t->c, "hello");
	uint32_t bad = 4000;
	memcpy(t->c->m.buf, &bad, 4);
	assert_int_equal(fm_send_raw(t->c, 1, 1), -EIO);
	fm_begin(t->c, 9999, 1);
	assert_int_equal(fm_call(t->c), -ENOSYS);
	fm_begin(t->c, FUSE_GETXATTR, 1);
	struct fuse_getxattr_in gx = {.size = 100};
	fm_add(t->c, &gx, sizeof(gx));
	fm_str(t->c, "security.capability");
	assert_int_equal(fm_call(t->c), -ENOSYS);
	struct fuse_write_in wi = {.size = 1u << 30};
	fm_begin(t->c, FUSE_WRITE, 2);
	fm_add(t->c, &wi, sizeof(wi));
	fm_add(t->c, "x", 1);
	assert_int_equal(fm_call(t->c), -EINVAL);
	/* a second INIT, a short message: the server answers and lives on */
	struct fuse_init_in in = {.major = 7, .minor = 36};
	fm_begin(t->c, FUSE_INIT, 0);
	fm_add(t->c, &in, sizeof(in));
	assert_int_equal(fm_call(t->c), -EIO);
	assert_int_equal(send(t->c->sock, "xx", 2, 0), 2);
	assert_int_equal(lookup(t, 1, "hello", NULL), 0);
}

static void test_symlinks_not_followed(void **state)
{
	struct t *t = *state;
	struct fuse_entry_out e;
	uint64_t fh;
	char target[160];

	snprintf(target, sizeof(target), "%s/secret", t->outside);
	assert_int_equal(symlink(target, path(t, "abs")), 0);
	assert_int_equal(symlink("../outside/secret", path(t, "rel")), 0);
	assert_int_equal(symlink(t->outside, path(t, "absdir")), 0);
	assert_int_equal(symlink("../outside", path(t, "reldir")), 0);
	snprintf(target, sizeof(target), "%s/created", t->outside);
	assert_int_equal(symlink(target, path(t, "dangling")), 0);
	start(t);
	const char *links[] = {"abs", "rel", "absdir", "reldir", "dangling"};
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(lookup(t, 1, links[i], &e), 0);
		assert_true(S_ISLNK(e.attr.mode));
		assert_int_equal(fopen_(t, e.nodeid, O_RDONLY, &fh, NULL), -EACCES);
		assert_int_equal(lookup(t, e.nodeid, "secret", NULL), -ENOTDIR);
		/* opening or creating through the name opens nothing outside */
		assert_int_equal(fcreate(t, 1, links[i], O_RDWR | O_CREAT, 0644, &e, &fh), -EACCES);
		struct fuse_open_in oi = {.flags = O_RDONLY | O_DIRECTORY};
		fm_begin(t->c, FUSE_OPENDIR, e.nodeid);
		fm_add(t->c, &oi, sizeof(oi));
		assert_int_equal(fm_call(t->c), -ENOTDIR);
	}
	assert_int_equal(access(target, F_OK), -1); /* the dangling link made nothing */
	/* READLINK gives the text; the guest resolves it in its own tree */
	fm_begin(t->c, FUSE_READLINK, node(t, 1, "rel"));
	assert_int_equal(fm_call(t->c), 0);
	assert_int_equal(t->c->reply_len, strlen("../outside/secret"));
}

/* A name swapped for a symlink between LOOKUP and OPEN: the server holds the
 * inode it looked up, never the name. */
static void test_swap_race(void **state)
{
	struct t *t = *state;
	char target[160];
	uint64_t fh;

	start(t);
	put(path(t, "victim"), "original\n", 0644);
	uint64_t v = node(t, 1, "victim");
	uint64_t d = node(t, 1, "d");
	snprintf(target, sizeof(target), "%s/secret", t->outside);
	assert_int_equal(rename(path(t, "victim"), path(t, "victim.old")), 0);
	assert_int_equal(symlink(target, path(t, "victim")), 0);
	assert_int_equal(rename(path(t, "d"), path(t, "d.old")), 0);
	assert_int_equal(symlink(t->outside, path(t, "d")), 0);
	assert_int_equal(fopen_(t, v, O_RDONLY, &fh, NULL), 0);
	assert_int_equal(fread_(t, v, fh, 0, 100), 9);
	assert_memory_equal(t->c->reply, "original\n", 9);
	/* the held directory is the old one: no "secret" in it */
	assert_int_equal(lookup(t, d, "secret", NULL), -ENOENT);
	assert_int_equal(lookup(t, d, "inner", NULL), 0);
	/* a fresh LOOKUP sees the symlink and opens nothing */
	struct fuse_entry_out e;
	assert_int_equal(lookup(t, 1, "victim", &e), 0);
	assert_true(S_ISLNK(e.attr.mode));
	assert_int_equal(fopen_(t, e.nodeid, O_RDONLY, &fh, NULL), -EACCES);
}

static void test_fifo_and_device(void **state)
{
	struct t *t = *state;
	struct fuse_entry_out e;
	uint64_t fh;

	assert_int_equal(mkfifo(path(t, "fifo"), 0666), 0);
	int have_dev = mknod(path(t, "null"), S_IFCHR | 0666, makedev(1, 3)) == 0;
	start(t);
	/* opening the FIFO would block the server: it must refuse at once */
	assert_int_equal(lookup(t, 1, "fifo", &e), 0);
	assert_true(S_ISFIFO(e.attr.mode));
	assert_int_equal(fopen_(t, e.nodeid, O_RDONLY, &fh, NULL), -EACCES);
	assert_int_equal(fopen_(t, e.nodeid, O_WRONLY, &fh, NULL), -EACCES);
	assert_int_equal(fcreate(t, 1, "fifo", O_WRONLY | O_CREAT, 0644, &e, &fh), -EACCES);
	struct fuse_setattr_in sa = {.valid = FATTR_SIZE, .size = 0};
	assert_int_equal(fsetattr(t, node(t, 1, "fifo"), &sa), -EINVAL);
	if (!have_dev) {
		print_message("SKIP device node part: mknod not permitted here (not root)\n");
		return;
	}
	assert_int_equal(lookup(t, 1, "null", &e), 0);
	assert_true(S_ISCHR(e.attr.mode));
	assert_int_equal(fopen_(t, e.nodeid, O_RDWR, &fh, NULL), -EACCES);
	assert_int_equal(fcreate(t, 1, "null", O_WRONLY | O_CREAT | O_TRUNC, 0644, &e, &fh),
			 -EACCES);
}

/* ls -lR-like fingerprint of the share: names, modes, sizes, contents. */
static void fingerprint(const char *dir, char *out, size_t len)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && find . -printf '%%p %%M %%s %%U %%T@\\n' | sort && "
		 "find . -type f -exec cat {} + 2>/dev/null",
		 dir);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	size_t n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	pclose(f);
}

static void test_readonly(void **state)
{
	struct t *t = *state;
	struct fuse_entry_out e;
	uint64_t fh;
	static char before[65536], after[65536];

	fingerprint(t->share, before, sizeof(before));
	start_with(t, true, FSD_CACHE_AUTO, 0, 0);
	/* where the server could make the share its root, the mount is read-only too */
	if (t->p.confinement & FSD_CONFINED_PIVOT)
		assert_true(t->p.confinement & FSD_CONFINED_RO_MOUNT);
	uint64_t h = node(t, 1, "hello");
	uint64_t d = node(t, 1, "d");
	assert_int_equal(fcreate(t, 1, "x", O_WRONLY | O_CREAT, 0644, &e, &fh), -EROFS);
	assert_int_equal(fopen_(t, h, O_WRONLY, &fh, NULL), -EROFS);
	assert_int_equal(fopen_(t, h, O_RDWR, &fh, NULL), -EROFS);
	assert_int_equal(fopen_(t, h, O_RDONLY | O_TRUNC, &fh, NULL), -EROFS);
	assert_int_equal(fmkdir(t, 1, "x", 0755), -EROFS);
	assert_int_equal(fmknod(t, 1, "x", S_IFREG | 0644, 0), -EROFS);
	assert_int_equal(fname_op(t, FUSE_UNLINK, 1, "hello"), -EROFS);
	assert_int_equal(fname_op(t, FUSE_RMDIR, 1, "d"), -EROFS);
	struct fuse_setattr_in sa = {.valid = FATTR_SIZE | FATTR_MODE, .size = 0, .mode = 0777};
	assert_int_equal(fsetattr(t, h, &sa), -EROFS);
	struct fuse_rename_in ri = {.newdir = d};
	fm_begin(t->c, FUSE_RENAME, 1);
	fm_add(t->c, &ri, sizeof(ri));
	fm_str(t->c, "hello");
	fm_str(t->c, "moved");
	assert_int_equal(fm_call(t->c), -EROFS);
	fm_begin(t->c, FUSE_SYMLINK, 1);
	fm_str(t->c, "ln");
	fm_str(t->c, "target");
	assert_int_equal(fm_call(t->c), -EROFS);
	struct fuse_link_in li = {.oldnodeid = h};
	fm_begin(t->c, FUSE_LINK, d);
	fm_add(t->c, &li, sizeof(li));
	fm_str(t->c, "hl");
	assert_int_equal(fm_call(t->c), -EROFS);
	/* a write on a read-only handle: EROFS before the handle is looked at */
	assert_int_equal(fopen_(t, h, O_RDONLY, &fh, NULL), 0);
	assert_int_equal(fwrite_(t, h, fh, 0, "zz", 2), -EROFS);
	struct fuse_fallocate_in fa = {.fh = fh, .length = 1 << 20};
	fm_begin(t->c, FUSE_FALLOCATE, h);
	fm_add(t->c, &fa, sizeof(fa));
	assert_int_equal(fm_call(t->c), -EROFS);
	assert_int_equal(fread_(t, h, fh, 0, 100), 12); /* reading works */
	fingerprint(t->share, after, sizeof(after));
	assert_string_equal(before, after);
}

static void test_limits(void **state)
{
	struct t *t = *state;
	uint64_t fh[3];
	struct fuse_entry_out e;

	put(path(t, "a"), "a", 0644);
	put(path(t, "b"), "b", 0644);
	put(path(t, "c"), "c", 0644);
	start_with(t, false, FSD_CACHE_AUTO, 4, 2); /* the root and three more */
	uint64_t a = node(t, 1, "a");
	node(t, 1, "b");
	node(t, 1, "c");
	assert_int_equal(lookup(t, 1, "hello", NULL), -ENFILE);
	assert_int_equal(lookup(t, 1, "a", NULL), 0); /* known inodes still resolve */
	assert_int_equal(fcreate(t, 1, "new", O_RDWR | O_CREAT, 0644, &e, &fh[0]), -ENFILE);
	assert_int_equal(access(path(t, "new"), F_OK), -1);
	forget(t, a, 2);
	assert_int_equal(lookup(t, 1, "hello", &e), 0);
	uint64_t h = e.nodeid;
	assert_int_equal(fopen_(t, h, O_RDONLY, &fh[0], NULL), 0);
	assert_int_equal(fopen_(t, h, O_RDONLY, &fh[1], NULL), 0);
	assert_int_equal(fopen_(t, h, O_RDONLY, &fh[2], NULL), -EMFILE);
	struct fuse_open_in oi = {0};
	fm_begin(t->c, FUSE_OPENDIR, 1);
	fm_add(t->c, &oi, sizeof(oi));
	assert_int_equal(fm_call(t->c), -EMFILE);
	assert_int_equal(release(t, FUSE_RELEASE, h, fh[0]), 0);
	assert_int_equal(fopen_(t, h, O_RDONLY, &fh[2], NULL), 0);
	/* a handle of the wrong kind or never given out */
	assert_int_equal(release(t, FUSE_RELEASEDIR, h, fh[1]), -EBADF);
	assert_int_equal(fread_(t, h, 77, 0, 10), -EBADF);
	/* BATCH_FORGET with a count beyond the message is dropped, not obeyed */
	struct fuse_batch_forget_in bf = {.count = 1000};
	struct fuse_forget_one one = {.nodeid = h, .nlookup = 1};
	fm_begin(t->c, FUSE_BATCH_FORGET, 0);
	fm_add(t->c, &bf, sizeof(bf));
	fm_add(t->c, &one, sizeof(one));
	assert_int_equal(fm_send_raw(t->c, 0, 0), 0);
	assert_int_equal(fread_(t, h, fh[2], 0, 10), 10); /* still served */
}

/* READDIR and READDIRPLUS list the share in pieces the guest asks for. */
static void test_readdir(void **state)
{
	struct t *t = *state;
	struct fuse_open_in oi = {0};
	char names[4096] = "";

	for (int i = 0; i < 50; i++) {
		char n[32];
		snprintf(n, sizeof(n), "file%02d", i);
		put(path(t, n), "x", 0644);
	}
	start(t);
	for (int plus = 0; plus < 2; plus++) {
		fm_begin(t->c, FUSE_OPENDIR, 1);
		fm_add(t->c, &oi, sizeof(oi));
		assert_int_equal(fm_call(t->c), 0);
		struct fuse_open_out oo;
		memcpy(&oo, t->c->reply, sizeof(oo));
		uint64_t off = 0;
		int count = 0;
		names[0] = '\0';
		for (;;) {
			struct fuse_read_in ri = {.fh = oo.fh, .offset = off, .size = 512};
			fm_begin(t->c, plus ? FUSE_READDIRPLUS : FUSE_READDIR, 1);
			fm_add(t->c, &ri, sizeof(ri));
			assert_int_equal(fm_call(t->c), 0);
			assert_true(t->c->reply_len <= 512);
			if (t->c->reply_len == 0)
				break;
			for (size_t at = 0; at < t->c->reply_len;) {
				struct fuse_dirent de;
				size_t skip = 0;
				if (plus) {
					struct fuse_entry_out eo;
					memcpy(&eo, t->c->reply + at, sizeof(eo));
					skip = sizeof(eo);
				}
				memcpy(&de, t->c->reply + at + skip, sizeof(de));
				char nm[256];
				memcpy(nm, t->c->reply + at + skip + sizeof(de), de.namelen);
				nm[de.namelen] = '\0';
				strcat(names, nm);
				strcat(names, " ");
				count++;
				off = de.off;
				at += skip + FUSE_DIRENT_ALIGN(sizeof(de) + de.namelen);
			}
		}
		assert_int_equal(count, 50 + 4); /* . .. hello d and 50 files */
		assert_non_null(strstr(names, "file49 "));
		assert_non_null(strstr(names, "hello "));
		assert_int_equal(release(t, FUSE_RELEASEDIR, 1, oo.fh), 0);
	}
}

/* As root, created files belong to the guest's ids (docker's behaviour);
 * else to us. */
static void test_ownership(void **state)
{
	struct t *t = *state;
	struct fuse_entry_out e;
	uint64_t fh;
	struct stat st;

	start(t);
	t->c->uid = 1234;
	t->c->gid = 5678;
	assert_int_equal(fcreate(t, 1, "owned", O_WRONLY | O_CREAT, 0644, &e, &fh), 0);
	assert_int_equal(fmkdir(t, 1, "owneddir", 0755), 0);
	assert_int_equal(stat(path(t, "owned"), &st), 0);
	if (geteuid() == 0) {
		assert_int_equal(st.st_uid, 1234);
		assert_int_equal(st.st_gid, 5678);
		assert_int_equal(e.attr.uid, 1234);
		assert_int_equal(stat(path(t, "owneddir"), &st), 0);
		assert_int_equal(st.st_uid, 1234);
	} else {
		assert_int_equal(st.st_uid, geteuid());
	}
}

static void test_cache_modes(void **state)
{
	struct t *t = *state;
	struct fuse_entry_out e;
	uint64_t fh;
	uint32_t of;

	start_with(t, false, FSD_CACHE_STRICT, 0, 0);
	assert_int_equal(lookup(t, 1, "hello", &e), 0);
	assert_int_equal(e.entry_valid, 0);
	assert_int_equal(e.attr_valid, 0);
	assert_int_equal(fopen_(t, e.nodeid, O_RDONLY, &fh, &of), 0);
	assert_true(of & FOPEN_DIRECT_IO);
	assert_false(of & FOPEN_KEEP_CACHE);
	/* what the host changes is seen at once */
	put(path(t, "hello"), "changed on the host\n", 0644);
	assert_int_equal(lookup(t, 1, "hello", &e), 0);
	assert_int_equal(e.attr.size, 20);
	fsd_stop(&t->p);
	start(t);
	assert_int_equal(lookup(t, 1, "hello", &e), 0);
	assert_true(e.entry_valid > 0 && e.attr_valid > 0);
	assert_int_equal(fopen_(t, e.nodeid, O_RDONLY, &fh, &of), 0);
	assert_true(of & FOPEN_KEEP_CACHE);
	assert_false(of & FOPEN_DIRECT_IO);
}

/* /proc/PID/status of the server: seccomp filter, no_new_privs, capabilities. */
static void test_confinement(void **state)
{
	struct t *t = *state;
	char p[64], line[256];
	int seccomp = -1, nnp = -1;
	unsigned long long capeff = ~0ull;

	start(t);
	snprintf(p, sizeof(p), "/proc/%d/status", (int)t->p.pid);
	FILE *f = fopen(p, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "Seccomp: %d", &seccomp);
		sscanf(line, "NoNewPrivs: %d", &nnp);
		sscanf(line, "CapEff: %llx", &capeff);
	}
	fclose(f);
	assert_int_equal(seccomp, 2);
	assert_int_equal(nnp, 1);
	assert_int_equal(capeff & ~0xfull, 0); /* CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER */
	print_message("confinement: %s%s%s%s%s(0x%x), socket messages up to %zu bytes\n",
		      t->p.confinement & FSD_CONFINED_USERNS ? "userns " : "",
		      t->p.confinement & FSD_CONFINED_MOUNTNS ? "mountns " : "",
		      t->p.confinement & FSD_CONFINED_NETNS ? "netns " : "",
		      t->p.confinement & FSD_CONFINED_PIVOT ? "pivot_root " : "",
		      t->p.confinement & FSD_CONFINED_CHROOT ? "chroot " : "", t->p.confinement,
		      t->p.msg_max);
	/* the server still works under all of it */
	assert_int_equal(lookup(t, 1, "hello", NULL), 0);
}

/* A WRITE of max_write bytes and a READ of as much go through one message each. */
static void test_big_io(void **state)
{
	struct t *t = *state;
	struct fuse_entry_out e;
	uint64_t fh;

	start(t);
	uint32_t n = t->init.max_write;
	char *data = malloc(n);
	for (uint32_t i = 0; i < n; i++)
		data[i] = (char)(i * 7 + 3);
	assert_int_equal(fcreate(t, 1, "big", O_RDWR | O_CREAT, 0644, &e, &fh), 0);
	assert_int_equal(fwrite_(t, e.nodeid, fh, 0, data, n), (int)n);
	assert_int_equal(fread_(t, e.nodeid, fh, 0, n), (int)n);
	assert_memory_equal(t->c->reply, data, n);
	free(data);
}

/* The server ends when the socket closes; fsd_stop reaps it. */
static void test_stop(void **state)
{
	struct t *t = *state;

	start(t);
	pid_t pid = t->p.pid;
	fsd_stop(&t->p);
	assert_int_equal(t->p.pid, -1);
	assert_int_equal(kill(pid, 0), -1); /* reaped: no such process */
	/* a bad share fd is reported, not a hang */
	struct fsd_config cfg = {.host_path = "/nonexistent", .dir_fd = 9999};
	struct sb_error err = {0};
	assert_true(fsd_spawn(&cfg, &t->p, &err) < 0);
	assert_int_not_equal(err.msg[0], '\0');
}

/* A socket that carries less than FSD_MSG_MAX (an ordinary user where
 * net.core.wmem_max is 208 KiB): INIT keeps max_write and max_pages within
 * it and a huge READ is cut to fit. In process, replies on a socketpair. */
static void test_small_socket(void **state)
{
	struct t *t = *state;
	int sv[2];
	struct fsd_server *s;
	struct sb_error err;
	const size_t small = 425984 - 64;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	int big = (int)FSD_MSG_MAX + 4096;
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	struct fsd_config c = {.host_path = t->share, .cache = FSD_CACHE_AUTO};
	struct server_env env = {.root_fd = open(t->share, O_PATH | O_DIRECTORY | O_CLOEXEC),
				 .proc_fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC),
				 .sock = sv[1],
				 .msg_max = small};
	assert_int_equal(server_new(&c, &env, &s, &err), 0);
	struct fclient *cl = t->c;
	cl->sock = sv[0];
	struct fuse_init_in in = {.major = 7, .minor = 36, .flags = FUSE_MAX_PAGES | FUSE_INIT_EXT};
	fm_begin(cl, FUSE_INIT, 0);
	fm_add(cl, &in, sizeof(in));
	fm_fix_len(cl);
	server_handle(s, cl->m.buf, cl->m.len);
	struct fuse_out_header out;
	ssize_t n = recv(sv[0], cl->reply, sizeof(cl->reply), 0);
	assert_true(n >= (ssize_t)(sizeof(out) + 24));
	memcpy(&out, cl->reply, sizeof(out));
	assert_int_equal(out.error, 0);
	struct fuse_init_out io;
	memcpy(&io, cl->reply + sizeof(out), sizeof(io));
	assert_true(io.max_write + 80 <= small);
	assert_true(io.max_write >= 256 * 1024);
	assert_true((size_t)io.max_pages * 4096 + 16 <= small);
	/* a 4 MiB READ of a 1 MiB file: one reply of at most small bytes */
	char *data = calloc(1, 1 << 20);
	int fd = open(path(t, "big"), O_WRONLY | O_CREAT, 0644);
	assert_int_equal(write(fd, data, 1 << 20), 1 << 20);
	close(fd);
	free(data);
	fm_begin(cl, FUSE_LOOKUP, 1);
	fm_str(cl, "big");
	fm_fix_len(cl);
	server_handle(s, cl->m.buf, cl->m.len);
	assert_true(recv(sv[0], cl->reply, sizeof(cl->reply), 0) > 0);
	struct fuse_entry_out e;
	memcpy(&e, cl->reply + sizeof(out), sizeof(e));
	struct fuse_open_in oi = {.flags = O_RDONLY};
	fm_begin(cl, FUSE_OPEN, e.nodeid);
	fm_add(cl, &oi, sizeof(oi));
	fm_fix_len(cl);
	server_handle(s, cl->m.buf, cl->m.len);
	assert_true(recv(sv[0], cl->reply, sizeof(cl->reply), 0) > 0);
	struct fuse_open_out oo;
	memcpy(&oo, cl->reply + sizeof(out), sizeof(oo));
	struct fuse_read_in ri = {.fh = oo.fh, .size = 4u << 20};
	fm_begin(cl, FUSE_READ, e.nodeid);
	fm_add(cl, &ri, sizeof(ri));
	fm_fix_len(cl);
	server_handle(s, cl->m.buf, cl->m.len);
	n = recv(sv[0], cl->reply, sizeof(cl->reply), 0);
	assert_true(n > 0 && (size_t)n <= small);
	memcpy(&out, cl->reply, sizeof(out));
	assert_int_equal(out.error, 0);
	assert_int_equal(out.len, n);
	server_free(s);
	close(sv[0]);
}

/* With the data pipe (fsd.h): a READ's reply message is its header alone,
 * whose length counts the bytes spliced into the pipe; they are the file's,
 * short at its end; an error still comes as a plain reply. */
static void test_read_through_pipe(void **state)
{
	struct t *t = *state;
	enum { SIZE = 300 * 1024, ASK = 256 * 1024 };
	static uint8_t data[SIZE], got[ASK];
	for (size_t i = 0; i < SIZE; i++)
		data[i] = (uint8_t)(i * 7 + i / 4096);
	int fd = open(path(t, "big"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(write(fd, data, SIZE), SIZE);
	close(fd);
	t->pipe = true;
	start(t);
	assert_true(t->p.data_fd >= 0);
	assert_true(t->p.data_max >= ASK);
	uint64_t ino = node(t, FUSE_ROOT_ID, "big"), fh;
	assert_int_equal(fopen_(t, ino, O_RDONLY, &fh, NULL), 0);
	const struct {
		uint64_t off;
		uint32_t size, want;
	} reads[] = {{4096, ASK, ASK}, {SIZE - 1000, 64 * 1024, 1000}, {SIZE + 10, 4096, 0}};
	for (size_t k = 0; k < sizeof(reads) / sizeof(reads[0]); k++) {
		struct fuse_read_in in = {.fh = fh, .offset = reads[k].off, .size = reads[k].size};
		struct fuse_out_header out;
		fm_begin(t->c, FUSE_READ, ino);
		fm_add(t->c, &in, sizeof(in));
		assert_int_equal(fm_send_raw(t->c, 0, 0), 0);
		assert_int_equal(recv(t->c->sock, &out, sizeof(out) + 1, 0), sizeof(out));
		assert_int_equal(out.error, 0);
		assert_int_equal(out.unique, t->c->unique);
		assert_int_equal(out.len, sizeof(out) + reads[k].want);
		size_t have = 0;
		while (have < reads[k].want) {
			ssize_t n = read(t->p.data_fd, got + have, reads[k].want - have);
			assert_true(n > 0);
			have += (size_t)n;
		}
		assert_memory_equal(got, data + reads[k].off, reads[k].want);
		assert_int_equal(read(t->p.data_fd, got, 1), -1); /* nothing more */
		assert_int_equal(errno, EAGAIN);
	}
	assert_int_equal(fread_(t, ino, fh + 99, 0, 4096), -EBADF);

	/* a READ as big as the pipe at an unaligned offset touches one page
	 * more than the pipe has buffers: it comes whole in its message */
	size_t big = t->p.data_max + 8192;
	uint8_t *huge = malloc(big);
	assert_non_null(huge);
	memset(huge, 0x3c, big);
	fd = open(path(t, "huge"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(write(fd, huge, big), (ssize_t)big);
	close(fd);
	free(huge);
	ino = node(t, FUSE_ROOT_ID, "huge");
	assert_int_equal(fopen_(t, ino, O_RDONLY, &fh, NULL), 0);
	assert_int_equal(fread_(t, ino, fh, 100, (uint32_t)t->p.data_max), (int)t->p.data_max);
	assert_int_equal(read(t->p.data_fd, got, 1), -1);
}

/* A piped WRITE (fsd.h): header and fuse_write_in in the message, whose
 * len counts n more bytes put in the WRITE data pipe after it; its reply
 * (an error, or the count written). inline_n bytes of d also go in the
 * message (a malformed request). */
static int pwrite_(struct t *t, uint64_t nodeid, uint64_t fh, uint64_t off, const uint8_t *d,
		   uint32_t n, uint32_t inline_n)
{
	struct fuse_write_in in = {.fh = fh, .offset = off, .size = n + inline_n};
	fm_begin(t->c, FUSE_WRITE, nodeid);
	fm_add(t->c, &in, sizeof(in));
	fm_add(t->c, d, inline_n);
	uint32_t len = (uint32_t)t->c->m.len + n;
	memcpy(t->c->m.buf + offsetof(struct fuse_in_header, len), &len, sizeof(len));
	assert_int_equal(fm_send_raw(t->c, 1, 0), 0);
	for (uint32_t done = 0; done < n;) { /* after the message, as the VMM does */
		ssize_t k = write(t->p.wdata_fd, d + inline_n + done, n - done);
		assert_true(k > 0);
		done += (uint32_t)k;
	}
	struct fuse_out_header out;
	struct fuse_write_out o = {0};
	struct iovec iov[2] = {{&out, sizeof(out)}, {&o, sizeof(o)}};
	ssize_t got = readv(t->c->sock, iov, 2);
	assert_true(got == sizeof(out) || got == sizeof(out) + sizeof(o));
	assert_int_equal(out.unique, t->c->unique);
	return out.error ? out.error : (int)o.size;
}

/* With the data pipes, a WRITE's payload comes by the WRITE data pipe and
 * lands in the file; whatever the answer (a bad handle, a payload partly in
 * the message, a read-only open), the server takes exactly the piped bytes,
 * so the next piped WRITE is in step. */
static void test_write_through_pipe(void **state)
{
	struct t *t = *state;
	enum { N = 200 * 1024 };
	static uint8_t data[N], back[N + 4096];
	for (size_t i = 0; i < N; i++)
		data[i] = (uint8_t)(i * 13 + i / 4096);
	put(path(t, "w"), "", 0644);
	t->pipe = true;
	start(t);
	assert_true(t->p.wdata_fd >= 0);
	assert_true(t->p.wdata_max >= 64 * 1024);
	uint64_t ino = node(t, FUSE_ROOT_ID, "w"), fh, rfh;
	assert_int_equal(fopen_(t, ino, O_RDWR, &fh, NULL), 0);
	assert_int_equal(fopen_(t, node(t, FUSE_ROOT_ID, "hello"), O_RDONLY, &rfh, NULL), 0);

	assert_int_equal(pwrite_(t, ino, fh + 99, 0, data, 5000, 0), -EBADF);
	assert_int_equal(pwrite_(t, ino, fh, 0, data, 6000, 10), -EINVAL);
	assert_int_equal(pwrite_(t, ino, rfh, 0, data, 7000, 0), -EBADF);
	assert_int_equal(pwrite_(t, ino, fh, 4096, data, 64 * 1024, 0), 64 * 1024);
	assert_int_equal(pwrite_(t, ino, fh, 4096 + 64 * 1024, data + 64 * 1024, N - 64 * 1024, 0),
			 N - 64 * 1024);
	int fd = open(path(t, "w"), O_RDONLY);
	assert_int_equal(pread(fd, back, sizeof(back), 0), N + 4096);
	close(fd);
	static const uint8_t zero[4096];
	assert_memory_equal(back, zero, 4096);
	assert_memory_equal(back + 4096, data, N);
	/* a small WRITE still goes whole in its message */
	assert_int_equal(fwrite_(t, ino, fh, 0, "abc", 3), 3);
	assert_int_equal(get(path(t, "w"), (char *)back, 4), 3);
	assert_memory_equal(back, "abc", 3);
}

/* A file opened O_APPEND without the writeback cache (strict caching): splice
 * refuses it, so the piped payload goes through a buffer, appended. */
static void test_write_through_pipe_append(void **state)
{
	struct t *t = *state;
	static uint8_t data[40000];
	memset(data, 'x', sizeof(data));
	put(path(t, "log"), "head\n", 0644);
	t->pipe = true;
	start_with(t, false, FSD_CACHE_STRICT, 0, 0);
	uint64_t ino = node(t, FUSE_ROOT_ID, "log"), fh;
	assert_int_equal(fopen_(t, ino, O_WRONLY | O_APPEND, &fh, NULL), 0);
	assert_int_equal(pwrite_(t, ino, fh, 0, data, sizeof(data), 0), (int)sizeof(data));
	struct stat st;
	assert_int_equal(stat(path(t, "log"), &st), 0);
	assert_int_equal(st.st_size, 5 + sizeof(data));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_lookup_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create_write, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_symlinks_not_followed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_swap_race, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fifo_and_device, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_readdir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ownership, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cache_modes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_confinement, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_big_io, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_small_socket, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_through_pipe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_through_pipe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_through_pipe_append, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
