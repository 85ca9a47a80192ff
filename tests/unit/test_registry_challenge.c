/* Unit tests for host/registry/challenge.c: WWW-Authenticate as registries send it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "challenge.h"

static void test_bearer(void **state)
{
	(void)state;
	struct auth_challenge c;
	struct sb_error err = {0};
	/* Docker Hub's, byte for byte */
	assert_int_equal(
	    challenge_parse(
		"Bearer "
		"realm=\"https://auth.docker.io/"
		"token\",service=\"registry.docker.io\",scope=\"repository:library/alpine:pull\"",
		&c, &err),
	    0);
	assert_int_equal(c.scheme, AUTH_BEARER);
	assert_string_equal(c.realm, "https://auth.docker.io/token");
	assert_string_equal(c.service, "registry.docker.io");
	assert_string_equal(c.scope, "repository:library/alpine:pull");
	/* names and scheme in any case, spaces, unknown params, token values */
	assert_int_equal(
	    challenge_parse(
		"bearer  Realm = \"https://a/t\" , Service=reg.io, error=\"insufficient_scope\"",
		&c, &err),
	    0);
	assert_string_equal(c.realm, "https://a/t");
	assert_string_equal(c.service, "reg.io");
	assert_string_equal(c.scope, "");
	/* quoted-pair escapes */
	assert_int_equal(challenge_parse("Bearer realm=\"https://a/t?x=\\\"y\\\"\"", &c, &err), 0);
	assert_string_equal(c.realm, "https://a/t?x=\"y\"");
}

static void test_several(void **state)
{
	(void)state;
	struct auth_challenge c;
	struct sb_error err = {0};
	/* Bearer wins over Basic, whatever the order */
	assert_int_equal(
	    challenge_parse("Basic realm=\"Registry\", Bearer realm=\"https://t/\",service=\"s\"",
			    &c, &err),
	    0);
	assert_int_equal(c.scheme, AUTH_BEARER);
	assert_string_equal(c.realm, "https://t/");
	assert_string_equal(c.service, "s");
	/* an unknown scheme with a token68 is skipped */
	assert_int_equal(challenge_parse("Negotiate abc==, Basic realm=\"R\"", &c, &err), 0);
	assert_int_equal(c.scheme, AUTH_BASIC);
	assert_string_equal(c.realm, "R");
	/* a second Bearer does not overwrite the first */
	assert_int_equal(
	    challenge_parse("Bearer realm=\"https://one/\", Bearer realm=\"https://two/\"", &c,
			    &err),
	    0);
	assert_string_equal(c.realm, "https://one/");
	/* Basic without parameters */
	assert_int_equal(challenge_parse("Basic", &c, &err), 0);
	assert_int_equal(c.scheme, AUTH_BASIC);
}

static void bad(const char *v, int code, const char *why)
{
	struct auth_challenge c;
	struct sb_error err = {0};
	int r = challenge_parse(v, &c, &err);
	if (r != code)
		fail_msg("`%s`: %d, want %d (%s)", v, r, code, err.msg);
	if (!strstr(err.msg, why))
		fail_msg("`%s`: `%s` does not say `%s`", v, err.msg, why);
}

static void test_invalid(void **state)
{
	(void)state;
	bad("", -ENOTSUP, "neither Bearer nor Basic");
	bad("Digest realm=\"x\", nonce=\"y\"", -ENOTSUP, "neither");
	bad("Bearer realm=\"https://a", -EINVAL, "bad value for `realm`");
	bad("Bearer realm=", -EINVAL, "without realm"); /* a token68 "realm=" */
	bad("Bearer realm=@", -EINVAL, "bad value for `realm`");
	bad("Bearer service=\"s\"", -EINVAL, "without realm");
	bad("Bearer realm=\"a\nb\"", -EINVAL, "bad value");
	bad("Bearer realm=\"x\", =y", -EINVAL, "unexpected `=`");
	char big[1200];
	snprintf(big, sizeof(big), "Bearer realm=\"%01100d\"", 0);
	bad(big, -EINVAL, "realm longer than 1023 bytes");
	static char huge[CHALLENGE_MAX + 10];
	memset(huge, 'a', sizeof(huge) - 1);
	bad(huge, -EINVAL, "longer than");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bearer),
	    cmocka_unit_test(test_several),
	    cmocka_unit_test(test_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
