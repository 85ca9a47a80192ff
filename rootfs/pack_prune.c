/* The packed-image cache as a whole: listing its images and pruning them.
 *
 * Concurrent packs: a pack writes a `.tmp-*` file that it holds flock'd until
 * it is renamed; prune removes a temp file only when it is over an hour old
 * and its lock can be taken (it then holds the lock while unlinking), so a
 * file being written is never removed. Images themselves only ever appear by
 * rename, complete; removing one that a run is reading is safe (the open file
 * stays readable), a run that resolved the path but has not opened it yet
 * fails and can be retried. */
#include "pack.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"

#define STALE_TMP_SECS 3600
#define MAX_ENTRIES 1000000

/* "<64 hex>.v<N><suffix>" -> key and version; 0 if the name is not one. */
static int entry_name(const char *name, const char *suffix, struct pack_cache_entry *e)
{
	size_t i;
	for (i = 0; i < DIGEST_HEX_LEN; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	int version, end = 0;
	if (sscanf(name + DIGEST_HEX_LEN, ".v%d%n", &version, &end) != 1 || end == 0 ||
	    strcmp(name + DIGEST_HEX_LEN + (size_t)end, suffix))
		return 0;
	memcpy(e->key, name, DIGEST_HEX_LEN);
	e->key[DIGEST_HEX_LEN] = '\0';
	e->version = version;
	return 1;
}

static int image_name(const char *name, struct pack_cache_entry *e)
{
	return entry_name(name, ".cpio.lz4", e);
}

static int recent_first(const void *a, const void *b)
{
	const struct pack_cache_entry *x = a, *y = b;
	return (x->last_used < y->last_used) - (x->last_used > y->last_used);
}

static DIR *images_open(const char *cache_dir, struct sb_error *err, int *r)
{
	cleanup_free char *dir = NULL;
	*r = 0;
	if (!cache_dir || !cache_dir[0]) {
		*r = error_set(err, EINVAL, "no cache directory");
		return NULL;
	}
	if (asprintf(&dir, "%s/images", cache_dir) < 0) {
		*r = error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	DIR *d = opendir(dir);
	if (!d && errno != ENOENT)
		*r = error_set(err, errno, "open cache `%s`", dir);
	return d;
}

int pack_cache_list(const char *cache_dir, struct pack_cache_entry **out, size_t *n,
		    struct sb_error *err)
{
	*out = NULL;
	*n = 0;
	int r;
	DIR *d = images_open(cache_dir, err, &r);
	if (!d)
		return r;
	struct pack_cache_entry *v = NULL, e;
	size_t cap = 0;
	struct dirent *de;
	struct stat st;
	while (r == 0 && (de = readdir(d))) {
		if (!image_name(de->d_name, &e) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		e.size = (uint64_t)st.st_size;
		e.last_used = st.st_atime > st.st_mtime ? st.st_atime : st.st_mtime;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			struct pack_cache_entry *p =
			    cap <= MAX_ENTRIES ? realloc(v, cap * sizeof(*v)) : NULL;
			if (!p) {
				r = error_set(err, ENOMEM, "cache listing: out of memory");
				break;
			}
			v = p;
		}
		v[(*n)++] = e;
	}
	closedir(d);
	if (r < 0) {
		free(v);
		*n = 0;
		return r;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), recent_first);
	*out = v;
	return 0;
}

/* A pack's temp file: removed when stale and not locked by a running pack. */
static void prune_tmp(int dfd, const char *name, struct pack_prune_stats *st)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return;
	struct stat s;
	if (fstat(fd, &s) == 0 && S_ISREG(s.st_mode) && time(NULL) - s.st_mtime > STALE_TMP_SECS &&
	    flock(fd, LOCK_EX | LOCK_NB) == 0 && unlinkat(dfd, name, 0) == 0) {
		st->files++;
		st->bytes += (uint64_t)s.st_size;
	}
	close(fd); /* drops the lock */
}

/* cache_dir/archives (pack_archive.c): every record with all, else only
 * stale temp files. Records are bookkeeping, not counted. */
static void prune_archives(const char *cache_dir, int all)
{
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/archives", cache_dir) < 0)
		return;
	DIR *d = opendir(path);
	if (!d)
		return;
	struct pack_prune_stats ignored;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, ".tmp-", 5))
			prune_tmp(dirfd(d), de->d_name, &ignored);
		else if (all && de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

int pack_cache_prune(const char *cache_dir, int all, struct pack_prune_stats *st,
		     struct sb_error *err)
{
	memset(st, 0, sizeof(*st));
	int r;
	DIR *d = images_open(cache_dir, err, &r);
	if (!d)
		return r;
	struct dirent *de;
	struct pack_cache_entry e;
	struct stat s;
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, ".tmp-", 5)) {
			prune_tmp(dirfd(d), de->d_name, st);
			continue;
		}
		/* an image's record goes with it (an orphan record is harmless: a
		 * hit also needs the image) */
		if (entry_name(de->d_name, ".meta", &e)) {
			if (all || e.version != PACK_FORMAT_VERSION)
				unlinkat(dirfd(d), de->d_name, 0);
			continue;
		}
		if (!image_name(de->d_name, &e) || (!all && e.version == PACK_FORMAT_VERSION) ||
		    fstatat(dirfd(d), de->d_name, &s, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0) {
			r = error_set(err, errno, "remove `%s`", de->d_name);
			break;
		}
		st->files++;
		st->bytes += (uint64_t)s.st_size;
	}
	closedir(d);
	if (r == 0)
		prune_archives(cache_dir, all);
	return r;
}
