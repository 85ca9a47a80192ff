/* Unit tests for host/snapshot/: keys, the meta record, a begin/commit/open round trip,
 * damage, the per-key lock, expiry, listing and pruning, in a temp cache directory. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "snapshot/snapshot.h"
#include "snapshot/snapshot_int.h"
#include "snapstate.h"

#define KEY_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define KEY_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define MEM (1u << 20)

struct fixture {
	char dir[64]; /* the temp cache */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_snapshot.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void path_of(char *buf, size_t len, const struct fixture *f, const char *rel)
{
	snprintf(buf, len, "%s/snapshots/%s", f->dir, rel);
}

static int exists(const struct fixture *f, const char *rel)
{
	char p[256];
	path_of(p, sizeof(p), f, rel);
	struct stat st;
	return lstat(p, &st) == 0;
}

static void write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

/* A snapshot of key: one page of 0x5a at 64 KiB, state_len bytes of a pattern. */
static void make(const struct fixture *f, const char *key, size_t state_len)
{
	struct sb_error err = {0};
	struct snapshot_new n;
	assert_int_equal(snapshot_begin(f->dir, key, MEM, &n, &err), 0);
	uint8_t page[4096];
	memset(page, 0x5a, sizeof(page));
	assert_int_equal(pwrite(n.mem_fd, page, sizeof(page), 65536), (ssize_t)sizeof(page));
	uint8_t *st = malloc(state_len);
	assert_non_null(st);
	for (size_t i = 0; i < state_len; i++)
		st[i] = (uint8_t)(i * 7);
	assert_int_equal(write(n.state_fd, st, state_len), (ssize_t)state_len);
	free(st);
	assert_int_equal(snapshot_commit(&n, &err), 0);
	assert_int_equal(n.mem_fd, -1);
}

/* Rewrites key's meta with created moved back by secs. */
static void age(const struct fixture *f, const char *key, uint64_t secs)
{
	char p[256], rel[128];
	snprintf(rel, sizeof(rel), "%s/meta", key);
	path_of(p, sizeof(p), f, rel);
	uint8_t buf[SNAPSHOT_META_SIZE];
	int fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	close(fd);
	struct snapshot_meta m;
	assert_int_equal(snapshot_meta_parse(buf, sizeof(buf), &m, NULL), 0);
	m.created -= secs;
	snapshot_meta_encode(&m, buf);
	write_file(p, buf, sizeof(buf));
}

