/* Unit tests for host/registry/authfile*.c: credential files, keys, helpers, base64. */
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
#include <unistd.h>

#include <cmocka.h>

#include "authfile.h"

static void test_base64(void **state)
{
	(void)state;
	static const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	for (size_t i = 0; i < 7; i++) {
		char out[16];
		unsigned char dec[16];
		size_t n;
		auth_base64_encode(plain[i], strlen(plain[i]), out);
		assert_string_equal(out, enc[i]);
		assert_int_equal(auth_base64_decode(enc[i], strlen(enc[i]), dec, sizeof(dec), &n),
				 0);
		assert_int_equal(n, strlen(plain[i]));
		assert_memory_equal(dec, plain[i], n);
	}
	unsigned char dec[8];
	size_t n;
	assert_int_equal(auth_base64_decode("Zg=a", 4, dec, sizeof(dec), &n), -EINVAL);
	assert_int_equal(auth_base64_decode("Z", 1, dec, sizeof(dec), &n), -EINVAL);
	assert_int_equal(auth_base64_decode("Zm9vYmFyYmF6", 12, dec, sizeof(dec), &n), -EINVAL);
	assert_int_equal(auth_base64_decode("Zm9v!", 5, dec, sizeof(dec), &n), -EINVAL);
}

/* base64("user:pw") = dXNlcjpwdw==, base64("hub:x") = aHViOng=, base64("ns:y") = bnM6eQ== */
static const char file[] = "{\"auths\":{"
			   "\"https://index.docker.io/v1/\":{\"auth\":\"aHViOng=\"},"
			   "\"quay.io\":{\"auth\":\"dXNlcjpwdw==\"},"
			   "\"quay.io/team\":{\"auth\":\"bnM6eQ==\"},"
			   "\"http://old.example:5000/v2/\":{\"auth\":\"dXNlcjpwdw==\"},"
			   "\"empty.example\":{}},"
			   "\"credHelpers\":{\"ecr.example\":\"ecr-login\"}}";

static int look(const char *json, const char *domain, const char *path, struct auth_creds *c)
{
	struct sb_error err = {0};
	int r = authfile_lookup(json, strlen(json), domain, path, c, &err);
	if (r < 0)
		print_message("%s\n", err.msg);
	return r;
}

