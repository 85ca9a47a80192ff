/* libFuzzer target: what a hostile registry or a damaged credentials file
 * hands us as JSON: manifest kinds, index platform choice, image manifests
 * (host/registry/manifest.c), auth files (host/registry/authfile.c) and
 * daemon.json's registry-mirrors (host/registry/mirrors.c).
 * Invariants: a chosen digest is 64 lowercase hex (it becomes a path), an
 * accepted kind is one of the four media types, an identity token is one
 * line, a mirror is http(s)://HOST[:PORT] with no path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authfile.h"
#include "manifest.h"
#include "mirrors.h"

static void check_hex(const char *h)
{
	if (strlen(h) != DIGEST_HEX_LEN || strspn(h, "0123456789abcdef") != DIGEST_HEX_LEN)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *json = (const char *)data;
	struct sb_error err;
	enum manifest_kind kind;
	char mt[MANIFEST_MT_MAX];
	if (manifest_kind(NULL, json, size, &kind, mt, &err) == 0 && kind != MANIFEST_IMAGE &&
	    kind != MANIFEST_INDEX)
		abort();
	manifest_kind(MT_OCI_MANIFEST, json, size, &kind, mt, &err);
	struct platform p;
	struct manifest_desc d;
	platform_default(&p);
	if (manifest_index_pick(json, size, &p, &d, &err) == 0)
		check_hex(d.digest);
	if (platform_parse("linux/arm/v7", &p, NULL) == 0 &&
	    manifest_index_pick(json, size, &p, &d, &err) == 0)
		check_hex(d.digest);
	struct oci_image img;
	if (manifest_image_parse(json, size, &img, &err) == 0) {
		check_hex(img.config.digest);
		for (size_t i = 0; i < img.nlayers; i++)
			check_hex(img.layers[i].blob.digest);
		if (oci_config_parse(json, size, &img, &err) == 0)
			for (size_t i = 0; i < img.nlayers; i++)
				check_hex(img.layers[i].diff_id);
	}
	manifest_image_free(&img);
	struct auth_creds c;
	if (authfile_lookup(json, size, "docker.io", "library/alpine", &c, &err) == 1 &&
	    !c.helper[0] && !c.user[0])
		abort();
	if (authfile_lookup(json, size, "127.0.0.1:5000", "a/b", &c, &err) == 1 && c.identity &&
	    strpbrk(c.secret, "\r\n"))
		abort();
	struct mirrors m;
	if (mirrors_parse(json, size, &m, &err) == 0) {
		for (size_t i = 0; i < m.n; i++) {
			const char *h = strstr(m.url[i], "://");
			if (!h || strncmp(m.url[i], "http", 4) || strpbrk(h + 3, "/?#@ "))
				abort();
		}
		for (size_t i = 0; i < m.ninsecure; i++)
			if (strstr(m.insecure[i], "://") || !m.insecure[i][0])
				abort();
		mirrors_insecure(&m, "10.1.2.3:5000");
		mirrors_insecure(&m, "reg.example");
	}
	return 0;
}
