/* libFuzzer target: a snapshot's meta file as snapshot_open reads it
 * (host/snapshot/meta.c). Invariants: what the parser accepts is exactly
 * SNAPSHOT_META_SIZE bytes that snapshot_meta_encode gives back byte for
 * byte, with its fields in range; a refusal is -EBADMSG or -EPROTO with a
 * one-line message. The input is checked as it is, then with its checksum
 * made right (laid over a valid record), so the fuzzer reaches the range
 * checks behind it. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot/snapshot_int.h"
#include "snapstate.h"

static void check(const uint8_t *buf, size_t len)
{
	struct snapshot_meta m;
	struct sb_error err = {0};
	int r = snapshot_meta_parse(buf, len, &m, &err);
	if (r == 0) {
		uint8_t again[SNAPSHOT_META_SIZE];
		if (len != SNAPSHOT_META_SIZE || m.version != SNAPSHOT_FORMAT_VERSION)
			abort();
		if (!m.mem_bytes || m.mem_bytes % 4096 || m.mem_bytes > INT64_MAX || !m.state_len ||
		    m.state_len > SNAP_STATE_MAX)
			abort();
		snapshot_meta_encode(&m, again);
		if (memcmp(again, buf, SNAPSHOT_META_SIZE))
			abort();
		return;
	}
	if ((r != -EBADMSG && r != -EPROTO) || err.code != -r || !err.msg[0] ||
	    strchr(err.msg, '\n'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	check(data, size);
	/* over a valid record, its checksum recomputed */
	static const struct snapshot_meta valid = {
	    .mem_bytes = 1u << 20, .state_len = 1, .created = 1};
	uint8_t buf[SNAPSHOT_META_SIZE];
	snapshot_meta_encode(&valid, buf);
	memcpy(buf, data, size < 104 ? size : 104);
	snapshot_sha256(buf, 104, buf + 104);
	check(buf, sizeof(buf));
	return 0;
}
