/* Unit tests for the file server's single-file mode (a file bind): a spawned server on a
 * directory with the file and its siblings, driven over its socket with hand-built FUSE
 * requests. Only the one file is ever seen, read or written; no name in the directory changes. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsd.h"
#include "test_fsd_client.h"

struct t {
	char top[64]; /* temp dir: dir/ (app.conf, sibling, sub/) and secret */
	char dir[96];
	int dirfd;
	struct fsd_proc p;
	struct fclient *c;
};

static char *path(struct t *t, const char *rel)
{
	static char buf[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", t->dir, rel);
	return buf[i];
}

static void put(const char *p, const char *text)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void get(const char *p, char *buf, size_t len)
{
	int fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	strcpy(t->top, "/tmp/test_fsd_file.XXXXXX");
	assert_non_null(mkdtemp(t->top));
	snprintf(t->dir, sizeof(t->dir), "%s/dir", t->top);
	assert_int_equal(mkdir(t->dir, 0755), 0);
	put(path(t, "app.conf"), "setting=1\n");
	put(path(t, "sibling"), "SIBLING\n");
	assert_int_equal(mkdir(path(t, "sub"), 0755), 0);
	put(path(t, "sub/deep"), "DEEP\n");
	char secret[160];
	snprintf(secret, sizeof(secret), "%s/secret", t->top);
	put(secret, "SECRET\n");
	t->dirfd = open(t->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
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

static int spawn(struct t *t, const char *file, bool ro, enum fsd_cache cache)
{
	struct fsd_config cfg = {
	    .host_path = t->dir, .dir_fd = t->dirfd, .readonly = ro, .cache = cache, .file = file};
	struct sb_error err = {0};
	int r = fsd_spawn(&cfg, &t->p, &err);
	if (r < 0)
		return r;
	t->c->sock = t->p.sock;
	t->c->uid = getuid();
	t->c->gid = getgid();
	struct fuse_init_in in = {.major = 7,
				  .minor = 36,
				  .max_readahead = 128 * 1024,
				  .flags = FUSE_MAX_PAGES | FUSE_INIT_EXT | FUSE_DO_READDIRPLUS};
	fm_begin(t->c, FUSE_INIT, 0);
	fm_add(t->c, &in, sizeof(in));
	assert_int_equal(fm_call(t->c), 0);
	return 0;
}

static void start(struct t *t, bool ro)
{
	assert_int_equal(spawn(t, "app.conf", ro, FSD_CACHE_AUTO), 0);
}

/* --- requests ----------------------------------------------------------------- */

/* 0 with *e, or -errno (a cached negative entry is -ENOENT). */
static int lookup(struct t *t, uint64_t parent, const char *name, struct fuse_entry_out *e)
{
	struct fuse_entry_out x;
	fm_begin(t->c, FUSE_LOOKUP, parent);
	fm_str(t->c, name);
	int r = fm_call(t->c);
	if (r < 0)
		return r;
	memcpy(&x, t->c->reply, sizeof(x));
	if (x.nodeid == 0)
		return -ENOENT;
	if (e)
		*e = x;
	return 0;
}

static int fopen_(struct t *t, uint64_t nodeid, uint32_t flags, uint64_t *fh)
{
	struct fuse_open_in in = {.flags = flags};
	fm_begin(t->c, FUSE_OPEN, nodeid);
	fm_add(t->c, &in, sizeof(in));
	int r = fm_call(t->c);
	if (r == 0) {
		struct fuse_open_out o;
		memcpy(&o, t->c->reply, sizeof(o));
		*fh = o.fh;
	}
	return r;
}

static int fread_(struct t *t, uint64_t nodeid, uint64_t fh, uint32_t size)
{
	struct fuse_read_in in = {.fh = fh, .size = size};
	fm_begin(t->c, FUSE_READ, nodeid);
	fm_add(t->c, &in, sizeof(in));
	int r = fm_call(t->c);
	return r < 0 ? r : (int)t->c->reply_len;
}

static int fwrite_(struct t *t, uint64_t nodeid, uint64_t fh, const char *d)
{
	struct fuse_write_in in = {.fh = fh, .size = (uint32_t)strlen(d)};
	fm_begin(t->c, FUSE_WRITE, nodeid);
	fm_add(t->c, &in, sizeof(in));
	fm_add(t->c, d, strlen(d));
	return fm_call(t->c);
}

static int fsetattr(struct t *t, uint64_t nodeid, struct fuse_setattr_in in)
{
	fm_begin(t->c, FUSE_SETATTR, nodeid);
	fm_add(t->c, &in, sizeof(in));
	return fm_call(t->c);
}

/* The root's listing (READDIR or READDIRPLUS, 4 KiB at a time), names
 * joined by spaces; READDIRPLUS entries' node ids into ids. */
static void list_root(struct t *t, int plus, char *names, size_t len, uint64_t *ids)
{
	struct fuse_open_in oi = {0};
	struct fuse_open_out oo;
	uint64_t off = 0;
	int k = 0;

	names[0] = '\0';
	fm_begin(t->c, FUSE_OPENDIR, 1);
	fm_add(t->c, &oi, sizeof(oi));
	assert_int_equal(fm_call(t->c), 0);
	memcpy(&oo, t->c->reply, sizeof(oo));
	for (;;) {
		struct fuse_read_in ri = {.fh = oo.fh, .offset = off, .size = 4096};
		fm_begin(t->c, plus ? FUSE_READDIRPLUS : FUSE_READDIR, 1);
		fm_add(t->c, &ri, sizeof(ri));
		assert_int_equal(fm_call(t->c), 0);
		if (t->c->reply_len == 0)
			break;
		for (size_t at = 0; at < t->c->reply_len;) {
			struct fuse_entry_out eo = {0};
			struct fuse_dirent de;
			size_t skip = plus ? sizeof(eo) : 0;
			if (plus)
				memcpy(&eo, t->c->reply + at, sizeof(eo));
			memcpy(&de, t->c->reply + at + skip, sizeof(de));
			char nm[256];
			memcpy(nm, t->c->reply + at + skip + sizeof(de), de.namelen);
			nm[de.namelen] = '\0';
			snprintf(names + strlen(names), len - strlen(names), "%s%s",
				 names[0] ? " " : "", nm);
			if (ids)
				ids[k++] = eo.nodeid;
			off = de.off;
			at += skip + FUSE_DIRENT_ALIGN(sizeof(de) + de.namelen);
		}
	}
	struct fuse_release_in rel = {.fh = oo.fh};
	fm_begin(t->c, FUSE_RELEASEDIR, 1);
	fm_add(t->c, &rel, sizeof(rel));
	assert_int_equal(fm_call(t->c), 0);
}

/* names, modes, sizes and contents of everything in the directory */
static void fingerprint(struct t *t, char *out, size_t len)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && find . -printf '%%p %%M %%s %%i\\n' | sort && "
		 "find . -type f -exec cat {} + 2>/dev/null",
		 t->dir);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	size_t n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	pclose(f);
}

/* --- tests -------------------------------------------------------------------- */

/* The root lists exactly the one file; no other name resolves. */
static void test_one_entry(void **state)
{
	struct t *t = *state;
	struct fuse_entry_out e;
	char names[1024];
	uint64_t ids[8] = {0};

	start(t, false);
	list_root(t, 0, names, sizeof(names), NULL);
	assert_string_equal(names, ". .. app.conf");
	list_root(t, 1, names, sizeof(names), ids);
	assert_string_equal(names, ". .. app.conf");
	assert_int_equal(lookup(t, 1, "app.conf", &e), 0);
	assert_true(S_ISREG(e.attr.mode));
	assert_int_equal(e.attr.size, 10);
	assert_int_equal(ids[2], e.nodeid);
	assert_int_equal(lookup(t, 1, "sibling", NULL), -ENOENT);
	assert_int_equal(lookup(t, 1, "sub", NULL), -ENOENT);
	assert_int_equal(lookup(t, 1, "missing", NULL), -ENOENT);
	assert_int_equal(lookup(t, 1, "..", NULL), -EINVAL);
	assert_int_equal(lookup(t, 1, "sub/deep", NULL), -EINVAL);
	assert_int_equal(lookup(t, e.nodeid, "sibling", NULL), -ENOTDIR);
	/* the root's attributes say nothing about the siblings */
	struct fuse_getattr_in gi = {0};
	fm_begin(t->c, FUSE_GETATTR, 1);
	fm_add(t->c, &gi, sizeof(gi));
	assert_int_equal(fm_call(t->c), 0);
	struct fuse_attr_out ao;
	memcpy(&ao, t->c->reply, sizeof(ao));
	assert_true(S_ISDIR(ao.attr.mode));
	assert_int_equal(ao.attr.nlink, 2);
	assert_int_equal(ao.attr.size, 0);
	/* the file is no directory */
	struct fuse_open_in oi = {0};
	fm_begin(t->c, FUSE_OPENDIR, e.nodeid);
	fm_add(t->c, &oi, sizeof(oi));
	assert_int_equal(fm_call(t->c), -ENOTDIR);
}

/* Every request that would make, remove or rename a name is refused, in
 * read-write and read-only mode alike; the directory is unchanged. */
static void test_names_never_change(void **state)
{
	struct t *t = *state;
	static char before[8192], after[8192];

	fingerprint(t, before, sizeof(before));
	for (int ro = 0; ro < 2; ro++) {
		struct fuse_entry_out e;
		start(t, ro);
		assert_int_equal(lookup(t, 1, "app.conf", &e), 0);
		uint64_t f = e.nodeid;
		struct fuse_create_in ci = {.flags = O_WRONLY | O_CREAT, .mode = S_IFREG | 0644};
		fm_begin(t->c, FUSE_CREATE, 1);
		fm_add(t->c, &ci, sizeof(ci));
		fm_str(t->c, "new");
		assert_int_equal(fm_call(t->c), -EPERM);
		fm_begin(t->c, FUSE_CREATE, 1); /* O_CREAT on the file's own name */
		fm_add(t->c, &ci, sizeof(ci));
		fm_str(t->c, "app.conf");
		assert_int_equal(fm_call(t->c), -EPERM);
		struct fuse_mknod_in mi = {.mode = S_IFREG | 0644};
		fm_begin(t->c, FUSE_MKNOD, 1);
		fm_add(t->c, &mi, sizeof(mi));
		fm_str(t->c, "new");
		assert_int_equal(fm_call(t->c), -EPERM);
		struct fuse_mkdir_in di = {.mode = 0755};
		fm_begin(t->c, FUSE_MKDIR, 1);
		fm_add(t->c, &di, sizeof(di));
		fm_str(t->c, "newdir");
		assert_int_equal(fm_call(t->c), -EPERM);
		fm_begin(t->c, FUSE_SYMLINK, 1);
		fm_str(t->c, "ln");
		fm_str(t->c, "sibling");
		assert_int_equal(fm_call(t->c), -EPERM);
		struct fuse_link_in li = {.oldnodeid = f};
		fm_begin(t->c, FUSE_LINK, 1);
		fm_add(t->c, &li, sizeof(li));
		fm_str(t->c, "hardlink");
		assert_int_equal(fm_call(t->c), -EPERM);
		struct fuse_rename_in ri = {.newdir = 1};
		fm_begin(t->c, FUSE_RENAME, 1);
		fm_add(t->c, &ri, sizeof(ri));
		fm_str(t->c, "app.conf");
		fm_str(t->c, "moved");
		assert_int_equal(fm_call(t->c), -EPERM);
		struct fuse_rename2_in r2 = {.newdir = 1, .flags = RENAME_EXCHANGE};
		fm_begin(t->c, FUSE_RENAME2, 1);
		fm_add(t->c, &r2, sizeof(r2));
		fm_str(t->c, "sibling");
		fm_str(t->c, "app.conf");
		assert_int_equal(fm_call(t->c), -EPERM);
		fm_begin(t->c, FUSE_UNLINK, 1);
		fm_str(t->c, "app.conf");
		assert_int_equal(fm_call(t->c), -EPERM);
		fm_begin(t->c, FUSE_UNLINK, 1);
		fm_str(t->c, "sibling");
		assert_int_equal(fm_call(t->c), -EPERM);
		fm_begin(t->c, FUSE_RMDIR, 1);
		fm_str(t->c, "sub");
		assert_int_equal(fm_call(t->c), -EPERM);
		/* the root is the host's directory: no chmod, chown or utimes */
		struct fuse_setattr_in sa = {.valid = FATTR_MODE, .mode = S_IFDIR | 0777};
		assert_int_equal(fsetattr(t, 1, sa), -EPERM);
		sa = (struct fuse_setattr_in){.valid = FATTR_MTIME, .mtime = 1000};
		assert_int_equal(fsetattr(t, 1, sa), -EPERM);
		fsd_stop(&t->p);
		fingerprint(t, after, sizeof(after));
		assert_string_equal(before, after);
	}
}

/* :rw: the file is read and written in place (same inode on the host). */
static void test_read_write(void **state)
{
	struct t *t = *state;
	struct fuse_entry_out e;
	struct stat before, after;
	uint64_t fh;
	char buf[64];

	assert_int_equal(stat(path(t, "app.conf"), &before), 0);
	start(t, false);
	assert_int_equal(lookup(t, 1, "app.conf", &e), 0);
	assert_int_equal(fopen_(t, e.nodeid, O_RDONLY, &fh), 0);
	assert_int_equal(fread_(t, e.nodeid, fh, 4096), 10);
	assert_memory_equal(t->c->reply, "setting=1\n", 10);
	assert_int_equal(fopen_(t, e.nodeid, O_WRONLY | O_TRUNC, &fh), 0);
	assert_int_equal(fwrite_(t, e.nodeid, fh, "setting=2\n"), 0);
	get(path(t, "app.conf"), buf, sizeof(buf));
	assert_string_equal(buf, "setting=2\n");
	struct fuse_setattr_in sa = {.valid = FATTR_SIZE, .size = 7};
	assert_int_equal(fsetattr(t, e.nodeid, sa), 0);
	get(path(t, "app.conf"), buf, sizeof(buf));
	assert_string_equal(buf, "setting");
	assert_int_equal(stat(path(t, "app.conf"), &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	get(path(t, "sibling"), buf, sizeof(buf));
	assert_string_equal(buf, "SIBLING\n");
}

/* :ro: read, never written. */
static void test_read_only(void **state)
{
	struct t *t = *state;
	struct fuse_entry_out e;
	uint64_t fh;
	char buf[64];

	start(t, true);
	assert_int_equal(lookup(t, 1, "app.conf", &e), 0);
	assert_int_equal(fopen_(t, e.nodeid, O_WRONLY, &fh), -EROFS);
	assert_int_equal(fopen_(t, e.nodeid, O_RDONLY | O_TRUNC, &fh), -EROFS);
	struct fuse_setattr_in sa = {.valid = FATTR_SIZE, .size = 0};
	assert_int_equal(fsetattr(t, e.nodeid, sa), -EROFS);
	assert_int_equal(fopen_(t, e.nodeid, O_RDONLY, &fh), 0);
	assert_int_equal(fwrite_(t, e.nodeid, fh, "x"), -EROFS);
	assert_int_equal(fread_(t, e.nodeid, fh, 4096), 10);
	get(path(t, "app.conf"), buf, sizeof(buf));
	assert_string_equal(buf, "setting=1\n");
}

/* The inode pinned at start is what the guest gets, whatever the host does
 * to the name afterwards: replaced by a symlink to a secret, by another
 * file, or removed. */
static void test_identity_pinned(void **state)
{
	struct t *t = *state;
	struct fuse_entry_out e;
	uint64_t fh;
	char secret[160];

	start(t, false);
	assert_int_equal(lookup(t, 1, "app.conf", &e), 0);
	uint64_t ino = e.attr.ino;
	snprintf(secret, sizeof(secret), "%s/secret", t->top);
	assert_int_equal(rename(path(t, "app.conf"), path(t, "app.conf.old")), 0);
	assert_int_equal(symlink(secret, path(t, "app.conf")), 0);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(lookup(t, 1, "app.conf", &e), 0);
		assert_true(S_ISREG(e.attr.mode));
		assert_int_equal(e.attr.ino, ino);
		assert_int_equal(fopen_(t, e.nodeid, O_RDONLY, &fh), 0);
		assert_int_equal(fread_(t, e.nodeid, fh, 4096), 10);
		assert_memory_equal(t->c->reply, "setting=1\n", 10);
		assert_int_equal(lookup(t, 1, "app.conf.old", NULL), -ENOENT);
		char names[256];
		list_root(t, 0, names, sizeof(names), NULL);
		assert_string_equal(names, ". .. app.conf");
		/* next: another regular file under the name, then no name at all */
		unlink(path(t, "app.conf"));
		if (round == 0)
			put(path(t, "app.conf"), "REPLACED\n");
		if (round == 1)
			unlink(path(t, "app.conf.old"));
	}
}

/* The name must be a regular file directly in the directory when the server
 * starts: a symlink (even to a regular file), FIFO, device, directory, a
 * missing name or a path are refused. */
static void test_refused_at_start(void **state)
{
	struct t *t = *state;

	assert_int_equal(symlink("app.conf", path(t, "link")), 0);
	assert_int_equal(mkfifo(path(t, "fifo"), 0644), 0);
	assert_int_equal(spawn(t, "link", false, FSD_CACHE_AUTO), -EINVAL);
	assert_int_equal(spawn(t, "fifo", false, FSD_CACHE_AUTO), -EINVAL);
	assert_int_equal(spawn(t, "sub", false, FSD_CACHE_AUTO), -EINVAL);
	assert_int_equal(spawn(t, "missing", false, FSD_CACHE_AUTO), -ENOENT);
	assert_int_equal(spawn(t, "sub/deep", false, FSD_CACHE_AUTO), -EINVAL);
	assert_int_equal(spawn(t, "..", false, FSD_CACHE_AUTO), -EINVAL);
	if (mknod(path(t, "null"), S_IFCHR | 0666, makedev(1, 3)) == 0)
		assert_int_equal(spawn(t, "null", false, FSD_CACHE_AUTO), -EINVAL);
	else
		print_message("SKIP device node part: mknod not permitted here (not root)\n");
	assert_int_equal(t->p.pid, -1);
	/* and the strict cache mode serves the one file too */
	assert_int_equal(spawn(t, "app.conf", false, FSD_CACHE_STRICT), 0);
	assert_int_equal(lookup(t, 1, "sibling", NULL), -ENOENT);
	assert_int_equal(lookup(t, 1, "app.conf", NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_one_entry, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_names_never_change, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_write, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_identity_pinned, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused_at_start, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
