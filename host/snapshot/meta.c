/* A snapshot's meta file: its fixed little-endian layout, written and strictly read. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "snapshot_int.h"
#include "snapstate.h"

static const char magic[8] = {'S', 'B', 'S', 'N', 'A', 'P', 'M', '1'};

enum {
	OFF_MAGIC = 0,
	OFF_VERSION = 8,
	OFF_RESERVED = 12,
	OFF_KEY = 16,
	OFF_MEM = 48,
	OFF_STATE_LEN = 56,
	OFF_STATE_SHA = 64,
	OFF_CREATED = 96,
	OFF_SELF_SHA = 104,
	META_END = 136,
};
_Static_assert(META_END == SNAPSHOT_META_SIZE, "meta layout");

void snapshot_meta_encode(const struct snapshot_meta *m, uint8_t out[SNAPSHOT_META_SIZE])
{
	memset(out, 0, SNAPSHOT_META_SIZE);
	memcpy(out + OFF_MAGIC, magic, sizeof(magic));
	put_le(out + OFF_VERSION, SNAPSHOT_FORMAT_VERSION, 4);
	memcpy(out + OFF_KEY, m->key, 32);
	put_le(out + OFF_MEM, m->mem_bytes, 8);
	put_le(out + OFF_STATE_LEN, m->state_len, 8);
	memcpy(out + OFF_STATE_SHA, m->state_sha256, 32);
	put_le(out + OFF_CREATED, m->created, 8);
	snapshot_sha256(out, OFF_SELF_SHA, out + OFF_SELF_SHA);
}

static int bad(struct sb_error *err, const char *what)
{
	error_set(err, 0, "meta: %s", what);
	if (err)
		err->code = EBADMSG;
	return -EBADMSG;
}

int snapshot_meta_parse(const void *buf, size_t len, struct snapshot_meta *out,
			struct sb_error *err)
{
	const uint8_t *p = buf;
	memset(out, 0, sizeof(*out));
	if (!p || len < OFF_RESERVED || memcmp(p + OFF_MAGIC, magic, sizeof(magic)))
		return bad(err, "not a snapshot meta file");
	uint32_t version = (uint32_t)get_le(p + OFF_VERSION, 4);
	if (version != SNAPSHOT_FORMAT_VERSION) {
		error_set(err, 0, "meta: format version %u (this build reads %u)", version,
			  SNAPSHOT_FORMAT_VERSION);
		if (err)
			err->code = EPROTO;
		return -EPROTO;
	}
	if (len != SNAPSHOT_META_SIZE)
		return bad(err, "wrong size");
	uint8_t sum[32];
	snapshot_sha256(p, OFF_SELF_SHA, sum);
	if (memcmp(sum, p + OFF_SELF_SHA, sizeof(sum)))
		return bad(err, "checksum mismatch");
	if (get_le(p + OFF_RESERVED, 4) != 0)
		return bad(err, "reserved field set");
	uint64_t mem = get_le(p + OFF_MEM, 8), state_len = get_le(p + OFF_STATE_LEN, 8);
	if (mem == 0 || mem % 4096 || mem > INT64_MAX)
		return bad(err, "memory size out of range");
	if (state_len == 0 || state_len > SNAP_STATE_MAX)
		return bad(err, "state size out of range");
	out->version = version;
	memcpy(out->key, p + OFF_KEY, 32);
	out->mem_bytes = mem;
	out->state_len = state_len;
	memcpy(out->state_sha256, p + OFF_STATE_SHA, 32);
	out->created = get_le(p + OFF_CREATED, 8);
	return 0;
}
