/* Unit tests for host/registry/store*.c: the blob store as an OCI layout the
 * packer opens, its index of names, and collecting unreferenced blobs. */
#include <dirent.h>
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

#include "manifest.h"
#include "oci.h"
#include "store.h"

struct blob {
	char hex[DIGEST_HEX_LEN + 1];
	char *data;
	size_t len;
};

static void blob_make(struct blob *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	assert_true(vasprintf(&b->data, fmt, ap) > 0);
	va_end(ap);
	b->len = strlen(b->data);
	assert_int_equal(digest_buf(b->data, b->len, b->hex, NULL), 0);
}

/* An image: one layer (any bytes: nothing here unpacks it), its config, its manifest. */
struct image {
	struct blob layer, config, manifest;
};

static void image_make(struct image *im, const char *layer_text)
{
	blob_make(&im->layer, "%s", layer_text);
	blob_make(
	    &im->config,
	    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-02T03:04:05Z\","
	    "\"config\":{\"Cmd\":[\"sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%"
	    "s\"]}}",
	    im->layer.hex);
	blob_make(
	    &im->manifest,
	    "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST "\",\"config\":{\"mediaType\":"
	    "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:%s\",\"size\":%zu},"
	    "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":"
	    "\"sha256:%s\",\"size\":%zu}]}",
	    im->config.hex, im->config.len, im->layer.hex, im->layer.len);
}

static void image_free(struct image *im)
{
	free(im->layer.data);
	free(im->config.data);
	free(im->manifest.data);
}

static void image_store(struct store *s, const struct image *im, const char *name)
{
	struct sb_error err = {0};
	const struct blob *b[] = {&im->layer, &im->config, &im->manifest};
	for (int i = 0; i < 3; i++)
		assert_int_equal(store_blob_put(s, b[i]->hex, b[i]->data, b[i]->len, &err), 0);
	struct store_image img = {.manifest_size = im->manifest.len, .size = 1234, .pulled = 42};
	snprintf(img.name, sizeof(img.name), "%s", name);
	memcpy(img.digest, im->manifest.hex, sizeof(img.digest));
	snprintf(img.media_type, sizeof(img.media_type), MT_OCI_MANIFEST);
	snprintf(img.platform, sizeof(img.platform), "linux/amd64");
	snprintf(img.created, sizeof(img.created), "2024-01-02T03:04:05Z");
	if (store_index_put(s, &img, &err) < 0)
		fail_msg("%s", err.msg);
}

static char *tmpdir(void)
{
	char *d = strdup("/tmp/test_registry_store.XXXXXX");
	assert_non_null(mkdtemp(d));
	return d;
}

static void rmrf(char *d)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d);
	assert_int_equal(system(cmd), 0);
	free(d);
}

