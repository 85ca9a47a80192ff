/* The snapshot cache: a booted VM saved once its guest init is ready, restored by later runs.
 *
 * Layout: <cache>/snapshots/<key>/ (key: 64 lowercase hex, snapshot_key) holds
 *   memory  guest RAM, sparse, exactly mem_bytes long (zero pages never written);
 *   state   the VMM's state records (host/vmm/snapstate.h), at most SNAP_STATE_MAX bytes;
 *   meta    SNAPSHOT_META_SIZE bytes written last (snapshot_meta_encode): what the
 *           other two must be, and a checksum of itself;
 *   workset the pages a restored run touched (workset.h): added by the first
 *           restored run, by rename, and only advice.
 * A snapshot is made in <cache>/snapshots/.tmp-<key>-<pid>/ under an flock on
 * <cache>/snapshots/<key>.lock, and appears whole, by rename. No file in a snapshot
 * directory is written once it has its final name: a restored VM may keep `memory`
 * mapped MAP_PRIVATE while prune or an expiry removes it.
 *
 * Functions return 0 or a negative errno and fill err with one line. A snapshot that
 * is there but unusable (damaged, another format, made for other inputs) is
 * -EBADMSG (-EPROTO: another SNAPSHOT_FORMAT_VERSION): the caller boots cold and may
 * snapshot_discard it. */
#ifndef SB_SNAPSHOT_H
#define SB_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Bump when the meta layout or what a snapshot holds changes meaning (it is part of
 * every key, too, so older snapshots are simply never found again). */
#define SNAPSHOT_FORMAT_VERSION 1
#define SNAPSHOT_KEY_HEX 64
/* prune removes a `.tmp-` entry whose name holds no key once it is older than this. */
#define SNAPSHOT_STALE_TMP_SECS 3600

/* Everything the saved VM depends on. Every field goes into the key, each one
 * tagged and length-prefixed, so no two different inputs hash alike. Paths must
 * name existing files: their identity (st_dev, st_ino, st_size, st_mtim; never
 * their bytes) is hashed. A NULL pointer and an empty value hash differently. */
struct snapshot_key_input {
	const void *vmm_build; /* the VMM's build identity (e.g. its version string) */
	size_t vmm_build_len;
	const char *kernel_path; /* identity only */
	const char *init_path;	 /* the guest init archive: identity only */
	const char *image_path;	 /* the cached packed image: its path and its identity */
	const char *cmdline;	 /* the guest kernel command line */
	uint32_t vcpus;		 /* vCPU count */
	uint64_t mem_bytes;	 /* guest RAM */
	const char *devices;	 /* the device set, e.g. "net=0 fs=2 exec=0 stdin=0" */
	const void *host_id;	 /* the host CPU/KVM/XSAVE/TSC facts, opaque */
	size_t host_id_len;
	const void *extra_initrd; /* a per-run archive that must be identical (may be NULL) */
	size_t extra_initrd_len;
};

/* The key of in as 64 lowercase hex digits and a NUL. 0, or -errno when a file
 * cannot be stat'ed or a required field (the three paths) is missing. */
int snapshot_key(const struct snapshot_key_input *in, char hex[SNAPSHOT_KEY_HEX + 1],
		 struct sb_error *err);

/* --- meta: a fixed 136-byte little-endian record -------------------------------------
 *   0  magic "SBSNAPM1"          8  u32 version         12  u32 reserved (0)
 *  16  key[32] (raw sha256)     48  u64 mem_bytes      56  u64 state_len
 *  64  state_sha256[32]         96  u64 created (unix seconds)
 * 104  sha256 of bytes 0..103 */
#define SNAPSHOT_META_SIZE 136

struct snapshot_meta {
	uint32_t version;
	uint8_t key[32];
	uint64_t mem_bytes; /* > 0, a multiple of 4096, <= INT64_MAX */
	uint64_t state_len; /* 1..SNAP_STATE_MAX */
	uint8_t state_sha256[32];
	uint64_t created;
};

/* m (version taken as SNAPSHOT_FORMAT_VERSION) as its on-disk bytes. */
void snapshot_meta_encode(const struct snapshot_meta *m, uint8_t out[SNAPSHOT_META_SIZE]);
/* A meta file's bytes, checked: magic, version (-EPROTO when another), size,
 * checksum, ranges (-EBADMSG). Pure: no I/O, no allocation. Whatever it
 * accepts, snapshot_meta_encode gives back byte for byte. */
int snapshot_meta_parse(const void *buf, size_t len, struct snapshot_meta *out,
			struct sb_error *err);

