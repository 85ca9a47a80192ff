/* Path handling for the merged tree: normalization of tar names and resolution
 * of parent directories through symlinks, confined to the tree's root. */
#include "tree_int.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

int tree_path_normalize(const char *in, char *out, uint32_t max, struct sb_error *err)
{
	size_t o = 0;
	const char *p = in;
	while (*p) {
		while (*p == '/')
			p++;
		const char *c = p;
		while (*p && *p != '/')
			p++;
		size_t len = (size_t)(p - c);
		if (len == 0 || (len == 1 && c[0] == '.'))
			continue;
		if (len == 2 && c[0] == '.' && c[1] == '.') {
			if (o == 0)
				return error_set(err, EINVAL,
						 "path `%.200s` escapes the image root", in);
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--; /* the separator */
			continue;
		}
		if (o + (o ? 1 : 0) + len > max)
			return error_set(err, ENAMETOOLONG,
					 "path `%.200s...` longer than %u bytes (--max-path)", in,
					 max);
		if (o)
			out[o++] = '/';
		memcpy(out + o, c, len);
		o += len;
	}
	out[o] = '\0';
	return 0;
}

static int follow(struct tree *t, struct node *link, int create, int *hops, struct node **out,
		  struct sb_error *err)
{
	if (++*hops > TREE_MAX_HOPS)
		return error_set(err, ELOOP, "too many levels of symlinks at `%.200s`", link->name);
	const char *target = link->symlink;
	struct node *base = target[0] == '/' ? t->root : link->parent;
	return tree_walk_dirs(t, base, target, strlen(target), create, hops, out, err);
}

int tree_walk_dirs(struct tree *t, struct node *dir, const char *path, size_t len, int create,
		   int *hops, struct node **out, struct sb_error *err)
{
	const char *p = path, *end = path + len;
	while (p < end) {
		const char *c = p;
		while (p < end && *p != '/')
			p++;
		size_t clen = (size_t)(p - c);
		if (p < end)
			p++;
		if (clen == 0 || (clen == 1 && c[0] == '.'))
			continue;
		if (t->steps-- == 0)
			return error_set(err, E2BIG, "path resolution work limit reached");
		if (clen == 2 && c[0] == '.' && c[1] == '.') {
			dir = dir->parent ? dir->parent : t->root;
			continue;
		}
		struct node *n = tree_lookup(t, dir, c, clen);
		if (!n && !create) {
			*out = NULL;
			return 0;
		}
		if (!n) {
			int r = tree_node_new(t, dir, c, clen, &n, err);
			if (r < 0)
				return r;
		}
		if (S_ISLNK(n->meta.mode)) {
			int r = follow(t, n, create, hops, &n, err);
			if (r < 0 || !n) {
				*out = NULL;
				return r;
			}
		} else if (!S_ISDIR(n->meta.mode)) {
			return error_set(err, ENOTDIR, "`%.*s` is not a directory", (int)clen, c);
		}
		dir = n;
	}
	*out = dir;
	return 0;
}
