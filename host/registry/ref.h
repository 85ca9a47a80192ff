/* Registry image references, by docker's rules: `alpine` is
 * docker.io/library/alpine:latest, served from registry-1.docker.io;
 * `user/app:tag`, `host:port/path:tag`, `name@sha256:HEX`, an optional
 * `docker://` prefix (as skopeo writes it). Pure functions (fuzzed). */
#ifndef SB_REGISTRY_REF_H
#define SB_REGISTRY_REF_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define REF_NAME_MAX 255  /* docker: domain + "/" + path */
#define REF_TAG_MAX 128	  /* docker: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} */
#define REF_DIGEST_LEN 71 /* "sha256:" + 64 hex */
#define REF_DOCKER_HUB "docker.io"
#define REF_DOCKER_HUB_HOST "registry-1.docker.io"

struct registry_ref {
	char domain[REF_NAME_MAX + 1]; /* "docker.io", "127.0.0.1:5000", "[::1]:5000" */
	char path[REF_NAME_MAX + 1];   /* "library/alpine" */
	char tag[REF_TAG_MAX + 1];     /* "" when none: with a digest, or never "latest" implied */
	char digest[REF_DIGEST_LEN + 1]; /* "sha256:HEX" or "" */
};

/* Parse s (with or without "docker://"). No tag and no digest means tag
 * "latest". Errors name s and what is wrong, as docker's do ("invalid
 * reference format: repository name must be lowercase"). */
int registry_ref_parse(const char *s, struct registry_ref *out, struct sb_error *err);

/* "DOMAIN/PATH[:TAG][@DIGEST]", the full name the store records. Returns the
 * length, or -ENAMETOOLONG when it does not fit in len. */
int registry_ref_format(const struct registry_ref *r, char *buf, size_t len);

/* The host[:port] to connect to: docker.io is served by registry-1.docker.io. */
const char *registry_ref_host(const struct registry_ref *r);

/* The domain's host is a loopback address ("localhost", 127.0.0.0/8, [::1]):
 * plain HTTP is allowed there, as docker allows it. */
bool registry_ref_is_loopback(const struct registry_ref *r);
/* The same for a bare host or [IPv6] (no port). */
bool registry_host_is_loopback(const char *host);

/* What the manifest request names: the digest if there is one, else the tag. */
const char *registry_ref_object(const struct registry_ref *r);

/* Whether an image argument is local (an oci:, oci-archive: or
 * docker-archive: reference, or a path) rather than a registry name. A path
 * that exists wins over a registry name; so does one that starts with `/`,
 * `./`, `../` or `~`, or that docker would not take as a name. `exists` says
 * whether a path exists (access(2) in the CLI, a stub in tests). */
bool registry_ref_is_local(const char *arg, bool (*exists)(const char *path));

#endif
