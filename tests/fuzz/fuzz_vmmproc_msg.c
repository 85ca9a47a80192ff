/* libFuzzer target: the jailed VMM's result message as its parent reads it
 * (host/jail/vmmproc.c; the child may be a guest's by then). Invariants: a
 * taken message has vmm_run's return values only (0 with a status 0..255, 1,
 * or an errno with a message), and no string has a control byte but
 * last_log's newlines. The input is laid over a valid message, so the
 * fuzzer reaches the checks past the size and magic. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jail/vmmproc.h"

static void no_controls(const char *s, size_t size, int lines)
{
	if (!memchr(s, 0, size))
		abort();
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && !(lines && *s == '\n')) || *s == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a real message: the magic, then zeros (vmm_run returned 0, status 0);
	 * its size (padding included) is the one length the reader takes */
	static uint8_t msg[16384];
	static size_t whole;
	struct vmm_result res;
	struct jail_state st;
	struct sb_error err = {0};
	int ret = 12345;
	const uint32_t magic = 0x766d6d31u;
	memset(msg, 0, sizeof(msg));
	memcpy(msg, &magic, 4);
	const size_t approx = 12 + sizeof(err.msg) + sizeof(res) + sizeof(st);
	for (size_t l = approx; !whole && l < approx + 64; l++)
		if (vmmproc_take(msg, l, &ret, &res, &st, &err) == 0)
			whole = l;
	if (!whole)
		abort();
	size_t len = whole;
	if (size >= 2) { /* the first byte chooses a length near the real one */
		len = whole - 64 + (data[0] % 128);
		data++;
		size--;
	}
	memcpy(msg + 4, data, size < whole - 4 ? size : whole - 4);
	ret = 12345;
	if (vmmproc_take(msg, len, &ret, &res, &st, &err) < 0)
		return 0;
	if (len != whole || ret > 1 || ret < -4095)
		abort();
	if (ret == 0 && (res.status < 0 || res.status > 255))
		abort();
	if (ret < 0 && (err.code <= 0 || ret != -err.code || !err.msg[0]))
		abort();
	if (ret < 0)
		no_controls(err.msg, sizeof(err.msg), 0);
	no_controls(res.reason, sizeof(res.reason), 0);
	no_controls(res.last_log, sizeof(res.last_log), 1);
	return 0;
}
