/* sha256 digest strings and streaming hashes over OpenSSL EVP. */
#include "digest.h"

#include <errno.h>
#include <openssl/evp.h>
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
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		d->ctx = NULL;
		return error_set(err, ENOMEM, "sha256 init failed");
	}
	d->ctx = ctx;
	return 0;
}

void digest_update(struct digest *d, const void *buf, size_t len)
{
	if (len)
		EVP_DigestUpdate(d->ctx, buf, len);
}

void digest_final(struct digest *d, char hex[DIGEST_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	static const char xd[] = "0123456789abcdef";
	EVP_DigestFinal_ex(d->ctx, md, &n);
	for (unsigned i = 0; i < 32; i++) {
		hex[2 * i] = xd[md[i] >> 4];
		hex[2 * i + 1] = xd[md[i] & 15];
	}
	hex[DIGEST_HEX_LEN] = '\0';
	digest_free(d);
}

void digest_free(struct digest *d)
{
	EVP_MD_CTX_free(d->ctx);
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
