/* libFuzzer target: virtio-net under hostile guest memory (TX and RX chains, rings, registers)
 * and backend frames of any length, with the frame rings full or empty; or on a TAP device (a
 * SOCK_SEQPACKET socketpair stands in) whose frames carry any virtio-net header. */
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_vdrv.h"
#include "virtio/net.h"

#define RAM (32ull << 20)
#define FUZZ_RAM 0x10000u /* input bytes land in guest RAM [0, FUZZ_RAM) */
#define QSTRIDE 0x2000u	  /* queue i: desc at i * QSTRIDE, avail +0x1000, used +0x1400 */

/* The backend's side: whatever the guest sent must respect the device's bounds. */
static void backend_pop(struct net *n, struct framering *from_guest)
{
	static uint8_t buf[FRAMERING_FRAME_MAX];
	ssize_t len = framering_pop(from_guest, buf, sizeof(buf));

	if (len != 0 && (len < (ssize_t)NET_ETH_HLEN || len > (ssize_t)n->max_frame))
		abort();
	framering_ack_space(from_guest);
}

static void backend_push(struct framering *to_guest, uint32_t v)
{
	static uint8_t frame[FRAMERING_FRAME_MAX];
	size_t len = 1 + v % FRAMERING_FRAME_MAX;
	struct iovec iov = {.iov_base = frame, .iov_len = len};

	memset(frame, (int)(v >> 24), len);
	framering_push(to_guest, &iov, 1, len); /* full: dropped, as a backend does */
}

/* The TAP's side: the guest's frames (header included) within bounds; a
 * frame for the guest with a header made of v's bytes. */
static void tap_pop(struct net *n, int fd)
{
	static uint8_t buf[NET_HDR_LEN + FRAMERING_FRAME_MAX + 1];
	ssize_t len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (len > 0 && (len < (ssize_t)(NET_HDR_LEN + NET_ETH_HLEN) ||
			len > (ssize_t)(NET_HDR_LEN + n->max_frame)))
		abort();
}

static void tap_push(int fd, uint32_t v, uint16_t off)
{
	static uint8_t frame[NET_HDR_LEN + FRAMERING_FRAME_MAX];
	size_t len = 1 + v % sizeof(frame);

	memset(frame, (int)(v >> 24), len);
	memcpy(frame, &v, 4);			    /* flags, gso_type, hdr_len */
	memcpy(frame + 6, &off, 2);		    /* csum_start */
	frame[8] = (uint8_t)(v >> 8), frame[9] = 0; /* csum_offset */
	send(fd, frame, len, MSG_DONTWAIT);	    /* full: dropped */
}

static void drain(struct framering *r)
{
	while (framering_peek(r))
		framering_discard(r);
	framering_ack_ready(r);
	framering_ack_space(r);
}

