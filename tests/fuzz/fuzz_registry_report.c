/* libFuzzer target: the registry client's report line as sandbox reads it
 * (host/registry/helper.c). Invariants: "ok" gives 64 lowercase hex; an
 * error keeps a positive code and a message without control characters. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char hex[DIGEST_HEX_LEN + 1] = "";
	struct sb_error err = {0};
	int r = helper_report_parse((const char *)data, size, hex, &err);
	if (r == 0 &&
	    (strlen(hex) != DIGEST_HEX_LEN || strspn(hex, "0123456789abcdef") != DIGEST_HEX_LEN))
		abort();
	if (r < 0) {
		if (err.code <= 0 || r != -err.code || !err.msg[0])
			abort();
		for (const char *p = err.msg; *p; p++)
			if ((unsigned char)*p < 0x20)
				abort();
	}
	return 0;
}
