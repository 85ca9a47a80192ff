/* PID 1's channel to the host: the named virtio-console ports, or the interim I/O ports. */
#ifndef GUEST_CHANNEL_H
#define GUEST_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "virtio/ctlproto.h"
#include "portio.h"

#define CHANNEL_EXIT_WAIT_MS 5000 /* after the exit frame, before the I/O-port fallback */

/* Find and open the four named ports (waiting up to VPORTS_WAIT_MS for the
 * driver to name them when a virtio console exists). Returns 0 when the
 * ports are in use, else a negative errno: the portio channel stays in use
 * (-ENODEV: no virtio console at all). Call after /sys and /dev are mounted. */
int channel_open(void);

/* The optional exec port (ABI_VPORT_EXEC), for a config with exec = <1>:
 * wait up to VPORTS_WAIT_MS for the driver to name it, open it O_RDWR |
 * O_NONBLOCK | O_CLOEXEC. Returns the fd (the caller's) or a negative errno
 * (-ENODEV: channel_open did not succeed, -ETIMEDOUT: no such port). */
int channel_open_exec(void);

/* The workload's stdout/stderr (and init's messages) to the host, whole. */
void channel_write(enum portio_stream stream, const void *buf, size_t len);

/* The host's stdin port (O_NONBLOCK), handed over to the caller once; -1 when
 * there is none. */
int channel_take_stdin(void);

/* The control port to read ABI_CTL_SIGNAL frames from (not handed over:
 * channel_exit writes on it); -1 when there is none. */
int channel_control_fd(void);

/* Tell the host the guest's uptime (us) at a milestone: type is one of
 * ABI_CTL_UPTIME_*. Nothing without a control port. */
void channel_uptime(uint8_t type, int64_t us);

/* Report code (status | ABI_EXIT_INIT_FAILED) and end the VM: an
 * ABI_CTL_EXIT frame (the host drains stdout/stderr first), falling back to
 * portio_exit. */
_Noreturn void channel_exit(uint32_t code);

/* A config with hold = <1>: block until the host's ABI_CTL_START frame (0), or
 * return the signal of an ABI_CTL_SIGNAL frame that came first (> 0); a
 * negative errno when there is no control port or it failed. Signals read
 * together with the start (a kill right behind it) are left in *pending (bit
 * N-1 for signal N) for the workload; other frames are dropped. */
int channel_wait_start(uint64_t *pending);

/* Ask the host for the run config (ABI_CTL_CONFIG_WAIT) and read it from
 * the control port: 0 with *blob (malloc'd) and *len, the signal of an
 * ABI_CTL_SIGNAL frame that came first (> 0), or a negative errno (no
 * control port, the host went away). */
int channel_read_config(void **blob, size_t *len);

/* Reassemble control frames from bytes split anywhere and pass each good one
 * to fn; a bad frame is skipped whole (abi.h: the guest ignores it). */
void channel_feed(struct ctlproto_rx *rx, const uint8_t *data, size_t len,
		  void (*fn)(void *ctx, const struct ctl_frame *f), void *ctx);

#endif