static int count_blobs(const struct store *s)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/blobs/sha256", s->dir);
	DIR *d = opendir(path);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_layout_packer_opens(void **state)
{
	(void)state;
	char *dir = tmpdir();
	struct store s;
	struct sb_error err = {0};
	assert_int_equal(store_open(&s, dir, &err), 0);
	struct image a;
	image_make(&a, "layer a");
	image_store(&s, &a, "127.0.0.1:5000/a:latest");
	image_store(&s, &a, "127.0.0.1:5000/a:v1"); /* the same manifest under a second name */
	/* names come back with what was recorded */
	struct store_image got;
	assert_int_equal(store_index_get(&s, "127.0.0.1:5000/a:v1", &got, &err), 1);
	assert_string_equal(got.digest, a.manifest.hex);
	assert_string_equal(got.platform, "linux/amd64");
	assert_string_equal(got.created, "2024-01-02T03:04:05Z");
	assert_int_equal(got.size, 1234);
	assert_int_equal(got.pulled, 42);
	assert_int_equal(store_index_get(&s, "127.0.0.1:5000/b:latest", &got, &err), 0);
	struct store_image *v;
	size_t n;
	assert_int_equal(store_index_list(&s, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "127.0.0.1:5000/a:latest");
	free(v);
	/* the packer opens the stored image through its usual OCI layout path */
	char *ref = NULL;
	assert_int_equal(store_image_ref(&s, a.manifest.hex, &ref, &err), 0);
	struct oci_image img;
	if (oci_image_open(ref, 0, &img, &err) < 0)
		fail_msg("%s: %s", ref, err.msg);
	assert_string_equal(img.manifest.digest, a.manifest.hex);
	assert_int_equal(img.nlayers, 1);
	assert_string_equal(img.cfg.cmd[0], "sh");
	oci_image_free(&img);
	free(ref);
	/* a damaged blob is found out on reading */
	char path[PATH_MAX + 100], *buf;
	size_t len;
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", s.dir, a.config.hex);
	FILE *f = fopen(path, "r+");
	fputc('X', f);
	fclose(f);
	assert_true(store_blob_read(&s, a.config.hex, 1 << 20, &buf, &len, &err) < 0);
	assert_non_null(strstr(err.msg, "damaged"));
	store_close(&s);
	image_free(&a);
	rmrf(dir);
}

static void test_blob_temp_files(void **state)
{
	(void)state;
	char *dir = tmpdir();
	struct store s;
	struct sb_error err = {0};
	assert_int_equal(store_open(&s, dir, &err), 0);
	struct blob b;
	blob_make(&b, "some blob");
	int fd;
	char tmp[PATH_MAX];
	/* written but not committed: not there under its name */
	assert_int_equal(store_blob_create(&s, b.hex, &fd, tmp, &err), 0);
	assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);
	assert_false(store_has_blob(&s, b.hex, b.len));
	store_blob_abort(fd, tmp);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(store_blob_create(&s, b.hex, &fd, tmp, &err), 0);
	assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);
	assert_int_equal(store_blob_commit(&s, fd, tmp, b.hex, &err), 0);
	assert_true(store_has_blob(&s, b.hex, b.len));
	assert_false(store_has_blob(&s, b.hex, b.len + 1));
	free(b.data);
	store_close(&s);
	rmrf(dir);
}

static void test_gc(void **state)
{
	(void)state;
	char *dir = tmpdir();
	struct store s;
	struct sb_error err = {0};
	assert_int_equal(store_open(&s, dir, &err), 0);
	struct image a, b;
	image_make(&a, "shared base");
	image_make(&b, "other layer");
	image_store(&s, &a, "r/a:1");
	image_store(&s, &a, "r/a:2");
	image_store(&s, &b, "r/b:1");
	/* a stray blob and a temp file left by a killed pull */
	struct blob stray;
	blob_make(&stray, "nobody's");
	assert_int_equal(store_blob_put(&s, stray.hex, stray.data, stray.len, &err), 0);
	int fd;
	char tmp[PATH_MAX];
	assert_int_equal(store_blob_create(&s, stray.hex, &fd, tmp, &err), 0);
	close(fd);
	assert_int_equal(count_blobs(&s), 7);
	struct store_gc_stats st;
	assert_int_equal(store_gc(&s, &st, &err), 0);
	assert_int_equal(st.files, 2);
	assert_int_equal(count_blobs(&s), 6);
	/* still named by r/a:2: nothing goes */
	assert_int_equal(store_index_remove(&s, "r/a:1", &err), 0);
	assert_int_equal(store_index_remove(&s, "r/a:1", &err), -ENOENT);
	assert_int_equal(store_gc(&s, &st, &err), 0);
	assert_int_equal(st.files, 0);
	assert_int_equal(store_index_remove(&s, "r/a:2", &err), 0);
	assert_int_equal(store_gc(&s, &st, &err), 0);
	assert_int_equal(st.files, 3);
	assert_int_equal(count_blobs(&s), 3);
	struct store_image got;
	assert_int_equal(store_index_get(&s, "r/b:1", &got, &err), 1);
	/* the packer's per-digest entry of a is gone with its names */
	char *ref = NULL;
	struct oci_image img;
	assert_int_equal(store_image_ref(&s, a.manifest.hex, &ref, &err), 0);
	assert_true(oci_image_open(ref, 0, &img, &err) < 0);
	free(ref);
	free(stray.data);
	image_free(&a);
	image_free(&b);
	store_close(&s);
	rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout_packer_opens),
	    cmocka_unit_test(test_blob_temp_files),
	    cmocka_unit_test(test_gc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
