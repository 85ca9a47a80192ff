/* Unit tests for host/registry/certsd.c: which files of certificate
 * directories become CAs and a client pair. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "certsd.h"

static char root[64];

static void touch(const char *rel)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
}

static void mkd(const char *rel)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(mkdir(p, 0700), 0);
}

static const char *rel(const char *path)
{
	return path + strlen(root) + 1;
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_certsd.XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

static void test_cas_and_pair(void **state)
{
	(void)state;
	mkd("a");
	mkd("b");
	touch("a/z.crt");
	touch("a/ca.crt");
	touch("a/readme.txt");
	touch("a/.hidden.crt");
	touch("a/client.cert");
	touch("a/client.key");
	touch("b/other.crt");
	touch("b/b.cert");
	touch("b/b.key");
	char a[128], b[128], none[128];
	snprintf(a, sizeof(a), "%s/a", root);
	snprintf(b, sizeof(b), "%s/b", root);
	snprintf(none, sizeof(none), "%s/none", root);
	const char *dirs[] = {none, a, b, NULL};
	struct certsd c;
	struct sb_error err = {0};
	assert_int_equal(certsd_load_dirs(&c, dirs, &err), 0);
	assert_int_equal(c.ncas, 3); /* sorted per directory, directories in order */
	assert_string_equal(rel(c.ca[0]), "a/ca.crt");
	assert_string_equal(rel(c.ca[1]), "a/z.crt");
	assert_string_equal(rel(c.ca[2]), "b/other.crt");
	/* the first pair wins */
	assert_string_equal(rel(c.cert), "a/client.cert");
	assert_string_equal(rel(c.key), "a/client.key");
	certsd_free(&c);
	assert_int_equal(c.ncas, 0);
	assert_null(c.cert);
}

static void test_half_pairs(void **state)
{
	(void)state;
	mkd("c");
	touch("c/x.cert");
	char d[128];
	snprintf(d, sizeof(d), "%s/c", root);
	const char *dirs[] = {d, NULL};
	struct certsd c;
	struct sb_error err = {0};
	assert_int_equal(certsd_load_dirs(&c, dirs, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/c/x.cert has no x.key beside it"));
	assert_int_equal(c.ncas, 0);
	unlink(strcat(d, "/x.cert"));
	touch("c/y.key");
	snprintf(d, sizeof(d), "%s/c", root);
	assert_int_equal(certsd_load_dirs(&c, dirs, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/c/y.key has no y.cert beside it"));
}

static void test_too_many(void **state)
{
	(void)state;
	mkd("m");
	for (int i = 0; i <= CERTSD_MAX_FILES; i++) {
		char n[32];
		snprintf(n, sizeof(n), "m/%03d.crt", i);
		touch(n);
	}
	char d[128];
	snprintf(d, sizeof(d), "%s/m", root);
	const char *dirs[] = {d, NULL};
	struct certsd c;
	struct sb_error err = {0};
	assert_int_equal(certsd_load_dirs(&c, dirs, &err), -E2BIG);
	assert_int_equal(c.ncas, 0);
}

static void test_host_dirs(void **state)
{
	(void)state;
	/* HOME's containers/certs.d/HOST:PORT; a host that climbs out finds nothing */
	mkd("home");
	mkd("home/.config");
	mkd("home/.config/containers");
	mkd("home/.config/containers/certs.d");
	mkd("home/.config/containers/certs.d/reg.example:5000");
	touch("home/.config/containers/certs.d/reg.example:5000/ca.crt");
	touch("home/.config/containers/certs.d/up.crt");
	char home[128];
	snprintf(home, sizeof(home), "%s/home", root);
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	struct certsd c;
	struct sb_error err = {0};
	assert_int_equal(certsd_load(&c, NULL, "reg.example:5000", &err), 0);
	assert_int_equal(c.ncas, 1);
	assert_string_equal(rel(c.ca[0]),
			    "home/.config/containers/certs.d/reg.example:5000/ca.crt");
	certsd_free(&c);
	assert_int_equal(certsd_load(&c, NULL, "..", &err), 0);
	assert_int_equal(c.ncas, 0);
	assert_int_equal(certsd_load(&c, NULL, "a/../..", &err), 0);
	assert_int_equal(c.ncas, 0);
	assert_int_equal(certsd_load(&c, NULL, "reg.example", &err), 0);
	assert_int_equal(c.ncas, 0);
	/* --cert-dir: that directory only, and it must exist */
	char cd[160];
	snprintf(cd, sizeof(cd), "%s/home/.config/containers/certs.d", root);
	assert_int_equal(certsd_load(&c, cd, "reg.example:5000", &err), 0);
	assert_int_equal(c.ncas, 1);
	assert_string_equal(rel(c.ca[0]), "home/.config/containers/certs.d/up.crt");
	certsd_free(&c);
	strcat(cd, "/nope");
	assert_int_equal(certsd_load(&c, cd, "reg.example:5000", &err), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_cas_and_pair, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_half_pairs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_too_many, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_host_dirs, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
