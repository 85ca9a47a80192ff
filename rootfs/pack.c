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
 * Compression: LZ4_compress_default. HC levels shrink the archive ~15% but cost
 * 5-10x the time on the first run, while the guest decompresses both equally
 * fast and the archive only crosses memory, never a network. */
#include "pack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abi.h"
#include "cleanup.h"
#include "cpio.h"
#include "layer.h"
#include "lz4legacy.h"
#include "oci.h"
#include "pack_int.h"
#include "tree.h"

#define PACK_LZ4_LEVEL 1

_Static_assert(PACK_PATH_LIMIT == TREE_PATH_MAX, "pack.h and tree.h disagree on the path limit");

void pack_limits_default(struct pack_limits *lim)
{
	lim->max_unpacked_bytes = 8ull << 30;
	lim->max_entries = 2u << 20;
	lim->max_path = TREE_PATH_MAX;
	lim->progress = NULL;
}

uint32_t pack_max_path(const struct pack_limits *lim)
{
	return lim->max_path && lim->max_path < TREE_PATH_MAX ? lim->max_path : TREE_PATH_MAX;
}

static int merge_layers(const struct oci_image *img, struct tree *t, struct layer_spill *spill,
			const struct pack_limits *lim, struct pack_meter *m, struct sb_error *err)
{
	struct layer_budget b = {
	    .bytes_left = lim->max_unpacked_bytes,
	    .spill_left = lim->max_unpacked_bytes,
	    .entries_left = lim->max_entries,
	    .max_path = pack_max_path(lim),
	};
	uint64_t total = 0;
	for (size_t i = 0; i < img->nlayers; i++)
		total += img->layers[i].blob.size;
	pack_meter_phase(m, "reading layers", total);
	for (size_t i = 0; i < img->nlayers; i++) {
		const struct oci_layer *l = &img->layers[i];
		struct oci_file f;
		if (oci_layer_open(img, i, &f, err) < 0)
			return error_prefix(err, "layer %zu", i);
		struct layer_source src = {
		    .fd = f.fd,
		    .digest = l->blob.digest[0] ? l->blob.digest : NULL,
		    .size = f.size,
		    .diff_id = l->diff_id,
		    .off = f.off,
		    .progress = pack_meter_add,
		    .progress_ctx = m,
		};
		int r = layer_apply(t, (uint32_t)i, &src, spill, &b, err);
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

/* Guest RAM an unpacked entry takes: its data in whole pages, plus an
 * inode and a dentry (about 0.6 + 0.2 KiB on 6.1 x86_64, rounded up). */
#define PACK_RAM_PAGE 4096u
#define PACK_RAM_PER_ENTRY 1024u

struct emitter {
	struct cpio_writer w;
	uint64_t ram; /* PACK_RAM_* estimate so far */
	struct lz4legacy *z;
	struct pack_meter *meter;
	int spill_fd;
};

static int lz4_sink(void *ctx, const void *buf, size_t len, struct sb_error *err)
{
	return lz4legacy_write(ctx, buf, len, err);
}

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
	    .mtime = v->mtime < 0	     ? 0
		     : v->mtime > UINT32_MAX ? UINT32_MAX
					     : (uint32_t)v->mtime,
	    .size = (uint32_t)v->size,
	    .rdev_major = v->rdev_major,
	    .rdev_minor = v->rdev_minor,
	};
	pack_meter_set(em->meter, em->w.offset);
	em->ram +=
	    PACK_RAM_PER_ENTRY + (v->size + PACK_RAM_PAGE - 1) / PACK_RAM_PAGE * PACK_RAM_PAGE;
	int r = cpio_write_header(&em->w, &e, err);
	if (r < 0 || v->size == 0)
		return r;
	if (v->symlink)
		return cpio_write_data(&em->w, v->symlink, v->size, err);
	/* Straight from the spill file into the LZ4 block being filled. */
	for (uint64_t done = 0; done < v->size;) {
		uint8_t *dst;
		size_t n;
		if ((r = lz4legacy_space(em->z, &dst, &n, err)) < 0)
			return r;
		if (n > v->size - done)
			n = (size_t)(v->size - done);
		ssize_t got = pread(em->spill_fd, dst, n, (off_t)(v->data_off + done));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return error_set(err, got < 0 ? errno : EIO, "read spill file");
		lz4legacy_advance(em->z, (size_t)got);
		if ((r = cpio_note_data(&em->w, (size_t)got, err)) < 0)
			return r;
		done += (uint64_t)got;
		pack_meter_set(em->meter, em->w.offset);
	}
	release(em->spill_fd, v->data_off, v->size);
	return 0;
}

/* Write the tree as one cpio inside one LZ4 legacy stream, then pad the file
 * with zeros to a multiple of 4 (the kernel skips zeros between archives and
 * wants the next one 4-aligned). */
static int write_initramfs(struct tree *t, int spill_fd, int out_fd, struct pack_meter *m,
			   struct pack_stats *st, struct sb_error *err)
{
	struct emitter *em = calloc(1, sizeof(*em));
	if (!em)
		return error_set(err, ENOMEM, "out of memory");
	em->spill_fd = spill_fd;
	em->meter = m;
	int r = lz4legacy_open(&em->z, out_fd, PACK_LZ4_LEVEL, err);
	if (r == 0) {
		cpio_writer_init(&em->w, lz4_sink, em->z);
		r = tree_walk(t, emit, em, err);
		if (r == 0)
			r = cpio_write_trailer(&em->w, err);
		uint64_t written = 0;
		if (r == 0)
			r = lz4legacy_close(em->z, &written, err);
		else
			lz4legacy_abort(em->z);
		static const uint8_t zeros[4];
		size_t pad = (size_t)((4 - (written & 3)) & 3);
		if (r == 0 && pad && write(out_fd, zeros, pad) != (ssize_t)pad)
			r = error_set(err, errno ? errno : EIO, "write padding");
		st->stream_size = written;
		st->file_size = written + pad;
		st->cpio_bytes = em->w.offset;
		st->ram_bytes = em->ram;
	}
	free(em);
	return r;
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
	cleanup_close int spill = pack_tmpfile(spill_dir, err);
	if (spill < 0)
		return spill;
	struct tree *t;
	struct layer_spill sp = {spill, 0};
	int r = tree_create(&t, lim->max_entries, lim->max_path, err);
	if (r < 0)
		return r;
	struct pack_meter m;
	pack_meter_start(&m, lim->progress);
	r = merge_layers(img, t, &sp, lim, &m, err);
	if (r == 0) {
		pack_meter_phase(&m, "writing initramfs", sp.off);
		r = write_initramfs(t, spill, out_fd, &m, st, err);
	}
	pack_meter_end(&m);
	tree_destroy(t);
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
