/* The packed-image cache: <cache_dir>/images/<manifest hex>.v<N>.cpio.lz4,
 * written to a temp file (.tmp-<hex>-XXXXXX, flock'd while it is written so
 * that `cache prune` leaves it alone), fsync'd and renamed so readers never see
 * a partial file. Two concurrent packs of one image both write their own temp
 * file; the second rename replaces an identical file. A use sets the file's
 * atime: `cache ls` shows it as "last used".
 *
 * Beside each image, <hex>.v<N>.meta (pack_meta.c, renamed into place just
 * before the image) records its sizes and the limits it was packed under. A
 * hit needs that record, an image file that matches it (size, magic, block
 * chain, end mark), and limits at least as generous as the recorded ones: an
 * image packed under generous limits is packed again (and refused, or its
 * record tightened) by a run with stricter ones, exactly as a first pack
 * under those limits would be. Anything else is a miss: the image is packed
 * again and replaces what was there. */
#include "pack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "pack_int.h"

int pack_tmpfile(const char *dir, struct sb_error *err)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd >= 0 ? fd : error_set(err, errno, "temp file in `%s`", dir);
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/.spill-XXXXXX", dir) < 0)
		return error_set(err, ENOMEM, "out of memory");
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "temp file in `%s`", dir);
	unlink(path);
	return fd;
}

/* mkdir -p with mode 0700 for the components we create. */
static int mkdirs(const char *path, struct sb_error *err)
{
	cleanup_free char *p = strdup(path);
	if (!p)
		return error_set(err, ENOMEM, "out of memory");
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return error_set(err, errno, "create cache dir `%s`", p);
		*s = c;
		if (!c)
			break;
	}
	struct stat st;
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return error_set(err, ENOTDIR, "cache dir `%s`", path);
	return 0;
}

static int pack_to_cache(const struct oci_image *img, const char *dir, const char *final,
			 const char *meta, const struct pack_limits *lim, struct pack_stats *st,
			 struct sb_error *err)
{
	cleanup_free char *tmp = NULL;
	if (asprintf(&tmp, "%s/.tmp-%s-XXXXXX", dir, img->manifest.digest) < 0)
		return error_set(err, ENOMEM, "out of memory");
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "create `%s`", tmp);
	int r = flock(fd, LOCK_EX | LOCK_NB) < 0 ? error_set(err, errno, "lock `%s`", tmp) : 0;
	if (r == 0)
		r = pack_image(img, fd, dir, lim, st, err);
	if (r == 0 && (fchmod(fd, 0600) < 0 || fsync(fd) < 0))
		r = error_set(err, errno, "fsync `%s`", tmp);
	if (r == 0)
		r = pack_meta_write(dir, meta, st, err);
	if (r == 0 && rename(tmp, final) < 0) /* still locked: renamed, then unlocked */
		r = error_set(err, errno, "rename to `%s`", final);
	if (close(fd) < 0 && r == 0)
		r = error_set(err, errno, "close `%s`", final);
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int pack_cache_hit(const char *final, const char *meta, const struct pack_limits *lim,
		   struct pack_stats *st)
{
	const struct timespec used[2] = {{.tv_nsec = UTIME_NOW}, {.tv_nsec = UTIME_OMIT}};
	if (pack_meta_read(meta, st) < 0 || !pack_meta_limits_ok(st, lim) ||
	    pack_meta_check_image(final, st) < 0)
		return -ENOENT;
	utimensat(AT_FDCWD, final, used, 0); /* last used; failing is harmless */
	return 0;
}

int pack_cache_paths(const char *cache_dir, const char *key, char **dir, char **final, char **meta)
{
	*dir = *final = *meta = NULL;
	if (asprintf(dir, "%s/images", cache_dir) < 0 ||
	    asprintf(final, "%s/%s.v%d.cpio.lz4", *dir, key, PACK_FORMAT_VERSION) < 0 ||
	    asprintf(meta, "%s/%s.v%d.meta", *dir, key, PACK_FORMAT_VERSION) < 0)
		return -ENOMEM;
	return 0;
}

static void hand_out(struct oci_image *img, const struct pack_stats *st, char **final,
		     char **path_out, struct image_config *cfg)
{
	*path_out = steal_ptr(*final);
	*cfg = img->cfg;
	cfg->unpacked_bytes = st->cpio_bytes;
	cfg->guest_ram_bytes = st->ram_bytes;
	memset(&img->cfg, 0, sizeof(img->cfg));
}

int rootfs_prepare(const char *ref, const char *cache_dir, const struct pack_limits *lim,
		   char **path_out, struct image_config *cfg, struct sb_error *err)
{
	struct pack_limits def;
	if (!lim) {
		pack_limits_default(&def);
		lim = &def;
	}
	if (!cache_dir || !cache_dir[0])
		return error_set(err, EINVAL, "no cache directory");
	struct pack_archive arc;
	pack_archive_find(ref, cache_dir, &arc);
	int r = pack_archive_hit(&arc, cache_dir, lim, path_out, cfg);
	if (r == 0) {
		pack_archive_free(&arc);
		return 0;
	}
	struct oci_image img;
	r = oci_image_open(ref, lim->max_unpacked_bytes, &img, err);
	if (r < 0) {
		pack_archive_free(&arc);
		return r;
	}
	cleanup_free char *dir = NULL, *final = NULL, *meta = NULL;
	struct pack_stats st;
	if (pack_cache_paths(cache_dir, img.manifest.digest, &dir, &final, &meta) < 0)
		r = error_set(err, ENOMEM, "out of memory");
	else if ((r = mkdirs(dir, err)) == 0 && pack_cache_hit(final, meta, lim, &st) < 0 &&
		 (r = pack_to_cache(&img, dir, final, meta, lim, &st, err)) < 0)
		error_prefix(err, "pack `%s`", ref);
	if (r == 0) {
		pack_archive_note(&arc, cache_dir, &img);
		hand_out(&img, &st, &final, path_out, cfg);
	}
	pack_archive_free(&arc);
	oci_image_free(&img);
	return r;
}
