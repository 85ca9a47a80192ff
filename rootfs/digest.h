/* sha256 digests: validating "sha256:<hex>" strings and hashing streams (OpenSSL EVP). */
#ifndef SB_DIGEST_H
#define SB_DIGEST_H

#include <stddef.h>

#include "error.h"

#define DIGEST_HEX_LEN 64

struct digest {
	void *ctx; /* SHA256_CTX */
};

/* Accept exactly "sha256:" + 64 lowercase hex digits; copy the hex part into
 * hex (65 bytes). Anything else is -EINVAL: never build a path from it. */
int digest_parse(const char *s, char hex[DIGEST_HEX_LEN + 1], struct sb_error *err);

int digest_init(struct digest *d, struct sb_error *err);
void digest_update(struct digest *d, const void *buf, size_t len);
/* Finish into lowercase hex (65 bytes) and free the context. */
void digest_final(struct digest *d, char hex[DIGEST_HEX_LEN + 1]);
void digest_free(struct digest *d);
/* sha256 of a buffer, as hex. */
int digest_buf(const void *buf, size_t len, char hex[DIGEST_HEX_LEN + 1], struct sb_error *err);

#endif
