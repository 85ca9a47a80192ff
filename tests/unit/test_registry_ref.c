/* Unit tests for host/registry/ref.c: docker's reference grammar and normalization. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ref.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void check_full(const char *in, const char *want)
{
	struct registry_ref r;
	struct sb_error err = {0};
	char buf[600];
	if (registry_ref_parse(in, &r, &err) < 0)
		fail_msg("`%s`: %s", in, err.msg);
	assert_true(registry_ref_format(&r, buf, sizeof(buf)) > 0);
	if (strcmp(buf, want))
		fail_msg("`%s` -> `%s`, want `%s`", in, buf, want);
	/* the full form parses to the same reference */
	struct registry_ref again;
	assert_int_equal(registry_ref_parse(buf, &again, &err), 0);
	assert_memory_equal(&r, &again, sizeof(r));
}

static void test_normalize(void **state)
{
	(void)state;
	check_full("alpine", "docker.io/library/alpine:latest");
	check_full("alpine:3.19", "docker.io/library/alpine:3.19");
	check_full("docker://alpine", "docker.io/library/alpine:latest");
	check_full("user/app:v1.0_rc-2", "docker.io/user/app:v1.0_rc-2");
	check_full("docker.io/alpine", "docker.io/library/alpine:latest");
	check_full("index.docker.io/user/app", "docker.io/user/app:latest");
	check_full("library/alpine", "docker.io/library/alpine:latest");
	check_full("localhost/foo", "localhost/foo:latest");
	check_full("localhost:5000/foo/bar:v1", "localhost:5000/foo/bar:v1");
	check_full("127.0.0.1:5000/busybox", "127.0.0.1:5000/busybox:latest");
	check_full("[::1]:5000/busybox:1", "[::1]:5000/busybox:1");
	check_full("ghcr.io/owner/img@sha256:" D64, "ghcr.io/owner/img@sha256:" D64);
	check_full("quay.io/a/b:tag@sha256:" D64, "quay.io/a/b:tag@sha256:" D64);
	check_full("alpine@sha256:" D64, "docker.io/library/alpine@sha256:" D64);
	/* an upper-case first component is a registry host, as in docker */
	check_full("Registry.Example/app", "Registry.Example/app:latest");
	check_full("Foo/bar", "Foo/bar:latest");
	/* "localhost:5000" alone is the name localhost with tag 5000 (docker) */
	check_full("localhost:5000", "docker.io/library/localhost:5000");
	/* separators: . _ __ and runs of - */
	check_full("x/a.b_c__d---e", "docker.io/x/a.b_c__d---e:latest");
	/* the longest tag */
	char tag[200];
	snprintf(tag, sizeof(tag), "x:%0128d", 7);
	struct registry_ref r;
	assert_int_equal(registry_ref_parse(tag, &r, NULL), 0);
	assert_int_equal(strlen(r.tag), 128);
}

static void bad(const char *in, const char *why)
{
	struct registry_ref r;
	struct sb_error err = {0};
	if (registry_ref_parse(in, &r, &err) >= 0)
		fail_msg("`%s` was accepted", in);
	if (!strstr(err.msg, why))
		fail_msg("`%s`: `%s` does not say `%s`", in, err.msg, why);
	assert_null(strchr(err.msg, '\n'));
}

static void test_invalid(void **state)
{
	(void)state;
	bad("", "empty name");
	bad("docker://", "empty name");
	bad("Alpine", "must be lowercase");
	bad("docker.io/Library/alpine", "must be lowercase");
	bad("alpine:", "bad tag");
	bad("alpine:-x", "bad tag");
	bad(":tag", "empty name");
	bad("alpine@sha256:abc", "64 lowercase hex");
	bad("alpine@sha256:"
	    "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	    "64 lowercase hex");
	bad("alpine@sha512:" D64, "unsupported digest algorithm `sha512`");
	bad("alpine@", "bad digest");
	bad("a//b", "bad repository name");
	bad("-a", "bad repository name");
	bad("a_", "bad repository name");
	bad("a___b", "bad repository name");
	bad("a.-b", "bad repository name");
	bad("a b", "bad repository name");
	bad("a:b:c", "bad repository name");
	bad("host:99999/x", "bad registry host");
	bad("host:/x", "bad registry host");
	bad("-host.io/x", "bad registry host");
	bad("[]:5000/x", "bad registry host");
	bad("[::g]:5000/x", "bad registry host");
	bad(D64, "64 hex digits");
	char tag[200];
	snprintf(tag, sizeof(tag), "x:%0129d", 7);
	bad(tag, "bad tag");
	char name[300];
	memset(name, 'a', sizeof(name));
	name[sizeof(name) - 1] = '\0';
	bad(name, "longer than 255");
	/* 255 in all is fine: docker.io/library/ + 237 */
	memset(name, 'a', 237);
	name[237] = '\0';
	struct registry_ref r;
	assert_int_equal(registry_ref_parse(name, &r, NULL), 0);
	name[237] = 'a';
	name[238] = '\0';
	assert_true(registry_ref_parse(name, &r, NULL) < 0);
}

static void test_host_and_object(void **state)
{
	(void)state;
	struct registry_ref r;
	assert_int_equal(registry_ref_parse("alpine", &r, NULL), 0);
	assert_string_equal(registry_ref_host(&r), "registry-1.docker.io");
	assert_string_equal(registry_ref_object(&r), "latest");
	assert_false(registry_ref_is_loopback(&r));
	assert_int_equal(registry_ref_parse("quay.io/a/b:t@sha256:" D64, &r, NULL), 0);
	assert_string_equal(registry_ref_host(&r), "quay.io");
	assert_string_equal(registry_ref_object(&r), "sha256:" D64);
	static const char *loop[] = {"127.0.0.1:5000/x", "127.1.2.3/x", "localhost/x",
				     "localhost:1/x", "[::1]:5000/x"};
	for (size_t i = 0; i < sizeof(loop) / sizeof(loop[0]); i++) {
		assert_int_equal(registry_ref_parse(loop[i], &r, NULL), 0);
		assert_true(registry_ref_is_loopback(&r));
	}
	static const char *far[] = {"10.0.0.1/x", "127.example.com/x", "[::2]:5000/x",
				    "localhost.evil.com/x", "128.0.0.1:80/x"};
	for (size_t i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
		assert_int_equal(registry_ref_parse(far[i], &r, NULL), 0);
		assert_false(registry_ref_is_loopback(&r));
	}
}

static bool exists_busybox(const char *path)
{
	return !strcmp(path, "busybox") || !strcmp(path, "build/images/busybox");
}

static void test_is_local(void **state)
{
	(void)state;
	static const char *local[] = {"oci:x",
				      "oci-archive:a.tar",
				      "docker-archive:a.tar:n:t",
				      "/abs/path",
				      "./rel",
				      "../up",
				      "~/img",
				      ".",
				      "busybox",
				      "build/images/busybox",
				      "Has/Upper/../x",
				      "a b"};
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (!registry_ref_is_local(local[i], exists_busybox))
			fail_msg("`%s` should be local", local[i]);
	static const char *remote[] = {"alpine", "docker://busybox", "user/app:1",
				       "127.0.0.1:5000/busybox", "build/images/other"};
	for (size_t i = 0; i < sizeof(remote) / sizeof(remote[0]); i++)
		if (registry_ref_is_local(remote[i], exists_busybox))
			fail_msg("`%s` should be a registry name", remote[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_normalize),
	    cmocka_unit_test(test_invalid),
	    cmocka_unit_test(test_host_and_object),
	    cmocka_unit_test(test_is_local),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
