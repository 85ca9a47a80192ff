/* OCI layouts: digests, references, tag and platform selection, manifest and
 * config parsing, verified blob reads, hostile JSON and layouts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "oci.h"
#include "test_rootfs_util.h"

#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_INDEX "application/vnd.oci.image.index.v1+json"
#define GZ "application/vnd.oci.image.layer.v1.tar+gzip"
#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"

static char dir[64];

/* Write a blob into the layout; returns "sha256:<hex>" (static, rotating). */
static const char *blob(const char *content, size_t *size)
{
	static char out[8][80];
	static int k;
	char hex[65], path[256];
	assert_int_equal(digest_buf(content, strlen(content), hex, NULL), 0);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, hex);
	tu_write_file(path, content, strlen(content));
	*size = strlen(content);
	k = (k + 1) % 8;
	snprintf(out[k], sizeof(out[k]), "sha256:%s", hex);
	return out[k];
}

static void write_index(const char *json)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/index.json", dir);
	tu_write_file(path, json, strlen(json));
}

/* A manifest with one (never read) layer and its config; returns its descriptor JSON. */
static void manifest(const char *arch, char *desc, size_t cap, const char *extra)
{
	char cfg[512], man[1024];
	size_t cs, ms;
	snprintf(cfg, sizeof(cfg),
		 "{\"architecture\":\"%s\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\",\"-c\"],"
		 "\"Env\":[\"A=1\"],\"WorkingDir\":\"/w\",\"User\":\"app\"},"
		 "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" ZEROS "\"]}}",
		 arch);
	const char *cd = blob(cfg, &cs);
	snprintf(man, sizeof(man),
		 "{\"schemaVersion\":2,\"config\":{\"digest\":\"%s\",\"size\":%zu},"
		 "\"layers\":[{\"mediaType\":\"" GZ "\",\"digest\":\"sha256:" ZEROS
		 "\",\"size\":3}]}",
		 cd, cs);
	const char *md = blob(man, &ms);
	snprintf(desc, cap, "{\"mediaType\":\"" MT_MANIFEST "\",\"digest\":\"%s\",\"size\":%zu%s}",
		 md, ms, extra);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test-oci-XXXXXX");
	tu_mklayout(dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rm_rf(dir);
	return 0;
}

static void digests(void **state)
{
	(void)state;
	char hex[65];
	assert_int_equal(digest_parse("sha256:" ZEROS, hex, NULL), 0);
	assert_string_equal(hex, ZEROS);
	const char *bad[] = {"sha256:" ZEROS "0",
			     "sha256:00",
			     "sha512:" ZEROS,
			     "sha256:../../../../../../../../../../../../../../etc/passwd",
			     "sha256:ABCDEF" ZEROS,
			     "",
			     "sha256:"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(digest_parse(bad[i], hex, NULL), -EINVAL);
	assert_int_equal(digest_parse(NULL, hex, NULL), -EINVAL);
	assert_int_equal(digest_buf("abc", 3, hex, NULL), 0);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void ref_ok(const char *ref, enum oci_ref_kind kind, const char *path, const char *tag)
{
	struct oci_ref r;
	assert_int_equal(oci_ref_parse(ref, &r, NULL), 0);
	assert_int_equal(r.kind, kind);
	assert_string_equal(r.path, path);
	if (tag)
		assert_string_equal(r.tag, tag);
	else
		assert_null(r.tag);
	oci_ref_free(&r);
}

static void refs(void **state)
{
	(void)state;
	ref_ok("oci:/a/b:latest", OCI_REF_LAYOUT, "/a/b", "latest");
	ref_ok("oci:/a:x/b", OCI_REF_LAYOUT, "/a:x/b", NULL); /* colon in the dir */
	ref_ok("/a/b:c", OCI_REF_PATH, "/a/b:c", NULL);	      /* bare path: no tag */
	ref_ok("oci-archive:/a/i.tar:v1", OCI_REF_ARCHIVE, "/a/i.tar", "v1");
	ref_ok("oci-archive:i.tar", OCI_REF_ARCHIVE, "i.tar", NULL);
	/* docker-archive: the first colon ends the file, NAME may hold host:port */
	ref_ok("docker-archive:/a/d.tar:reg:5000/x/y:tag", OCI_REF_DOCKER, "/a/d.tar",
	       "reg:5000/x/y:tag");
	ref_ok("docker-archive:d.tar", OCI_REF_DOCKER, "d.tar", NULL);
	struct oci_ref r;
	const char *bad[] = {
	    "oci:",	     "oci:/a:", "oci-archive:", "docker-archive:", "docker-archive:x:",
	    "oci-archive::t"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(oci_ref_parse(bad[i], &r, NULL), -EINVAL);
	assert_int_equal(oci_ref_parse("docker://busybox", &r, NULL), -ENOTSUP);
}

static void tags_select_images(void **state)
{
	(void)state;
	char a[512], b[512], idx[1200], ref[128];
	manifest("amd64", a, sizeof(a),
		 ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"one\"}");
	manifest("amd64", b, sizeof(b),
		 ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"two\"}");
	snprintf(idx, sizeof(idx), "{\"schemaVersion\":2,\"manifests\":[%s,%s]}", a, b);
	write_index(idx);
	struct oci_image img;
	struct sb_error err = {0};
	snprintf(ref, sizeof(ref), "oci:%s:two", dir);
	assert_int_equal(oci_image_open(ref, 0, &img, &err), 0);
	assert_int_equal(img.nlayers, 1);
	assert_string_equal(img.layers[0].diff_id, ZEROS);
	assert_int_equal(img.layers[0].comp, OCI_COMP_GZIP);
	assert_string_equal(img.cfg.cmd[0], "sh");
	assert_string_equal(img.cfg.cmd[1], "-c");
	assert_null(img.cfg.cmd[2]);
	assert_null(img.cfg.entrypoint);
	assert_string_equal(img.cfg.env[0], "A=1");
	assert_string_equal(img.cfg.workdir, "/w");
	assert_string_equal(img.cfg.user, "app");
	assert_non_null(strstr(b, img.manifest.digest));
	oci_image_free(&img);
	snprintf(ref, sizeof(ref), "oci:%s:three", dir);
	assert_int_equal(oci_image_open(ref, 0, &img, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "one, two"));
	snprintf(ref, sizeof(ref), "oci:%s", dir);
	assert_int_equal(oci_image_open(ref, 0, &img, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "one, two"));
	/* one manifest, no tag: a bare path works */
	snprintf(idx, sizeof(idx), "{\"schemaVersion\":2,\"manifests\":[%s]}", a);
	write_index(idx);
	assert_int_equal(oci_image_open(dir, 0, &img, &err), 0);
	assert_non_null(strstr(a, img.manifest.digest));
	oci_image_free(&img);
}

static void nested_index_platforms(void **state)
{
	(void)state;
	char arm[512], amd[512], nested[1400], idx[800];
	manifest("arm64", arm, sizeof(arm),
		 ",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}");
	manifest("amd64", amd, sizeof(amd),
		 ",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}");
	snprintf(nested, sizeof(nested), "{\"schemaVersion\":2,\"manifests\":[%s,%s]}", arm, amd);
	size_t ns;
	const char *nd = blob(nested, &ns);
	snprintf(idx, sizeof(idx),
		 "{\"manifests\":[{\"mediaType\":\"" MT_INDEX "\",\"digest\":\"%s\",\"size\":%zu,"
		 "\"annotations\":{\"org.opencontainers.image.ref.name\":\"multi\"}}]}",
		 nd, ns);
	write_index(idx);
	struct oci_image img;
	struct sb_error err = {0};
	char ref[128];
	snprintf(ref, sizeof(ref), "oci:%s:multi", dir);
	assert_int_equal(oci_image_open(ref, 0, &img, &err), 0);
	assert_non_null(strstr(amd, img.manifest.digest));
	oci_image_free(&img);
	/* only arm64 (and an attestation-like unknown): error names them */
	manifest("arm64", arm, sizeof(arm),
		 ",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}");
	snprintf(nested, sizeof(nested),
		 "{\"manifests\":[%s,{\"digest\":\"sha256:" ZEROS "\",\"size\":1,"
		 "\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}}]}",
		 arm);
	nd = blob(nested, &ns);
	snprintf(idx, sizeof(idx),
		 "{\"manifests\":[{\"mediaType\":\"" MT_INDEX
		 "\",\"digest\":\"%s\",\"size\":%zu}]}",
		 nd, ns);
	write_index(idx);
	assert_int_equal(oci_image_open(dir, 0, &img, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "linux/arm64, unknown/unknown"));
	/* a config that says arm64 behind an unlabeled descriptor */
	manifest("arm64", arm, sizeof(arm), "");
	snprintf(idx, sizeof(idx), "{\"manifests\":[%s]}", arm);
	write_index(idx);
	assert_int_equal(oci_image_open(dir, 0, &img, &err), -ENOEXEC);
}

static void tampered_and_missing_blobs(void **state)
{
	(void)state;
	char a[512], idx[800], path[256];
	manifest("amd64", a, sizeof(a), "");
	snprintf(idx, sizeof(idx), "{\"manifests\":[%s]}", a);
	write_index(idx);
	struct oci_image img;
	struct sb_error err = {0};
	/* tamper with the manifest blob (same size) */
	char *d = strstr(a, "sha256:") + 7;
	char hex[65];
	memcpy(hex, d, 64);
	hex[64] = 0;
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, hex);
	int fd = open(path, O_WRONLY);
	assert_int_equal(pwrite(fd, "[", 1, 0), 1);
	close(fd);
	assert_int_equal(oci_image_open(dir, 0, &img, &err), -EINVAL);
	assert_non_null(strstr(err.msg, hex));
	/* missing */
	unlink(path);
	assert_int_equal(oci_image_open(dir, 0, &img, &err), -ENOENT);
	assert_non_null(strstr(err.msg, hex));
	/* a FIFO in place of the blob: an error, not a hang */
	assert_int_equal(mkfifo(path, 0644), 0);
	assert_int_equal(oci_image_open(dir, 0, &img, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "regular"));
	/* declared huge */
	snprintf(idx, sizeof(idx),
		 "{\"manifests\":[{\"digest\":\"sha256:%s\",\"size\":99999999999}]}", hex);
	write_index(idx);
	assert_int_equal(oci_image_open(dir, 0, &img, &err), -EFBIG);
	/* digest that would escape the blobs dir */
	write_index("{\"manifests\":[{\"digest\":\"sha256:../../../etc/passwd\",\"size\":1}]}");
	assert_int_equal(oci_image_open(dir, 0, &img, &err), -EINVAL);
	assert_null(strstr(err.msg, "passwd"));
	/* not a layout */
	assert_int_equal(oci_image_open("/nonexistent-dir", 0, &img, &err), -ENOENT);
}

static void bad_json(void **state)
{
	(void)state;
	struct oci_image img = {0};
	struct sb_error err = {0};
	struct oci_desc d;
	int is_index;
	const char *idx_bad[] = {"",
				 "{",
				 "[]",
				 "{\"manifests\":{}}",
				 "{\"manifests\":[]}",
				 "{\"manifests\":[{\"digest\":\"sha256:" ZEROS "\"}]}",
				 "{\"manifests\":[{\"digest\":\"sha256:" ZEROS "\",\"size\":-1}]}"};
	for (size_t i = 0; i < sizeof(idx_bad) / sizeof(idx_bad[0]); i++)
		assert_true(oci_index_select(idx_bad[i], strlen(idx_bad[i]), 1, NULL, "t", &d,
					     &is_index, &err) < 0);
	const char *man_bad[] = {
	    "{}",
	    "{\"schemaVersion\":1}",
	    "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" ZEROS "\",\"size\":2}}",
	    "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" ZEROS "\",\"size\":2},"
	    "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+encrypted\","
	    "\"digest\":\"sha256:" ZEROS "\",\"size\":2}]}",
	    "{\"schemaVersion\":2,\"config\":{\"digest\":\"md5:abc\",\"size\":2},\"layers\":[]}",
	};
	for (size_t i = 0; i < sizeof(man_bad) / sizeof(man_bad[0]); i++) {
		assert_true(oci_manifest_parse(man_bad[i], strlen(man_bad[i]), &img, &err) < 0);
		oci_image_free(&img);
	}
	img.nlayers = 1;
	const char *cfg_bad[] = {
	    "{\"rootfs\":{\"diff_ids\":[]}}",
	    "{\"rootfs\":{\"diff_ids\":[\"sha256:" ZEROS "\"]},\"config\":{\"Cmd\":\"sh\"}}",
	    "{\"rootfs\":{\"diff_ids\":[\"sha256:" ZEROS "\"]},\"config\":{\"Env\":[1]}}",
	    "{\"rootfs\":{\"diff_ids\":[\"sha256:" ZEROS "\"]},\"config\":[]}",
	    "{\"rootfs\":{\"diff_ids\":[\"sha256:" ZEROS "\"]},\"os\":\"windows\"}",
	    "\"just a string\"",
	};
	struct oci_layer layer;
	img.layers = &layer;
	for (size_t i = 0; i < sizeof(cfg_bad) / sizeof(cfg_bad[0]); i++) {
		assert_true(oci_config_parse(cfg_bad[i], strlen(cfg_bad[i]), &img, &err) < 0);
		image_config_free(&img.cfg);
	}
	/* nulls are fine */
	const char *ok = "{\"rootfs\":{\"diff_ids\":[\"sha256:" ZEROS "\"]},"
			 "\"config\":{\"Cmd\":null,\"Entrypoint\":[\"/x\"],\"User\":null}}";
	assert_int_equal(oci_config_parse(ok, strlen(ok), &img, &err), 0);
	assert_null(img.cfg.cmd);
	assert_string_equal(img.cfg.entrypoint[0], "/x");
	image_config_free(&img.cfg);
	/* deep nesting is refused by the parser, not a stack overflow */
	size_t n = 100000;
	char *deep = malloc(2 * n + 1);
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = 0;
	assert_true(oci_config_parse(deep, 2 * n, &img, &err) < 0);
	free(deep);
}

/* ExposedPorts keys, and the config's list of them (for -P). */
static void exposed_ports(void **state)
{
	(void)state;
	static const struct {
		const char *key;
		unsigned first, last;
		enum image_proto proto;
	} ok[] = {
	    {"80/tcp", 80, 80, IMAGE_PROTO_TCP},
	    {"53/udp", 53, 53, IMAGE_PROTO_UDP},
	    {"80", 80, 80, IMAGE_PROTO_TCP},
	    {"9/SCTP", 9, 9, IMAGE_PROTO_SCTP},
	    {"8000-8010/Udp", 8000, 8010, IMAGE_PROTO_UDP},
	    {"1-65535", 1, 65535, IMAGE_PROTO_TCP},
	    {"00080/tcp", 80, 80, IMAGE_PROTO_TCP},
	};
	struct image_port p;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (oci_port_parse(ok[i].key, &p) < 0)
			fail_msg("ExposedPorts key %s refused", ok[i].key);
		assert_int_equal(p.first, ok[i].first);
		assert_int_equal(p.last, ok[i].last);
		assert_int_equal(p.proto, ok[i].proto);
	}
	const char *bad[] = {"",       "/tcp",	     "0/tcp", "65536",	    "80/", "80/icmp",
			     "80-79",  "80-",	     "-80",   "80 ",	    " 80", "80/tcp ",
			     "000080", "4294967376", "80:80", "80/tcp/udp", "+80"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (oci_port_parse(bad[i], &p) == 0)
			fail_msg("ExposedPorts key `%s` accepted", bad[i]);

	struct oci_image img = {0};
	struct oci_layer layer;
	struct sb_error err = {0};
	img.nlayers = 1;
	img.layers = &layer;
	const char *cfg = "{\"rootfs\":{\"diff_ids\":[\"sha256:" ZEROS "\"]},\"config\":{"
			  "\"ExposedPorts\":{\"443/tcp\":{},\"53/udp\":{},\"80\":{},"
			  "\"80/tcp\":{},\"53/tcp\":{}}}}";
	assert_int_equal(oci_config_parse(cfg, strlen(cfg), &img, &err), 0);
	assert_int_equal(img.cfg.nexposed, 4); /* "80" and "80/tcp" once */
	assert_int_equal(img.cfg.exposed[0].first, 53);
	assert_int_equal(img.cfg.exposed[0].proto, IMAGE_PROTO_TCP);
	assert_int_equal(img.cfg.exposed[1].first, 80);
	assert_int_equal(img.cfg.exposed[2].first, 443);
	assert_int_equal(img.cfg.exposed[3].first, 53);
	assert_int_equal(img.cfg.exposed[3].proto, IMAGE_PROTO_UDP);
	image_config_free(&img.cfg);
	assert_null(img.cfg.exposed);
	const char *none[] = {
	    "{\"rootfs\":{\"diff_ids\":[\"sha256:" ZEROS "\"]},\"config\":{}}",
	    "{\"rootfs\":{\"diff_ids\":[\"sha256:" ZEROS "\"]},\"config\":{\"ExposedPorts\":null}}",
	    "{\"rootfs\":{\"diff_ids\":[\"sha256:" ZEROS "\"]},\"config\":{\"ExposedPorts\":{}}}",
	};
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		assert_int_equal(oci_config_parse(none[i], strlen(none[i]), &img, &err), 0);
		assert_int_equal(img.cfg.nexposed, 0);
		assert_null(img.cfg.exposed);
		image_config_free(&img.cfg);
	}
	const char *wrong[] = {
	    "{\"rootfs\":{\"diff_ids\":[\"sha256:" ZEROS
	    "\"]},\"config\":{\"ExposedPorts\":[\"80\"]}}",
	    "{\"rootfs\":{\"diff_ids\":[\"sha256:" ZEROS "\"]},\"config\":{\"ExposedPorts\":"
	    "{\"80/tcp\":{},\"http\":{}}}}",
	};
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		assert_int_equal(oci_config_parse(wrong[i], strlen(wrong[i]), &img, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "ExposedPorts"));
		image_config_free(&img.cfg);
	}
	assert_non_null(strstr(err.msg, "`http`"));
	/* bounded: IMAGE_MAX_EXPOSED keys, no more */
	size_t cap = 200 + 16 * (IMAGE_MAX_EXPOSED + 1);
	char *big = malloc(cap);
	for (unsigned k = IMAGE_MAX_EXPOSED; k <= IMAGE_MAX_EXPOSED + 1; k++) {
		size_t len = (size_t)snprintf(big, cap,
					      "{\"rootfs\":{\"diff_ids\":[\"sha256:" ZEROS
					      "\"]},\"config\":{\"ExposedPorts\":{");
		for (unsigned i = 0; i < k; i++)
			len += (size_t)snprintf(big + len, cap - len, "%s\"%u/udp\":{}",
						i ? "," : "", i + 1);
		len += (size_t)snprintf(big + len, cap - len, "}}}");
		int r = oci_config_parse(big, len, &img, &err);
		assert_int_equal(r, k == IMAGE_MAX_EXPOSED ? 0 : -EINVAL);
		if (r == 0)
			assert_int_equal(img.cfg.nexposed, IMAGE_MAX_EXPOSED);
		image_config_free(&img.cfg);
	}
	free(big);
}

/* ---- archives ---- */

struct member {
	char type; /* as tb_add; 'b' = tb_add_bytes of data with len */
	const char *name, *data;
	size_t len;
};

static void write_tar(const char *path, const struct member *m, size_t n)
{
	struct tb t;
	tb_open(&t, TB_NONE);
	for (size_t i = 0; i < n; i++) {
		if (m[i].type == 'b')
			tb_add_bytes(&t, m[i].name, m[i].data, m[i].len);
		else
			tb_add(&t, m[i].type, m[i].name, 0644, m[i].data);
	}
	size_t len;
	char *buf = tb_close(&t, &len);
	tu_write_file(path, buf, len);
	free(buf);
}

#define DCFG                                                                                       \
	"{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"dsh\"]},"             \
	"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" ZEROS "\"]}}"
#define DMAN(tags, cfg, layer)                                                                     \
	"[{\"Config\":\"" cfg "\",\"RepoTags\":" tags ",\"Layers\":[\"" layer "\"]}]"

static int docker_open(const char *manifest, const char *ref_tail, struct oci_image *img,
		       struct sb_error *err)
{
	char path[128], ref[300];
	snprintf(path, sizeof(path), "%s/d.tar", dir);
	const struct member m[] = {
	    {'f', "manifest.json", manifest, 0},
	    {'f', "c0ffee.json", DCFG, 0},
	    {'f', "blob.tar", "layer-bytes", 0},
	    {'l', "abc/layer.tar", "../blob.tar", 0}, /* as docker save links shared layers */
	    {'l', "loop/layer.tar", "../loop/layer.tar", 0},
	};
	write_tar(path, m, sizeof(m) / sizeof(m[0]));
	snprintf(ref, sizeof(ref), "%s%s%s", ref_tail ? "docker-archive:" : "", path,
		 ref_tail ? ref_tail : "");
	return oci_image_open(ref, 0, img, err);
}

static void docker_archives(void **state)
{
	(void)state;
	struct oci_image img;
	struct sb_error err = {0};
	const char *ok = DMAN("[\"foo:v1\",\"reg:5000/x/bar\"]", "c0ffee.json", "abc/layer.tar");
	assert_int_equal(docker_open(ok, ":foo:v1", &img, &err), 0);
	assert_int_equal(img.nlayers, 1);
	assert_string_equal(img.layers[0].member, "abc/layer.tar");
	assert_string_equal(img.layers[0].diff_id, ZEROS);
	assert_string_equal(img.cfg.cmd[0], "dsh");
	char hex[65], key[100];
	assert_int_equal(digest_buf(DCFG, strlen(DCFG), hex, NULL), 0);
	assert_string_equal(img.config.digest, hex);
	snprintf(key, sizeof(key), "docker-archive\n%s", hex);
	assert_int_equal(digest_buf(key, strlen(key), hex, NULL), 0);
	assert_string_equal(img.manifest.digest, hex); /* the cache key */
	/* the symlinked layer member is read where its target is */
	struct oci_file f;
	char *data = NULL;
	assert_int_equal(oci_layer_open(&img, 0, &f, &err), 0);
	assert_int_equal(oci_file_read(&f, 100, "layer", &data, &err), 0);
	assert_string_equal(data, "layer-bytes");
	free(data);
	oci_file_close(&f);
	oci_image_free(&img);
	/* tag spellings: docker.io/library/ and :latest are implied */
	assert_int_equal(docker_open(ok, ":docker.io/library/foo:v1", &img, &err), 0);
	oci_image_free(&img);
	assert_int_equal(docker_open(ok, ":reg:5000/x/bar:latest", &img, &err), 0);
	oci_image_free(&img);
	assert_int_equal(docker_open(ok, ":foo", &img, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "foo:v1, reg:5000/x/bar"));
	/* one image: no tag needed, bare path detected */
	assert_int_equal(docker_open(ok, "", &img, &err), 0);
	oci_image_free(&img);
	assert_int_equal(docker_open(ok, NULL, &img, &err), 0);
	oci_image_free(&img);
	/* untagged (docker save IMAGE_ID) */
	assert_int_equal(docker_open(DMAN("null", "c0ffee.json", "abc/layer.tar"), "", &img, &err),
			 0);
	oci_image_free(&img);
	/* two images: the tag picks, none is an error naming them */
	const char *two =
	    "[{\"Config\":\"nope.json\",\"RepoTags\":[\"a:1\"],\"Layers\":[]},"
	    "{\"Config\":\"c0ffee.json\",\"RepoTags\":[\"b:2\"],\"Layers\":[\"abc/layer.tar\"]}]";
	assert_int_equal(docker_open(two, ":b:2", &img, &err), 0);
	oci_image_free(&img);
	assert_int_equal(docker_open(two, "", &img, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "a:1, b:2"));
}

static void docker_archives_hostile(void **state)
{
	(void)state;
	struct oci_image img;
	struct sb_error err = {0};
	struct {
		const char *manifest, *want;
		int code;
	} bad[] = {
	    {DMAN("\"foo:v1\"", "c0ffee.json", "abc/layer.tar"), "RepoTags", -EINVAL},
	    {DMAN("[1]", "c0ffee.json", "abc/layer.tar"), "RepoTags", -EINVAL},
	    {DMAN("null", "missing.json", "abc/layer.tar"), "missing.json", -ENOENT},
	    {DMAN("null", "c0ffee.json", "missing/layer.tar"), "missing/layer.tar", -ENOENT},
	    {DMAN("null", "c0ffee.json", "loop/layer.tar"), "too many links", -ELOOP},
	    {DMAN("null", "../../../etc/passwd", "abc/layer.tar"), "escapes", -EINVAL},
	    {DMAN("null", "c0ffee.json", "/abc/../../x"), "escapes", -EINVAL},
	    {DMAN("null", "", "abc/layer.tar"), "Config", -EINVAL},
	    {"[{\"Config\":\"c0ffee.json\",\"Layers\":\"abc/layer.tar\"}]", "Layers", -EINVAL},
	    {"[{\"Config\":\"c0ffee.json\",\"Layers\":[]}]", "diff_ids", -EINVAL},
	    {"[{\"Config\":\"c0ffee.json\",\"Layers\":[\"abc/layer.tar\",\"abc/layer.tar\"]}]",
	     "diff_ids", -EINVAL},
	    {"{}", "array", -EINVAL},
	    {"[]", "array", -EINVAL},
	    {"[1]", "RepoTags", -EINVAL},
	    {"[{", "JSON", -EINVAL},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(docker_open(bad[i].manifest, "", &img, &err), bad[i].code);
		if (!strstr(err.msg, bad[i].want))
			fail_msg("case %zu: `%s` lacks `%s`", i, err.msg, bad[i].want);
	}
	/* a huge manifest.json is refused before it is read */
	size_t n = (4u << 20) + 10;
	char *huge = malloc(n + 1);
	memset(huge, ' ', n);
	huge[0] = '[';
	huge[n - 1] = ']';
	huge[n] = 0;
	assert_int_equal(docker_open(huge, "", &img, &err), -EFBIG);
	free(huge);
	/* two manifest.json members: ambiguous, refused */
	char path[128];
	snprintf(path, sizeof(path), "%s/d.tar", dir);
	const struct member dup[] = {
	    {'f', "manifest.json", DMAN("null", "c0ffee.json", "x"), 0},
	    {'f', "./manifest.json", DMAN("null", "other.json", "x"), 0},
	};
	write_tar(path, dup, 2);
	assert_int_equal(oci_image_open(path, 0, &img, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "twice"));
}

static void oci_archives_and_detection(void **state)
{
	(void)state;
	char a[512], idx[800], ref[300], cmd[300], tar[128];
	manifest("amd64", a, sizeof(a),
		 ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}");
	snprintf(idx, sizeof(idx), "{\"schemaVersion\":2,\"manifests\":[%s]}", a);
	write_index(idx);
	struct oci_image img;
	struct sb_error err = {0};
	/* a directory with index.json but without oci-layout: fine with oci: */
	snprintf(ref, sizeof(ref), "oci:%s", dir);
	assert_int_equal(oci_image_open(ref, 0, &img, &err), 0);
	char want[65];
	strcpy(want, img.manifest.digest);
	oci_image_free(&img);
	snprintf(tar, sizeof(tar), "%s.tar", dir);
	snprintf(cmd, sizeof(cmd), "tar -C %s -cf %s .", dir, tar);
	assert_int_equal(system(cmd), 0);
	const char *forms[] = {"oci-archive:%s:v1", "oci-archive:%s", "%s"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(ref, sizeof(ref), forms[i], tar);
		assert_int_equal(oci_image_open(ref, 0, &img, &err), 0);
		assert_string_equal(img.manifest.digest, want);
		assert_non_null(img.src.tar);
		oci_image_free(&img);
	}
	snprintf(ref, sizeof(ref), "oci-archive:%s:v2", tar);
	assert_int_equal(oci_image_open(ref, 0, &img, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "tags: v1"));
	snprintf(ref, sizeof(ref), "docker-archive:%s", tar); /* no manifest.json */
	assert_int_equal(oci_image_open(ref, 0, &img, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "manifest.json"));
	snprintf(ref, sizeof(ref), "oci:%s", tar);
	assert_int_equal(oci_image_open(ref, 0, &img, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a directory"));
	/* compressed archives (`docker save | gzip`): inflated, same image */
	const char *zips[] = {"gzip -c", "zstd -q -c", "xz -c", "bzip2 -c"};
	char ztar[160];
	snprintf(ztar, sizeof(ztar), "%s.z", tar);
	for (size_t i = 0; i < 4; i++) {
		snprintf(cmd, sizeof(cmd), "%s %s > %s", zips[i], tar, ztar);
		assert_int_equal(system(cmd), 0);
		for (size_t j = 0; j < 3; j++) {
			snprintf(ref, sizeof(ref), forms[j], ztar);
			assert_int_equal(oci_image_open(ref, 0, &img, &err), 0);
			assert_string_equal(img.manifest.digest, want);
			oci_image_free(&img);
		}
	}
	/* ...within the bound given, and refused when corrupt */
	struct stat st;
	assert_int_equal(stat(tar, &st), 0);
	snprintf(cmd, sizeof(cmd), "gzip -c %s > %s", tar, ztar);
	assert_int_equal(system(cmd), 0);
	snprintf(ref, sizeof(ref), "oci-archive:%s", ztar);
	assert_int_equal(oci_image_open(ref, (uint64_t)st.st_size, &img, &err), 0);
	oci_image_free(&img);
	assert_int_equal(oci_image_open(ref, (uint64_t)st.st_size - 1, &img, &err), -EFBIG);
	assert_non_null(strstr(err.msg, "--max-unpacked"));
	int fd = open(ztar, O_RDWR);
	assert_int_equal(pwrite(fd, "garbage!", 8, 40), 8);
	close(fd);
	assert_true(oci_image_open(ref, 0, &img, &err) < 0);
	assert_null(strchr(err.msg, '\n'));
	unlink(ztar);
	unlink(tar);
	/* what a path holds when it is not an image */
	snprintf(ref, sizeof(ref), "%s/blobs", dir);
	assert_int_equal(oci_image_open(ref, 0, &img, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "is a directory without oci-layout or index.json"));
	snprintf(ref, sizeof(ref), "%s/index.json", dir);
	assert_int_equal(oci_image_open(ref, 0, &img, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a readable tar"));
	snprintf(ref, sizeof(ref), "%s/nothing-here", dir);
	assert_int_equal(oci_image_open(ref, 0, &img, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "No such file"));
	const struct member other[] = {{'f', "hello.txt", "hi", 0}};
	snprintf(tar, sizeof(tar), "%s/other.tar", dir);
	write_tar(tar, other, 1);
	assert_int_equal(oci_image_open(tar, 0, &img, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "a tar without oci-layout, index.json or manifest.json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(digests),
	    cmocka_unit_test(refs),
	    cmocka_unit_test_setup_teardown(tags_select_images, setup, teardown),
	    cmocka_unit_test_setup_teardown(nested_index_platforms, setup, teardown),
	    cmocka_unit_test_setup_teardown(tampered_and_missing_blobs, setup, teardown),
	    cmocka_unit_test(bad_json),
	    cmocka_unit_test(exposed_ports),
	    cmocka_unit_test_setup_teardown(docker_archives, setup, teardown),
	    cmocka_unit_test_setup_teardown(docker_archives_hostile, setup, teardown),
	    cmocka_unit_test_setup_teardown(oci_archives_and_detection, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
