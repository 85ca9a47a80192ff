/* Unit tests for host/registry/manifest.c: media types, platforms, image manifests. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "manifest.h"

#define H(c)                                                                                       \
#c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c
#define DA "sha256:" H(a)
#define DB "sha256:" H(b)
#define DC "sha256:" H(c)

static void test_platform(void **state)
{
	(void)state;
	struct platform p;
	assert_int_equal(platform_parse("linux/amd64", &p, NULL), 0);
	assert_string_equal(p.os, "linux");
	assert_string_equal(p.arch, "amd64");
	assert_string_equal(p.variant, "");
	assert_int_equal(platform_parse("linux/aarch64/v8", &p, NULL), 0);
	assert_string_equal(p.arch, "arm64");
	assert_string_equal(p.variant, "v8");
	assert_int_equal(platform_parse("linux/x86_64", &p, NULL), 0);
	assert_string_equal(p.arch, "amd64");
	static const char *bad[] = {
	    "",	       "linux",	      "linux/",	     "/amd64", "linux/amd64/",
	    "a/b/c/d", "Linux/amd64", "linux/amd 64"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (platform_parse(bad[i], &p, NULL) == 0)
			fail_msg("`%s` accepted", bad[i]);
}

static void kind_is(const char *ct, const char *json, enum manifest_kind want, const char *want_mt)
{
	enum manifest_kind k;
	char mt[MANIFEST_MT_MAX];
	struct sb_error err = {0};
	if (manifest_kind(ct, json, strlen(json), &k, mt, &err) < 0)
		fail_msg("%s: %s", json, err.msg);
	assert_int_equal(k, want);
	assert_string_equal(mt, want_mt);
}

static void kind_bad(const char *ct, const char *json, const char *why)
{
	enum manifest_kind k;
	char mt[MANIFEST_MT_MAX];
	struct sb_error err = {0};
	assert_true(manifest_kind(ct, json, strlen(json), &k, mt, &err) < 0);
	if (!strstr(err.msg, why))
		fail_msg("`%s` does not say `%s`", err.msg, why);
}

static void test_kind(void **state)
{
	(void)state;
	kind_is(MT_DOCKER_MANIFEST, "{\"schemaVersion\":2}", MANIFEST_IMAGE, MT_DOCKER_MANIFEST);
	kind_is(MT_DOCKER_LIST, "{}", MANIFEST_INDEX, MT_DOCKER_LIST);
	kind_is("application/json", "{\"mediaType\":\"" MT_OCI_INDEX "\"}", MANIFEST_INDEX,
		MT_OCI_INDEX);
	kind_is(NULL, "{\"schemaVersion\":2,\"config\":{},\"layers\":[]}", MANIFEST_IMAGE,
		MT_OCI_MANIFEST);
	kind_is("", "{\"schemaVersion\":2,\"manifests\":[]}", MANIFEST_INDEX, MT_OCI_INDEX);
	kind_bad(NULL, "{\"schemaVersion\":1,\"fsLayers\":[]}", "schema 1");
	kind_bad("application/vnd.oci.artifact.manifest.v1+json",
		 "{\"mediaType\":\"application/vnd.oci.artifact.manifest.v1+json\"}",
		 "unsupported manifest type");
	kind_bad(MT_OCI_MANIFEST, "{\"mediaType\":\"" MT_OCI_INDEX "\"}", "served as");
	kind_bad(MT_OCI_MANIFEST, "[1,2]", "not a JSON object");
	kind_bad(MT_OCI_MANIFEST, "{\"a\":", "not a JSON object");
}

static const char index_json[] =
    "{\"schemaVersion\":2,\"manifests\":["
    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" DA
    "\",\"size\":10,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},"
    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" DB
    "\",\"size\":11,\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}},"
    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" DC
    "\",\"size\":12,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" DB
    "\",\"size\":13,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}}"
    "]}";

static void test_index_pick(void **state)
{
	(void)state;
	struct platform p;
	struct manifest_desc d;
	struct sb_error err = {0};
	platform_default(&p);
	assert_int_equal(manifest_index_pick(index_json, strlen(index_json), &p, &d, &err), 0);
	assert_string_equal(d.digest, H(c));
	assert_int_equal(d.size, 12);
	assert_string_equal(d.media_type, MT_OCI_MANIFEST);
	assert_int_equal(platform_parse("linux/arm64", &p, NULL), 0);
	assert_int_equal(manifest_index_pick(index_json, strlen(index_json), &p, &d, &err), 0);
	assert_int_equal(d.size, 13);
	assert_int_equal(platform_parse("linux/arm/v7", &p, NULL), 0);
	assert_int_equal(manifest_index_pick(index_json, strlen(index_json), &p, &d, &err), 0);
	assert_int_equal(d.size, 10);
	/* not there: the error lists what is, attestations left out */
	assert_int_equal(platform_parse("linux/s390x", &p, NULL), 0);
	assert_int_equal(manifest_index_pick(index_json, strlen(index_json), &p, &d, &err),
			 -ENOENT);
	assert_non_null(strstr(err.msg, "no linux/s390x image in the index (platforms: "
					"linux/arm/v7, linux/amd64, linux/arm64/v8)"));
	/* an entry without variant wins when none is asked for */
	static const char two[] =
	    "{\"manifests\":["
	    "{\"digest\":\"" DA "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":"
				"\"amd64\",\"variant\":\"v3\"}},"
	    "{\"digest\":\"" DB
	    "\",\"size\":2,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";
	platform_default(&p);
	assert_int_equal(manifest_index_pick(two, strlen(two), &p, &d, &err), 0);
	assert_int_equal(d.size, 2);
	/* hostile entries */
	static const char *bad[] = {
	    "{}",
	    "{\"manifests\":{}}",
	    "{\"manifests\":[{\"digest\":\"" DA
	    "\",\"size\":-1,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}",
	    "{\"manifests\":[{\"digest\":\"sha256:../../"
	    "etc\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}",
	    "{\"manifests\":[{\"mediaType\":\"" MT_OCI_INDEX "\",\"digest\":\"" DA
	    "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (manifest_index_pick(bad[i], strlen(bad[i]), &p, &d, &err) == 0)
			fail_msg("accepted: %s", bad[i]);
}

