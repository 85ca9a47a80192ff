/* The snapshot cache as a whole: listing its snapshots, pruning them and the leftovers of
 * runs that ended while making or removing one. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "snapshot_int.h"
#include "workset.h"

#define MAX_ENTRIES 100000

/* The names in dfd (without . and ..), read before any is removed. */
static int read_names(int dfd, char ***out, size_t *n, struct sb_error *err)
{
	*out = NULL;
	*n = 0;
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return error_set(err, errno, "read the snapshot cache");
	}
	rewinddir(d);
	char **v = NULL;
	size_t cap = 0;
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			char **p = cap < MAX_ENTRIES ? realloc(v, (cap ? cap * 2 : 32) * sizeof(*v))
						     : NULL;
			if (!p) {
				r = error_set(err, ENOMEM, "snapshot cache: too many entries");
				break;
			}
			v = p;
			cap = cap ? cap * 2 : 32;
		}
		if (!(v[*n] = strdup(de->d_name)))
			r = error_set(err, ENOMEM, "out of memory");
		else
			(*n)++;
	}
	closedir(d);
	*out = v;
	return r;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* A snapshot directory's entry: usable when its meta parses and names it. */
static void describe(int dfd, const char *key, struct snapshot_entry *e, struct snapshot_meta *m)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->key, key, SNAPSHOT_KEY_HEX + 1);
	struct stat st;
	if (fstatat(dfd, key, &st, AT_SYMLINK_NOFOLLOW) == 0)
		e->created = st.st_mtime > 0 ? (uint64_t)st.st_mtime : 0;
	cleanup_close int kfd = openat(dfd, key, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	uint8_t raw[32];
	snapshot_key_valid(key, raw);
	if (kfd >= 0 && snapshot_meta_read(kfd, key, m, NULL) == 0 && !memcmp(m->key, raw, 32)) {
		e->usable = 1;
		e->created = m->created;
	}
	e->disk_bytes = snapshot_du(dfd, key);
}

static int newest_first(const void *a, const void *b)
{
	const struct snapshot_entry *x = a, *y = b;
	return (x->created < y->created) - (x->created > y->created);
}

int snapshot_cache_list(const char *cache, struct snapshot_entry **out, size_t *n,
			struct sb_error *err)
{
	*out = NULL;
	*n = 0;
	cleanup_close int dfd = snapshot_dir_open(cache, 0, err);
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	char **names;
	size_t count;
	int r = read_names(dfd, &names, &count, err);
	struct snapshot_entry *v = r == 0 && count ? calloc(count, sizeof(*v)) : NULL;
	if (r == 0 && count && !v)
		r = error_set(err, ENOMEM, "out of memory");
	struct snapshot_meta m;
	for (size_t i = 0; r == 0 && i < count; i++)
		if (snapshot_key_valid(names[i], NULL))
			describe(dfd, names[i], &v[(*n)++], &m);
	free_names(names, count);
	if (r < 0) {
		free(v);
		*n = 0;
		return r;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), newest_first);
	*out = v;
	return 0;
}

/* .tmp-<key>-<pid>: removed when no run holds key's lock (only the holder writes
 * one); a name that does not parse, when over SNAPSHOT_STALE_TMP_SECS old. */
static void prune_tmp(int dfd, const char *name, struct snapshot_prune_stats *st)
{
	char key[SNAPSHOT_KEY_HEX + 1];
	const char *k = name + strlen(SNAPSHOT_TMP_PREFIX);
	int lk = -1;
	if (strlen(k) > SNAPSHOT_KEY_HEX && k[SNAPSHOT_KEY_HEX] == '-') {
		memcpy(key, k, SNAPSHOT_KEY_HEX);
		key[SNAPSHOT_KEY_HEX] = '\0';
		if (!snapshot_key_valid(key, NULL) || (lk = snapshot_lock(dfd, key)) < 0)
			return;
	} else {
		struct stat s;
		if (fstatat(dfd, name, &s, AT_SYMLINK_NOFOLLOW) < 0 ||
		    time(NULL) - s.st_mtime <= SNAPSHOT_STALE_TMP_SECS)
			return;
	}
	uint64_t bytes = snapshot_du(dfd, name);
	if (snapshot_rmtree(dfd, name) == 0) {
		st->snapshots++;
		st->bytes += bytes;
	}
	if (lk >= 0)
		snapshot_unlock(dfd, key, lk);
}

