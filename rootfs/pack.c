/* Image -> initramfs: merge the layers into a tree, write it as cpio newc through
 * the LZ4 legacy writer, and keep the result in a cache keyed by manifest digest.
 *
 * Where file contents live between reading a layer and writing the cpio: each
 * layer blob is streamed exactly once (decompression is the slowest step, and a
 * single pass lets one read verify the blob digest and the diff_id too), and
 * every regular file's bytes are appended to an unlinked spill file (O_TMPFILE
 * in the cache dir); the tree keeps only (offset, size). The cpio is then
 * written in sorted, parents-first order with pread from the spill file, which
 * sits in the page cache for typical images, straight into the LZ4 block being
 * filled; each file's pages are then released (punched out), so the output's
 * page cache reuses them. Memory stays O(entries); disk use
 * is bounded by max_unpacked_bytes and vanishes with the fd, even on a crash.
 * Re-streaming the blobs instead would need random access into compressed tars
 * (or an unsorted cpio) and a second decompression of every layer.
 *
 * A single-layer image whose tar needs no merging (pack_direct.c) skips all of
 * that: its entries go straight from the tar to the cpio, in tar order. When
 * it turns out to need a merge after all, the output is rewound and the image
 * packed again this way. The output format (LZ4 level) is in pack_out.c. */
#include "pack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi.h"
#include "cleanup.h"
#include "cpio.h"
#include "layer.h"
#include "lz4legacy.h"
#include "oci.h"
#include "pack_int.h"
#include "tree.h"

_Static_assert(PACK_PATH_LIMIT == TREE_PATH_MAX, "pack.h and tree.h disagree on the path limit");

void pack_limits_default(struct pack_limits *lim)
{
	lim->max_unpacked_bytes = 8ull << 30;
	lim->max_entries = 2u << 20;
	lim->max_path = TREE_PATH_MAX;
	lim->progress = NULL;
	lim->layer_wait = NULL;
	lim->layer_wait_ctx = NULL;
}

int pack_layer_open(const struct oci_image *img, size_t i, const struct pack_limits *lim,
		    struct oci_file *f, struct sb_error *err)
{
	const char *hex = img->layers[i].blob.digest;
	int r = lim->layer_wait && hex[0] ? lim->layer_wait(lim->layer_wait_ctx, hex, err) : 0;
	if (r == 0)
		r = oci_layer_open(img, i, f, err);
	return r < 0 ? error_prefix(err, "layer %zu", i) : 0;
}

uint32_t pack_max_path(const struct pack_limits *lim)
{
	return lim->max_path && lim->max_path < TREE_PATH_MAX ? lim->max_path : TREE_PATH_MAX;
}

void pack_budget(const struct pack_limits *lim, struct layer_budget *b)
{
	*b = (struct layer_budget){
	    .bytes_left = lim->max_unpacked_bytes,
	    .spill_left = lim->max_unpacked_bytes,
	    .entries_left = lim->max_entries,
	    .max_path = pack_max_path(lim),
	};
}

void pack_layer_source(const struct oci_image *img, size_t i, const struct oci_file *f,
		       struct pack_meter *m, struct layer_source *src)
{
	const struct oci_layer *l = &img->layers[i];
	*src = (struct layer_source){
	    .fd = f->fd,
	    .digest = l->blob.digest[0] ? l->blob.digest : NULL,
	    .size = f->size,
	    .diff_id = l->diff_id,
	    .off = f->off,
	    .progress = pack_meter_add,
	    .progress_ctx = m,
	};
}

static int merge_layers(const struct oci_image *img, struct tree *t, struct layer_spill *spill,
			const struct pack_limits *lim, struct pack_meter *m, struct sb_error *err)
{
	struct layer_budget b;
	pack_budget(lim, &b);
	uint64_t total = 0;
	for (size_t i = 0; i < img->nlayers; i++)
		total += img->layers[i].blob.size;
	pack_meter_phase(m, "reading layers", total);
	for (size_t i = 0; i < img->nlayers; i++) {
		struct oci_file f;
		struct layer_source src;
		int r = pack_layer_open(img, i, lim, &f, err);
		if (r < 0)
			return r;
		pack_layer_source(img, i, &f, m, &src);
		r = layer_apply(t, (uint32_t)i, &src, spill, &b, err);
		oci_file_close(&f);
		if (r < 0)
			return r;
	}
	/* The guest init and the run config live under /.sandbox: nothing from the
	 * image may be there (a symlink /.sandbox -> /etc would send the run
	 * config into the image's /etc). The VMM also loads the image archive
	 * first so that ours overwrite it, but a directory in a later archive does
	 * not replace an earlier symlink: dropping it here is what makes it safe. */
	return tree_drop(t, ABI_DIR + 1, err);
}

struct emitter {
	struct pack_out o;
	struct pack_meter *meter;
	int spill_fd;
};

/* Each file's content is read exactly once: give its whole pages back (the
 * output file reuses them instead of touching fresh memory). Pages shared
 * with a neighbour stay; failing is harmless. */
static void release(int spill_fd, uint64_t off, uint64_t size)
{
	const uint64_t page = 4096;
	uint64_t start = (off + page - 1) & ~(page - 1), end = (off + size) & ~(page - 1);
	if (end > start)
		fallocate(spill_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)start,
			  (off_t)(end - start));
}