static void test_key(void **state)
{
	struct fixture *f = *state;
	char kernel[128], init[128], image[128];
	snprintf(kernel, sizeof(kernel), "%s/bzImage", f->dir);
	snprintf(init, sizeof(init), "%s/init.cpio", f->dir);
	snprintf(image, sizeof(image), "%s/image.lz4", f->dir);
	write_file(kernel, "k", 1);
	write_file(init, "i", 1);
	write_file(image, "m", 1);
	static const uint8_t host[] = {1, 2, 3}, extra[] = {9};
	const struct snapshot_key_input base = {
	    .vmm_build = "0.1",
	    .vmm_build_len = 3,
	    .kernel_path = kernel,
	    .init_path = init,
	    .image_path = image,
	    .cmdline = "console=hvc0",
	    .vcpus = 1,
	    .mem_bytes = 256u << 20,
	    .devices = "net=0 fs=2 exec=0 stdin=0",
	    .host_id = host,
	    .host_id_len = sizeof(host),
	};
	struct sb_error err = {0};
	char k0[65], k1[65], k[65];
	assert_int_equal(snapshot_key(&base, k0, &err), 0);
	assert_int_equal(snapshot_key(&base, k1, &err), 0);
	assert_string_equal(k0, k1);
	assert_int_equal(strlen(k0), 64);
	assert_int_equal(strspn(k0, "0123456789abcdef"), 64);
	/* every field changes it; none collides with another */
	struct snapshot_key_input v[12];
	for (size_t i = 0; i < 12; i++)
		v[i] = base;
	v[0].vmm_build_len = 2;
	v[1].kernel_path = init; /* another file's identity */
	v[2].init_path = kernel;
	v[3].image_path = init;
	v[4].cmdline = "console=hvc1";
	v[5].vcpus = 2;
	v[6].mem_bytes = 512u << 20;
	v[7].devices = "net=1 fs=2 exec=0 stdin=0";
	v[8].host_id_len = 2;
	v[9].extra_initrd = extra;
	v[9].extra_initrd_len = 1;
	v[10].cmdline = NULL; /* absent and empty differ */
	v[11].cmdline = "";
	char seen[12][65];
	for (size_t i = 0; i < 12; i++) {
		assert_int_equal(snapshot_key(&v[i], seen[i], &err), 0);
		assert_string_not_equal(seen[i], k0);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(seen[i], seen[j]);
	}
	/* the fields' boundaries are part of it: bytes moved between fields differ */
	struct snapshot_key_input a = base, b = base;
	a.cmdline = "ab";
	a.devices = "c";
	b.cmdline = "a";
	b.devices = "bc";
	assert_int_equal(snapshot_key(&a, k, &err), 0);
	assert_int_equal(snapshot_key(&b, k1, &err), 0);
	assert_string_not_equal(k, k1);
	/* a file changed in place (same size, new mtime) changes it */
	struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_sec = 1000000000}};
	assert_int_equal(utimensat(AT_FDCWD, kernel, ts, 0), 0);
	assert_int_equal(snapshot_key(&base, k, &err), 0);
	assert_string_not_equal(k, k0);
	/* a missing file is an error naming it */
	unlink(init);
	assert_int_equal(snapshot_key(&base, k, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "init.cpio"));
	struct snapshot_key_input none = base;
	none.kernel_path = NULL;
	assert_int_equal(snapshot_key(&none, k, &err), -EINVAL);
}

