/* virtio-net (device id 1): one receive/transmit queue pair between the guest and two frame rings.
 */
#ifndef SB_VMM_VIRTIO_NET_H
#define SB_VMM_VIRTIO_NET_H

#include <linux/virtio_net.h>
#include <stdint.h>
#include <sys/uio.h>

#include "error.h"
#include "eventloop.h"
#include "mmio.h"
#include "net/framering.h"
#include "vmm.h"

#define NET_RX_QUEUE 0u
#define NET_TX_QUEUE 1u
#define NET_QUEUE_SIZE 256u
#define NET_HDR_LEN 12u /* struct virtio_net_hdr_v1: VERSION_1 is always negotiated */
#define NET_ETH_HLEN 14u
#define NET_VLAN_HLEN 4u
/* Flattened guest receive buffers for one frame, at most: a frame needing
 * more (a guest posting byte-sized buffers) is dropped. */
#define NET_RX_IOV_MAX 1024u

struct net_stats {
	uint64_t tx_frames, tx_bytes; /* handed to from_guest */
	uint64_t tx_csum;	      /* of which we completed the checksum */
	/* Malformed TX chains, never handed on: shorter than a header and an
	 * Ethernet header, longer than the MTU allows, a GSO type (not
	 * offered), a checksum request outside the frame. */
	uint64_t tx_dropped;
	uint64_t tx_blocked;	      /* times from_guest was full (back-pressure) */
	uint64_t rx_frames, rx_bytes; /* delivered into guest buffers */
	uint64_t rx_dropped; /* frames over the MTU, or that no set of guest buffers could hold */
};

struct net {
	struct virtio_mmio mmio; /* first: the transport; its lock guards everything here */
	struct vmm_net cfg;
	uint32_t max_frame; /* longest frame either way: MTU + Ethernet + VLAN headers */
	struct eventloop *loop;
	int rx_src, space_src, work_src; /* event loop sources, -1 none */
	int work_fd;			 /* eventfd: come back after a bounded turn; -1 none */
	int tx_blocked;			 /* from_guest refused a frame: wait for its space_fd */
	int rx_starved;			 /* no usable guest buffers: wait for an RX kick */
	int work_pending;		 /* a bounded turn left work behind */
	struct net_stats stats;
	/* Scratch (here, not on the event loop's 256 KiB stack): */
	uint8_t frame[FRAMERING_FRAME_MAX]; /* a TX frame whose checksum we complete; with a
					     * TAP, the RX frame read (tap_len bytes, 0: none) */
	size_t tap_len;
	struct virtio_net_hdr_v1 tap_hdr; /* its header */
	uint16_t rx_head[NET_QUEUE_SIZE]; /* the chains one received frame spans */
	uint32_t rx_len[NET_QUEUE_SIZE];
	struct iovec rx_iov[NET_RX_IOV_MAX];
};

extern const struct virtio_dev_ops net_ops, net_tap_ops;

/* cfg is copied; its rings must outlive n. 0, or -EINVAL (no rings, MTU out
 * of range) with err filled. */
int net_init(struct net *n, const struct vm_mem *mem, struct runstate *rs,
	     const struct vmm_net *cfg, struct sb_error *err);
/* Closes the work eventfd (after the event loop stopped). */
void net_destroy(struct net *n);
/* Snapshots (host/vmm/snapstate.h): the transport and its queues. */
struct snap_w;
struct snap_r;
void net_save(struct net *n, struct snap_w *w);
int net_restore(struct net *n, struct snap_r *r);
/* Serve the rings from loop: to_guest's ready_fd (frames for the guest),
 * from_guest's space_fd (resume TX) and our own work eventfd. Before the loop
 * starts. 0 or -errno. */
int net_attach(struct net *n, struct eventloop *loop, struct sb_error *err);

/* What those sources do; any thread, they take the transport's lock. Unit
 * tests and the fuzzer call them directly. */
void net_rx_ready(struct net *n); /* to_guest has frames */
void net_tx_space(struct net *n); /* from_guest made room */
void net_work(struct net *n);	  /* both directions: after a bounded turn */

#endif