static void test_image(void **state)
{
	(void)state;
	struct oci_image img;
	struct sb_error err = {0};
	static const char good[] =
	    "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST "\","
	    "\"config\":{\"mediaType\":\"application/"
	    "vnd.oci.image.config.v1+json\",\"digest\":\"" DA "\",\"size\":5},"
	    "\"layers\":[{\"mediaType\":\"application/"
	    "vnd.docker.image.rootfs.diff.tar.gzip\",\"digest\":\"" DB "\",\"size\":7}]}";
	assert_int_equal(manifest_image_parse(good, strlen(good), &img, &err), 0);
	assert_string_equal(img.config.digest, H(a));
	assert_int_equal(img.nlayers, 1);
	assert_int_equal(img.layers[0].blob.size, 7);
	manifest_image_free(&img);
	static const char helm[] =
	    "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/"
	    "vnd.cncf.helm.config.v1+json\",\"digest\":\"" DA "\",\"size\":5},\"layers\":[]}";
	assert_int_equal(manifest_image_parse(helm, strlen(helm), &img, &err), -ENOTSUP);
	assert_non_null(strstr(err.msg, "not a container image"));
	manifest_image_free(&img);
	static const char weird_layer[] =
	    "{\"schemaVersion\":2,\"config\":{\"digest\":\"" DA "\",\"size\":5},"
	    "\"layers\":[{\"mediaType\":\"application/x-evil\",\"digest\":\"" DB "\",\"size\":7}]}";
	assert_true(manifest_image_parse(weird_layer, strlen(weird_layer), &img, &err) < 0);
	assert_non_null(strstr(err.msg, "unsupported media type"));
	manifest_image_free(&img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_platform),
	    cmocka_unit_test(test_kind),
	    cmocka_unit_test(test_index_pick),
	    cmocka_unit_test(test_image),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
