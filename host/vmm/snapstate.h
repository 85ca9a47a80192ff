/* A VM's saved state as one byte buffer: a sequence of tagged records, written in a fixed order
 * and read back in the same order, each checked for its tag and exact length. */
#ifndef SB_VMM_SNAPSTATE_H
#define SB_VMM_SNAPSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* The largest record (a vCPU's XSAVE area is the biggest: 4 KiB today) and
 * the largest whole state we write or read back. */
#define SNAP_RECORD_MAX (64u << 10)
#define SNAP_STATE_MAX (4u << 20)

/* Record tags: a byte for the owner, a byte for what it is. */
#define SNAP_TAG(owner, what) ((uint32_t)(owner) << 8 | (uint32_t)(what))
enum snap_owner {
	SNAP_OWN_VCPU = 1, /* host/vmm/arch/x86_64/vstate.c, per vCPU */
	SNAP_OWN_VM,	   /* the same, per VM */
	SNAP_OWN_MMIO,	   /* a virtio-mmio transport and its queues */
	SNAP_OWN_DEV,	   /* a device's own state */
	SNAP_OWN_MACHINE,  /* builder.c: the machine's shape */
};

/* Appends records; the first failure sticks (err set, every later put a no-op). */
struct snap_w {
	uint8_t *buf;
	size_t len, cap;
	int failed; /* -errno of the first failure, or 0 */
	struct sb_error *err;
};

/* Takes records in order; the first failure sticks as for the writer. */
struct snap_r {
	const uint8_t *buf;
	size_t len, off;
	int failed;
	struct sb_error *err;
};

void snap_w_init(struct snap_w *w, struct sb_error *err);
void snap_w_free(struct snap_w *w);
/* One record of len bytes (<= SNAP_RECORD_MAX). */
void snap_put(struct snap_w *w, uint32_t tag, const void *data, size_t len);
void snap_put_u64(struct snap_w *w, uint32_t tag, uint64_t v);

void snap_r_init(struct snap_r *r, const void *buf, size_t len, struct sb_error *err);
/* The next record must be tag with exactly len bytes: copied to data. 0 or
 * -EINVAL (err: which tag was expected and what was there). */
int snap_take(struct snap_r *r, uint32_t tag, void *data, size_t len);
int snap_take_u64(struct snap_r *r, uint32_t tag, uint64_t *v);
/* The next record must be tag, of 1..max bytes: its bytes and length
 * (pointing into the buffer). 0 or -EINVAL. */
int snap_take_var(struct snap_r *r, uint32_t tag, const void **data, size_t *len, size_t max);
/* 0 when every record was taken and nothing failed, else -EINVAL. */
int snap_r_end(struct snap_r *r);

#endif
