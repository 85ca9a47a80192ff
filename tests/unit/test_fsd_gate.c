/* Unit tests for the file server's request gate: sizes, names, opcodes, read-only mode. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fsd/gate.h"

static char buf[8192];

static size_t req(uint32_t op, const void *arg, size_t alen, const char *n1, const char *n2)
{
	struct fuse_in_header h = {.opcode = op, .unique = 42, .nodeid = 1};
	size_t len = sizeof(h);
	if (alen)
		memcpy(buf + len, arg, alen);
	len += alen;
	if (n1) {
		memcpy(buf + len, n1, strlen(n1) + 1);
		len += strlen(n1) + 1;
	}
	if (n2) {
		memcpy(buf + len, n2, strlen(n2) + 1);
		len += strlen(n2) + 1;
	}
	h.len = (uint32_t)len;
	memcpy(buf, &h, sizeof(h));
	return len;
}

static enum gate_verdict check(size_t len, bool ro, int *err)
{
	uint64_t unique;
	enum gate_verdict v = gate_check(buf, len, 0, ro, &unique, err);
	if (len >= sizeof(struct fuse_in_header))
		assert_int_equal(unique, 42);
	return v;
}

static void test_well_formed_pass(void **state)
{
	int err;
	struct fuse_init_in init = {.major = 7, .minor = 36, .flags = FUSE_INIT_EXT};
	struct fuse_create_in ci = {0};
	struct fuse_rename2_in r2 = {0};
	struct fuse_read_in ri = {0};
	(void)state;

	assert_int_equal(check(req(FUSE_INIT, &init, sizeof(init), NULL, NULL), false, &err),
			 GATE_PASS);
	assert_int_equal(check(req(FUSE_LOOKUP, NULL, 0, "a", NULL), false, &err), GATE_PASS);
	assert_int_equal(check(req(FUSE_CREATE, &ci, sizeof(ci), "f", NULL), false, &err),
			 GATE_PASS);
	assert_int_equal(check(req(FUSE_RENAME2, &r2, sizeof(r2), "a", "b"), false, &err),
			 GATE_PASS);
	assert_int_equal(check(req(FUSE_SYMLINK, NULL, 0, "a", "/x/y"), false, &err), GATE_PASS);
	assert_int_equal(check(req(FUSE_READ, &ri, sizeof(ri), NULL, NULL), true, &err), GATE_PASS);
	struct fuse_write_in wi = {.size = 3};
	size_t n = req(FUSE_WRITE, &wi, sizeof(wi), "ab", NULL); /* 3 bytes: "ab\0" */
	assert_int_equal(check(n, false, &err), GATE_PASS);
}

static void test_malformed_refused(void **state)
{
	int err;
	struct fuse_init_in init = {.major = 7, .minor = 36, .flags = FUSE_INIT_EXT};
	struct fuse_read_in ri = {0};
	(void)state;

	/* shorter than a header: nothing to answer to */
	assert_int_equal(check(10, false, &err), GATE_DROP);
	/* header len disagrees with the message */
	size_t n = req(FUSE_LOOKUP, NULL, 0, "a", NULL);
	assert_int_equal(check(n - 1, false, &err), GATE_REPLY);
	assert_int_equal(err, -EIO);
	/* name without NUL; a second name missing; trailing junk after names */
	n = req(FUSE_LOOKUP, NULL, 0, "abc", NULL);
	buf[n - 1] = 'x';
	assert_int_equal(check(n, false, &err), GATE_REPLY);
	assert_int_equal(err, -EINVAL);
	assert_int_equal(check(req(FUSE_RENAME, &ri, 8, "a", NULL), false, &err), GATE_REPLY);
	assert_int_equal(check(req(FUSE_UNLINK, NULL, 0, "a", "b"), false, &err), GATE_REPLY);
	/* argument struct too short */
	assert_int_equal(check(req(FUSE_READ, &ri, sizeof(ri) - 1, NULL, NULL), false, &err),
			 GATE_REPLY);
	/* WRITE whose size is not the payload */
	struct fuse_write_in wi = {.size = 1000};
	assert_int_equal(check(req(FUSE_WRITE, &wi, sizeof(wi), "ab", NULL), false, &err),
			 GATE_REPLY);
	/* INIT: old protocol, other major, FUSE_INIT_EXT without flags2 */
	init.minor = 30;
	assert_int_equal(check(req(FUSE_INIT, &init, sizeof(init), NULL, NULL), false, &err),
			 GATE_REPLY);
	assert_int_equal(err, -EPROTO);
	init.minor = 36;
	init.major = 8;
	assert_int_equal(check(req(FUSE_INIT, &init, sizeof(init), NULL, NULL), false, &err),
			 GATE_REPLY);
	init.major = 7;
	assert_int_equal(check(req(FUSE_INIT, &init, 16, NULL, NULL), false, &err), GATE_REPLY);
	/* BATCH_FORGET with more entries than bytes: dropped (never answered) */
	struct fuse_batch_forget_in bf = {.count = 3};
	assert_int_equal(check(req(FUSE_BATCH_FORGET, &bf, sizeof(bf), NULL, NULL), false, &err),
			 GATE_DROP);
	struct fuse_forget_in fi = {0};
	assert_int_equal(check(req(FUSE_FORGET, &fi, 4, NULL, NULL), false, &err), GATE_DROP);
	/* interrupts are dropped */
	struct fuse_interrupt_in ii = {0};
	assert_int_equal(check(req(FUSE_INTERRUPT, &ii, sizeof(ii), NULL, NULL), false, &err),
			 GATE_DROP);
}

