/* Unit tests for virtio-net on a TAP device (vmm_net.tap): a SOCK_SEQPACKET
 * socketpair stands in for the TAP file (one message per frame, the 12-byte
 * virtio-net header in front, as tun with IFF_VNET_HDR reads and writes). */
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_vmm_vdrv.h"
#include "virtio/net.h"

#define TXQ NET_TX_QUEUE
#define RXQ NET_RX_QUEUE
#define STAGE 0x200000ull
#define RXBUF 0x400000ull /* RX buffers from here, 64 KiB apart */

struct fx {
	struct vm_mem mem;
	struct runstate rs;
	int tap[2]; /* [0]: the device's end, [1]: the host network's */
	struct net *n;
	struct vdrv_q rx, tx;
};

static int setup(void **state)
{
	static struct fx f;

	memset(&f, 0, sizeof(f));
	if (mem_create(&f.mem, VDRV_MEM, NULL) < 0)
		return -1;
	runstate_init(&f.rs, NULL, NULL);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, f.tap) < 0 ||
	    fcntl(f.tap[0], F_SETFL, O_NONBLOCK) < 0 || fcntl(f.tap[1], F_SETFL, O_NONBLOCK) < 0)
		return -1;
	struct vmm_net cfg = {.tap = true, .tap_fd = f.tap[0], .mtu = 1500};
	f.n = malloc(sizeof(*f.n));
	if (!f.n || net_init(f.n, &f.mem, &f.rs, &cfg, NULL) < 0)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	net_destroy(f->n);
	free(f->n);
	close(f->tap[0]);
	close(f->tap[1]);
	runstate_destroy(&f->rs);
	mem_destroy(&f->mem);
	return 0;
}

#define BASE (VIRTIO_FEATURE_VERSION_1 | 1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_MRG_RXBUF)
#define F(bit) (1ull << VIRTIO_NET_F_##bit)

static void bring_up(struct fx *f, uint64_t features)
{
	struct virtio_mmio *t = &f->n->mmio;
	uint32_t st = vdrv_negotiate(t, features);

	assert_true(st & VIRTIO_CONFIG_S_FEATURES_OK);
	assert_int_equal(vdrv_queue(t, &f->rx, &f->mem, RXQ, 16), 1);
	assert_int_equal(vdrv_queue(t, &f->tx, &f->mem, TXQ, 16), 1);
	vdrv_write(t, VIRTIO_MMIO_STATUS, st | VIRTIO_CONFIG_S_DRIVER_OK);
}

static void fill(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seed);
}

