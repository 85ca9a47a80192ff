/* `sandbox run`'s volumes: the shares' directories, one file server each, the devices and the
 * guest's mounts node. */
#ifndef SB_RUN_VOL_H
#define SB_RUN_VOL_H

#include <stdbool.h>

#include "error.h"
#include "fsd/fsd.h"
#include "runconfig.h"
#include "vmm.h"
#include "volopts.h"

/* The order run_vm follows:
 *
 *   run_vol_open(&rv, &o->vol, ...)  before the pack: every host path
 *                                    resolved (created for -v) and opened
 *   run_vol_start(&rv, ...)          one file server per share, forked
 *                                    before any thread of ours (and before
 *                                    the pack: they confine themselves
 *                                    meanwhile)
 *   run_vol_guest(&rv)               the run config's mounts node
 *   run_vol_ready(&rv, ...)          every server confined and serving
 *   cfg.fs = rv.fs, cfg.n_fs = rv.n
 *   run_vol_close(&rv)               servers stopped, fds closed
 *
 * A host path that is a directory is shared as it is; a regular file is a
 * file bind: its file server runs in single-file mode (fsd_config.file) on
 * the file's directory, serving that one file (pinned when the server
 * starts) and nothing else, and the guest binds the one file. A symlink
 * given as the path is resolved first (docker does the same); what it
 * names must be a directory or a regular file (else 125). */
struct run_vol_share {
	char host[VOLOPTS_PATH_MAX]; /* the shared directory, resolved */
	int dir_fd;		     /* O_PATH | O_DIRECTORY; -1 none */
	char tag[16];		     /* "vol0".. */
	char file[256];		     /* file bind: the name in host; "": the whole directory */
	bool readonly;
	enum fsd_cache cache;
	struct fsd_proc proc;
	bool started;
};

struct run_vol {
	struct run_vol_share share[VOLOPTS_MAX_BINDS];
	unsigned n;
	struct vmm_fs fs[VOLOPTS_MAX_BINDS]; /* for vmm_config, after run_vol_start */
	struct runconfig_mount mounts[VOLOPTS_MAX_MOUNTS];
	struct runconfig_mounts guest;
};

void run_vol_init(struct run_vol *rv);
/* Resolve and open every bind of o (mkdir -p for -v's missing directories,
 * as docker does; --mount's missing source is an error). 0 or -errno with
 * one line naming the option. */
int run_vol_open(struct run_vol *rv, const struct volopts *o, struct sb_error *err);
/* The guest's mounts (parents before children), pointing into rv and o:
 * keep both until the run config is built. */
const struct runconfig_mounts *run_vol_guest(struct run_vol *rv, const struct volopts *o);
/* Fork the file servers (fsd_start). 0 or -errno. */
int run_vol_start(struct run_vol *rv, struct sb_error *err);
/* Wait until each is confined and ready (fsd_ready). 0 or -errno. */
int run_vol_ready(struct run_vol *rv, struct sb_error *err);
/* --debug: the virtio-fs counters in one line on stderr (nothing without volumes). */
void run_vol_stats(const struct run_vol *rv, const struct vmm_stats *st);
void run_vol_close(struct run_vol *rv);

#endif
