/* sandbox run's snapshots: restore the image's saved VM when there is one, else boot and save it.
 */
#ifndef SB_RUN_SNAP_H
#define SB_RUN_SNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "run.h"
#include "snapshot/snapshot.h"
#include "snapshot/workset.h"
#include "vmm.h"

enum run_snap_mode {
	RUN_SNAP_OFF,	  /* cold boot, nothing saved */
	RUN_SNAP_RESTORE, /* cfg restores hit */
	RUN_SNAP_SAVE,	  /* cfg boots and saves into made */
};

struct run_snap {
	enum run_snap_mode mode;
	char cache[4096];
	char key[SNAPSHOT_KEY_HEX + 1];
	struct snapshot_hit hit;
	struct snapshot_new made;
	char why[256]; /* --debug: why this mode (off: the reason; a damaged snapshot) */
	/* A restore's working set: prefetched from ws, or recorded into ws_fd. */
	struct workset ws;
	int ws_fd;
};

/* What decides the snapshot (besides the host, which we read ourselves). */
struct run_snap_input {
	const char *cache; /* the image cache (snapshots live under it) */
	const char *kernel, *init, *image_path;
	const void *run_archive; /* the per-run archive, which must match too */
	size_t run_archive_len;
};

/* Decide and prepare: with a usable snapshot for cfg's VM, cfg restores it;
 * else, when cfg's VM can be saved and no other run is saving it, cfg saves
 * it; else cold. Never fails the run: anything wrong means a cold boot
 * (s->why says why). A restore prefetches the snapshot's working set, or
 * records it when there is none yet (SANDBOX_SNAPSHOT_PREFETCH=off: neither;
 * =populate: map the pages in instead of reading them ahead). */
void run_snap_prepare(struct run_snap *s, const struct run_opts *o, const struct run_snap_input *in,
		      struct vmm_config *cfg);
/* After vmm_run returned r: keep or drop what was made, print --debug's
 * line. When a restore did not fit (r == -ESTALE) the snapshot is discarded,
 * cfg set back to a cold boot and true returned: run again. */
bool run_snap_finish(struct run_snap *s, const struct run_opts *o, int r,
		     const struct vmm_result *res, struct vmm_config *cfg);

#endif
