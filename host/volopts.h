/* `sandbox run`'s volume options (-v, --mount, --tmpfs, --read-only), parsed strictly. */
#ifndef SB_VOLOPTS_H
#define SB_VOLOPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "util/shown.h"

/* Each volopts_parse_* takes one option's argument, checks it and adds a
 * mount to *v; bad input is -EINVAL with one line naming the option and the
 * value ("invalid -v `data:/d`: named volumes are not supported ..."). Host
 * paths are not touched here (run_vol.c opens them); guest paths are checked
 * and normalized (absolute, no `..`, no repeated or trailing `/`).
 *
 * docker's spellings and meanings:
 *   -v HOST:GUEST[:OPTS]   HOST absolute or starting with `.`; a missing
 *                          HOST directory is created. OPTS, comma-separated:
 *                          ro, rw, and the cache mode: cached or delegated
 *                          (VOLOPTS_CACHE_AUTO, the default), consistent
 *                          (VOLOPTS_CACHE_STRICT). A NAME:GUEST form (no `/`
 *                          or `.` at the start) is a named volume: refused;
 *                          a lone GUEST (anonymous volume) too.
 *   --mount type=bind,source=HOST,target=GUEST[,readonly][,consistency=...]
 *                          the same, but a missing HOST is an error (docker).
 *                          src and destination/dst are accepted for
 *                          source/target, ro for readonly (=true/false/1/0).
 *   --mount type=tmpfs,target=GUEST[,tmpfs-size=SIZE][,tmpfs-mode=OCTAL][,readonly]
 *   --tmpfs GUEST[:OPTS]   OPTS: size=SIZE, mode=OCTAL, ro, rw, exec, noexec,
 *                          nosuid, nodev (the last two are always on).
 *   --read-only            the image's root file system is read-only.
 *
 * A HOST that is a file binds that one file (volopts_mount.file is decided
 * when it is opened: run_vol.c). */

#define VOLOPTS_MAX_BINDS 8   /* one virtio-fs device each (the device manager's GSIs) */
#define VOLOPTS_MAX_MOUNTS 64 /* binds and tmpfs mounts together */
#define VOLOPTS_PATH_MAX 4096 /* bytes of a path, with the NUL */

enum volopts_type { VOLOPTS_BIND, VOLOPTS_TMPFS };

enum volopts_cache {
	VOLOPTS_CACHE_AUTO,   /* the guest caches (docker's cached/delegated) */
	VOLOPTS_CACHE_STRICT, /* nothing cached: the host may change it meanwhile (consistent) */
};

struct volopts_mount {
	enum volopts_type type;
	char *source; /* bind: the host path as given (malloc'd); tmpfs: NULL */
	char *target; /* the guest path, normalized (malloc'd) */
	bool readonly;
	bool create;		  /* bind from -v: create a missing host directory */
	enum volopts_cache cache; /* bind */
	uint64_t tmpfs_size;	  /* bytes; 0: the kernel's default (half the RAM) */
	uint32_t tmpfs_mode;	  /* permission bits; tmpfs default 01777 */
	bool tmpfs_exec;	  /* --tmpfs exec (docker's --tmpfs default is noexec) */
	const char *spec;	  /* the option's argument (not owned), for messages */
	const char *option;	  /* "-v", "--mount" or "--tmpfs" */
};

struct volopts {
	struct volopts_mount m[VOLOPTS_MAX_MOUNTS];
	unsigned n, nbind;
	bool read_only; /* --read-only */
};

void volopts_init(struct volopts *v);
void volopts_free(struct volopts *v);

int volopts_parse_volume(const char *s, struct volopts *v, struct sb_error *err);
int volopts_parse_mount(const char *s, struct volopts *v, struct sb_error *err);
int volopts_parse_tmpfs(const char *s, struct volopts *v, struct sb_error *err);

/* After every option: two mounts on one guest path (docker: "Duplicate
 * mount point"). 0 or -EINVAL. */
int volopts_check(const struct volopts *v, struct sb_error *err);

/* Normalize an absolute guest path into out (VOLOPTS_PATH_MAX bytes):
 * repeated and trailing '/' and `.` components dropped. -EINVAL when it is
 * not absolute, has a `..` component, is `/` itself or lies in /proc, /sys
 * or /.sandbox (the guest's own). */
int volopts_guest_path(const char *s, char out[VOLOPTS_PATH_MAX]);

#endif
