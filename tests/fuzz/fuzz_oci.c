/* libFuzzer: arbitrary bytes as index / manifest / config JSON. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "oci.h"

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
	return 0;
}
