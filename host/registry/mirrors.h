/* What docker's daemon.json says about registries:
 *   {"registry-mirrors": ["https://mirror.example", "http://10.0.0.5:5000"],
 *    "insecure-registries": ["10.0.0.7:5000", "192.168.0.0/16"]}
 * read from ${XDG_CONFIG_HOME:-~/.config}/docker/daemon.json (rootless
 * docker's) or else /etc/docker/daemon.json. Mirrors are for Docker Hub,
 * tried in order, Docker Hub itself last; $SANDBOX_REGISTRY_MIRROR (one URL)
 * replaces the file's list. An insecure registry (HOST[:PORT] as the name
 * writes it, or an IPv4 CIDR holding its address) is used without TLS
 * checks and may be plain http, as with --tls-verify=false. */
#ifndef SB_REGISTRY_MIRRORS_H
#define SB_REGISTRY_MIRRORS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define MIRRORS_MAX 8
#define INSECURE_MAX 32
#define MIRROR_URL_MAX 256
#define MIRRORS_FILE_MAX (1u << 20)

struct mirrors {
	size_t n;
	char url[MIRRORS_MAX][MIRROR_URL_MAX]; /* scheme://host[:port], no trailing slash */
	char source[256];		       /* the file (or variable) they came from */
	size_t ninsecure;
	char insecure[INSECURE_MAX][MIRROR_URL_MAX]; /* HOST[:PORT] or A.B.C.D/N */
};

/* daemon.json's registry-mirrors and insecure-registries (other keys
 * ignored). -EINVAL when the JSON, a list or an entry is malformed (a mirror
 * is http(s)://HOST[:PORT] with at most a "/" after it; an insecure registry
 * HOST[:PORT] or an IPv4 CIDR, no scheme), err naming the entry. Pure (fuzzed). */
int mirrors_parse(const char *json, size_t len, struct mirrors *m, struct sb_error *err);

/* The first daemon.json that exists; $SANDBOX_REGISTRY_MIRROR replaces its mirrors. */
int mirrors_load(struct mirrors *m, struct sb_error *err);

/* Whether domain (HOST[:PORT]) is one of m's insecure registries. */
bool mirrors_insecure(const struct mirrors *m, const char *domain);

#endif
