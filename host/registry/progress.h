/* Pull progress on a terminal, as docker shows it: one line per layer
 * ("a1b2c3d4e5f6: downloading  12.3 MB / 45.6 MB"), redrawn in place.
 * Nothing when stderr is not a terminal. Workers update their own slot;
 * the main thread draws. */
#ifndef SB_REGISTRY_PROGRESS_H
#define SB_REGISTRY_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum progress_state {
	PROGRESS_WAITING,
	PROGRESS_ACTIVE,
	PROGRESS_DONE,
	PROGRESS_HAD,
	PROGRESS_FAILED,
	PROGRESS_PACKING /* the initramfs slot: done / total as a percentage */
};

struct progress_slot {
	char label[16];
	uint64_t total;		   /* atomic (the packer's slot changes it) */
	uint64_t done;		   /* atomic */
	enum progress_state state; /* atomic */
};

struct progress {
	bool on; /* drawing (stderr is a terminal and not quiet) */
	size_t n, drawn;
	struct progress_slot *slot;
};

/* n slots (calloc'd). on: whether to draw at all. */
int progress_init(struct progress *p, size_t n, bool on);
void progress_free(struct progress *p);
void progress_set(struct progress *p, size_t i, enum progress_state st);
void progress_add(struct progress *p, size_t i, uint64_t done);
/* Redraw every line (the first call prints them, later calls overwrite). */
void progress_draw(struct progress *p);

#endif