/* Input: [features][queue size log2 | op count][ops: 8 bytes each ...][guest RAM image].
 * Op: kind, a byte, 2 bytes offset, 4 bytes value. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct vm_mem mem;
	static struct framering to_guest, from_guest;
	static struct net *n;
	static int tap[2] = {-1, -1};

	if (!mem.base) {
		n = malloc(sizeof(*n));
		if (!n || mem_create(&mem, RAM, NULL) < 0 ||
		    framering_init(&to_guest, 8, 2 * FRAMERING_FRAME_MAX) < 0 ||
		    framering_init(&from_guest, 4, FRAMERING_FRAME_MAX) < 0 ||
		    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, tap) < 0 ||
		    fcntl(tap[0], F_SETFL, O_NONBLOCK) < 0)
			abort();
	}
	if (len < 2)
		return 0;
	drain(&to_guest);
	drain(&from_guest);
	for (int i = 0; i < 2; i++) /* frames left from the last input */
		while (recv(tap[i], NULL, 0, MSG_DONTWAIT | MSG_TRUNC) >= 0)
			;
	bool is_tap = data[0] & 8;
	struct runstate rs;
	runstate_init(&rs, NULL, NULL);
	struct vmm_net cfg = {.to_guest = is_tap ? NULL : &to_guest,
			      .from_guest = is_tap ? NULL : &from_guest,
			      .tap = is_tap,
			      .tap_fd = is_tap ? tap[0] : -1,
			      .mac = {2, 0, 0, 0, 0, 1},
			      .mtu = data[0] & 0x80 ? 1500 : 0};
	if (net_init(n, &mem, &rs, &cfg, NULL) < 0)
		abort();
	uint64_t features = (data[0] & 1 ? 1ull << VIRTIO_NET_F_MRG_RXBUF : 0) |
			    (data[0] & 2 ? 1ull << VIRTIO_RING_F_EVENT_IDX : 0) |
			    (data[0] & 4 ? 1ull << VIRTIO_NET_F_CSUM : 0) |
			    1ull << VIRTIO_NET_F_MAC;
	if (is_tap) /* the offloads only a TAP device is offered */
		features |= (data[0] & 0x10 ? 1ull << VIRTIO_NET_F_GUEST_CSUM : 0) |
			    (data[0] & 0x20 ? 1ull << VIRTIO_NET_F_GUEST_TSO4 |
						  1ull << VIRTIO_NET_F_GUEST_TSO6 |
						  1ull << VIRTIO_NET_F_GUEST_ECN
					    : 0) |
			    (data[0] & 0x40
				 ? 1ull << VIRTIO_NET_F_HOST_TSO4 | 1ull << VIRTIO_NET_F_HOST_TSO6
				 : 0);
	uint16_t num = (uint16_t)(1u << ((data[1] & 7) + 1)); /* 2..256 */
	size_t nops = (data[1] >> 3) & 0x1f, ram_off = 2 + nops * 8;
	if (ram_off > len)
		ram_off = len;
	memset(mem.base, 0, FUZZ_RAM);
	memcpy(mem.base, data + ram_off, len - ram_off < FUZZ_RAM ? len - ram_off : FUZZ_RAM);
	fuzz_bring_up(&n->mmio, features, num, QSTRIDE, 0x1000, 0x1400);

	for (size_t i = 0; 2 + i * 8 + 8 <= ram_off; i++) {
		const uint8_t *op = data + 2 + i * 8;
		uint32_t v;
		uint16_t off;
		memcpy(&off, op + 2, 2);
		memcpy(&v, op + 4, 4);
		switch (op[0] % 10) {
		case 0:
			fuzz_reg_write(&n->mmio, VIRTIO_MMIO_QUEUE_NOTIFY, NET_TX_QUEUE);
			break;
		case 1:
			fuzz_reg_write(&n->mmio, VIRTIO_MMIO_QUEUE_NOTIFY, NET_RX_QUEUE);
			break;
		case 2:
			if (is_tap)
				tap_push(tap[1], v, off);
			else
				backend_push(&to_guest, v);
			break;
		case 3:
			if (is_tap)
				tap_pop(n, tap[1]);
			else
				backend_pop(n, &from_guest);
			break;
		case 4:
			net_rx_ready(n);
			break;
		case 5:
			net_tx_space(n);
			break;
		case 6:
			net_work(n);
			break;
		case 7:
			fuzz_reg_write(&n->mmio, off % 0x200, v);
			break;
		case 8: {
			uint8_t b[8];
			virtio_mmio_bus_ops.read(&n->mmio, off % 0x200, b, 1u << (op[1] & 3));
			break;
		}
		case 9: /* the guest rewrites one word of its RAM (rings, descriptors) */
			memcpy((uint8_t *)mem.base + (off & ~3u) % FUZZ_RAM, &v, 4);
			break;
		}
	}
	while (framering_peek(&from_guest))
		backend_pop(n, &from_guest);
	for (int i = 0; is_tap && i < 64; i++)
		tap_pop(n, tap[1]);
	net_destroy(n);
	runstate_destroy(&rs);
	return 0;
}
