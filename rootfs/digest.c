/* sha256 digest strings and streaming hashes over OpenSSL's SHA256 functions. */
#include "digest.h"

/* The one-algorithm API, deprecated in OpenSSL 3 in favour of EVP but still
 * built in: it runs the same SHA-NI/AVX2 code without EVP's provider
 * machinery, which would otherwise make up most of the statically linked
 * binary (and of its resident pages: relocated method tables). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <errno.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

int digest_parse(const char *s, char hex[DIGEST_HEX_LEN + 1], struct sb_error *err)
{
	static const char prefix[] = "sha256:";
	if (!s || strncmp(s, prefix, sizeof(prefix) - 1) != 0)
		return error_set(err, EINVAL, "unsupported digest (want sha256:<hex>)");
	const char *h = s + sizeof(prefix) - 1;
	for (int i = 0; i < DIGEST_HEX_LEN; i++) {
		char c = h[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return error_set(err, EINVAL, "malformed sha256 digest");
	}
	if (h[DIGEST_HEX_LEN] != '\0')
		return error_set(err, EINVAL, "malformed sha256 digest");
	memcpy(hex, h, DIGEST_HEX_LEN + 1);
	return 0;
}

int digest_init(struct digest *d, struct sb_error *err)
{
	SHA256_CTX *ctx = malloc(sizeof(*ctx));
	if (!ctx || SHA256_Init(ctx) != 1) {
		free(ctx);
		d->ctx = NULL;
		return error_set(err, ENOMEM, "sha256 init failed");
	}
	d->ctx = ctx;
	return 0;
}

void digest_update(struct digest *d, const void *buf, size_t len)
{
	if (len)
		SHA256_Update(d->ctx, buf, len);
}

void digest_final(struct digest *d, char hex[DIGEST_HEX_LEN + 1])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	static const char xd[] = "0123456789abcdef";
	SHA256_Final(md, d->ctx);
	for (unsigned i = 0; i < 32; i++) {
		hex[2 * i] = xd[md[i] >> 4];
		hex[2 * i + 1] = xd[md[i] & 15];
	}
	hex[DIGEST_HEX_LEN] = '\0';
	digest_free(d);
}

void digest_free(struct digest *d)
{
	free(d->ctx);
	d->ctx = NULL;
}

int digest_buf(const void *buf, size_t len, char hex[DIGEST_HEX_LEN + 1], struct sb_error *err)
{
	struct digest d;
	int r = digest_init(&d, err);
	if (r < 0)
		return r;
	digest_update(&d, buf, len);
	digest_final(&d, hex);
	return 0;
}
