/* The exec port's protocol (execproto.h): headers checked field by field, frames reassembled. */
#include <errno.h>
#include <string.h>

#include "execproto.h"

static void put_le32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint32_t execproto_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void execproto_put_hdr(uint8_t out[EXEC_HDR_SIZE], uint8_t type, uint32_t session, uint32_t len)
{
	out[0] = EXEC_MAGIC;
	out[1] = type;
	out[2] = out[3] = 0;
	put_le32(out + 4, session);
	put_le32(out + 8, len);
}

size_t execproto_put_u32(uint8_t out[EXEC_HDR_SIZE + 4], uint8_t type, uint32_t session,
			 uint32_t value)
{
	execproto_put_hdr(out, type, session, 4);
	put_le32(out + EXEC_HDR_SIZE, value);
	return EXEC_HDR_SIZE + 4;
}

/* The direction a type travels, and its payload bounds. */
static int type_rules(uint8_t type, enum exec_dir *dir, uint32_t *min, uint32_t *max)
{
	*min = *max = 4;
	switch (type) {
	case EXEC_NEW:
		*dir = EXEC_TO_GUEST;
		*min = 1;
		*max = EXEC_SPEC_MAX;
		return 0;
	case EXEC_STDIN:
		*dir = EXEC_TO_GUEST;
		*min = 1;
		*max = EXEC_DATA_MAX;
		return 0;
	case EXEC_STDIN_EOF:
		*dir = EXEC_TO_GUEST;
		*min = *max = 0;
		return 0;
	case EXEC_SIGNAL:
	case EXEC_WINSIZE:
		*dir = EXEC_TO_GUEST;
		return 0;
	case EXEC_STARTED:
		*dir = EXEC_TO_HOST;
		return 0;
	case EXEC_STDOUT:
	case EXEC_STDERR:
		*dir = EXEC_TO_HOST;
		*min = 1;
		*max = EXEC_DATA_MAX;
		return 0;
	case EXEC_EXIT:
		*dir = EXEC_TO_HOST;
		*max = 4 + EXEC_MSG_MAX;
		return 0;
	default:
		return -EPROTO;
	}
}

int execproto_get_hdr(const uint8_t in[EXEC_HDR_SIZE], enum exec_dir dir, struct exec_hdr *h)
{
	enum exec_dir type_dir;
	uint32_t min, max;

	if (in[0] != EXEC_MAGIC || in[2] || in[3])
		return -EPROTO;
	h->type = in[1];
	h->session = execproto_u32(in + 4);
	h->len = execproto_u32(in + 8);
	if (h->session == 0)
		return -EPROTO;
	if (h->type == EXEC_CREDIT) /* both ways */
		return h->len == 4 ? 0 : -EPROTO;
	if (type_rules(h->type, &type_dir, &min, &max) < 0 || type_dir != dir)
		return -EPROTO;
	return h->len >= min && h->len <= max ? 0 : -EPROTO;
}

int execproto_check(const struct exec_hdr *h, const uint8_t *payload)
{
	uint32_t v = h->len >= 4 ? execproto_u32(payload) : 0;

	switch (h->type) {
	case EXEC_SIGNAL:
		return v >= 1 && v <= ABI_CTL_SIGNAL_MAX ? 0 : -EPROTO;
	case EXEC_CREDIT:
		return v >= 1 && v <= EXEC_WINDOW ? 0 : -EPROTO;
	case EXEC_EXIT:
		return v & ~(0xffu | ABI_EXIT_INIT_FAILED) ? -EPROTO : 0;
	default:
		return 0;
	}
}

void execproto_rx_init(struct execproto_rx *rx, enum exec_dir dir, uint8_t *buf)
{
	memset(rx, 0, sizeof(*rx));
	rx->dir = dir;
	rx->buf = buf;
}

int execproto_feed(struct execproto_rx *rx, const uint8_t *data, size_t len,
		   void (*fn)(void *ctx, const struct exec_hdr *h, const uint8_t *payload),
		   void (*bad)(void *ctx, const struct exec_hdr *h), void *ctx)
{
	while (len > 0 && !rx->failed) {
		size_t want = EXEC_HDR_SIZE;
		if (rx->have >= EXEC_HDR_SIZE)
			want += rx->h.len;
		size_t take = want - rx->have < len ? want - rx->have : len;
		memcpy(rx->buf + rx->have, data, take);
		rx->have += take;
		data += take;
		len -= take;
		if (rx->have < want)
			break;
		if (want == EXEC_HDR_SIZE) {
			if (execproto_get_hdr(rx->buf, rx->dir, &rx->h) < 0)
				rx->failed = 1;
			else if (rx->h.len > 0)
				continue; /* now the payload */
		}
		if (rx->failed)
			break;
		const uint8_t *payload = rx->buf + EXEC_HDR_SIZE;
		if (execproto_check(&rx->h, payload) == 0)
			fn(ctx, &rx->h, payload);
		else if (bad)
			bad(ctx, &rx->h);
		rx->have = 0;
	}
	return rx->failed ? -EPROTO : 0;
}
