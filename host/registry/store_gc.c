/* Collecting the blob store: blobs no name reaches, and temp files. Runs
 * with gc.lock exclusive, so no pull is between storing a blob and naming
 * its image. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "cleanup.h"
#include "manifest.h"
#include "store.h"

struct hexset {
	char (*v)[DIGEST_HEX_LEN + 1];
	size_t n, cap;
};

static int hexset_add(struct hexset *h, const char *hex)
{
	if (!hex || strlen(hex) != DIGEST_HEX_LEN)
		return 0;
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 64;
		void *p = realloc(h->v, cap * sizeof(*h->v));
		if (!p)
			return -ENOMEM;
		h->v = p;
		h->cap = cap;
	}
	memcpy(h->v[h->n++], hex, DIGEST_HEX_LEN + 1);
	return 0;
}

static int hex_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Everything one stored image reaches: its manifest, config, layers, index. */
static int reach(struct store *s, const struct store_image *img, struct hexset *h)
{
	if (hexset_add(h, img->digest) < 0 || hexset_add(h, img->index_digest) < 0)
		return -ENOMEM;
	cleanup_free char *json = NULL;
	size_t len;
	struct oci_image m;
	if (store_blob_read(s, img->digest, OCI_MAX_MANIFEST_JSON, &json, &len, NULL) < 0)
		return 0;
	int r = 0;
	if (manifest_image_parse(json, len, &m, NULL) == 0) {
		r = hexset_add(h, m.config.digest);
		for (size_t i = 0; r == 0 && i < m.nlayers; i++)
			r = hexset_add(h, m.layers[i].blob.digest);
	}
	manifest_image_free(&m);
	return r;
}

static bool is_hex64(const char *name)
{
	size_t i = 0;
	while ((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f'))
		i++;
	return i == DIGEST_HEX_LEN && name[i] == '\0';
}

static int sweep(struct store *s, const struct hexset *keep, struct store_gc_stats *st,
		 struct sb_error *err)
{
	char dir[PATH_MAX + 32];
	snprintf(dir, sizeof(dir), "%s/blobs/sha256", s->dir);
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : error_set(err, errno, "open `%s`", dir);
	struct dirent *e;
	while ((e = readdir(d))) {
		bool tmp = !strncmp(e->d_name, ".tmp-", 5);
		if (!tmp && (!is_hex64(e->d_name) ||
			     bsearch(e->d_name, keep->v, keep->n, sizeof(*keep->v), hex_cmp)))
			continue;
		struct stat sb;
		if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    unlinkat(dirfd(d), e->d_name, 0) == 0) {
			st->files++;
			st->bytes += (uint64_t)sb.st_size;
		}
	}
	closedir(d);
	return 0;
}

int store_gc(struct store *s, struct store_gc_stats *st, struct sb_error *err)
{
	memset(st, 0, sizeof(*st));
	int r = store_lock(s, true, err);
	if (r < 0)
		return r;
	struct store_image *imgs = NULL;
	size_t n = 0;
	struct hexset keep = {0};
	r = store_index_list(s, &imgs, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (reach(s, &imgs[i], &keep) < 0)
			r = registry_fail(err, ENOMEM, "out of memory");
	if (r == 0) {
		qsort(keep.v, keep.n, sizeof(*keep.v), hex_cmp);
		r = sweep(s, &keep, st, err);
	}
	free(keep.v);
	free(imgs);
	store_unlock(s);
	return r;
}
