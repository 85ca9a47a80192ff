/* Merged tree storage: nodes in a seeded hash keyed by (parent, name), path
 * normalization and symlink-following directory resolution. */
#include "tree_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

static uint64_t hash(const struct tree *t, const struct node *dir, const char *s, size_t len)
{
	uint64_t h = t->seed ^ ((uintptr_t)dir * 0x9e3779b97f4a7c15ull);
	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)s[i];
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	h ^= h >> 32;
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

struct node *tree_lookup(struct tree *t, struct node *dir, const char *name, size_t len)
{
	struct node *n = t->buckets[hash(t, dir, name, len) & (t->nbuckets - 1)];
	for (; n; n = n->hnext)
		if (n->parent == dir && n->namelen == len && !memcmp(n->name, name, len))
			return n;
	return NULL;
}

static void grow(struct tree *t)
{
	size_t nb = t->nbuckets * 2;
	struct node **b = calloc(nb, sizeof(*b));
	if (!b)
		return; /* keep the smaller table: slower, still correct */
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct node *n = t->buckets[i], *next;
		for (; n; n = next) {
			next = n->hnext;
			size_t k = hash(t, n->parent, n->name, n->namelen) & (nb - 1);
			n->hnext = b[k];
			b[k] = n;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = nb;
}

int tree_node_new(struct tree *t, struct node *dir, const char *name, size_t len, struct node **out,
		  struct sb_error *err)
{
	uint64_t plen = dir->pathlen + (dir == t->root ? 0 : 1) + len;
	if (plen > t->max_path)
		return error_set(err, ENAMETOOLONG, "path longer than %u bytes under `%.*s`",
				 t->max_path, (int)(dir->namelen > 64 ? 64 : dir->namelen),
				 dir->name);
	if (t->count >= t->max_nodes)
		return error_set(err, E2BIG, "more than %llu files in the image (--max-entries)",
				 (unsigned long long)t->max_nodes);
	struct node *n = calloc(1, sizeof(*n) + len + 1);
	if (!n)
		return error_set(err, ENOMEM, "out of memory");
	memcpy(n->name, name, len);
	n->namelen = (uint32_t)len;
	n->pathlen = (uint32_t)plen;
	n->parent = dir;
	n->layer = t->layer;
	n->meta.mode = S_IFDIR | 0755;
	n->next = dir->child;
	if (dir->child)
		dir->child->prev = n;
	dir->child = n;
	size_t k = hash(t, dir, name, len) & (t->nbuckets - 1);
	n->hnext = t->buckets[k];
	t->buckets[k] = n;
	if (++t->count > t->nbuckets)
		grow(t);
	*out = n;
	return 0;
}

void tree_inode_put(struct inode *ino)
{
	if (ino && --ino->links == 0)
		free(ino);
}

static void node_free(struct tree *t, struct node *n)
{
	struct node **p = &t->buckets[hash(t, n->parent, n->name, n->namelen) & (t->nbuckets - 1)];
	while (*p && *p != n)
		p = &(*p)->hnext;
	if (*p)
		*p = n->hnext;
	tree_inode_put(n->inode);
	free(n->symlink);
	free(n);
	t->count--;
}

void tree_node_remove(struct tree *t, struct node *top)
{
	struct node *dir = top->parent;
	if (top->prev)
		top->prev->next = top->next;
	else
		dir->child = top->next;
	if (top->next)
		top->next->prev = top->prev;
	top->next = top->prev = NULL;
	/* Post-order without recursion: always free a leaf first child. */
	struct node *n = top;
	for (;;) {
		while (n->child)
			n = n->child;
		if (n == top)
			break;
		struct node *p = n->parent;
		p->child = n->next;
		if (n->next)
			n->next->prev = NULL;
		node_free(t, n);
		n = p;
	}
	node_free(t, top);
}

int tree_create(struct tree **out, uint64_t max_nodes, uint32_t max_path, struct sb_error *err)
{
	struct tree *t = calloc(1, sizeof(*t));
	if (!t)
		return error_set(err, ENOMEM, "out of memory");
	t->nbuckets = 1024;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	t->root = calloc(1, sizeof(*t->root) + 1);
	if (!t->buckets || !t->root) {
		tree_destroy(t);
		return error_set(err, ENOMEM, "out of memory");
	}
	t->root->meta.mode = S_IFDIR | 0755;
	t->max_nodes = max_nodes;
	t->max_path = max_path && max_path < TREE_PATH_MAX ? max_path : TREE_PATH_MAX;
	t->steps = max_nodes * 64 + (1u << 20);
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
		t->seed = (uintptr_t)t ^ 0x5bd1e995u;
	*out = t;
	return 0;
}

void tree_destroy(struct tree *t)
{
	if (!t)
		return;
	if (t->root && t->buckets)
		while (t->root->child)
			tree_node_remove(t, t->root->child);
	free(t->root);
	free(t->buckets);
	free(t);
}

void tree_set_layer(struct tree *t, uint32_t layer)
{
	t->layer = layer;
}

uint64_t tree_count(const struct tree *t)
{
	return t->count;
}