static void test_meta(void **state)
{
	(void)state;
	struct snapshot_meta m = {.mem_bytes = MEM, .state_len = 100, .created = 1700000000}, o;
	memset(m.key, 0xab, sizeof(m.key));
	memset(m.state_sha256, 0xcd, sizeof(m.state_sha256));
	uint8_t buf[SNAPSHOT_META_SIZE + 1], again[SNAPSHOT_META_SIZE];
	snapshot_meta_encode(&m, buf);
	assert_memory_equal(buf, "SBSNAPM1\x01\0\0\0", 12);
	struct sb_error err = {0};
	assert_int_equal(snapshot_meta_parse(buf, SNAPSHOT_META_SIZE, &o, &err), 0);
	assert_int_equal(o.version, SNAPSHOT_FORMAT_VERSION);
	assert_int_equal(o.mem_bytes, MEM);
	assert_int_equal(o.state_len, 100);
	assert_int_equal(o.created, 1700000000);
	assert_memory_equal(o.key, m.key, 32);
	snapshot_meta_encode(&o, again);
	assert_memory_equal(again, buf, SNAPSHOT_META_SIZE);
	/* size, checksum, version, magic */
	assert_int_equal(snapshot_meta_parse(buf, SNAPSHOT_META_SIZE - 1, &o, &err), -EBADMSG);
	assert_int_equal(snapshot_meta_parse(buf, SNAPSHOT_META_SIZE + 1, &o, &err), -EBADMSG);
	buf[50] ^= 1;
	assert_int_equal(snapshot_meta_parse(buf, SNAPSHOT_META_SIZE, &o, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "checksum"));
	buf[50] ^= 1;
	buf[8] = 2;
	assert_int_equal(snapshot_meta_parse(buf, SNAPSHOT_META_SIZE, &o, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "version 2"));
	buf[0] = 'X';
	assert_int_equal(snapshot_meta_parse(buf, SNAPSHOT_META_SIZE, &o, &err), -EBADMSG);
	assert_int_equal(snapshot_meta_parse(buf, 0, &o, &err), -EBADMSG);
	/* ranges, with a good checksum */
	uint64_t bad_state[] = {0, SNAP_STATE_MAX + 1ull};
	for (size_t i = 0; i < 2; i++) {
		struct snapshot_meta b = m;
		b.state_len = bad_state[i];
		snapshot_meta_encode(&b, buf);
		assert_int_equal(snapshot_meta_parse(buf, SNAPSHOT_META_SIZE, &o, &err), -EBADMSG);
	}
	uint64_t bad_mem[] = {0, 4097, 1ull << 63};
	for (size_t i = 0; i < 3; i++) {
		struct snapshot_meta b = m;
		b.mem_bytes = bad_mem[i];
		snapshot_meta_encode(&b, buf);
		assert_int_equal(snapshot_meta_parse(buf, SNAPSHOT_META_SIZE, &o, &err), -EBADMSG);
	}
	/* the layout, byte for byte: the fuzz seed `valid`, written by a Python
	 * script from the documented offsets (its sha256) */
	struct snapshot_meta kat = {
	    .mem_bytes = 256u << 20, .state_len = 40000, .created = 1764000000};
	memset(kat.key, 0xab, 32);
	memset(kat.state_sha256, 0xcd, 32);
	static const uint8_t want[32] = {0x8a, 0xff, 0x97, 0xd7, 0x91, 0x04, 0x21, 0xd1,
					 0xf1, 0x04, 0x56, 0x78, 0x91, 0xf3, 0x4a, 0x29,
					 0x4d, 0xef, 0x9e, 0x66, 0x3d, 0xa6, 0x6c, 0xbd,
					 0xd7, 0x03, 0x14, 0x20, 0x13, 0xef, 0x21, 0xb6};
	uint8_t sum[32];
	snapshot_meta_encode(&kat, buf);
	snapshot_sha256(buf, SNAPSHOT_META_SIZE, sum);
	assert_memory_equal(sum, want, 32);
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct sb_error err = {0};
	struct snapshot_hit hit;
	assert_int_equal(snapshot_open(f->dir, KEY_A, MEM, 0, &hit, &err), -ENOENT);
	assert_int_equal(hit.mem_fd, -1);
	time_t before = time(NULL);
	make(f, KEY_A, 5000);
	/* in place: no temp directory, no lock file, the three files */
	assert_false(exists(f, KEY_A ".lock"));
	assert_true(exists(f, KEY_A "/memory"));
	assert_true(exists(f, KEY_A "/state"));
	assert_true(exists(f, KEY_A "/meta"));
	assert_int_equal(snapshot_open(f->dir, KEY_A, MEM, 0, &hit, &err), 0);
	struct stat st;
	assert_int_equal(fstat(hit.mem_fd, &st), 0);
	assert_int_equal(st.st_size, MEM);
	assert_true(fcntl(hit.mem_fd, F_GETFD) & FD_CLOEXEC);
	uint8_t b[2];
	assert_int_equal(pread(hit.mem_fd, b, 2, 65535), 2);
	assert_int_equal(b[0], 0);
	assert_int_equal(b[1], 0x5a);
	assert_int_equal(hit.state_len, 5000);
	assert_int_equal(hit.state[4999], (uint8_t)(4999 * 7));
	assert_true(hit.created >= (uint64_t)before && hit.created <= (uint64_t)time(NULL));
	char want[256];
	snprintf(want, sizeof(want), "%s/snapshots/%s", f->dir, KEY_A);
	assert_string_equal(hit.dir, want);
	snapshot_hit_close(&hit);
	snapshot_hit_close(&hit);
	assert_int_equal(hit.mem_fd, -1);
	/* another key is absent; a malformed key builds no path */
	assert_int_equal(snapshot_open(f->dir, KEY_B, MEM, 0, &hit, &err), -ENOENT);
	assert_int_equal(snapshot_open(f->dir, "../x", MEM, 0, &hit, &err), -EINVAL);
	/* a second begin for it: already there */
	struct snapshot_new n;
	assert_int_equal(snapshot_begin(f->dir, KEY_A, MEM, &n, &err), -EEXIST);
	assert_false(exists(f, KEY_A ".lock"));
	/* discard */
	assert_int_equal(snapshot_discard(f->dir, KEY_A), 0);
	assert_false(exists(f, KEY_A));
	assert_int_equal(snapshot_discard(f->dir, KEY_A), -ENOENT);
	assert_int_equal(snapshot_open(f->dir, KEY_A, MEM, 0, &hit, &err), -ENOENT);
}

