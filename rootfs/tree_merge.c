/* Applying layer entries to the merged tree: replace/merge, hard links, OCI whiteouts. */
#include "tree_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Resolve the directory holding path's last component (symlinks followed). */
static int parent_of(struct tree *t, const char *path, int create, struct node **dir,
		     const char **leaf, struct sb_error *err)
{
	const char *slash = strrchr(path, '/');
	*leaf = slash ? slash + 1 : path;
	int hops = 0;
	return tree_walk_dirs(t, t->root, path, slash ? (size_t)(slash - path) : 0, create, &hops,
			      dir, err);
}

static int link_source(struct tree *t, const char *target, struct node **out, struct sb_error *err)
{
	struct node *dir;
	const char *leaf;
	if (!target[0])
		return error_set(err, EPERM, "hard link to the image root");
	int r = parent_of(t, target, 0, &dir, &leaf, err);
	if (r < 0)
		return error_prefix(err, "hard link target `%.200s`", target);
	struct node *n = dir ? tree_lookup(t, dir, leaf, strlen(leaf)) : NULL;
	if (!n)
		return error_set(err, ENOENT, "hard link target `%.200s` does not exist", target);
	if (S_ISDIR(n->meta.mode))
		return error_set(err, EPERM, "hard link to directory `%.200s`", target);
	*out = n;
	return 0;
}

int tree_entry_check(const struct tree_entry *e, uint32_t max_path)
{
	if (e->hardlink)
		return e->link ? 0 : -EINVAL;
	switch (e->mode & S_IFMT) {
	case S_IFREG:
	case S_IFDIR:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
		return 0;
	case S_IFLNK:
		return e->link && strlen(e->link) <= max_path ? 0 : -ENAMETOOLONG;
	}
	return -EINVAL;
}

static int check_entry(struct tree *t, const char *path, const struct tree_entry *e,
		       struct sb_error *err)
{
	int r = tree_entry_check(e, t->max_path);
	if (!r)
		return 0;
	if (e->hardlink)
		return error_set(err, -r, "`%.200s`: hard link without target", path);
	if (S_ISLNK(e->mode))
		return error_set(err, -r, "`%.200s`: bad symlink target", path);
	return error_set(err, -r, "`%.200s`: unsupported file type 0%o", path, e->mode & S_IFMT);
}

/* What the new node will hold, taken before the old node is removed (a hard
 * link source may live inside the subtree being replaced). */
static int content_take(const struct tree_entry *e, struct node *src, struct meta *m,
			struct inode **ino, char **sym, struct sb_error *err)
{
	*ino = NULL;
	*sym = NULL;
	if (src) {
		*m = src->meta;
		if (src->inode)
			(*ino = src->inode)->links++;
		else if (src->symlink && !(*sym = strdup(src->symlink)))
			return error_set(err, ENOMEM, "out of memory");
		return 0;
	}
	*m = (struct meta){e->mode, e->uid, e->gid, e->rdev_major, e->rdev_minor, e->mtime};
	if (S_ISREG(e->mode)) {
		if (!(*ino = calloc(1, sizeof(**ino))))
			return error_set(err, ENOMEM, "out of memory");
		(*ino)->meta = *m;
		(*ino)->off = e->data_off;
		(*ino)->size = e->size;
		(*ino)->links = 1;
	} else if (S_ISLNK(e->mode) && !(*sym = strdup(e->link))) {
		return error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

int tree_add(struct tree *t, const char *path, const struct tree_entry *e, struct sb_error *err)
{
	int r = check_entry(t, path, e, err);
	if (r < 0)
		return r;
	if (!path[0]) /* the root itself: always a 0755 root directory */
		return S_ISDIR(e->mode) && !e->hardlink
			   ? 0
			   : error_set(err, EINVAL, "image root replaced by a non-directory");
	struct node *src = NULL, *dir, *old;
	const char *leaf;
	if (e->hardlink && (r = link_source(t, e->link, &src, err)) < 0)
		return error_prefix(err, "`%.200s`", path);
	if ((r = parent_of(t, path, 1, &dir, &leaf, err)) < 0)
		return error_prefix(err, "`%.200s`", path);
	size_t leaflen = strlen(leaf);
	old = tree_lookup(t, dir, leaf, leaflen);
	if (old && old == src)
		return 0;
	if (old && !src && S_ISDIR(old->meta.mode) && S_ISDIR(e->mode)) {
		old->meta = (struct meta){e->mode, e->uid, e->gid, 0, 0, e->mtime};
		old->layer = t->layer;
		return 0;
	}
	struct meta m;
	struct inode *ino;
	char *sym;
	if ((r = content_take(e, src, &m, &ino, &sym, err)) < 0)
		return r;
	if (old)
		tree_node_remove(t, old);
	struct node *n;
	if ((r = tree_node_new(t, dir, leaf, leaflen, &n, err)) < 0) {
		tree_inode_put(ino);
		free(sym);
		return r;
	}
	n->meta = m;
	n->inode = ino;
	n->symlink = sym;
	return 0;
}

/* Remove what lower layers put at n and below; keep this layer's nodes (and
 * the directories they need). Depth is bounded by the path length limit. */
static void prune(struct tree *t, struct node *n)
{
	for (struct node *c = n->child, *next; c; c = next) {
		next = c->next;
		prune(t, c);
	}
	if (n->layer < t->layer && !n->child)
		tree_node_remove(t, n);
}

int tree_whiteout(struct tree *t, const char *path, struct sb_error *err)
{
	struct node *dir;
	const char *leaf;
	if (!path[0])
		return error_set(err, EINVAL, "whiteout of the image root");
	int r = parent_of(t, path, 0, &dir, &leaf, err);
	if (r < 0)
		return error_prefix(err, "whiteout `%.200s`", path);
	struct node *n = dir ? tree_lookup(t, dir, leaf, strlen(leaf)) : NULL;
	if (n)
		prune(t, n);
	return 0;
}

int tree_opaque(struct tree *t, const char *path, struct sb_error *err)
{
	struct node *dir;
	int hops = 0;
	int r = tree_walk_dirs(t, t->root, path, strlen(path), 1, &hops, &dir, err);
	if (r < 0)
		return error_prefix(err, "opaque directory `%.200s`", path);
	for (struct node *c = dir->child, *next; c; c = next) {
		next = c->next;
		prune(t, c);
	}
	return 0;
}

int tree_drop(struct tree *t, const char *path, struct sb_error *err)
{
	struct node *dir;
	const char *leaf;
	if (!path[0])
		return error_set(err, EINVAL, "cannot drop the image root");
	int r = parent_of(t, path, 0, &dir, &leaf, err);
	if (r < 0)
		return r;
	struct node *n = dir ? tree_lookup(t, dir, leaf, strlen(leaf)) : NULL;
	if (n)
		tree_node_remove(t, n);
	return 0;
}
