/* libFuzzer target: registry references (host/registry/ref.c). Invariants: an
 * accepted reference formats to a full name that parses to the same
 * reference, within docker's bounds; errors are one line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 2048)
		return 0;
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct registry_ref r, again;
	struct sb_error err = {0};
	if (registry_ref_parse(s, &r, &err) == 0) {
		char buf[600];
		if (registry_ref_format(&r, buf, sizeof(buf)) < 0)
			abort();
		if (strlen(r.domain) + 1 + strlen(r.path) > REF_NAME_MAX)
			abort();
		if (!r.tag[0] && !r.digest[0])
			abort();
		if (registry_ref_parse(buf, &again, &err) != 0 || memcmp(&r, &again, sizeof(r)))
			abort();
		(void)registry_ref_is_loopback(&r);
	} else if (!err.msg[0]) {
		abort();
	}
	free(s);
	return 0;
}