static void test_unsupported_enosys(void **state)
{
	int err;
	struct fuse_getxattr_in gx = {0};
	(void)state;

	const uint32_t ops[] = {
	    FUSE_GETXATTR, FUSE_SETXATTR,     FUSE_LISTXATTR,	    FUSE_REMOVEXATTR,
	    FUSE_GETLK,	   FUSE_SETLK,	      FUSE_IOCTL,	    FUSE_POLL,
	    FUSE_BMAP,	   FUSE_NOTIFY_REPLY, FUSE_COPY_FILE_RANGE, FUSE_SETUPMAPPING,
	    9999};
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		assert_int_equal(
		    check(req(ops[i], &gx, sizeof(gx), "security.x", NULL), false, &err),
		    GATE_REPLY);
		assert_int_equal(err, -ENOSYS);
	}
}

static void test_readonly_refuses_writes(void **state)
{
	int err;
	char zero[128] = {0};
	(void)state;

	const uint32_t named[] = {FUSE_MKNOD, FUSE_MKDIR,  FUSE_UNLINK,
				  FUSE_RMDIR, FUSE_CREATE, FUSE_LINK};
	for (unsigned i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		size_t fixed = named[i] == FUSE_MKNOD || named[i] == FUSE_CREATE ? 16
			       : named[i] == FUSE_MKDIR || named[i] == FUSE_LINK ? 8
										 : 0;
		assert_int_equal(check(req(named[i], zero, fixed, "a", NULL), true, &err),
				 GATE_REPLY);
		assert_int_equal(err, -EROFS);
	}
	assert_int_equal(check(req(FUSE_RENAME, zero, 8, "a", "b"), true, &err), GATE_REPLY);
	assert_int_equal(check(req(FUSE_SYMLINK, NULL, 0, "a", "b"), true, &err), GATE_REPLY);
	assert_int_equal(
	    check(req(FUSE_SETATTR, zero, sizeof(struct fuse_setattr_in), NULL, NULL), true, &err),
	    GATE_REPLY);
	assert_int_equal(check(req(FUSE_FALLOCATE, zero, 32, NULL, NULL), true, &err), GATE_REPLY);
	struct fuse_open_in oi = {.flags = O_RDWR};
	assert_int_equal(check(req(FUSE_OPEN, &oi, sizeof(oi), NULL, NULL), true, &err),
			 GATE_REPLY);
	assert_int_equal(err, -EROFS);
	oi.flags = O_RDONLY | O_TRUNC;
	assert_int_equal(check(req(FUSE_OPEN, &oi, sizeof(oi), NULL, NULL), true, &err),
			 GATE_REPLY);
	oi.flags = O_RDONLY;
	assert_int_equal(check(req(FUSE_OPEN, &oi, sizeof(oi), NULL, NULL), true, &err), GATE_PASS);
	assert_int_equal(check(req(FUSE_OPEN, &oi, sizeof(oi), NULL, NULL), false, &err),
			 GATE_PASS);
}

/* A single-file share: nothing that makes, removes or renames a name passes
 * (EPERM, before EROFS), nor SETATTR on the root; the file's own I/O does. */
