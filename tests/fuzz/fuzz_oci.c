/* libFuzzer: arbitrary bytes as index / manifest / config / docker manifest.json
 * JSON, and as an image archive (tar member index and lookups). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sys/mman.h>
#include <unistd.h>

#include "oci.h"
#include "tarindex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *json = (const char *)data;
	struct sb_error err;
	struct oci_desc d;
	int is_index;
	oci_index_select(json, size, 1, NULL, "fuzz", &d, &is_index, &err);
	oci_index_select(json, size, 1, "latest", "fuzz", &d, &is_index, &err);
	oci_index_select(json, size, 0, NULL, "fuzz", &d, &is_index, &err);
	oci_json_is_index(json, size);
	struct oci_image img;
	memset(&img, 0, sizeof(img));
	if (oci_manifest_parse(json, size, &img, &err) == 0)
		oci_config_parse(json, size, &img, &err);
	oci_image_free(&img);
	/* config parsing with a fixed layer count too */
	struct oci_layer layers[2];
	memset(&img, 0, sizeof(img));
	img.layers = layers;
	img.nlayers = 2;
	oci_config_parse(json, size, &img, &err);
	image_config_free(&img.cfg);
	/* docker-archive manifest.json, with and without a wanted tag */
	char config[OCI_MEMBER_MAX];
	const char *wants[] = {NULL, "a:1"};
	for (int i = 0; i < 2; i++) {
		memset(&img, 0, sizeof(img));
		oci_docker_manifest_parse(json, size, wants[i], &img, config, &err);
		oci_image_free(&img);
	}
	/* the bytes as an archive */
	int fd = memfd_create("archive", 0);
	if (fd >= 0 && write(fd, data, size) == (ssize_t)size) {
		struct tarindex *ti;
		struct tar_member m;
		if (tarindex_open(fd, "fuzz", &ti, &err) == 0) {
			tarindex_find(ti, "manifest.json", &m, &err);
			tarindex_find(ti, "index.json", &m, &err);
			tarindex_find(ti, "a/layer.tar", &m, &err);
			tarindex_free(ti);
		}
	}
	if (fd >= 0)
		close(fd);
	return 0;
}