/* A kept snapshot's .workset-<pid> files once over SNAPSHOT_STALE_TMP_SECS
 * old: recordings of runs that were killed (a live one is written within
 * its run, then renamed or removed). */
static void prune_workset_tmp(int dfd, const char *name, struct snapshot_prune_stats *st)
{
	struct sb_error err = {0};
	cleanup_close int sd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char **names = NULL;
	size_t count = 0;
	if (sd < 0 || read_names(sd, &names, &count, &err) < 0) {
		free_names(names, count);
		return;
	}
	for (size_t i = 0; i < count; i++) {
		struct stat s;
		if (strncmp(names[i], WORKSET_TMP_PREFIX, strlen(WORKSET_TMP_PREFIX)) ||
		    fstatat(sd, names[i], &s, AT_SYMLINK_NOFOLLOW) < 0 ||
		    time(NULL) - s.st_mtime <= SNAPSHOT_STALE_TMP_SECS)
			continue;
		if (unlinkat(sd, names[i], 0) == 0)
			st->bytes += (uint64_t)s.st_blocks * 512;
	}
	free_names(names, count);
}

/* One entry of the snapshot directory. */
static int prune_one(int dfd, const char *name, int all, uint64_t max_age,
		     struct snapshot_prune_stats *st)
{
	size_t len = strlen(name), sl = strlen(SNAPSHOT_LOCK_SUFFIX);
	if (!strncmp(name, SNAPSHOT_TMP_PREFIX, strlen(SNAPSHOT_TMP_PREFIX))) {
		prune_tmp(dfd, name, st);
	} else if (!strncmp(name, SNAPSHOT_OLD_PREFIX, strlen(SNAPSHOT_OLD_PREFIX))) {
		uint64_t bytes = snapshot_du(dfd, name); /* half removed: finish it */
		if (snapshot_rmtree(dfd, name) == 0) {
			st->snapshots++;
			st->bytes += bytes;
		}
	} else if (len == SNAPSHOT_KEY_HEX + sl &&
		   !strcmp(name + SNAPSHOT_KEY_HEX, SNAPSHOT_LOCK_SUFFIX)) {
		char key[SNAPSHOT_KEY_HEX + 1];
		memcpy(key, name, SNAPSHOT_KEY_HEX);
		key[SNAPSHOT_KEY_HEX] = '\0';
		int lk = snapshot_key_valid(key, NULL) ? snapshot_lock(dfd, key) : -1;
		if (lk >= 0)
			snapshot_unlock(dfd, key, lk); /* nobody's: unlinked */
	} else if (snapshot_key_valid(name, NULL)) {
		struct snapshot_entry e;
		struct snapshot_meta m;
		describe(dfd, name, &e, &m);
		uint64_t now = (uint64_t)time(NULL);
		int old = max_age && now > e.created && now - e.created > max_age;
		if (all || !e.usable || old) {
			int r = snapshot_remove(dfd, name, &st->bytes);
			if (r < 0 && r != -ENOENT)
				return r;
			st->snapshots += r == 0;
		} else {
			prune_workset_tmp(dfd, name, st);
		}
	}
	return 0;
}

int snapshot_cache_prune(const char *cache, int all, uint64_t max_age,
			 struct snapshot_prune_stats *st, struct sb_error *err)
{
	memset(st, 0, sizeof(*st));
	cleanup_close int dfd = snapshot_dir_open(cache, 0, err);
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return dfd;
	char **names;
	size_t count;
	int r = read_names(dfd, &names, &count, err);
	for (size_t i = 0; r == 0 && i < count; i++) {
		r = prune_one(dfd, names[i], all, max_age, st);
		if (r < 0)
			error_set(err, -r, "remove snapshot %.12s", names[i]);
	}
	free_names(names, count);
	return r;
}