/* --- restoring --------------------------------------------------------------------- */

struct snapshot_hit {
	int mem_fd;	/* `memory`, O_RDONLY|O_CLOEXEC, exactly mem_bytes long */
	uint8_t *state; /* `state`, whole, its length and checksum verified */
	size_t state_len;
	uint64_t created; /* unix seconds */
	char *dir;	  /* <cache>/snapshots/<key> */
};

/* The snapshot of key for mem_bytes of RAM, if there is a usable one. 0 with hit
 * filled (release with snapshot_hit_close); -ENOENT when there is none, or when
 * it is older than max_age seconds (0: no limit; the old one is discarded, err
 * says so); -EBADMSG/-EPROTO when it is there but unusable, another -errno on an
 * I/O error (err set: "snapshot <key12>: state checksum mismatch"). */
int snapshot_open(const char *cache, const char *key, uint64_t mem_bytes, uint64_t max_age,
		  struct snapshot_hit *hit, struct sb_error *err);
/* Closes and frees what hit holds (safe on a zeroed hit or twice; mem_fd -1 after). */
void snapshot_hit_close(struct snapshot_hit *hit);
/* Removes the snapshot of key: renamed away at once, then deleted. 0 or
 * -ENOENT when there was none; other failures are -errno. */
int snapshot_discard(const char *cache, const char *key);

/* SANDBOX_SNAPSHOT_MAX_AGE: "N" seconds or N with one suffix s, m, h or d; NULL
 * (unset) is 0, no limit. Anything else is -EINVAL with err saying what is taken. */
int snapshot_max_age_from_env(const char *val, uint64_t *secs, struct sb_error *err);

/* --- making one -------------------------------------------------------------------- */

struct snapshot_new {
	int mem_fd;   /* `memory`: O_RDWR, mem_bytes long, all holes: pwrite the RAM here */
	int state_fd; /* `state`: O_RDWR, empty: the state records from offset 0 */
	/* private */
	int live;    /* begun and not yet committed or aborted */
	int dir_fd;  /* <cache>/snapshots */
	int lock_fd; /* flock'd <key>.lock */
	uint64_t mem_bytes;
	char key[SNAPSHOT_KEY_HEX + 1];
	char tmp[SNAPSHOT_KEY_HEX + 32]; /* .tmp-<key>-<pid> */
};

/* Starts making the snapshot of key (cache/snapshots created 0700 if missing).
 * -EBUSY when another run is making it (boot cold, make none), -EEXIST when a
 * snapshot of key is already there (open or discard it first). On 0, n's fds
 * are open; end with snapshot_commit or snapshot_abort. */
int snapshot_begin(const char *cache, const char *key, uint64_t mem_bytes, struct snapshot_new *n,
		   struct sb_error *err);
/* Checks what the VMM wrote (memory still mem_bytes long, state 1..SNAP_STATE_MAX
 * bytes), writes meta, fsyncs the three files and the directory, renames it into
 * place (when another run's snapshot got there first, ours is removed: still 0)
 * and releases n whatever the result (on failure the temp directory is removed). */
int snapshot_commit(struct snapshot_new *n, struct sb_error *err);
/* Drops an unfinished snapshot: fds closed, temp directory removed, lock
 * released. A no-op on an n already released, or zeroed and never begun. */
void snapshot_abort(struct snapshot_new *n);

/* --- the cache as a whole (`sandbox cache ls`, `cache prune`) ----------------------- */

struct snapshot_entry {
	char key[SNAPSHOT_KEY_HEX + 1];
	int usable;	     /* its meta parses at this SNAPSHOT_FORMAT_VERSION */
	uint64_t disk_bytes; /* blocks allocated to its files */
	uint64_t created;    /* from meta (unusable: the directory's mtime) */
};

/* The snapshots in cache/snapshots, newest first (none when it does not
 * exist); *out malloc'd. Temp directories are not listed. */
int snapshot_cache_list(const char *cache, struct snapshot_entry **out, size_t *n,
			struct sb_error *err);

struct snapshot_prune_stats {
	uint64_t snapshots; /* snapshot and stale temp directories removed */
	uint64_t bytes;	    /* blocks they held */
};

/* Removes temp directories no run is writing (their key's lock is free) and
 * half-removed ones, lock files no run holds, unusable snapshots, snapshots
 * older than max_age seconds (0: none), and with all every snapshot. */
int snapshot_cache_prune(const char *cache, int all, uint64_t max_age,
			 struct snapshot_prune_stats *st, struct sb_error *err);

#endif
