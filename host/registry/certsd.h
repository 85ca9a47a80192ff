/* Per-registry certificate directories, as docker and podman keep them:
 *   ${XDG_CONFIG_HOME:-~/.config}/containers/certs.d/HOST[:PORT]/
 *   /etc/containers/certs.d/HOST[:PORT]/
 *   /etc/docker/certs.d/HOST[:PORT]/
 * (or one directory given with --cert-dir, as podman's option). In each,
 * NAME.crt is a CA trusted for that registry in addition to the system
 * store, and NAME.cert with NAME.key a client certificate (the first pair
 * found). A .cert without its .key, or a .key without its .cert, is an
 * error, as it is for docker. */
#ifndef SB_REGISTRY_CERTSD_H
#define SB_REGISTRY_CERTSD_H

#include <stddef.h>

#include "error.h"

#define CERTSD_MAX_FILES 64 /* CA files over all directories */

struct certsd {
	size_t ncas;
	char *ca[CERTSD_MAX_FILES]; /* paths, malloc'd */
	char *cert, *key;	    /* a client pair, or NULL */
};

/* Gather what the directories for hostport hold (cert_dir: that directory
 * only, which must exist). 0 (possibly nothing found), or an error naming
 * the file. Free with certsd_free. */
int certsd_load(struct certsd *c, const char *cert_dir, const char *hostport, struct sb_error *err);
/* Same, from an explicit list of directories (NULL-terminated); missing
 * ones are skipped. */
int certsd_load_dirs(struct certsd *c, const char *const *dirs, struct sb_error *err);
void certsd_free(struct certsd *c);

#endif
