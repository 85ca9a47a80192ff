/* Random access into an uncompressed tar (oci-archive, docker-archive): one scan
 * of the headers builds a sorted member index; files are then read in place. */
#ifndef SB_TARINDEX_H
#define SB_TARINDEX_H

#include <stdint.h>

#include "error.h"

#define TARINDEX_MAX_MEMBERS 65536
#define TARINDEX_MAX_HOPS 8 /* symlinks and hard links followed per lookup */

struct tarindex;

/* Where a regular member's bytes are in the archive file. */
struct tar_member {
	uint64_t off, size;
};

/* Index the tar on fd (not owned; read with pread, never extracted). where
 * names the archive in messages. Compressed, sparse-only, truncated or
 * ambiguous archives (the same normalized name twice) are refused. */
int tarindex_open(int fd, const char *where, struct tarindex **out, struct sb_error *err);
void tarindex_free(struct tarindex *ti);

/* Find a regular member by name ("./a//b" == "a/b"); symlink and hard-link
 * members are followed inside the archive (never out of it), at most
 * TARINDEX_MAX_HOPS times. -ENOENT when absent. */
int tarindex_find(const struct tarindex *ti, const char *name, struct tar_member *m,
		  struct sb_error *err);
/* 1 if a member of any type has this name, else 0. */
int tarindex_has(const struct tarindex *ti, const char *name);
/* Number of members. */
uint64_t tarindex_count(const struct tarindex *ti);

#endif
