/* libFuzzer target: WWW-Authenticate values from a hostile registry
 * (host/registry/challenge.c). Invariants: a result is a Bearer challenge
 * with a realm or a Basic one, every field NUL-terminated in its array. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "challenge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > CHALLENGE_MAX + 16)
		return 0;
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct auth_challenge c;
	struct sb_error err = {0};
	if (challenge_parse(s, &c, &err) == 0) {
		if (c.scheme != AUTH_BEARER && c.scheme != AUTH_BASIC)
			abort();
		if (c.scheme == AUTH_BEARER && !c.realm[0])
			abort();
		if (strnlen(c.realm, sizeof(c.realm)) == sizeof(c.realm) ||
		    strnlen(c.service, sizeof(c.service)) == sizeof(c.service) ||
		    strnlen(c.scope, sizeof(c.scope)) == sizeof(c.scope))
			abort();
	} else if (!err.msg[0]) {
		abort();
	}
	free(s);
	return 0;
}
