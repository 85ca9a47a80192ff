/* libFuzzer target: hostile exec-port byte streams, both directions, split at a fuzzed point
 * (the first byte picks direction and split). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "virtio/execproto.h"

static size_t seen;

static void on_frame(void *ctx, const struct exec_hdr *h, const uint8_t *payload)
{
	(void)ctx;
	if (h->len > 0) /* the payload is readable to its end */
		seen += payload[0] + payload[h->len - 1];
}

static void on_bad(void *ctx, const struct exec_hdr *h)
{
	(void)ctx;
	seen += h->type;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *buf;
	if (!buf && !(buf = malloc(EXEC_FRAME_MAX)))
		abort();
	if (size < 1)
		return 0;
	struct execproto_rx rx;
	execproto_rx_init(&rx, data[0] & 1 ? EXEC_TO_HOST : EXEC_TO_GUEST, buf);
	size_t split = size > 1 ? (data[0] >> 1) % size : 0;
	if (split == 0)
		split = 1;
	execproto_feed(&rx, data + 1, split - 1, on_frame, on_bad, NULL);
	execproto_feed(&rx, data + split, size - split, on_frame, on_bad, NULL);
	if (rx.have > EXEC_FRAME_MAX)
		abort();
	return 0;
}
