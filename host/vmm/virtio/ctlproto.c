/* The control-port protocol of guest-init/abi.h: fixed 8-byte frames, checked field by field. */
#include <errno.h>
#include <string.h>

#include "ctlproto.h"

struct ctl_frame ctlproto_exit(uint8_t status, int init_failed)
{
	return (struct ctl_frame){.type = ABI_CTL_EXIT,
				  .value = status | (init_failed ? ABI_EXIT_INIT_FAILED : 0)};
}

struct ctl_frame ctlproto_signal(unsigned signo)
{
	return (struct ctl_frame){.type = ABI_CTL_SIGNAL, .value = signo};
}

struct ctl_frame ctlproto_winsize(uint16_t rows, uint16_t cols)
{
	return (struct ctl_frame){.type = ABI_CTL_WINSIZE, .value = (uint32_t)rows << 16 | cols};
}

struct ctl_frame ctlproto_start(void)
{
	return (struct ctl_frame){.type = ABI_CTL_START, .value = 0};
}

struct ctl_frame ctlproto_config_wait(void)
{
	return (struct ctl_frame){.type = ABI_CTL_CONFIG_WAIT, .value = 0};
}

struct ctl_frame ctlproto_config(uint32_t len)
{
	return (struct ctl_frame){.type = ABI_CTL_CONFIG, .value = len};
}

struct ctl_frame ctlproto_uptime(uint8_t type, int64_t us)
{
	uint32_t v = us < 0 ? 0 : us > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)us;

	return (struct ctl_frame){.type = type, .value = v};
}

void ctlproto_encode(const struct ctl_frame *f, uint8_t out[ABI_CTL_FRAME_SIZE])
{
	out[0] = ABI_CTL_MAGIC;
	out[1] = f->type;
	out[2] = out[3] = 0;
	for (unsigned i = 0; i < 4; i++)
		out[4 + i] = (uint8_t)(f->value >> (8 * i));
}

static int value_ok(uint8_t type, uint32_t v)
{
	switch (type) {
	case ABI_CTL_EXIT:
		return !(v & ~(0xffu | ABI_EXIT_INIT_FAILED));
	case ABI_CTL_SIGNAL:
		return v >= 1 && v <= ABI_CTL_SIGNAL_MAX;
	case ABI_CTL_START:
	case ABI_CTL_CONFIG_WAIT:
		return v == 0;
	case ABI_CTL_CONFIG:
		return v >= 1 && v <= ABI_CONFIG_MAX_BYTES;
	case ABI_CTL_WINSIZE:
	case ABI_CTL_UPTIME_INIT:
	case ABI_CTL_UPTIME_READY:
	case ABI_CTL_UPTIME_END:
	case ABI_CTL_UPTIME_CONFIG:
		return 1;
	default:
		return 0;
	}
}

int ctlproto_decode(const uint8_t in[ABI_CTL_FRAME_SIZE], struct ctl_frame *f)
{
	uint32_t v = 0;

	if (in[0] != ABI_CTL_MAGIC || in[2] || in[3])
		return -EPROTO;
	for (unsigned i = 0; i < 4; i++)
		v |= (uint32_t)in[4 + i] << (8 * i);
	if (!value_ok(in[1], v))
		return -EPROTO;
	f->type = in[1];
	f->value = v;
	return 0;
}

void ctlproto_rx_init(struct ctlproto_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
}

int ctlproto_feed(struct ctlproto_rx *rx, const uint8_t *data, size_t len,
		  void (*fn)(void *ctx, const struct ctl_frame *f), void *ctx)
{
	struct ctl_frame f;

	while (len && !rx->failed) {
		size_t k = ABI_CTL_FRAME_SIZE - rx->have;
		if (k > len)
			k = len;
		memcpy(rx->buf + rx->have, data, k);
		rx->have += (unsigned)k;
		data += k;
		len -= k;
		if (rx->have < ABI_CTL_FRAME_SIZE)
			break;
		rx->have = 0;
		if (ctlproto_decode(rx->buf, &f) == 0)
			fn(ctx, &f);
		else if (!rx->skip_bad)
			rx->failed = 1;
	}
	return rx->failed ? -EPROTO : 0;
}
