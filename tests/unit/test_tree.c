/* Merged tree: replacement rules, whiteouts, opaque dirs, hard links, symlinked
 * parents, ordering, limits, path normalization. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tree.h"

struct out {
	char lines[64][160];
	int n;
};

static int collect(void *ctx, const struct tree_visit *v, struct sb_error *err)
{
	(void)err;
	struct out *o = ctx;
	assert_true(o->n < 64);
	char t = S_ISDIR(v->mode) ? 'd' : S_ISLNK(v->mode) ? 'l' : S_ISREG(v->mode) ? 'f' : 'o';
	snprintf(o->lines[o->n++], 160, "%s %c%o n%u s%llu@%llu%s%s", v->path, t, v->mode & 07777,
		 v->nlink, (unsigned long long)v->size, (unsigned long long)v->data_off,
		 v->symlink ? ">" : "", v->symlink ? v->symlink : "");
	return 0;
}

static void expect(struct tree *t, const char *const *want)
{
	struct out o = {.n = 0};
	struct sb_error err = {0};
	assert_int_equal(tree_walk(t, collect, &o, &err), 0);
	int i = 0;
	for (; want[i]; i++) {
		assert_true(i < o.n);
		assert_string_equal(o.lines[i], want[i]);
	}
	assert_int_equal(i, o.n);
}

static struct tree *mk(void)
{
	struct tree *t;
	assert_int_equal(tree_create(&t, 1000, 4096, NULL), 0);
	return t;
}

static void add(struct tree *t, const char *path, char type, unsigned perm, uint64_t off,
		uint64_t size, const char *link)
{
	struct tree_entry e = {.mtime = 1, .data_off = off, .size = size, .link = link};
	e.mode = perm | (type == 'd' ? S_IFDIR : type == 'l' ? S_IFLNK : S_IFREG);
	e.hardlink = type == 'h';
	struct sb_error err = {0};
	if (tree_add(t, path, &e, &err) != 0)
		fail_msg("tree_add %s: %s", path, err.msg);
}

static void default_parents_and_order(void **state)
{
	(void)state;
	struct tree *t = mk();
	add(t, "b/c/file", 'f', 0600, 0, 3, NULL);
	add(t, "a-b", 'f', 0644, 3, 1, NULL);
	add(t, "a", 'd', 0700, 0, 0, NULL);
	add(t, "a/z", 'l', 0777, 0, 0, "../b");
	add(t, "b", 'd', 0711, 0, 0, NULL); /* declared after its child: metadata updated */
	expect(t, (const char *const[]){"a d700 n2 s0@0", "a/z l777 n1 s4@0>../b",
					"a-b f644 n1 s1@3", "b d711 n2 s0@0", "b/c d755 n2 s0@0",
					"b/c/file f600 n1 s3@0", NULL});
	tree_destroy(t);
}

static void whiteouts_hide_lower_layers_only(void **state)
{
	(void)state;
	struct tree *t = mk();
	add(t, "d/x", 'f', 0644, 0, 1, NULL);
	add(t, "d/sub/y", 'f', 0644, 1, 1, NULL);
	add(t, "keep", 'f', 0644, 2, 1, NULL);
	tree_set_layer(t, 1);
	add(t, "new", 'f', 0644, 3, 1, NULL);
	struct sb_error err = {0};
	assert_int_equal(tree_whiteout(t, "d/sub", &err), 0);
	assert_int_equal(tree_whiteout(t, "new", &err), 0); /* same layer: stays */
	assert_int_equal(tree_whiteout(t, "missing/deeper", &err), 0);
	expect(t, (const char *const[]){"d d755 n2 s0@0", "d/x f644 n1 s1@0", "keep f644 n1 s1@2",
					"new f644 n1 s1@3", NULL});
	tree_destroy(t);
}

static void opaque_dir(void **state)
{
	(void)state;
	struct tree *t = mk();
	add(t, "o/old", 'f', 0644, 0, 1, NULL);
	add(t, "o/olddir/f", 'f', 0644, 1, 1, NULL);
	tree_set_layer(t, 1);
	add(t, "o/new", 'f', 0644, 2, 1, NULL); /* before the marker, same layer */
	struct sb_error err = {0};
	assert_int_equal(tree_opaque(t, "o", &err), 0);
	add(t, "o/later", 'f', 0644, 3, 1, NULL);
	expect(t, (const char *const[]){"o d755 n2 s0@0", "o/later f644 n1 s1@3",
					"o/new f644 n1 s1@2", NULL});
	tree_destroy(t);
}

