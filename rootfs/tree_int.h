/* Private to tree*.c: node layout, hashing and resolution helpers. */
#ifndef SB_TREE_INT_H
#define SB_TREE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "tree.h"

#define TREE_MAX_HOPS 40 /* symlinks followed while resolving one path, like ELOOP */

struct meta {
	uint32_t mode, uid, gid, rdev_major, rdev_minor;
	int64_t mtime;
};

/* A regular file's content and metadata, shared by its hard links. */
struct inode {
	struct meta meta;
	uint64_t off, size;
	uint32_t links;	  /* live names */
	uint32_t ino;	  /* assigned by tree_walk */
	uint32_t emitted; /* names visited so far by tree_walk */
};

struct node {
	struct node *parent, *child, *next, *prev; /* children: doubly linked list */
	struct node *hnext;			   /* hash chain */
	struct inode *inode;			   /* regular files */
	char *symlink;				   /* symlinks */
	struct meta meta;			   /* everything but regular files */
	uint32_t layer;
	uint32_t pathlen; /* length of the full path */
	uint32_t namelen;
	char name[];
};

struct tree {
	struct node *root;
	struct node **buckets;
	size_t nbuckets;
	uint64_t count, max_nodes;
	uint64_t steps; /* resolution budget left: bounds the work hostile symlinks cause */
	uint32_t max_path, layer, next_ino;
	uint64_t seed;
};

struct node *tree_lookup(struct tree *t, struct node *dir, const char *name, size_t len);
/* A new default directory (0755 root) named name under dir. */
int tree_node_new(struct tree *t, struct node *dir, const char *name, size_t len, struct node **out,
		  struct sb_error *err);
/* Unlink and free n with its whole subtree. */
void tree_node_remove(struct tree *t, struct node *n);
/* Resolve path (relative to dir, symlinks followed) as a directory; missing
 * components are created as default directories when create, else *out = NULL. */
int tree_walk_dirs(struct tree *t, struct node *dir, const char *path, size_t len, int create,
		   int *hops, struct node **out, struct sb_error *err);
void tree_inode_put(struct inode *ino);

#endif
