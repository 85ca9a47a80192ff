/* Single-layer images straight from tar to cpio: no spill file, no tree.
 *
 * Merging one layer changes nothing when its tar already is what the merge
 * would write: every path once, every parent an earlier directory entry (not
 * a symlink: the merge would follow it), no whiteouts, nothing under
 * /.sandbox, hard links to earlier regular files, only types and sizes the
 * merge accepts. Then each entry is written as it is read, in tar order, which
 * the kernel's unpacker takes as well as the sorted order (parents first is
 * all it needs). The first entry that breaks a rule returns LAYER_FALLBACK and
 * the caller merges from the start; hostile tars can thus cost two passes,
 * never a different result.
 *
 * Hard links: the kernel links a name to an earlier entry only if that entry
 * had nlink >= 2 (init/initramfs.c maybe_link), and a tar only says that a
 * file has more names when the next name comes. The file's header stays in
 * the uncompressed LZ4 blocks for at least LZ4LEGACY_MAX_HOLD blocks (16 MiB,
 * lz4legacy_hold), so its nlink is patched there; a link further away than
 * that falls back. (The 190 MiB Debian rootfs of bench/pack has two, 3.6 and
 * 12 MiB after their files.) The data goes with the first name, the later names are
 * empty (the kernel opens them without truncating; GNU cpio defers them). */
#include "pack_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "abi.h"
#include "lz4legacy.h"

/* One path written so far. */
struct rec {
	struct rec *next;
	struct rec *leader; /* hard links: the first name of the file, else itself */
	uint64_t hdr_off;   /* where this name's cpio header starts */
	int64_t mtime;
	uint32_t mode, uid, gid, ino, nlink;
	uint32_t len;
	char path[];
};

struct direct {
	struct pack_out o;
	struct rec **buckets;
	size_t nbuckets, count;
	uint64_t seed;
	uint32_t next_ino, max_path;
};

static size_t slot(const struct direct *d, const char *p, size_t len)
{
	uint64_t h = d->seed;
	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)p[i];
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	h *= 0xff51afd7ed558ccdull;
	return (size_t)(h ^ (h >> 33)) & (d->nbuckets - 1);
}

static struct rec *lookup(const struct direct *d, const char *p, size_t len)
{
	for (struct rec *r = d->buckets[slot(d, p, len)]; r; r = r->next)
		if (r->len == len && !memcmp(r->path, p, len))
			return r;
	return NULL;
}

static void grow(struct direct *d)
{
	size_t nb = d->nbuckets * 2;
	struct rec **b = calloc(nb, sizeof(*b));
	if (!b)
		return; /* longer chains: slower, still correct */
	struct rec **old = d->buckets;
	size_t on = d->nbuckets;
	d->buckets = b;
	d->nbuckets = nb;
	for (size_t i = 0; i < on; i++)
		for (struct rec *r = old[i], *next; r; r = next) {
			next = r->next;
			size_t k = slot(d, r->path, r->len);
			r->next = b[k];
			b[k] = r;
		}
	free(old);
}

static int add(struct direct *d, const char *path, const struct tree_entry *e, struct rec **out,
	       struct sb_error *err)
{
	size_t len = strlen(path);
	struct rec *r = calloc(1, sizeof(*r) + len + 1);
	if (!r)
		return error_set(err, ENOMEM, "out of memory");
	memcpy(r->path, path, len + 1);
	r->len = (uint32_t)len;
	r->leader = r;
	r->mode = e->mode;
	r->uid = e->uid;
	r->gid = e->gid;
	r->mtime = e->mtime;
	r->hdr_off = d->o.w.offset;
	size_t k = slot(d, path, len);
	r->next = d->buckets[k];
	d->buckets[k] = r;
	if (++d->count > d->nbuckets)
		grow(d);
	*out = r;
	return 0;
}

/* A hard link to an earlier regular file: same inode, no data, and the
 * file's first header patched to the new link count. */
static int link_to(struct direct *d, const char *path, const struct tree_entry *e,
		   struct sb_error *err)
{
	struct rec *t = lookup(d, e->link, strlen(e->link)), *r;
	if (!t || !S_ISREG(t->mode) || t->leader->nlink == UINT32_MAX)
		return LAYER_FALLBACK; /* links to other types are copies in a merge */
	t = t->leader;
	char f[CPIO_FIELD_LEN];
	cpio_field(t->nlink + 1, f);
	if (lz4legacy_patch(d->o.z, t->hdr_off + CPIO_NLINK_OFF, f, sizeof(f)) < 0 && t->nlink == 1)
		return LAYER_FALLBACK; /* out with nlink 1: the kernel would not link to it */
	t->nlink++;
	struct tree_entry same = {.mode = t->mode, .uid = t->uid, .gid = t->gid, .mtime = t->mtime};
	int rc = add(d, path, &same, &r, err);
	if (rc < 0)
		return rc;
	r->leader = t;
	struct cpio_entry c = {
	    .name = path,
	    .ino = t->ino,
	    .mode = t->mode,
	    .uid = t->uid,
	    .gid = t->gid,
	    .nlink = t->nlink,
	    .mtime = cpio_mtime(t->mtime),
	};
	return pack_out_header(&d->o, &c, NULL, err);
}