static void type_swaps(void **state)
{
	(void)state;
	struct tree *t = mk();
	add(t, "dir/a/b", 'f', 0644, 0, 1, NULL);
	add(t, "file", 'f', 0644, 1, 1, NULL);
	add(t, "link", 'l', 0777, 0, 0, "file");
	tree_set_layer(t, 1);
	add(t, "dir", 'f', 0600, 2, 2, NULL);  /* dir -> file drops the subtree */
	add(t, "file", 'd', 0755, 0, 0, NULL); /* file -> dir */
	add(t, "file/in", 'f', 0644, 4, 1, NULL);
	add(t, "link", 'd', 0700, 0, 0, NULL); /* symlink -> dir (not followed) */
	expect(t, (const char *const[]){"dir f600 n1 s2@2", "file d755 n2 s0@0",
					"file/in f644 n1 s1@4", "link d700 n2 s0@0", NULL});
	assert_int_equal(tree_count(t), 4);
	tree_destroy(t);
}

static void hard_links_and_breaking(void **state)
{
	(void)state;
	struct tree *t = mk();
	add(t, "f1", 'f', 0644, 10, 5, NULL);
	add(t, "f2", 'h', 0, 0, 0, "f1");
	add(t, "f3", 'h', 0, 0, 0, "f2");
	add(t, "s", 'l', 0777, 0, 0, "f1");
	add(t, "s2", 'h', 0, 0, 0, "s"); /* link to a symlink: a copy of it */
	/* data only on the last name, all share nlink 3 */
	expect(t, (const char *const[]){"f1 f644 n3 s0@0", "f2 f644 n3 s0@0", "f3 f644 n3 s5@10",
					"s l777 n1 s2@0>f1", "s2 l777 n1 s2@0>f1", NULL});
	tree_destroy(t);

	t = mk();
	add(t, "f1", 'f', 0644, 10, 5, NULL);
	add(t, "f2", 'h', 0, 0, 0, "f1");
	tree_set_layer(t, 1);
	add(t, "f1", 'f', 0600, 20, 7, NULL); /* replacing f1 breaks the link */
	expect(t, (const char *const[]){"f1 f600 n1 s7@20", "f2 f644 n1 s5@10", NULL});
	tree_destroy(t);
}

static void hard_link_errors(void **state)
{
	(void)state;
	struct tree *t = mk();
	add(t, "d/f", 'f', 0644, 0, 1, NULL);
	struct sb_error err = {0};
	struct tree_entry e = {.mode = S_IFREG, .hardlink = 1, .link = "nope"};
	assert_int_equal(tree_add(t, "x", &e, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "nope"));
	e.link = "d";
	assert_int_equal(tree_add(t, "x", &e, &err), -EPERM);
	/* a link whose target is inside the directory it replaces */
	e.link = "d/f";
	assert_int_equal(tree_add(t, "d", &e, &err), 0);
	expect(t, (const char *const[]){"d f644 n1 s1@0", NULL});
	tree_destroy(t);
}

static void symlinked_parents_are_followed(void **state)
{
	(void)state;
	struct tree *t = mk();
	add(t, "usr/lib", 'd', 0755, 0, 0, NULL);
	add(t, "lib", 'l', 0777, 0, 0, "usr/lib");
	add(t, "lib/libc.so", 'f', 0644, 0, 9, NULL);
	add(t, "up", 'l', 0777, 0, 0, "/../../../etc"); /* clamped at the root */
	add(t, "up/passwd", 'f', 0644, 9, 1, NULL);
	expect(t, (const char *const[]){
		      "etc d755 n2 s0@0", "etc/passwd f644 n1 s1@9", "lib l777 n1 s7@0>usr/lib",
		      "up l777 n1 s13@0>/../../../etc", "usr d755 n2 s0@0", "usr/lib d755 n2 s0@0",
		      "usr/lib/libc.so f644 n1 s9@0", NULL});
	/* loops and files as parents are errors */
	add(t, "loop1", 'l', 0777, 0, 0, "loop2");
	add(t, "loop2", 'l', 0777, 0, 0, "loop1");
	struct sb_error err = {0};
	struct tree_entry e = {.mode = S_IFREG | 0644};
	assert_int_equal(tree_add(t, "loop1/x", &e, &err), -ELOOP);
	assert_int_equal(tree_add(t, "etc/passwd/x", &e, &err), -ENOTDIR);
	tree_destroy(t);
}