/* Opening fails with a one-line message naming the key and the damage. */
static void expect_damaged(const struct fixture *f, uint64_t mem, const char *what)
{
	struct sb_error err = {0};
	struct snapshot_hit hit;
	assert_int_equal(snapshot_open(f->dir, KEY_A, mem, 0, &hit, &err), -EBADMSG);
	assert_int_equal(err.code, EBADMSG);
	assert_non_null(strstr(err.msg, "snapshot aaaaaaaaaaaa: "));
	if (!strstr(err.msg, what))
		fail_msg("[%s] does not say [%s]", err.msg, what);
	assert_null(strchr(err.msg, '\n'));
	assert_int_equal(hit.mem_fd, -1);
	assert_null(hit.state);
}

static void test_damage(void **state)
{
	struct fixture *f = *state;
	char p[256];
	make(f, KEY_A, 300);
	/* a flipped state byte */
	path_of(p, sizeof(p), f, KEY_A "/state");
	int fd = open(p, O_RDWR);
	uint8_t c;
	assert_int_equal(pread(fd, &c, 1, 10), 1);
	c ^= 0x10;
	assert_int_equal(pwrite(fd, &c, 1, 10), 1);
	expect_damaged(f, MEM, "state checksum mismatch");
	/* a state of another length */
	c ^= 0x10;
	assert_int_equal(pwrite(fd, &c, 1, 10), 1);
	assert_int_equal(pwrite(fd, &c, 1, 300), 1);
	expect_damaged(f, MEM, "state is 301 bytes");
	assert_int_equal(ftruncate(fd, 300), 0);
	close(fd);
	/* memory truncated */
	path_of(p, sizeof(p), f, KEY_A "/memory");
	assert_int_equal(truncate(p, MEM - 4096), 0);
	expect_damaged(f, MEM, "memory is");
	assert_int_equal(truncate(p, MEM), 0);
	/* the run's RAM is another size */
	expect_damaged(f, 2 * MEM, "RAM");
	/* meta: damaged, missing; the memory file a symlink */
	path_of(p, sizeof(p), f, KEY_A "/meta");
	fd = open(p, O_RDWR);
	assert_int_equal(pwrite(fd, "x", 1, 20), 1);
	close(fd);
	expect_damaged(f, MEM, "meta: checksum mismatch");
	unlink(p);
	expect_damaged(f, MEM, "`meta` missing");
	/* the caller discards it; then it is absent */
	assert_int_equal(snapshot_discard(f->dir, KEY_A), 0);
	struct snapshot_hit hit;
	assert_int_equal(snapshot_open(f->dir, KEY_A, MEM, 0, &hit, NULL), -ENOENT);
	make(f, KEY_A, 300);
	path_of(p, sizeof(p), f, KEY_A "/memory");
	unlink(p);
	assert_int_equal(symlink("/dev/zero", p), 0);
	expect_damaged(f, MEM, "`memory` missing or not a file");
	assert_int_equal(snapshot_discard(f->dir, KEY_A), 0);
	/* a meta of another format version */
	make(f, KEY_A, 300);
	path_of(p, sizeof(p), f, KEY_A "/meta");
	fd = open(p, O_RDWR);
	assert_int_equal(pwrite(fd, "\x07", 1, 8), 1);
	close(fd);
	struct sb_error err = {0};
	assert_int_equal(snapshot_open(f->dir, KEY_A, MEM, 0, &hit, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "format version 7"));
}