static int emit(void *ctx, const struct tree_visit *v, struct sb_error *err)
{
	struct emitter *em = ctx;
	struct cpio_entry e = {
	    .name = v->path,
	    .ino = v->ino,
	    .mode = v->mode,
	    .uid = v->uid,
	    .gid = v->gid,
	    .nlink = v->nlink,
	    .mtime = cpio_mtime(v->mtime),
	    .size = (uint32_t)v->size,
	    .rdev_major = v->rdev_major,
	    .rdev_minor = v->rdev_minor,
	};
	pack_meter_set(em->meter, em->o.w.offset);
	int r = pack_out_header(&em->o, &e, v->symlink, err);
	if (r < 0 || v->size == 0 || v->symlink)
		return r;
	/* Straight from the spill file into the LZ4 block being filled. */
	for (uint64_t done = 0; done < v->size;) {
		uint8_t *dst;
		size_t n;
		if ((r = lz4legacy_space(em->o.z, &dst, &n, err)) < 0)
			return r;
		if (n > v->size - done)
			n = (size_t)(v->size - done);
		ssize_t got = pread(em->spill_fd, dst, n, (off_t)(v->data_off + done));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return error_set(err, got < 0 ? errno : EIO, "read spill file");
		lz4legacy_advance(em->o.z, (size_t)got);
		if ((r = cpio_note_data(&em->o.w, (size_t)got, err)) < 0)
			return r;
		done += (uint64_t)got;
		pack_meter_set(em->meter, em->o.w.offset);
	}
	release(em->spill_fd, v->data_off, v->size);
	return 0;
}

/* Write the tree as one cpio inside one LZ4 legacy stream. */
static int write_initramfs(struct tree *t, int spill_fd, int out_fd, struct pack_meter *m,
			   struct pack_stats *st, struct sb_error *err)
{
	struct emitter *em = calloc(1, sizeof(*em));
	if (!em)
		return error_set(err, ENOMEM, "out of memory");
	em->spill_fd = spill_fd;
	em->meter = m;
	int r = pack_out_open(&em->o, out_fd, 0, err);
	if (r == 0) {
		r = tree_walk(t, emit, em, err);
		int r2 = pack_out_close(&em->o, r == 0, out_fd, st, err);
		if (r == 0)
			r = r2;
	}
	free(em);
	return r;
}

/* Merge all layers through a tree and the spill file, then write it out. */
static int pack_merged(const struct oci_image *img, int out_fd, const char *spill_dir,
		       const struct pack_limits *lim, struct pack_meter *m, struct pack_stats *st,
		       struct sb_error *err)
{
	cleanup_close int spill = pack_tmpfile(spill_dir, err);
	if (spill < 0)
		return spill;
	struct tree *t;
	struct layer_spill sp = {spill, 0};
	int r = tree_create(&t, lim->max_entries, lim->max_path, err);
	if (r < 0)
		return r;
	r = merge_layers(img, t, &sp, lim, m, err);
	if (r == 0) {
		pack_meter_phase(m, "writing initramfs", sp.off);
		r = write_initramfs(t, spill, out_fd, m, st, err);
	}
	tree_destroy(t);
	return r;
}

/* Stream a single-layer image when out_fd can be rewound (a regular file):
 * 0 or an error when that settled it, LAYER_FALLBACK (fd rewound) if not. */
static int try_direct(const struct oci_image *img, int out_fd, const struct pack_limits *lim,
		      struct pack_meter *m, struct pack_stats *st, struct sb_error *err)
{
	struct stat sb;
	off_t start = lseek(out_fd, 0, SEEK_CUR);
	if (img->nlayers != 1 || start < 0 || fstat(out_fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		return LAYER_FALLBACK;
	int r = pack_direct(img, out_fd, lim, m, st, err);
	if (r != LAYER_FALLBACK)
		return r;
	if (ftruncate(out_fd, start) < 0 || lseek(out_fd, start, SEEK_SET) != start)
		return error_set(err, errno, "rewind the output");
	return LAYER_FALLBACK;
}

int pack_image(const struct oci_image *img, int out_fd, const char *spill_dir,
	       const struct pack_limits *lim, struct pack_stats *st, struct sb_error *err)
{
	struct pack_stats local;
	if (!st)
		st = &local;
	*st = (struct pack_stats){
	    .max_unpacked = lim->max_unpacked_bytes,
	    .max_entries = lim->max_entries,
	    .max_path = pack_max_path(lim),
	};
	struct pack_meter m;
	pack_meter_start(&m, lim->progress);
	int r = try_direct(img, out_fd, lim, &m, st, err);
	if (r == LAYER_FALLBACK)
		r = pack_merged(img, out_fd, spill_dir, lim, &m, st, err);
	pack_meter_end(&m);
	return r;
}

int rootfs_pack_fd(const char *ref, int out_fd, const struct pack_limits *lim, struct sb_error *err)
{
	struct pack_limits def;
	if (!lim) {
		pack_limits_default(&def);
		lim = &def;
	}
	struct oci_image img;
	int r = oci_image_open(ref, lim->max_unpacked_bytes, &img, err);
	if (r < 0)
		return r;
	const char *tmp = getenv("TMPDIR");
	r = pack_image(&img, out_fd, tmp && *tmp ? tmp : "/var/tmp", lim, NULL, err);
	if (r < 0)
		error_prefix(err, "pack `%s`", ref);
	oci_image_free(&img);
	return r;
}