static void test_one_file(void **state)
{
	int err;
	uint64_t unique;
	char zero[128] = {0};
	(void)state;

	const uint32_t named[] = {FUSE_MKNOD, FUSE_MKDIR,  FUSE_UNLINK,
				  FUSE_RMDIR, FUSE_CREATE, FUSE_LINK};
	for (unsigned mode = GATE_ONE_FILE; mode <= (GATE_ONE_FILE | GATE_READONLY); mode++) {
		for (unsigned i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
			size_t fixed = named[i] == FUSE_MKNOD || named[i] == FUSE_CREATE ? 16
				       : named[i] == FUSE_MKDIR || named[i] == FUSE_LINK ? 8
											 : 0;
			size_t n = req(named[i], zero, fixed, "a", NULL);
			assert_int_equal(gate_check(buf, n, 0, mode, &unique, &err), GATE_REPLY);
			assert_int_equal(err, -EPERM);
		}
		size_t n = req(FUSE_RENAME, zero, 8, "a", "b");
		assert_int_equal(gate_check(buf, n, 0, mode, &unique, &err), GATE_REPLY);
		assert_int_equal(err, -EPERM);
		n = req(FUSE_RENAME2, zero, sizeof(struct fuse_rename2_in), "a", "b");
		assert_int_equal(gate_check(buf, n, 0, mode, &unique, &err), GATE_REPLY);
		assert_int_equal(err, -EPERM);
		n = req(FUSE_SYMLINK, NULL, 0, "a", "b");
		assert_int_equal(gate_check(buf, n, 0, mode, &unique, &err), GATE_REPLY);
		assert_int_equal(err, -EPERM);
		n = req(FUSE_SETATTR, zero, sizeof(struct fuse_setattr_in), NULL, NULL);
		assert_int_equal(gate_check(buf, n, 0, mode, &unique, &err), GATE_REPLY);
		assert_int_equal(err, -EPERM);
		n = req(FUSE_LOOKUP, NULL, 0, "a", NULL);
		assert_int_equal(gate_check(buf, n, 0, mode, &unique, &err), GATE_PASS);
	}
	/* the file (node 2): SETATTR and writes pass, unless read-only */
	size_t n = req(FUSE_SETATTR, zero, sizeof(struct fuse_setattr_in), NULL, NULL);
	uint64_t file = 2;
	memcpy(buf + offsetof(struct fuse_in_header, nodeid), &file, sizeof(file));
	assert_int_equal(gate_check(buf, n, 0, GATE_ONE_FILE, &unique, &err), GATE_PASS);
	assert_int_equal(gate_check(buf, n, 0, GATE_ONE_FILE | GATE_READONLY, &unique, &err),
			 GATE_REPLY);
	assert_int_equal(err, -EROFS);
	struct fuse_write_in wi = {.size = 3};
	n = req(FUSE_WRITE, &wi, sizeof(wi), "ab", NULL);
	assert_int_equal(gate_check(buf, n, 0, GATE_ONE_FILE, &unique, &err), GATE_PASS);
	/* a directory share lets them all through */
	n = req(FUSE_RENAME, zero, 8, "a", "b");
	assert_int_equal(gate_check(buf, n, 0, 0, &unique, &err), GATE_PASS);
}

/* piped bytes (the WRITE data pipe): a WRITE whose header counts exactly
 * them, its size all of them; nothing else. */
static void test_piped(void **state)
{
	uint64_t unique;
	int err;
	struct fuse_write_in w = {.size = 8192};
	struct fuse_read_in ri = {0};
	(void)state;

	size_t n = req(FUSE_WRITE, &w, sizeof(w), NULL, NULL);
	struct fuse_in_header h;
	memcpy(&h, buf, sizeof(h));
	h.len += 8192;
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(gate_check(buf, n, 8192, 0, &unique, &err), GATE_PASS);
	assert_int_equal(gate_check(buf, n, 8191, 0, &unique, &err), GATE_REPLY); /* len */
	assert_int_equal(err, -EIO);
	assert_int_equal(gate_check(buf, n, 0, 0, &unique, &err), GATE_REPLY);
	assert_int_equal(gate_check(buf, n, 8192, GATE_READONLY, &unique, &err), GATE_REPLY);
	assert_int_equal(err, -EROFS);
	w.size = 4096; /* size short of what is piped */
	n = req(FUSE_WRITE, &w, sizeof(w), NULL, NULL);
	memcpy(&h, buf, sizeof(h));
	h.len += 8192;
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(gate_check(buf, n, 8192, 0, &unique, &err), GATE_REPLY);
	assert_int_equal(err, -EINVAL);
	w.size = 8192 + 3; /* part of the payload in the message */
	n = req(FUSE_WRITE, &w, sizeof(w), "ab", NULL);
	memcpy(&h, buf, sizeof(h));
	h.len += 8192;
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(gate_check(buf, n, 8192, 0, &unique, &err), GATE_REPLY);
	assert_int_equal(err, -EINVAL);
	n = req(FUSE_READ, &ri, sizeof(ri), NULL, NULL); /* not a WRITE */
	memcpy(&h, buf, sizeof(h));
	h.len += 8192;
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(gate_check(buf, n, 8192, 0, &unique, &err), GATE_REPLY);
	assert_int_equal(err, -EINVAL);
}

static void test_names(void **state)
{
	char longname[300];
	(void)state;

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(gate_name("ok"), 0);
	assert_int_equal(gate_name("..."), 0);
	assert_int_equal(gate_name(""), -EINVAL);
	assert_int_equal(gate_name("."), -EINVAL);
	assert_int_equal(gate_name(".."), -EINVAL);
	assert_int_equal(gate_name("a/b"), -EINVAL);
	assert_int_equal(gate_name("/"), -EINVAL);
	assert_int_equal(gate_name(longname), -ENAMETOOLONG);
	longname[255] = '\0';
	assert_int_equal(gate_name(longname), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_well_formed_pass),
	    cmocka_unit_test(test_malformed_refused),
	    cmocka_unit_test(test_unsupported_enosys),
	    cmocka_unit_test(test_readonly_refuses_writes),
	    cmocka_unit_test(test_one_file),
	    cmocka_unit_test(test_piped),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