static void test_lock(void **state)
{
	struct fixture *f = *state;
	struct sb_error err = {0};
	struct snapshot_new n, m;
	/* another run making it holds the lock */
	assert_int_equal(snapshot_begin(f->dir, KEY_A, MEM, &n, &err), 0);
	assert_true(exists(f, KEY_A ".lock"));
	assert_int_equal(snapshot_begin(f->dir, KEY_A, MEM, &m, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "another run"));
	snapshot_abort(&m); /* released already: a no-op */
	/* another key is free meanwhile */
	assert_int_equal(snapshot_begin(f->dir, KEY_B, MEM, &m, &err), 0);
	snapshot_abort(&m);
	assert_false(exists(f, KEY_B ".lock"));
	/* abort drops the temp directory and the lock */
	snapshot_abort(&n);
	snapshot_abort(&n);
	char tmp[160];
	snprintf(tmp, sizeof(tmp), ".tmp-%s-%ld", KEY_A, (long)getpid());
	assert_false(exists(f, tmp));
	assert_false(exists(f, KEY_A ".lock"));
	/* the lock held from a second fd, as another process would */
	char p[256];
	path_of(p, sizeof(p), f, KEY_A ".lock");
	int fd = open(p, O_RDONLY | O_CREAT, 0600);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	assert_int_equal(snapshot_begin(f->dir, KEY_A, MEM, &n, &err), -EBUSY);
	close(fd);
	assert_int_equal(snapshot_begin(f->dir, KEY_A, MEM, &n, &err), 0);
	snapshot_abort(&n);
	/* a lock file unlinked by its holder is not the one to hold */
	fd = open(p, O_RDONLY | O_CREAT, 0600);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	unlink(p);
	assert_int_equal(snapshot_begin(f->dir, KEY_A, MEM, &n, &err), 0);
	close(fd);
	snapshot_abort(&n);
	/* a zeroed, never begun one: abort is a no-op */
	struct snapshot_new z = {0};
	snapshot_abort(&z);
	assert_int_equal(snapshot_commit(&z, &err), -EINVAL);
	/* bad arguments */
	assert_int_equal(snapshot_begin(f->dir, "xyz", MEM, &n, &err), -EINVAL);
	assert_int_equal(snapshot_begin(f->dir, KEY_A, MEM + 1, &n, &err), -EINVAL);
	assert_int_equal(snapshot_begin(f->dir, KEY_A, 0, &n, &err), -EINVAL);
}

static void test_commit_checks(void **state)
{
	struct fixture *f = *state;
	struct sb_error err = {0};
	struct snapshot_new n;
	char tmp[160];
	snprintf(tmp, sizeof(tmp), ".tmp-%s-%ld", KEY_A, (long)getpid());
	/* an empty state */
	assert_int_equal(snapshot_begin(f->dir, KEY_A, MEM, &n, &err), 0);
	assert_int_equal(snapshot_commit(&n, &err), -EFBIG);
	assert_non_null(strstr(err.msg, "state empty"));
	assert_false(exists(f, tmp));
	assert_false(exists(f, KEY_A));
	/* a state over SNAP_STATE_MAX */
	assert_int_equal(snapshot_begin(f->dir, KEY_A, MEM, &n, &err), 0);
	assert_int_equal(ftruncate(n.state_fd, SNAP_STATE_MAX + 1), 0);
	assert_int_equal(snapshot_commit(&n, &err), -EFBIG);
	assert_false(exists(f, tmp));
	/* memory grown past mem_bytes */
	assert_int_equal(snapshot_begin(f->dir, KEY_A, MEM, &n, &err), 0);
	assert_int_equal(write(n.state_fd, "s", 1), 1);
	assert_int_equal(pwrite(n.mem_fd, "m", 1, MEM), 1);
	assert_int_equal(snapshot_commit(&n, &err), -EIO);
	assert_false(exists(f, KEY_A));
	assert_false(exists(f, KEY_A ".lock"));
	/* another run's snapshot got there first: ours goes, theirs stays */
	assert_int_equal(snapshot_begin(f->dir, KEY_A, MEM, &n, &err), 0);
	assert_int_equal(write(n.state_fd, "s", 1), 1);
	char p[256];
	path_of(p, sizeof(p), f, KEY_A);
	assert_int_equal(mkdir(p, 0700), 0);
	path_of(p, sizeof(p), f, KEY_A "/theirs");
	write_file(p, "t", 1);
	assert_int_equal(snapshot_commit(&n, &err), 0);
	assert_true(exists(f, KEY_A "/theirs"));
	assert_false(exists(f, KEY_A "/meta"));
	assert_false(exists(f, tmp));
}

