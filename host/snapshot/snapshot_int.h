/* Private to the host/snapshot/ sources: the cache directory, key names, locks, removal. */
#ifndef SB_SNAPSHOT_INT_H
#define SB_SNAPSHOT_INT_H

#include <stdint.h>
#include <sys/stat.h>

#include "snapshot.h"

#define SNAPSHOT_DIR "snapshots"
#define SNAPSHOT_MEMORY "memory"
#define SNAPSHOT_STATE "state"
#define SNAPSHOT_META "meta"
#define SNAPSHOT_TMP_PREFIX ".tmp-" /* .tmp-<key>-<pid>: being made */
#define SNAPSHOT_OLD_PREFIX ".old-" /* .old-<key>-<pid>: being removed */
#define SNAPSHOT_LOCK_SUFFIX ".lock"

/* Little-endian fields of the cache's files (meta, workset), any host. */
static inline void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t get_le(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* err: "working set: " and the formatted text, with code as its error; returns -code. */
int workset_fail(struct sb_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 1 when s is exactly 64 lowercase hex digits (then also the raw bytes into raw,
 * which may be NULL). */
int snapshot_key_valid(const char *s, uint8_t raw[32]);

/* <cache>/snapshots opened O_DIRECTORY (made 0700 first when create). -ENOENT
 * when it is not there and !create; err set on other failures. */
int snapshot_dir_open(const char *cache, int create, struct sb_error *err);

/* flock(LOCK_EX|LOCK_NB) on <key>.lock in dfd, made 0600 if missing, checked to
 * still be the file at that name once locked (a holder unlinks it on release).
 * The locked fd, -EBUSY when another process holds it, or -errno. */
int snapshot_lock(int dfd, const char *key);
/* Unlinks the lock file (while still holding it), then closes lock_fd. */
void snapshot_unlock(int dfd, const char *key, int lock_fd);

/* Removes name in dfd and, if it is a directory, what it holds (at most a few
 * levels: ours are flat). Symlinks are removed, never followed; entries
 * already gone are no error. 0 or -errno of the first failure. */
int snapshot_rmtree(int dfd, const char *name);
/* The blocks allocated to the files in directory name of dfd, in bytes. */
uint64_t snapshot_du(int dfd, const char *name);
/* Renames key's directory to .old-<key>-<pid>, then removes it; adds the
 * bytes it held to *bytes (may be NULL). 0, -ENOENT, or -errno. */
int snapshot_remove(int dfd, const char *key, uint64_t *bytes);

/* err: "snapshot <key12>: " and the formatted text, with code as its error
 * (no strerror appended). Returns -code. */
int snapshot_error(struct sb_error *err, int code, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The meta file of the snapshot directory kfd, read (bounded) and parsed. 0 or
 * -errno (-EBADMSG, -EPROTO: see snapshot_meta_parse), err prefixed with the key. */
int snapshot_meta_read(int kfd, const char *key, struct snapshot_meta *m, struct sb_error *err);

/* sha256 of buf. */
void snapshot_sha256(const void *buf, size_t len, uint8_t out[32]);

#endif
