/* Registry credentials from the files docker and podman keep them in:
 * $REGISTRY_AUTH_FILE, ${XDG_RUNTIME_DIR}/containers/auth.json,
 * ${DOCKER_CONFIG:-~/.docker}/config.json. Each holds
 *   {"auths": {"KEY": {"auth": base64("user:password"), "identitytoken": T}},
 *    "credHelpers": {"KEY": "NAME"}, "credsStore": "NAME"}
 * where KEY is `host[:port]`, podman's `host[:port]/namespace...`, or
 * docker's URL form (`https://index.docker.io/v1/`). A helper NAME means
 * `docker-credential-NAME get`. */
#ifndef SB_REGISTRY_AUTHFILE_H
#define SB_REGISTRY_AUTHFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define AUTHFILE_MAX (1u << 20)
#define AUTH_IDENTITY_USER "<token>" /* docker's user name for an identity token */

struct auth_creds {
	char user[256];
	char secret[4096];
	/* secret is an OAuth2 refresh token (docker's "identitytoken", or a
	 * helper's Username "<token>"): only a token service takes it */
	bool identity;
	char helper[64];  /* found a credential helper instead: docker-credential-HELPER */
	char source[256]; /* the file it came from, for messages */
};

/* Look domain/path up in one file's JSON: credHelpers (most specific key
 * first), then auths, then credsStore. 1 and *out filled when found, 0 when
 * the file has nothing for it, -EINVAL when the JSON or the entry found is
 * malformed. Pure (fuzzed). */
int authfile_lookup(const char *json, size_t len, const char *domain, const char *path,
		    struct auth_creds *out, struct sb_error *err);

/* Search the three files in order; the first that has an entry wins
 * (a helper is run: docker-credential-NAME get). 1 found, 0 none. */
int authfile_find(const char *domain, const char *path, struct auth_creds *out,
		  struct sb_error *err);

/* The file `sandbox login` writes: $REGISTRY_AUTH_FILE, else
 * ${XDG_RUNTIME_DIR}/containers/auth.json, else ~/.docker/config.json. */
int authfile_default_path(char *buf, size_t len, struct sb_error *err);

/* Set (secret != NULL) or remove auths[key] in the JSON file at path,
 * keeping its other contents; written 0600 through a temp file + rename.
 * Removing returns 0 when there was an entry, -ENOENT when not. */
int authfile_store(const char *path, const char *key, const char *user, const char *secret,
		   struct sb_error *err);

/* Base64 (RFC 4648, padded). encode: out needs 4 * ceil(n / 3) + 1 bytes.
 * decode: -EINVAL on bad input; out holds at most 3 * len / 4 bytes + NUL. */
void auth_base64_encode(const void *in, size_t n, char *out);
int auth_base64_decode(const char *in, size_t len, unsigned char *out, size_t cap, size_t *n);

#endif
