/* In-memory merged filesystem tree: layers applied in order with OCI whiteouts,
 * then walked in sorted, parents-first order to write the cpio. */
#ifndef SB_TREE_H
#define SB_TREE_H

#include <stdint.h>

#include "error.h"

#define TREE_PATH_MAX 4096 /* the kernel's initramfs name limit */

struct tree;

/* One tar entry, already decoded. */
struct tree_entry {
	uint32_t mode; /* full st_mode */
	uint32_t uid, gid;
	uint32_t rdev_major, rdev_minor;
	int64_t mtime;
	const char *link;  /* symlink target, or hard link target path when hardlink */
	int hardlink;	   /* 1: a hard link to the (normalized) path `link` */
	uint64_t data_off; /* regular files: where the content is in the spill file */
	uint64_t size;
};

/* A node as visited by tree_walk. Regular files carry their data (data_off,
 * size) only on the last of their names; the others have size 0. */
struct tree_visit {
	const char *path; /* no leading '/' */
	uint32_t ino, mode, uid, gid, nlink, rdev_major, rdev_minor;
	int64_t mtime;
	const char *symlink;
	uint64_t data_off, size;
};

typedef int (*tree_visit_fn)(void *ctx, const struct tree_visit *v, struct sb_error *err);

/* max_nodes bounds live nodes (implicit parents included), max_path the
 * length of any full path and symlink target (capped at TREE_PATH_MAX). */
int tree_create(struct tree **out, uint64_t max_nodes, uint32_t max_path, struct sb_error *err);
void tree_destroy(struct tree *t);
/* Entries added from now on belong to this layer (whiteouts only hide lower layers). */
void tree_set_layer(struct tree *t, uint32_t layer);

/* Normalize a tar path: strip leading '/', "." and empty components, resolve ".."
 * lexically; escaping the root is an error. "" means the root itself. */
int tree_path_normalize(const char *in, char *out, uint32_t max, struct sb_error *err);

/* Apply an entry at a normalized path (a later entry replaces any earlier one;
 * dir over dir merges). Parent symlinks are followed inside the tree. */
int tree_add(struct tree *t, const char *path, const struct tree_entry *e, struct sb_error *err);
/* Whether tree_add takes e's kind: a regular file, directory, device, FIFO,
 * a symlink whose target fits max_path or a hard link with a target. 0, or
 * the negative errno tree_add refuses it with. */
int tree_entry_check(const struct tree_entry *e, uint32_t max_path);
/* .wh.NAME: remove path (and its subtree) as far as it comes from lower layers. */
int tree_whiteout(struct tree *t, const char *path, struct sb_error *err);
/* .wh..wh..opq in dir: hide everything lower layers put under it. */
int tree_opaque(struct tree *t, const char *dir, struct sb_error *err);

/* Remove path (normalized) and everything under it, whichever layers put
 * them there; nothing to remove is not an error. */
int tree_drop(struct tree *t, const char *path, struct sb_error *err);

/* Visit every node except the root, parents first, siblings sorted by name. */
int tree_walk(struct tree *t, tree_visit_fn fn, void *ctx, struct sb_error *err);
/* Live node count (without the root). */
uint64_t tree_count(const struct tree *t);

#endif
