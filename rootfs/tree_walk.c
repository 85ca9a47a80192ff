/* Sorted, parents-first traversal of the merged tree (the cpio order). */
#include "tree_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct walk {
	struct tree *t;
	tree_visit_fn fn;
	void *ctx;
	char path[TREE_PATH_MAX + 1];
};

static int by_name(const void *a, const void *b)
{
	const struct node *x = *(struct node *const *)a, *y = *(struct node *const *)b;
	size_t n = x->namelen < y->namelen ? x->namelen : y->namelen;
	int c = memcmp(x->name, y->name, n);
	return c ? c : (x->namelen > y->namelen) - (x->namelen < y->namelen);
}

static int visit(struct walk *w, struct node *n, struct sb_error *err)
{
	const struct meta *m = n->inode ? &n->inode->meta : &n->meta;
	struct tree_visit v = {
	    .path = w->path,
	    .mode = m->mode,
	    .uid = m->uid,
	    .gid = m->gid,
	    .nlink = S_ISDIR(m->mode) ? 2 : 1,
	    .rdev_major = m->rdev_major,
	    .rdev_minor = m->rdev_minor,
	    .mtime = m->mtime,
	    .symlink = n->symlink,
	};
	if (n->inode) {
		struct inode *ino = n->inode;
		if (!ino->ino)
			ino->ino = ++w->t->next_ino;
		v.ino = ino->ino;
		v.nlink = ino->links;
		/* data goes with the last name, earlier names are empty links */
		if (++ino->emitted == ino->links) {
			v.data_off = ino->off;
			v.size = ino->size;
		}
	} else {
		v.ino = ++w->t->next_ino;
		if (n->symlink)
			v.size = strlen(n->symlink);
	}
	return w->fn(w->ctx, &v, err);
}

static int walk_dir(struct walk *w, struct node *dir, size_t plen, struct sb_error *err)
{
	size_t n = 0;
	for (struct node *c = dir->child; c; c = c->next)
		n++;
	if (n == 0)
		return 0;
	struct node **kids = malloc(n * sizeof(*kids));
	if (!kids)
		return error_set(err, ENOMEM, "out of memory");
	n = 0;
	for (struct node *c = dir->child; c; c = c->next)
		kids[n++] = c;
	qsort(kids, n, sizeof(*kids), by_name);
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		struct node *c = kids[i];
		size_t len = plen + (plen ? 1 : 0) + c->namelen;
		if (len > TREE_PATH_MAX) {
			r = error_set(err, ENAMETOOLONG, "path too long");
			break;
		}
		if (plen)
			w->path[plen] = '/';
		memcpy(w->path + len - c->namelen, c->name, c->namelen);
		w->path[len] = '\0';
		r = visit(w, c, err);
		if (r == 0 && S_ISDIR(c->meta.mode))
			r = walk_dir(w, c, len, err);
	}
	free(kids);
	return r;
}

int tree_walk(struct tree *t, tree_visit_fn fn, void *ctx, struct sb_error *err)
{
	struct walk *w = malloc(sizeof(*w));
	if (!w)
		return error_set(err, ENOMEM, "out of memory");
	w->t = t;
	w->fn = fn;
	w->ctx = ctx;
	w->path[0] = '\0';
	int r = walk_dir(w, t->root, 0, err);
	free(w);
	return r;
}