static void kick(struct fx *f, unsigned q)
{
	vdrv_write(&f->n->mmio, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

/* What the host network sends: header + frame as one message. */
static void host_send(struct fx *f, const struct virtio_net_hdr_v1 *h, const uint8_t *frame,
		      size_t len)
{
	static uint8_t msg[NET_HDR_LEN + 70000];
	memcpy(msg, h, NET_HDR_LEN);
	memcpy(msg + NET_HDR_LEN, frame, len);
	assert_int_equal(send(f->tap[1], msg, NET_HDR_LEN + len, 0), (ssize_t)(NET_HDR_LEN + len));
}

static void rx_post(struct fx *f, uint16_t i, uint32_t len)
{
	vdrv_desc(&f->rx, i, RXBUF + (uint64_t)i * 0x10000, len, VRING_DESC_F_WRITE, 0);
	vdrv_post(&f->rx, i);
}

static uint8_t *rx_buf(struct fx *f, uint16_t i)
{
	return vdrv_hva(&f->mem, RXBUF + (uint64_t)i * 0x10000);
}

static void test_features(void **state)
{
	struct fx *f = *state;
	struct virtio_mmio *t = &f->n->mmio;

	vdrv_write(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	uint32_t lo = vdrv_read(t, VIRTIO_MMIO_DEVICE_FEATURES);
	uint32_t want = 1u << VIRTIO_NET_F_CSUM | 1u << VIRTIO_NET_F_GUEST_CSUM |
			1u << VIRTIO_NET_F_MTU | 1u << VIRTIO_NET_F_MAC |
			1u << VIRTIO_NET_F_GUEST_TSO4 | 1u << VIRTIO_NET_F_GUEST_TSO6 |
			1u << VIRTIO_NET_F_GUEST_ECN | 1u << VIRTIO_NET_F_HOST_TSO4 |
			1u << VIRTIO_NET_F_HOST_TSO6 | 1u << VIRTIO_NET_F_HOST_ECN |
			1u << VIRTIO_NET_F_MRG_RXBUF | 1u << VIRTIO_NET_F_STATUS |
			1u << VIRTIO_RING_F_EVENT_IDX;
	assert_int_equal(lo, want); /* no UFO, no control queue */
	/* no TAP fd: refused */
	struct net n;
	struct vmm_net cfg = {.tap = true, .tap_fd = -1};
	assert_int_equal(net_init(&n, &f->mem, &f->rs, &cfg, NULL), -EINVAL);
}

/* TX: header and frame reach the TAP as one write, GSO requests and all
 * (the kernel checks them); a chain too short or too long never does. */
static void test_tx(void **state)
{
	struct fx *f = *state;
	static uint8_t frame[60000], got[NET_HDR_LEN + 70000];
	struct virtio_net_hdr_v1 h = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				      .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
				      .hdr_len = 66,
				      .gso_size = 1448,
				      .csum_start = 34,
				      .csum_offset = 16};
	uint32_t id, len;

	bring_up(f, BASE | F(CSUM) | F(HOST_TSO4));
	fill(frame, sizeof(frame), 3);
	uint8_t *p = vdrv_hva(&f->mem, STAGE);
	memcpy(p, &h, NET_HDR_LEN);
	memcpy(p + NET_HDR_LEN, frame, sizeof(frame));
	/* header split, frame over three descriptors */
	vdrv_desc(&f->tx, 0, STAGE, 5, VRING_DESC_F_NEXT, 1);
	vdrv_desc(&f->tx, 1, STAGE + 5, 7 + 100, VRING_DESC_F_NEXT, 2);
	vdrv_desc(&f->tx, 2, STAGE + 112, 30000, VRING_DESC_F_NEXT, 3);
	vdrv_desc(&f->tx, 3, STAGE + 30112, (uint32_t)(NET_HDR_LEN + sizeof(frame) - 30112), 0, 0);
	vdrv_post(&f->tx, 0);
	/* too short: a header and 13 bytes */
	vdrv_desc(&f->tx, 4, STAGE, NET_HDR_LEN + 13, 0, 0);
	vdrv_post(&f->tx, 4);
	/* too long: more than 64 KiB */
	vdrv_desc(&f->tx, 5, STAGE, NET_HDR_LEN + FRAMERING_FRAME_MAX + 1, 0, 0);
	vdrv_post(&f->tx, 5);
	kick(f, TXQ);
	assert_int_equal(recv(f->tap[1], got, sizeof(got), 0), NET_HDR_LEN + sizeof(frame));
	assert_memory_equal(got, &h, NET_HDR_LEN);
	assert_memory_equal(got + NET_HDR_LEN, frame, sizeof(frame));
	assert_int_equal(recv(f->tap[1], got, sizeof(got), 0), -1); /* nothing else */
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(f->n->stats.tx_frames, 1);
	assert_int_equal(f->n->stats.tx_dropped, 2);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(vdrv_take_used(&f->tx, &id, &len), 1);
	/* the TAP refusing a frame (here: its peer gone) drops it, the queue goes on */
	close(f->tap[1]);
	f->tap[1] = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	vdrv_desc(&f->tx, 6, STAGE, NET_HDR_LEN + 100, 0, 0);
	vdrv_post(&f->tx, 6);
	kick(f, TXQ);
	assert_int_equal(vdrv_take_used(&f->tx, &id, &len), 1);
	assert_int_equal(id, 6);
	assert_int_equal(f->n->stats.tx_dropped, 3);
	assert_false(f->n->mmio.broken);
}

/* RX: a frame with the TAP's header spans mergeable buffers; num_buffers is
 * ours, the rest of the header the host's. A frame waits for buffers. */
static void test_rx_merge_and_wait(void **state)
{
	struct fx *f = *state;
	static uint8_t frame[3000];
	struct virtio_net_hdr_v1 h = {.flags = VIRTIO_NET_HDR_F_DATA_VALID, .num_buffers = 9};
	uint32_t id, len;

	bring_up(f, BASE | F(GUEST_CSUM));
	fill(frame, sizeof(frame), 5);
	host_send(f, &h, frame, sizeof(frame));
	net_rx_ready(f->n); /* no buffers yet: the frame waits, read once */
	assert_int_equal(vdrv_used_pending(&f->rx), 0);
	assert_int_equal(f->n->tap_len, sizeof(frame));
	for (uint16_t i = 0; i < 3; i++)
		rx_post(f, i, 1200);
	kick(f, RXQ);
	assert_int_equal(vdrv_take_used(&f->rx, &id, &len), 1);
	assert_int_equal(len, 1200);
	assert_int_equal(vdrv_take_used(&f->rx, &id, &len), 1);
	assert_int_equal(len, 1200);
	assert_int_equal(vdrv_take_used(&f->rx, &id, &len), 1);
	assert_int_equal(len, NET_HDR_LEN + sizeof(frame) - 2400);
	struct virtio_net_hdr_v1 g;
	memcpy(&g, rx_buf(f, 0), NET_HDR_LEN);
	assert_int_equal(g.flags, VIRTIO_NET_HDR_F_DATA_VALID);
	assert_int_equal(g.num_buffers, 3);
	assert_memory_equal(rx_buf(f, 0) + NET_HDR_LEN, frame, 1200 - NET_HDR_LEN);
	assert_memory_equal(rx_buf(f, 1), frame + 1200 - NET_HDR_LEN, 1200);
	assert_memory_equal(rx_buf(f, 2), frame + 2400 - NET_HDR_LEN,
			    sizeof(frame) - 2400 + NET_HDR_LEN);
	assert_int_equal(f->n->stats.rx_frames, 1);
	assert_int_equal(f->n->tap_len, 0);
}

/* A UDP frame's checksum field holding the pseudo-header sum (CHECKSUM_PARTIAL). */
static void partial_udp(uint8_t *p, size_t len)
{
	memset(p, 0, 42);
	p[12] = 0x08, p[14] = 0x45, p[23] = 17;
	fill(p + 42, len - 42, 11);
	p[38] = (uint8_t)((len - 34) >> 8), p[39] = (uint8_t)(len - 34);
	p[40] = 0x12, p[41] = 0x34;
}

/* What the driver did not accept is fixed or dropped: a partial checksum
 * without GUEST_CSUM is completed here; a TSO segment without GUEST_TSO4 is
 * dropped; with it, delivered as is. */
static void test_rx_features(void **state)
{
	struct fx *f = *state;
	static uint8_t frame[1000];
	struct virtio_net_hdr_v1 csum = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
					 .csum_start = 34,
					 .csum_offset = 6};
	struct virtio_net_hdr_v1 tso = {.gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .gso_size = 1448};
	uint32_t id, len;

	bring_up(f, BASE);
	partial_udp(frame, sizeof(frame));
	for (uint16_t i = 0; i < 4; i++)
		rx_post(f, i, 2048);
	host_send(f, &csum, frame, sizeof(frame));
	host_send(f, &tso, frame, sizeof(frame));
	host_send(f, &csum, frame, 36); /* the checksum field outside the frame: dropped */
	net_rx_ready(f->n);
	assert_int_equal(vdrv_take_used(&f->rx, &id, &len), 1);
	assert_int_equal(vdrv_take_used(&f->rx, &id, &len), 0);
	struct virtio_net_hdr_v1 g;
	memcpy(&g, rx_buf(f, 0), NET_HDR_LEN);
	assert_int_equal(g.flags, 0);
	uint8_t *out = rx_buf(f, 0) + NET_HDR_LEN;
	assert_true(out[40] != 0x12 || out[41] != 0x34);
	assert_memory_equal(out + 42, frame + 42, sizeof(frame) - 42);
	assert_int_equal(f->n->stats.rx_dropped, 2);
	assert_int_equal(f->n->stats.rx_frames, 1);
}

static void test_rx_tso_accepted(void **state)
{
	struct fx *f = *state;
	static uint8_t frame[60000];
	struct virtio_net_hdr_v1 tso = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
					.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
					.gso_size = 1448,
					.csum_start = 34,
					.csum_offset = 16};
	uint32_t id, len;

	bring_up(f, BASE | F(GUEST_CSUM) | F(GUEST_TSO4));
	fill(frame, sizeof(frame), 1);
	for (uint16_t i = 0; i < 16; i++)
		rx_post(f, i, 4096);
	host_send(f, &tso, frame, sizeof(frame));
	net_rx_ready(f->n);
	struct virtio_net_hdr_v1 g;
	memcpy(&g, rx_buf(f, 0), NET_HDR_LEN);
	assert_int_equal(g.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(g.gso_size, 1448);
	assert_int_equal(g.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(g.num_buffers, 15); /* 60012 bytes in 4 KiB buffers */
	for (unsigned i = 0; i < 15; i++)
		assert_int_equal(vdrv_take_used(&f->rx, &id, &len), 1);
	assert_memory_equal(rx_buf(f, 14), frame + 14 * 4096 - NET_HDR_LEN,
			    sizeof(frame) + NET_HDR_LEN - 14 * 4096);
	assert_int_equal(f->n->stats.rx_dropped, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_features, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tx, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rx_merge_and_wait, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rx_features, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rx_tso_accepted, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