static void limits(void **state)
{
	(void)state;
	struct tree *t;
	struct sb_error err = {0};
	assert_int_equal(tree_create(&t, 3, 20, &err), 0);
	struct tree_entry e = {.mode = S_IFREG | 0644};
	assert_int_equal(tree_add(t, "a/b", &e, &err), 0);
	assert_int_equal(tree_add(t, "a/c", &e, &err), 0);
	assert_int_equal(tree_add(t, "a/d", &e, &err), -E2BIG);
	assert_int_equal(tree_add(t, "a/0123456789012345678", &e, &err), -ENAMETOOLONG);
	e.mode = S_IFLNK | 0777;
	e.link = "0123456789012345678901234567890";
	assert_int_equal(tree_add(t, "a/b", &e, &err), -ENAMETOOLONG);
	e.mode = S_IFREG;
	assert_int_equal(tree_add(t, "", &e, &err), -EINVAL); /* root as a file */
	e.mode = 0140000 | 0644;			      /* socket */
	assert_int_equal(tree_add(t, "s", &e, &err), -EINVAL);
	tree_destroy(t);
}

/* The kinds tree_add takes, as the streaming packer asks before it writes. */
static void entry_check(void **state)
{
	(void)state;
	const uint32_t kinds[] = {S_IFREG, S_IFDIR, S_IFCHR, S_IFBLK, S_IFIFO};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct tree_entry e = {.mode = kinds[i] | 0644};
		assert_int_equal(tree_entry_check(&e, 8), 0);
	}
	struct tree_entry e = {.mode = 0140000 | 0644}; /* socket */
	assert_int_equal(tree_entry_check(&e, 8), -EINVAL);
	e = (struct tree_entry){.mode = S_IFLNK | 0777, .link = "12345678"};
	assert_int_equal(tree_entry_check(&e, 8), 0);
	e.link = "123456789";
	assert_int_equal(tree_entry_check(&e, 8), -ENAMETOOLONG);
	e.link = NULL;
	assert_int_equal(tree_entry_check(&e, 8), -ENAMETOOLONG);
	e = (struct tree_entry){.mode = S_IFREG | 0644, .hardlink = 1, .link = "a"};
	assert_int_equal(tree_entry_check(&e, 8), 0);
	e.link = NULL;
	assert_int_equal(tree_entry_check(&e, 8), -EINVAL);
}

static void normalize(void **state)
{
	(void)state;
	char out[64];
	struct sb_error err = {0};
	const char *ok[][2] = {{"/abs/path", "abs/path"}, {"./a//b/./c/", "a/b/c"},
			       {"a/../b", "b"},		  {"./", ""},
			       {"a/b/../../c", "c"},	  {"..a/b..", "..a/b.."}};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(tree_path_normalize(ok[i][0], out, 63, &err), 0);
		assert_string_equal(out, ok[i][1]);
	}
	assert_int_equal(tree_path_normalize("../etc/passwd", out, 63, &err), -EINVAL);
	assert_int_equal(tree_path_normalize("a/../../x", out, 63, &err), -EINVAL);
	assert_int_equal(tree_path_normalize("/..", out, 63, &err), -EINVAL);
	assert_int_equal(tree_path_normalize("aaaaaaaaaa/bbbbbbbbbb", out, 15, &err),
			 -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(default_parents_and_order),
	    cmocka_unit_test(whiteouts_hide_lower_layers_only),
	    cmocka_unit_test(opaque_dir),
	    cmocka_unit_test(type_swaps),
	    cmocka_unit_test(hard_links_and_breaking),
	    cmocka_unit_test(hard_link_errors),
	    cmocka_unit_test(symlinked_parents_are_followed),
	    cmocka_unit_test(limits),
	    cmocka_unit_test(entry_check),
	    cmocka_unit_test(normalize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
