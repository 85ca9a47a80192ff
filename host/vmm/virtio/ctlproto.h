/* The control-port protocol of guest-init/abi.h (ABI_CTL_*): pure encode/decode, no I/O. */
#ifndef SB_VMM_CTLPROTO_H
#define SB_VMM_CTLPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "abi.h"

struct ctl_frame {
	uint8_t type; /* ABI_CTL_* */
	uint32_t value;
};

/* Frame constructors (arguments are not checked: decode checks). */
struct ctl_frame ctlproto_exit(uint8_t status, int init_failed);
struct ctl_frame ctlproto_signal(unsigned signo);
struct ctl_frame ctlproto_winsize(uint16_t rows, uint16_t cols);
struct ctl_frame ctlproto_start(void);
struct ctl_frame ctlproto_config_wait(void);
/* The header of len bytes of run config that follow it on the port. */
struct ctl_frame ctlproto_config(uint32_t len);
/* type: ABI_CTL_UPTIME_*; us saturated to 0..UINT32_MAX */
struct ctl_frame ctlproto_uptime(uint8_t type, int64_t us);

void ctlproto_encode(const struct ctl_frame *f, uint8_t out[ABI_CTL_FRAME_SIZE]);
/* 0 with *f filled, or -EPROTO for anything abi.h does not allow. */
int ctlproto_decode(const uint8_t in[ABI_CTL_FRAME_SIZE], struct ctl_frame *f);

/* Reassembles frames from a byte stream split anywhere. */
struct ctlproto_rx {
	uint8_t buf[ABI_CTL_FRAME_SIZE];
	unsigned have;
	int failed;   /* a bad frame was seen: everything after is ignored */
	int skip_bad; /* set by the owner: skip bad frames whole instead */
};

void ctlproto_rx_init(struct ctlproto_rx *rx);
/* Feed len bytes; fn gets each complete good frame. Returns 0, or -EPROTO
 * once a bad frame was seen (then and on every later call) unless
 * rx->skip_bad is set, in which case bad frames are dropped and 0 returned. */
int ctlproto_feed(struct ctlproto_rx *rx, const uint8_t *data, size_t len,
		  void (*fn)(void *ctx, const struct ctl_frame *f), void *ctx);

#endif
