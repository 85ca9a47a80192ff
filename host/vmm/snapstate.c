/* Tagged records in a growing buffer, and their strict reader. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snapstate.h"

#define HDR 8u /* u32 tag, u32 length, little-endian as the host */

void snap_w_init(struct snap_w *w, struct sb_error *err)
{
	*w = (struct snap_w){.err = err};
}

void snap_w_free(struct snap_w *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

void snap_put(struct snap_w *w, uint32_t tag, const void *data, size_t len)
{
	if (w->failed)
		return;
	if (len > SNAP_RECORD_MAX || w->len + HDR + len > SNAP_STATE_MAX) {
		w->failed =
		    error_set(w->err, EFBIG, "snapshot: record %#x of %zu bytes too big", tag, len);
		return;
	}
	if (w->len + HDR + len > w->cap) {
		size_t cap = w->cap ? w->cap : 16384;
		while (cap < w->len + HDR + len)
			cap *= 2;
		uint8_t *p = realloc(w->buf, cap);
		if (!p) {
			w->failed = error_set(w->err, ENOMEM, "snapshot: state buffer");
			return;
		}
		w->buf = p;
		w->cap = cap;
	}
	uint32_t hdr[2] = {tag, (uint32_t)len};
	memcpy(w->buf + w->len, hdr, HDR);
	if (len)
		memcpy(w->buf + w->len + HDR, data, len);
	w->len += HDR + len;
}

void snap_put_u64(struct snap_w *w, uint32_t tag, uint64_t v)
{
	snap_put(w, tag, &v, sizeof(v));
}

void snap_r_init(struct snap_r *r, const void *buf, size_t len, struct sb_error *err)
{
	*r = (struct snap_r){.buf = buf, .len = len, .err = err};
}

/* The next record's header, checked against tag and the buffer's end. */
static int next(struct snap_r *r, uint32_t tag, uint32_t *len)
{
	if (r->failed)
		return r->failed;
	uint32_t hdr[2];
	if (r->len - r->off < HDR) {
		r->failed =
		    error_set(r->err, EINVAL, "snapshot: state ends before record %#x", tag);
		return r->failed;
	}
	memcpy(hdr, r->buf + r->off, HDR);
	if (hdr[0] != tag) {
		r->failed = error_set(r->err, EINVAL, "snapshot: record %#x where %#x belongs",
				      hdr[0], tag);
		return r->failed;
	}
	if (hdr[1] > r->len - r->off - HDR) {
		r->failed =
		    error_set(r->err, EINVAL, "snapshot: record %#x runs past the end", tag);
		return r->failed;
	}
	*len = hdr[1];
	return 0;
}

int snap_take(struct snap_r *r, uint32_t tag, void *data, size_t len)
{
	uint32_t n;
	int e = next(r, tag, &n);
	if (e < 0)
		return e;
	if (n != len) {
		r->failed = error_set(
		    r->err, EINVAL, "snapshot: record %#x has %u bytes, %zu expected", tag, n, len);
		return r->failed;
	}
	if (len)
		memcpy(data, r->buf + r->off + HDR, len);
	r->off += HDR + n;
	return 0;
}

int snap_take_u64(struct snap_r *r, uint32_t tag, uint64_t *v)
{
	return snap_take(r, tag, v, sizeof(*v));
}

int snap_take_var(struct snap_r *r, uint32_t tag, const void **data, size_t *len, size_t max)
{
	uint32_t n;
	int e = next(r, tag, &n);
	if (e < 0)
		return e;
	if (n == 0 || n > max) {
		r->failed = error_set(r->err, EINVAL, "snapshot: record %#x has %u bytes (1..%zu)",
				      tag, n, max);
		return r->failed;
	}
	*data = r->buf + r->off + HDR;
	*len = n;
	r->off += HDR + n;
	return 0;
}

int snap_r_end(struct snap_r *r)
{
	if (r->failed)
		return r->failed;
	if (r->off != r->len)
		r->failed = error_set(r->err, EINVAL, "snapshot: %zu bytes after the last record",
				      r->len - r->off);
	return r->failed;
}