/* Entries a merge would treat differently from a plain write (see the top). */
static int needs_merge(struct direct *d, const char *path, const struct tree_entry *e)
{
	size_t rl = strlen(ABI_DIR + 1);
	if (!strncmp(path, ABI_DIR + 1, rl) && (path[rl] == '/' || !path[rl]))
		return 1;
	const char *slash = strrchr(path, '/');
	struct rec *parent = slash ? lookup(d, path, (size_t)(slash - path)) : NULL;
	if (lookup(d, path, strlen(path)) || (slash && (!parent || !S_ISDIR(parent->mode))))
		return 1;
	return tree_entry_check(e, d->max_path) != 0;
}

static int on_entry(void *ctx, const char *path, const struct tree_entry *e, struct sb_error *err)
{
	struct direct *d = ctx;
	if (!path[0]) /* the root stays a 0755 root directory */
		return S_ISDIR(e->mode) && !e->hardlink ? 0 : LAYER_FALLBACK;
	if (needs_merge(d, path, e))
		return LAYER_FALLBACK;
	if (e->hardlink)
		return link_to(d, path, e, err);
	struct rec *r;
	int rc = add(d, path, e, &r, err);
	if (rc < 0)
		return rc;
	r->ino = ++d->next_ino;
	r->nlink = S_ISDIR(e->mode) ? 2 : 1;
	const char *sym = S_ISLNK(e->mode) ? e->link : NULL;
	struct cpio_entry c = {
	    .name = path,
	    .ino = r->ino,
	    .mode = e->mode,
	    .uid = e->uid,
	    .gid = e->gid,
	    .nlink = r->nlink,
	    .mtime = cpio_mtime(e->mtime),
	    .size = (uint32_t)(S_ISREG(e->mode) ? e->size
			       : sym		? strlen(sym)
						: 0),
	    .rdev_major = e->rdev_major,
	    .rdev_minor = e->rdev_minor,
	};
	return pack_out_header(&d->o, &c, sym, err);
}

static int on_data(void *ctx, const void *buf, size_t len, struct sb_error *err)
{
	struct direct *d = ctx;
	return cpio_write_data(&d->o.w, buf, len, err);
}

static void direct_free(struct direct *d)
{
	for (size_t i = 0; d->buckets && i < d->nbuckets; i++)
		for (struct rec *r = d->buckets[i], *next; r; r = next) {
			next = r->next;
			free(r);
		}
	free(d->buckets);
	free(d);
}

static int stream(struct direct *d, const struct oci_image *img, const struct pack_limits *lim,
		  struct pack_meter *m, struct sb_error *err)
{
	struct oci_file f;
	struct layer_source src;
	struct layer_budget b;
	struct layer_out out = {on_entry, on_data, d};
	pack_budget(lim, &b);
	pack_meter_phase(m, "reading layers", img->layers[0].blob.size);
	int r = pack_layer_open(img, 0, lim, &f, err);
	if (r < 0)
		return r;
	pack_layer_source(img, 0, &f, m, &src);
	r = layer_stream(0, &src, &out, &b, err);
	oci_file_close(&f);
	return r;
}

int pack_direct(const struct oci_image *img, int out_fd, const struct pack_limits *lim,
		struct pack_meter *m, struct pack_stats *st, struct sb_error *err)
{
	if (img->nlayers != 1)
		return LAYER_FALLBACK;
	struct direct *d = calloc(1, sizeof(*d));
	if (!d || !(d->buckets = calloc(d->nbuckets = 1024, sizeof(*d->buckets)))) {
		free(d);
		return error_set(err, ENOMEM, "out of memory");
	}
	if (getrandom(&d->seed, sizeof(d->seed), GRND_NONBLOCK) != sizeof(d->seed))
		d->seed = (uintptr_t)d ^ 0x9e3779b97f4a7c15ull;
	d->max_path = pack_max_path(lim);
	int r = pack_out_open(&d->o, out_fd, 1, err);
	if (r == 0) {
		r = stream(d, img, lim, m, err);
		int r2 = pack_out_close(&d->o, r == 0, out_fd, st, err);
		if (r == 0)
			r = r2;
	}
	direct_free(d);
	return r;
}