static void test_max_age(void **state)
{
	struct fixture *f = *state;
	struct sb_error err = {0};
	struct snapshot_hit hit;
	make(f, KEY_A, 64);
	age(f, KEY_A, 100);
	assert_int_equal(snapshot_open(f->dir, KEY_A, MEM, 1000, &hit, &err), 0);
	snapshot_hit_close(&hit);
	assert_int_equal(snapshot_open(f->dir, KEY_A, MEM, 0, &hit, &err), 0);
	snapshot_hit_close(&hit);
	assert_int_equal(snapshot_open(f->dir, KEY_A, MEM, 50, &hit, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "discarded"));
	assert_false(exists(f, KEY_A));
	/* the variable */
	uint64_t s;
	const struct {
		const char *in;
		uint64_t want;
	} good[] = {
	    {"0", 0},	  {"90", 90},	  {"90s", 90}, {"5m", 300},
	    {"2h", 7200}, {"7d", 604800}, {"0d", 0},   {"18446744073709551615", UINT64_MAX}};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(snapshot_max_age_from_env(good[i].in, &s, &err), 0);
		assert_int_equal(s, good[i].want);
	}
	assert_int_equal(snapshot_max_age_from_env(NULL, &s, &err), 0);
	assert_int_equal(s, 0);
	static const char *bad[] = {"",
				    "d",
				    "-1",
				    "1w",
				    "1 d",
				    " 1",
				    "1dd",
				    "1.5h",
				    "0x10",
				    "18446744073709551616",
				    "213503982334602d"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(snapshot_max_age_from_env(bad[i], &s, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "SANDBOX_SNAPSHOT_MAX_AGE"));
	}
}