static void test_lookup(void **state)
{
	(void)state;
	struct auth_creds c;
	assert_int_equal(look(file, "docker.io", "library/alpine", &c), 1);
	assert_string_equal(c.user, "hub");
	assert_string_equal(c.secret, "x");
	/* the most specific key wins, at component boundaries only */
	assert_int_equal(look(file, "quay.io", "team/app", &c), 1);
	assert_string_equal(c.user, "ns");
	assert_int_equal(look(file, "quay.io", "teamwork/app", &c), 1);
	assert_string_equal(c.user, "user");
	assert_int_equal(look(file, "old.example:5000", "a", &c), 1);
	assert_string_equal(c.secret, "pw");
	/* a helper */
	assert_int_equal(look(file, "ecr.example", "a", &c), 1);
	assert_string_equal(c.helper, "ecr-login");
	assert_string_equal(c.user, "");
	/* nothing: another host, or an entry without "auth" */
	assert_int_equal(look(file, "ghcr.io", "a", &c), 0);
	assert_int_equal(look(file, "quay.io:443", "a", &c), 0);
	assert_int_equal(look(file, "empty.example", "a", &c), 0);
	/* credsStore is the default for the rest */
	assert_int_equal(
	    look("{\"auths\":{\"x.io\":{}},\"credsStore\":\"desktop\"}", "x.io", "a", &c), 1);
	assert_string_equal(c.helper, "desktop");
	/* podman's docker.io key and registry-1.docker.io mean Docker Hub too */
	assert_int_equal(look("{\"auths\":{\"registry-1.docker.io\":{\"auth\":\"aHViOng=\"}}}",
			      "docker.io", "a/b", &c),
			 1);
	assert_int_equal(look("{\"auths\":{\"docker.io/library\":{\"auth\":\"aHViOng=\"}}}",
			      "docker.io", "library/alpine", &c),
			 1);
	/* malformed */
	struct sb_error err = {0};
	static const char *bad[] = {
	    "[]",
	    "{",
	    "{\"auths\":{\"x.io\":{\"auth\":\"!!\"}}}",
	    "{\"auths\":{\"x.io\":{\"auth\":\"bm9jb2xvbg==\"}}}", /* "nocolon" */
	    "{\"auths\":{\"x.io\":\"str\"}}",
	    "{\"credHelpers\":{\"x.io\":\"../../bin/sh\"}}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (authfile_lookup(bad[i], strlen(bad[i]), "x.io", "a", &c, &err) >= 0)
			fail_msg("accepted: %s", bad[i]);
}

/* docker login's identity tokens: the refresh token wins over "auth" */
static void test_identity_token(void **state)
{
	(void)state;
	static const char f[] =
	    "{\"auths\":{"
	    "\"acr.example\":{\"auth\":\"dXNlcjo=\",\"identitytoken\":\"eyJ.rt\"},"
	    "\"plain.example\":{\"auth\":\"dXNlcjpwdw==\",\"identitytoken\":\"\"},"
	    "\"bad.example\":{\"identitytoken\":\"a\\nb\"}}}";
	struct auth_creds c;
	struct sb_error err = {0};
	assert_int_equal(authfile_lookup(f, sizeof(f) - 1, "acr.example", "app", &c, &err), 1);
	assert_true(c.identity);
	assert_string_equal(c.user, AUTH_IDENTITY_USER);
	assert_string_equal(c.secret, "eyJ.rt");
	/* an empty identitytoken is none: the password is used */
	assert_int_equal(authfile_lookup(f, sizeof(f) - 1, "plain.example", "app", &c, &err), 1);
	assert_false(c.identity);
	assert_string_equal(c.user, "user");
	assert_string_equal(c.secret, "pw");
	/* a token that would split a header */
	assert_int_equal(authfile_lookup(f, sizeof(f) - 1, "bad.example", "app", &c, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "\"identitytoken\" is too long or not one line");
}

static void test_files(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_registry_authfile.XXXXXX", path[256], other[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/auth.json", dir);
	snprintf(other, sizeof(other), "%s/docker", dir);
	setenv("REGISTRY_AUTH_FILE", path, 1);
	setenv("XDG_RUNTIME_DIR", dir, 1); /* no containers/auth.json there */
	setenv("HOME", dir, 1);
	unsetenv("XDG_CONFIG_HOME");
	setenv("DOCKER_CONFIG", other, 1);
	struct sb_error err = {0};
	struct auth_creds c;
	assert_int_equal(authfile_find("127.0.0.1:5000", "busybox", &c, &err), 0);
	/* login writes the file (0600, parents created), keeping other content */
	assert_int_equal(authfile_store(path, "127.0.0.1:5000", "alice", "s3cr:et", &err), 0);
	assert_int_equal(authfile_store(path, "quay.io", "bob", "pw", &err), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(authfile_find("127.0.0.1:5000", "busybox", &c, &err), 1);
	assert_string_equal(c.user, "alice");
	assert_string_equal(c.secret, "s3cr:et");
	assert_string_equal(c.source, path);
	char def[256];
	assert_int_equal(authfile_default_path(def, sizeof(def), &err), 0);
	assert_string_equal(def, path);
	/* logout */
	assert_int_equal(authfile_store(path, "127.0.0.1:5000", NULL, NULL, &err), 0);
	assert_int_equal(authfile_store(path, "127.0.0.1:5000", NULL, NULL, &err), -ENOENT);
	assert_int_equal(authfile_find("127.0.0.1:5000", "busybox", &c, &err), 0);
	assert_int_equal(authfile_find("quay.io", "x", &c, &err), 1);
	/* later files are searched: docker's config.json */
	unsetenv("REGISTRY_AUTH_FILE");
	mkdir(other, 0700);
	char cfg[300];
	snprintf(cfg, sizeof(cfg), "%s/config.json", other);
	FILE *f = fopen(cfg, "w");
	fputs("{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"dXNlcjpwdw==\"}}}", f);
	fclose(f);
	assert_int_equal(authfile_find("127.0.0.1:5000", "busybox", &c, &err), 1);
	assert_string_equal(c.user, "user");
	/* a damaged file is an error naming it, not a silent miss */
	f = fopen(cfg, "w");
	fputs("{\"auths\":", f);
	fclose(f);
	assert_true(authfile_find("127.0.0.1:5000", "busybox", &c, &err) < 0);
	assert_non_null(strstr(err.msg, cfg));
	/* a credential helper that is missing is an error naming it */
	f = fopen(cfg, "w");
	fputs("{\"credsStore\":\"sandbox-test-none\"}", f);
	fclose(f);
	assert_true(authfile_find("127.0.0.1:5000", "busybox", &c, &err) < 0);
	assert_non_null(strstr(err.msg, "docker-credential-sandbox-test-none"));
	/* a helper on PATH answers with JSON */
	char helper[300];
	snprintf(helper, sizeof(helper), "%s/docker-credential-fake", dir);
	f = fopen(helper, "w");
	fputs("#!/bin/sh\nread server\n[ \"$1\" = get ] && [ \"$server\" = 127.0.0.1:5000 ] || "
	      "exit 3\n"
	      "echo '{\"ServerURL\":\"x\",\"Username\":\"helped\",\"Secret\":\"tok\"}'\n",
	      f);
	fclose(f);
	chmod(helper, 0700);
	f = fopen(cfg, "w");
	fputs("{\"credHelpers\":{\"127.0.0.1:5000\":\"fake\"}}", f);
	fclose(f);
	char pathenv[600];
	snprintf(pathenv, sizeof(pathenv), "%s:%s", dir, getenv("PATH") ? getenv("PATH") : "/bin");
	setenv("PATH", pathenv, 1);
	assert_int_equal(authfile_find("127.0.0.1:5000", "busybox", &c, &err), 1);
	assert_string_equal(c.user, "helped");
	assert_string_equal(c.secret, "tok");
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base64),
	    cmocka_unit_test(test_lookup),
	    cmocka_unit_test(test_identity_token),
	    cmocka_unit_test(test_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
