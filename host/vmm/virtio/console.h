/* virtio-console (device id 3) with VIRTIO_CONSOLE_F_MULTIPORT: port 0 plus the named ports of
 * guest-init/abi.h (stdin, stdout, stderr, control, and exec when the host serves it). */
#ifndef SB_VMM_VIRTIO_CONSOLE_H
#define SB_VMM_VIRTIO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "ctlproto.h"
#include "eventloop.h"
#include "mmio.h"

/* Port ids, in the order the guest learns them. */
enum {
	CONSOLE_PORT0,
	CONSOLE_STDIN,
	CONSOLE_STDOUT,
	CONSOLE_STDERR,
	CONSOLE_CONTROL,
	CONSOLE_EXEC
};
#define CONSOLE_PORTS 6u
#define CONSOLE_QUEUES (2u * (CONSOLE_PORTS + 1)) /* rx/tx per port + the control pair */
#define CONSOLE_QUEUE_SIZE 128u
#define CONSOLE_CTL_PENDING 32u	   /* control-queue messages waiting for guest buffers */
#define CONSOLE_FRAMES_PENDING 16u /* control-port frames waiting for guest buffers */
#define CONSOLE_UPTIME_CONFIG 3u   /* uptime_us[] of ABI_CTL_UPTIME_CONFIG */
#define CONSOLE_READ_MAX 65536u	   /* host stdin bytes per guest buffer */

/* Where the ports go on the host. Output fds are written whole (EPIPE or
 * another error: that stream is dropped from then on). */
struct console_io {
	int stdin_fd; /* -1: none (guest reads see EOF) */
	int stdout_fd, stderr_fd;
	int ctl_fd; /* > 0: control frames from the host side (vmm_config.ctl_fd) */
	/* > 0: the exec port's host end (vmm_config.exec_fd), a byte stream both
	 * ways; otherwise the port is not offered to the guest. */
	int exec_fd;
	/* The run config (guest-init/abi.h's ABI_CTL_CONFIG), sent on the
	 * control port when the guest asks for it (ABI_CTL_CONFIG_WAIT); NULL:
	 * none (the guest has it in its initrd). Must outlive the console. */
	const uint8_t *config;
	size_t config_len;
	/* Called (transport lock held; it must not take it) when the guest
	 * asks: the config then waits for console_release_config. NULL: sent
	 * at once. */
	void (*config_wait)(void *ctx);
	void *config_wait_ctx;
	/* Port 0 (hvc0) output, e.g. into the kernel log; may be NULL. */
	void (*log)(void *ctx, const uint8_t *data, size_t len);
	void *log_ctx;
};

/* A host -> guest control-queue message (struct virtio_console_control). */
struct console_msg {
	uint32_t id;
	uint16_t event, value;
};

/* Where the run config is: the guest has not asked, asked (held for the
 * host), being sent, sent. Host frames wait until it is sent. */
enum { CONSOLE_CFG_IDLE, CONSOLE_CFG_ASKED, CONSOLE_CFG_SENDING, CONSOLE_CFG_SENT };

struct console {
	struct virtio_mmio mmio; /* first: the transport (its lock guards everything here) */
	struct runstate *rs;
	struct console_io io;
	int out_fd[CONSOLE_PORTS]; /* -1: no sink */
	struct eventloop *loop;
	/* The ports the host feeds (stdin, exec): fd, event loop source (-1
	 * none), and whether the host side has ended (EOF: the port is closed). */
	int in_fd[CONSOLE_PORTS], in_src[CONSOLE_PORTS], in_eof[CONSOLE_PORTS];
	struct console_input {
		struct console *c;
		unsigned port;
	} in_ctx[CONSOLE_PORTS];
	uint8_t port_ready[CONSOLE_PORTS], guest_open[CONSOLE_PORTS];
	struct console_msg ctl[CONSOLE_CTL_PENDING];
	unsigned ctl_head, ctl_len;
	uint8_t frames[CONSOLE_FRAMES_PENDING][ABI_CTL_FRAME_SIZE];
	unsigned fr_head, fr_len;
	struct ctlproto_rx ctl_rx;  /* guest -> host frames on the control port */
	int ctl_src;		    /* event loop source of io.ctl_fd, -1 none */
	struct ctlproto_rx host_rx; /* frames from io.ctl_fd (event loop thread only) */
	int config_state;	    /* CONSOLE_CFG_* */
	size_t config_off;	    /* bytes of the header frame + config sent */
	uint32_t uptime_us[4];	    /* ABI_CTL_UPTIME_INIT..END, then CONFIG */
	unsigned uptime_seen;	    /* bit i: uptime_us[i] was sent */
};

extern const struct virtio_dev_ops console_ops;

void console_init(struct console *c, const struct vm_mem *mem, struct runstate *rs,
		  const struct console_io *io);
void console_destroy(struct console *c);
/* Serve io->stdin_fd, io->exec_fd and io->ctl_fd from loop (before the loop starts). 0 or -errno.
 */
int console_attach(struct console *c, struct eventloop *loop, struct sb_error *err);
/* Serve io->ctl_fd from loop (before the loop starts). 0 or -errno. */
int console_attach_ctl(struct console *c, struct eventloop *loop, struct sb_error *err);
/* Queue a host -> guest control frame (ABI_CTL_SIGNAL, ABI_CTL_WINSIZE);
 * any thread. 0, or -EAGAIN when CONSOLE_FRAMES_PENDING are already waiting. */
int console_send_frame(struct console *c, const struct ctl_frame *f);

/* Send the config the guest asked for (after io.config_wait); any thread. */
void console_release_config(struct console *c);

struct snap_w;
struct snap_r;
/* The transport, the ports' state and what waits to be sent (not the host
 * fds, which are the new run's), with the transport lock held by the caller
 * or the VM paused. 0 or -errno (err via the reader). */
void console_save(struct console *c, struct snap_w *w);
int console_restore(struct console *c, struct snap_r *r);

/* Queue index helpers (virtio spec 5.3.2). */
unsigned console_rx_queue(unsigned port);
unsigned console_tx_queue(unsigned port);

/* Between console.c and console_ctl.c, lock held: */
void console_ctl_queue(struct console *c, uint32_t id, uint16_t event, uint16_t value);
int console_ctl_flush(struct console *c);
int console_ctl_receive(struct console *c);
int console_frames_flush(struct console *c);
void console_config_asked(struct console *c);
int console_input_update(struct console *c, unsigned port);
int console_offered(const struct console *c, unsigned port);
void console_ctl_reset(struct console *c);

#endif