static void test_list_prune(void **state)
{
	struct fixture *f = *state;
	struct sb_error err = {0};
	struct snapshot_entry *v;
	struct snapshot_prune_stats st;
	size_t n;
	/* no snapshots directory: nothing, no error */
	assert_int_equal(snapshot_cache_list(f->dir, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(snapshot_cache_prune(f->dir, 1, 0, &st, &err), 0);
	assert_int_equal(st.snapshots, 0);
	make(f, KEY_A, 64);
	make(f, KEY_B, 64);
	age(f, KEY_A, 1000);
	assert_int_equal(snapshot_cache_list(f->dir, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].key, KEY_B); /* newest first */
	assert_string_equal(v[1].key, KEY_A);
	assert_true(v[0].usable && v[1].usable);
	assert_true(v[0].disk_bytes >= 4096 && v[0].disk_bytes < MEM); /* sparse */
	free(v);
	/* a plain prune keeps both; max_age takes the old one */
	assert_int_equal(snapshot_cache_prune(f->dir, 0, 0, &st, &err), 0);
	assert_int_equal(st.snapshots, 0);
	assert_int_equal(snapshot_cache_prune(f->dir, 0, 500, &st, &err), 0);
	assert_int_equal(st.snapshots, 1);
	assert_true(st.bytes > 0);
	assert_false(exists(f, KEY_A));
	assert_true(exists(f, KEY_B));
	/* unusable ones go: a damaged meta, a stray file with a key's name */
	make(f, KEY_A, 64);
	char p[256];
	path_of(p, sizeof(p), f, KEY_A "/meta");
	write_file(p, "SBSNAPM1\x02\0\0\0", 12);
	assert_int_equal(snapshot_cache_list(f->dir, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v[i].usable, !strcmp(v[i].key, KEY_B));
	free(v);
	assert_int_equal(snapshot_cache_prune(f->dir, 0, 0, &st, &err), 0);
	assert_int_equal(st.snapshots, 1);
	assert_false(exists(f, KEY_A));
	/* --all: every one */
	assert_int_equal(snapshot_cache_prune(f->dir, 1, 0, &st, &err), 0);
	assert_int_equal(st.snapshots, 1);
	assert_int_equal(snapshot_cache_list(f->dir, &v, &n, &err), 0);
	assert_int_equal(n, 0);
}

static void test_prune_leftovers(void **state)
{
	struct fixture *f = *state;
	struct sb_error err = {0};
	struct snapshot_prune_stats st;
	struct snapshot_new n;
	char p[256];
	/* a run making KEY_A now: its temp directory stays */
	assert_int_equal(snapshot_begin(f->dir, KEY_A, MEM, &n, &err), 0);
	assert_int_equal(pwrite(n.mem_fd, "x", 1, 0), 1);
	/* a dead run's temp directory for KEY_B (no lock held), a half-removed
	 * one, a stale lock file, an odd .tmp- name just made and one old */
	path_of(p, sizeof(p), f, ".tmp-" KEY_B "-999999");
	assert_int_equal(mkdir(p, 0700), 0);
	path_of(p, sizeof(p), f, ".tmp-" KEY_B "-999999/memory");
	write_file(p, "data", 4);
	path_of(p, sizeof(p), f, ".old-" KEY_B "-5");
	assert_int_equal(mkdir(p, 0700), 0);
	path_of(p, sizeof(p), f, KEY_B ".lock");
	write_file(p, "", 0);
	path_of(p, sizeof(p), f, ".tmp-odd");
	assert_int_equal(mkdir(p, 0700), 0);
	path_of(p, sizeof(p), f, ".tmp-odd-old");
	assert_int_equal(mkdir(p, 0700), 0);
	struct timespec ts[2] = {{.tv_sec = 1000}, {.tv_sec = 1000}};
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	path_of(p, sizeof(p), f, "README");
	write_file(p, "not ours", 8);
	assert_int_equal(snapshot_cache_prune(f->dir, 0, 0, &st, &err), 0);
	assert_int_equal(st.snapshots, 3);
	assert_false(exists(f, ".tmp-" KEY_B "-999999"));
	assert_false(exists(f, ".old-" KEY_B "-5"));
	assert_false(exists(f, KEY_B ".lock"));
	assert_false(exists(f, ".tmp-odd-old"));
	assert_true(exists(f, ".tmp-odd"));
	assert_true(exists(f, "README"));
	char tmp[160];
	snprintf(tmp, sizeof(tmp), ".tmp-%s-%ld", KEY_A, (long)getpid());
	assert_true(exists(f, tmp));
	assert_true(exists(f, KEY_A ".lock"));
	/* the run still commits; its snapshot opens */
	assert_int_equal(write(n.state_fd, "s", 1), 1);
	assert_int_equal(snapshot_commit(&n, &err), 0);
	struct snapshot_hit hit;
	assert_int_equal(snapshot_open(f->dir, KEY_A, MEM, 0, &hit, &err), 0);
	snapshot_hit_close(&hit);
	/* in a kept snapshot: a killed run's old working-set recording goes, a
	 * recent one (maybe a live run's) and the working set itself stay */
	path_of(p, sizeof(p), f, KEY_A "/.workset-999999");
	write_file(p, "old", 3);
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	path_of(p, sizeof(p), f, KEY_A "/.workset-1");
	write_file(p, "new", 3);
	path_of(p, sizeof(p), f, KEY_A "/workset");
	write_file(p, "ws", 2);
	assert_int_equal(snapshot_cache_prune(f->dir, 0, 0, &st, &err), 0);
	assert_int_equal(st.snapshots, 0);
	assert_false(exists(f, KEY_A "/.workset-999999"));
	assert_true(exists(f, KEY_A "/.workset-1"));
	assert_true(exists(f, KEY_A "/workset"));
	assert_int_equal(snapshot_open(f->dir, KEY_A, MEM, 0, &hit, &err), 0);
	snapshot_hit_close(&hit);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_key, setup, teardown),
	    cmocka_unit_test(test_meta),
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_commit_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_max_age, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_list_prune, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_prune_leftovers, setup, teardown),
	};
	return cmocka_run_group_tests_name("snapshot", tests, NULL, NULL);
}
