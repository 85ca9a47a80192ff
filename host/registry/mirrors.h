/* Mirrors for Docker Hub, as docker's daemon.json sets them:
 *   {"registry-mirrors": ["https://mirror.example", "http://10.0.0.5:5000"]}
 * read from ${XDG_CONFIG_HOME:-~/.config}/docker/daemon.json (rootless
 * docker's) or else /etc/docker/daemon.json; $SANDBOX_REGISTRY_MIRROR (one
 * URL) wins over both. Each is tried in order; Docker Hub itself last. */
#ifndef SB_REGISTRY_MIRRORS_H
#define SB_REGISTRY_MIRRORS_H

#include <stddef.h>

#include "error.h"

#define MIRRORS_MAX 8
#define MIRROR_URL_MAX 256
#define MIRRORS_FILE_MAX (1u << 20)

struct mirrors {
	size_t n;
	char url[MIRRORS_MAX][MIRROR_URL_MAX]; /* scheme://host[:port], no trailing slash */
	char source[256];		       /* the file (or variable) they came from */
};

/* daemon.json's registry-mirrors (other keys ignored; none is no mirror).
 * -EINVAL when the JSON, the list or a URL is malformed (http(s)://HOST[:PORT]
 * with at most a "/" after it), err naming the entry. Pure (fuzzed). */
int mirrors_parse(const char *json, size_t len, struct mirrors *m, struct sb_error *err);

/* $SANDBOX_REGISTRY_MIRROR, else the first daemon.json that exists. */
int mirrors_load(struct mirrors *m, struct sb_error *err);

#endif
