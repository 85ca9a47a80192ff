/* WWW-Authenticate challenges (RFC 7235) as registries send them:
 * `Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull"`
 * or `Basic realm="Registry"`. Pure (fuzzed). */
#ifndef SB_REGISTRY_CHALLENGE_H
#define SB_REGISTRY_CHALLENGE_H

#include "error.h"

#define CHALLENGE_MAX 8192 /* bytes of WWW-Authenticate we look at */

enum auth_scheme { AUTH_NONE, AUTH_BASIC, AUTH_BEARER };

struct auth_challenge {
	enum auth_scheme scheme;
	char realm[1024];
	char service[256];
	char scope[1024];
};

/* Parse a WWW-Authenticate value (several headers joined by ", " are one
 * value). A Bearer challenge wins over Basic; other schemes are skipped.
 * Returns 0, -ENOTSUP when it holds neither Bearer nor Basic, -EINVAL when
 * malformed (unterminated quote, parameter without a value, a value too
 * long for its field, a Bearer challenge without realm). */
int challenge_parse(const char *value, struct auth_challenge *out, struct sb_error *err);

#endif
