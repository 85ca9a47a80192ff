/* Unit tests for virtio-net: TX into the from_guest ring, RX from to_guest, through the fake
 * driver.
 */
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "test_vmm_vdrv.h"
#include "virtio/net.h"
#include "virtio/net_csum.h"

#define TXQ NET_TX_QUEUE
#define RXQ NET_RX_QUEUE
#define STAGE 0x200000ull /* TX frames are written here before the descriptors cut them up */
#define RXBUF 0x400000ull /* RX buffers from here, 64 KiB apart */
#define MTU 1500u

static const uint8_t mac[6] = {0x02, 0x53, 0x42, 0x00, 0x00, 0x01};

struct fx {
	struct vm_mem mem;
	struct runstate rs;
	struct framering to_guest, from_guest;
	struct net *n;
	struct vdrv_q rx, tx;
	unsigned irqs;
};

static void count_irq(void *ctx)
{
	((struct fx *)ctx)->irqs++;
}

static int make(struct fx *f, unsigned from_slots, uint16_t mtu)
{
	struct vmm_net cfg = {.to_guest = &f->to_guest, .from_guest = &f->from_guest, .mtu = mtu};

	memcpy(cfg.mac, mac, 6);
	if (framering_init(&f->to_guest, 64, 4 * FRAMERING_FRAME_MAX) < 0 ||
	    framering_init(&f->from_guest, from_slots, 4 * FRAMERING_FRAME_MAX) < 0)
		return -1;
	f->n = malloc(sizeof(*f->n));
	if (!f->n || net_init(f->n, &f->mem, &f->rs, &cfg, NULL) < 0)
		return -1;
	virtio_mmio_set_irq(&f->n->mmio, count_irq, f);
	return 0;
}

static int setup(void **state)
{
	static struct fx f;

	memset(&f, 0, sizeof(f));
	if (mem_create(&f.mem, VDRV_MEM, NULL) < 0)
		return -1;
	runstate_init(&f.rs, NULL, NULL);
	if (make(&f, 64, MTU) < 0)
		return -1;
	*state = &f;
	return 0;
}

static void unmake(struct fx *f)
{
	net_destroy(f->n);
	free(f->n);
	framering_destroy(&f->to_guest);
	framering_destroy(&f->from_guest);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	unmake(f);
	runstate_destroy(&f->rs);
	mem_destroy(&f->mem);
	return 0;
}

#define BASE_FEATURES (VIRTIO_FEATURE_VERSION_1 | 1ull << VIRTIO_NET_F_MAC)
#define MRG (1ull << VIRTIO_NET_F_MRG_RXBUF)
#define EVIDX (1ull << VIRTIO_RING_F_EVENT_IDX)

/* Negotiate, set both queues up (num entries), DRIVER_OK. */
static void bring_up(struct fx *f, uint64_t features, uint16_t num)
{
	struct virtio_mmio *t = &f->n->mmio;
	uint32_t st = vdrv_negotiate(t, features);

	assert_true(st & VIRTIO_CONFIG_S_FEATURES_OK);
	assert_int_equal(vdrv_queue(t, &f->rx, &f->mem, RXQ, num), 1);
	assert_int_equal(vdrv_queue(t, &f->tx, &f->mem, TXQ, num), 1);
	vdrv_write(t, VIRTIO_MMIO_STATUS, st | VIRTIO_CONFIG_S_DRIVER_OK);
}

static void fill(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 13 + seed);
}

/* A TX chain at descriptor head..: header + frame written at STAGE + slot *
 * 64 KiB, cut into pieces of the given sizes (the last takes the rest). */
static void tx_post(struct fx *f, uint16_t head, const struct virtio_net_hdr_v1 *h,
		    const uint8_t *frame, size_t len, const size_t *cut, unsigned ncut)
{
	uint64_t gpa = STAGE + (uint64_t)head * 0x10000;
	uint8_t *p = vdrv_hva(&f->mem, gpa);
	size_t total = NET_HDR_LEN + len, off = 0;

	memcpy(p, h, NET_HDR_LEN);
	memcpy(p + NET_HDR_LEN, frame, len);
	for (unsigned i = 0; i <= ncut; i++) {
		size_t k = i < ncut ? cut[i] : total - off;
		vdrv_desc(&f->tx, (uint16_t)(head + i), gpa + off, (uint32_t)k,
			  i < ncut ? VRING_DESC_F_NEXT : 0, (uint16_t)(head + i + 1));
		off += k;
	}
	vdrv_post(&f->tx, head);
}

static void tx_simple(struct fx *f, uint16_t head, const uint8_t *frame, size_t len)
{
	struct virtio_net_hdr_v1 h = {0};
	tx_post(f, head, &h, frame, len, NULL, 0);
}

static void kick(struct fx *f, unsigned q)
{
	vdrv_write(&f->n->mmio, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

static int readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) == 1;
}

/* The backend's side: the next frame from the guest must be frame[0, len). */
static void expect_from_guest(struct fx *f, const uint8_t *frame, size_t len)
{
	static uint8_t buf[FRAMERING_FRAME_MAX];
	assert_int_equal(framering_pop(&f->from_guest, buf, sizeof(buf)), len);
	assert_memory_equal(buf, frame, len);
}

static void to_guest(struct fx *f, const uint8_t *frame, size_t len)
{
	struct iovec iov = {.iov_base = (void *)(uintptr_t)frame, .iov_len = len};
	assert_int_equal(framering_push(&f->to_guest, &iov, 1, len), 0);
}

/* One writable RX buffer of len bytes at descriptor i. */
static void rx_post(struct fx *f, uint16_t i, uint32_t len)
{
	vdrv_desc(&f->rx, i, RXBUF + (uint64_t)i * 0x10000, len, VRING_DESC_F_WRITE, 0);
	vdrv_post(&f->rx, i);
}

static uint8_t *rx_buf(struct fx *f, uint16_t i)
{
	return vdrv_hva(&f->mem, RXBUF + (uint64_t)i * 0x10000);
}

static void test_init_checks(void **state)
{
	struct fx *f = *state;
	struct net n;
	struct vmm_net cfg = {.to_guest = &f->to_guest, .from_guest = &f->from_guest};

	assert_int_equal(net_init(&n, &f->mem, &f->rs, &cfg, NULL), 0);
	assert_int_equal(n.cfg.mtu, VMM_NET_MTU_DEFAULT);
	assert_int_equal(n.max_frame, VMM_NET_MTU_DEFAULT + 18);
	net_destroy(&n);
	cfg.mtu = 65535;
	assert_int_equal(net_init(&n, &f->mem, &f->rs, &cfg, NULL), 0);
	assert_int_equal(n.max_frame, FRAMERING_FRAME_MAX);
	net_destroy(&n);
	cfg.mtu = 67;
	assert_int_equal(net_init(&n, &f->mem, &f->rs, &cfg, NULL), -EINVAL);
	cfg.mtu = 1500;
	cfg.from_guest = NULL;
	assert_int_equal(net_init(&n, &f->mem, &f->rs, &cfg, NULL), -EINVAL);
}

static void test_identity_and_config(void **state)
{
	struct fx *f = *state;
	struct virtio_mmio *t = &f->n->mmio;
	uint8_t b[16];

	assert_int_equal(vdrv_read(t, VIRTIO_MMIO_DEVICE_ID), 1);
	vdrv_write(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	uint32_t lo = vdrv_read(t, VIRTIO_MMIO_DEVICE_FEATURES);
	uint32_t want = 1u << VIRTIO_NET_F_CSUM | 1u << VIRTIO_NET_F_MTU | 1u << VIRTIO_NET_F_MAC |
			1u << VIRTIO_NET_F_MRG_RXBUF | 1u << VIRTIO_NET_F_STATUS |
			1u << VIRTIO_RING_F_EVENT_IDX;
	assert_int_equal(lo, want); /* no GUEST_CSUM, no TSO/UFO, no control queue */
	vdrv_write(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(vdrv_read(t, VIRTIO_MMIO_DEVICE_FEATURES), 1); /* VERSION_1 */
	/* Not offered: refused. */
	assert_false(vdrv_negotiate(t, BASE_FEATURES | 1ull << VIRTIO_NET_F_HOST_TSO4) &
		     VIRTIO_CONFIG_S_FEATURES_OK);
	/* Config: mac, status (link up), max_virtqueue_pairs, mtu. */
	memset(b, 0xaa, sizeof(b));
	virtio_mmio_bus_ops.read(t, VIRTIO_MMIO_CONFIG, b, 6);
	assert_memory_equal(b, mac, 6);
	uint16_t v = 0;
	virtio_mmio_bus_ops.read(t, VIRTIO_MMIO_CONFIG + 6, (uint8_t *)&v, 2);
	assert_int_equal(v, VIRTIO_NET_S_LINK_UP);
	virtio_mmio_bus_ops.read(t, VIRTIO_MMIO_CONFIG + 8, (uint8_t *)&v, 2);
	assert_int_equal(v, 1);
	virtio_mmio_bus_ops.read(t, VIRTIO_MMIO_CONFIG + 10, (uint8_t *)&v, 2);
	assert_int_equal(v, MTU);
	/* Past mtu (speed, duplex): not there. */
	uint32_t w = 0x5a5a5a5a;
	virtio_mmio_bus_ops.read(t, VIRTIO_MMIO_CONFIG + 12, (uint8_t *)&w, 4);
	assert_int_equal(w, 0x5a5a5a5a);
	/* The MAC cannot be written (VERSION_1: read-only). */
	virtio_mmio_bus_ops.write(t, VIRTIO_MMIO_CONFIG, (const uint8_t *)"\xff", 1);
	virtio_mmio_bus_ops.read(t, VIRTIO_MMIO_CONFIG, b, 6);
	assert_memory_equal(b, mac, 6);
}

static void test_tx_single(void **state)
{
	struct fx *f = *state;
	uint8_t frame[1514];
	uint32_t id, len;

	bring_up(f, BASE_FEATURES, 16);
	fill(frame, sizeof(frame), 1);
	tx_simple(f, 0, frame, sizeof(frame));
	kick(f, TXQ);
	expect_from_guest(f, frame, sizeof(frame));
	assert_int_equal(framering_peek(&f->from_guest), 0);
	assert_int_equal(vdrv_take_used(&f->tx, &id, &len), 1);
	assert_int_equal(id, 0);
	assert_int_equal(len, 0);
	assert_int_equal(f->irqs, 1);
	assert_int_equal(f->n->stats.tx_frames, 1);
	assert_int_equal(f->n->stats.tx_bytes, sizeof(frame));
}

/* Header split over descriptors, frame over several: stripped and gathered. */
static void test_tx_multi_descriptor(void **state)
{
	struct fx *f = *state;
	uint8_t a[60], b[1000];
	static const size_t cut_a[] = {5, 7, 20}; /* hdr 5+7, then 20 bytes, rest */
	static const size_t cut_b[] = {12 + 100, 1, 1, 300};
	struct virtio_net_hdr_v1 h = {0};

	bring_up(f, BASE_FEATURES, 16);
	fill(a, sizeof(a), 2);
	fill(b, sizeof(b), 3);
	tx_post(f, 0, &h, a, sizeof(a), cut_a, 3);
	tx_post(f, 4, &h, b, sizeof(b), cut_b, 4);
	kick(f, TXQ);
	expect_from_guest(f, a, sizeof(a));
	expect_from_guest(f, b, sizeof(b));
	assert_int_equal(vdrv_used_pending(&f->tx), 2);
	/* A chain with writable buffers after its frame: those are ignored. */
	tx_simple(f, 10, a, sizeof(a));
	vdrv_desc(&f->tx, 10, STAGE + 10 * 0x10000ull, NET_HDR_LEN + sizeof(a), VRING_DESC_F_NEXT,
		  11);
	vdrv_desc(&f->tx, 11, RXBUF, 64, VRING_DESC_F_WRITE, 0);
	kick(f, TXQ);
	expect_from_guest(f, a, sizeof(a));
}

static void test_tx_malformed_dropped(void **state)
{
	struct fx *f = *state;
	static uint8_t frame[MTU + 19];
	struct virtio_net_hdr_v1 gso = {.gso_type = VIRTIO_NET_HDR_GSO_TCPV4};
	uint32_t id, len;

	bring_up(f, BASE_FEATURES, 16);
	fill(frame, sizeof(frame), 4);
	tx_simple(f, 0, frame, 13);		  /* shorter than an Ethernet header */
	tx_simple(f, 1, frame, MTU + 18 + 1);	  /* longer than the MTU allows */
	tx_post(f, 2, &gso, frame, 100, NULL, 0); /* GSO: not offered */
	vdrv_desc(&f->tx, 3, STAGE, 8, 0, 0);	  /* not even a header */
	vdrv_post(&f->tx, 3);
	tx_simple(f, 4, frame, MTU + 18); /* the longest allowed */
	tx_simple(f, 5, frame, 14);	  /* the shortest */
	kick(f, TXQ);
	expect_from_guest(f, frame, MTU + 18);
	expect_from_guest(f, frame, 14);
	assert_int_equal(framering_peek(&f->from_guest), 0);
	assert_int_equal(f->n->stats.tx_dropped, 4);
	assert_int_equal(f->n->stats.tx_frames, 2);
	/* Every chain went back to the guest. */
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(vdrv_take_used(&f->tx, &id, &len), 1);
		assert_int_equal(id, i);
	}
	assert_false(f->n->mmio.broken);
}

/* The one's complement sum of the IPv4 pseudo-header and segment (reference). */
static uint16_t ref_sum(const uint8_t *p, size_t len, uint32_t s)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* An Ethernet + IPv4 + UDP frame of len bytes with the UDP checksum field set
 * to the pseudo-header sum, as Linux leaves it with CHECKSUM_PARTIAL. Returns
 * the pseudo-header sum (not complemented). */
static uint32_t udp_frame(uint8_t *f, size_t len)
{
	size_t ulen = len - 34;
	memset(f, 0, 34);
	f[12] = 0x08;					       /* IPv4 */
	f[14] = 0x45;					       /* version, IHL */
	f[23] = 17;					       /* UDP */
	memcpy(f + 26, "\x0a\x00\x02\x0f\x0a\x00\x02\x02", 8); /* 10.0.2.15 -> 10.0.2.2 */
	fill(f + 42, len - 42, 9);
	f[34] = 0x30, f[35] = 0x39; /* ports */
	f[36] = 0x00, f[37] = 0x35;
	f[38] = (uint8_t)(ulen >> 8), f[39] = (uint8_t)ulen;
	uint32_t ph = ref_sum(f + 26, 8, 17 + (uint32_t)ulen);
	f[40] = (uint8_t)(ph >> 8), f[41] = (uint8_t)ph;
	return ph;
}

static void test_tx_checksum_completed(void **state)
{
	struct fx *f = *state;
	static uint8_t frame[1500], out[1500];
	struct virtio_net_hdr_v1 h = {
	    .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 6};
	static const size_t cut[] = {12 + 41, 3}; /* the checksum field crosses descriptors */

	bring_up(f, BASE_FEATURES | 1ull << VIRTIO_NET_F_CSUM, 16);
	for (size_t len = 57; len < 1500; len += 301) { /* odd and even lengths */
		uint32_t ph = udp_frame(frame, len);
		tx_post(f, 0, &h, frame, len, cut, 2);
		kick(f, TXQ);
		assert_int_equal(framering_pop(&f->from_guest, out, sizeof(out)), len);
		/* A receiver's check: pseudo header (without the field) + segment sums to 0xffff.
		 */
		uint16_t field = (uint16_t)(out[40] << 8 | out[41]);
		assert_int_not_equal(field, ph);
		assert_int_equal(
		    ref_sum(out + 34, len - 34, ref_sum(out + 26, 8, 17 + (uint32_t)(len - 34))),
		    0xffff);
		assert_memory_equal(out, frame, 40); /* nothing else changed */
		assert_memory_equal(out + 42, frame + 42, len - 42);
		/* The guest's buffer is left alone. */
		uint8_t *g = (uint8_t *)vdrv_hva(&f->mem, STAGE) + NET_HDR_LEN;
		assert_int_equal(g[40] << 8 | g[41], ph);
	}
	assert_int_equal(f->n->stats.tx_csum, 5);
	/* A checksum field outside the frame: dropped. */
	h.csum_start = 90;
	h.csum_offset = 9; /* 90 + 9 + 2 > 100 */
	tx_post(f, 0, &h, frame, 100, NULL, 0);
	kick(f, TXQ);
	assert_int_equal(framering_peek(&f->from_guest), 0);
	assert_int_equal(f->n->stats.tx_dropped, 1);
	/* The largest field position that fits is fine. */
	h.csum_offset = 8;
	tx_post(f, 0, &h, frame, 100, NULL, 0);
	kick(f, TXQ);
	assert_int_equal(framering_peek(&f->from_guest), 100);
}

static void test_csum_function(void **state)
{
	uint8_t b[8] = {0x45, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x00};
	(void)state;

	assert_int_equal(net_csum_complete(b, 8, 0, 6), 0);
	assert_int_equal(ref_sum(b, 8, 0), 0xffff);
	assert_int_equal(net_csum_complete(b, 8, 7, 0), -EINVAL);
	assert_int_equal(net_csum_complete(b, 8, 0xffff, 0xffff), -EINVAL);
	assert_int_equal(net_csum_complete(b, 8, 6, 0), 0); /* a field at the very end */
}

/* A full from_guest ring stops TX (the chain stays with us, unpopped) until
 * the backend makes room and space_fd fires. */
static void test_tx_backpressure(void **state)
{
	struct fx *f = *state;
	uint8_t frame[4][100];

	unmake(f);
	assert_int_equal(make(f, 2, MTU), 0); /* from_guest holds 2 frames */
	bring_up(f, BASE_FEATURES, 16);
	for (unsigned i = 0; i < 4; i++) {
		fill(frame[i], 100, i);
		tx_simple(f, (uint16_t)i, frame[i], 100);
	}
	kick(f, TXQ);
	assert_int_equal(vdrv_used_pending(&f->tx), 2);
	assert_true(f->n->tx_blocked);
	assert_int_equal(f->n->stats.tx_blocked, 1);
	assert_false(readable(f->from_guest.space_fd));
	/* Another kick while full: still blocked, nothing lost. */
	kick(f, TXQ);
	assert_int_equal(vdrv_used_pending(&f->tx), 2);
	assert_int_equal(f->n->stats.tx_blocked, 1); /* one stall, not one per kick */
	/* The backend takes one: space_fd fires, TX resumes and blocks again. */
	expect_from_guest(f, frame[0], 100);
	assert_true(readable(f->from_guest.space_fd));
	net_tx_space(f->n);
	assert_false(readable(f->from_guest.space_fd));
	assert_int_equal(vdrv_used_pending(&f->tx), 3);
	assert_true(f->n->tx_blocked);
	expect_from_guest(f, frame[1], 100);
	expect_from_guest(f, frame[2], 100);
	net_tx_space(f->n);
	assert_int_equal(vdrv_used_pending(&f->tx), 4);
	assert_false(f->n->tx_blocked);
	expect_from_guest(f, frame[3], 100);
	assert_int_equal(f->n->stats.tx_frames, 4);
}

/* MRG_RXBUF: a frame spread over three buffers, num_buffers = 3. */
static void test_rx_mergeable(void **state)
{
	struct fx *f = *state;
	static uint8_t frame[1514];
	uint32_t id, len;

	bring_up(f, BASE_FEATURES | MRG, 16);
	for (uint16_t i = 0; i < 4; i++)
		rx_post(f, i, 600);
	kick(f, RXQ);
	assert_int_equal(vdrv_used_pending(&f->rx), 0);
	fill(frame, sizeof(frame), 5);
	to_guest(f, frame, sizeof(frame));
	net_rx_ready(f->n);
	static const uint32_t want[3] = {600, 600, 326};
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(vdrv_take_used(&f->rx, &id, &len), 1);
		assert_int_equal(id, i);
		assert_int_equal(len, want[i]);
	}
	assert_int_equal(vdrv_take_used(&f->rx, &id, &len), 0);
	struct virtio_net_hdr_v1 h;
	memcpy(&h, rx_buf(f, 0), NET_HDR_LEN);
	assert_int_equal(h.num_buffers, 3);
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_memory_equal(rx_buf(f, 0) + NET_HDR_LEN, frame, 588);
	assert_memory_equal(rx_buf(f, 1), frame + 588, 600);
	assert_memory_equal(rx_buf(f, 2), frame + 1188, 326);
	assert_int_equal(f->irqs, 1);
	assert_int_equal(f->n->stats.rx_frames, 1);
	/* Over the MTU (+ 18): dropped though it would fit; a small one fits
	 * in the buffer left: num_buffers = 1. */
	static uint8_t big[MTU + 19];
	to_guest(f, big, sizeof(big));
	to_guest(f, frame, 60);
	net_rx_ready(f->n);
	assert_int_equal(f->n->stats.rx_dropped, 1);
	assert_int_equal(vdrv_take_used(&f->rx, &id, &len), 1);
	assert_int_equal(id, 3);
	assert_int_equal(len, 72);
	memcpy(&h, rx_buf(f, 3), NET_HDR_LEN);
	assert_int_equal(h.num_buffers, 1);
}

/* Without MRG_RXBUF each frame takes one chain (header and data in separate
 * descriptors here); a frame larger than the chain is dropped, the chain kept. */
static void test_rx_single_chain(void **state)
{
	struct fx *f = *state;
	static uint8_t frame[3000];
	uint32_t id, len;

	bring_up(f, BASE_FEATURES, 16);
	vdrv_desc(&f->rx, 0, RXBUF, NET_HDR_LEN, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	vdrv_desc(&f->rx, 1, RXBUF + 0x1000, 1600, VRING_DESC_F_WRITE, 0);
	vdrv_post(&f->rx, 0);
	kick(f, RXQ);
	fill(frame, sizeof(frame), 6);
	to_guest(f, frame, 3000); /* over 1600: never fits this chain */
	to_guest(f, frame, 1514);
	net_rx_ready(f->n);
	assert_int_equal(f->n->stats.rx_dropped, 1);
	assert_int_equal(vdrv_take_used(&f->rx, &id, &len), 1);
	assert_int_equal(id, 0);
	assert_int_equal(len, NET_HDR_LEN + 1514);
	struct virtio_net_hdr_v1 h;
	memcpy(&h, rx_buf(f, 0), NET_HDR_LEN);
	assert_int_equal(h.num_buffers, 1);
	assert_memory_equal(vdrv_hva(&f->mem, RXBUF + 0x1000), frame, 1514);
	assert_int_equal(framering_peek(&f->to_guest), 0);
}

/* No buffers: frames wait in to_guest; the RX kick delivers them. */
static void test_rx_waits_for_buffers(void **state)
{
	struct fx *f = *state;
	uint8_t frame[1000];
	uint32_t id, len;

	bring_up(f, BASE_FEATURES | MRG, 16);
	fill(frame, sizeof(frame), 7);
	to_guest(f, frame, sizeof(frame));
	to_guest(f, frame, 100);
	net_rx_ready(f->n);
	assert_true(f->n->rx_starved);
	assert_int_equal(vdrv_used_pending(&f->rx), 0);
	assert_int_equal(framering_peek(&f->to_guest), 1000);
	assert_int_equal(f->irqs, 0);
	/* Starved: a ready_fd wake-up does nothing until the guest posts. */
	net_rx_ready(f->n);
	assert_int_equal(framering_peek(&f->to_guest), 1000);
	/* Two buffers of 500: not enough for 1012 bytes; both given back. */
	rx_post(f, 0, 500);
	rx_post(f, 1, 500);
	kick(f, RXQ);
	assert_int_equal(vdrv_used_pending(&f->rx), 0);
	assert_true(f->n->rx_starved);
	assert_int_equal(framering_peek(&f->to_guest), 1000);
	/* A third: the frame goes into all three, the next waits again. */
	rx_post(f, 2, 500);
	kick(f, RXQ);
	assert_int_equal(vdrv_used_pending(&f->rx), 3);
	assert_true(f->n->rx_starved);
	assert_int_equal(framering_peek(&f->to_guest), 100);
	rx_post(f, 3, 500);
	kick(f, RXQ);
	assert_int_equal(vdrv_used_pending(&f->rx), 4);
	assert_false(f->n->rx_starved);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(vdrv_take_used(&f->rx, &id, &len), 1);
	assert_int_equal(id, 3);
	assert_int_equal(len, 112);
}

/* A frame that the whole queue could not hold is dropped; a chain too small
 * for the header is handed back empty. */
static void test_rx_never_fits(void **state)
{
	struct fx *f = *state;
	uint8_t frame[1000];
	uint32_t id, len;

	bring_up(f, BASE_FEATURES | MRG, 4);
	rx_post(f, 0, 4); /* smaller than the header */
	for (uint16_t i = 1; i < 4; i++)
		rx_post(f, i, 100);
	kick(f, RXQ);
	fill(frame, sizeof(frame), 8);
	to_guest(f, frame, sizeof(frame)); /* 1012 bytes > 3 * 100 */
	to_guest(f, frame, 50);
	net_rx_ready(f->n);
	assert_int_equal(vdrv_take_used(&f->rx, &id, &len), 1);
	assert_int_equal(id, 0);
	assert_int_equal(len, 0);
	/* The big one waits: the guest might post more (one slot is free again). */
	assert_int_equal(framering_peek(&f->to_guest), 1000);
	rx_post(f, 0, 100);
	kick(f, RXQ);
	/* Now the full queue cannot hold it: dropped; the small one delivered. */
	assert_int_equal(f->n->stats.rx_dropped, 1);
	assert_int_equal(vdrv_take_used(&f->rx, &id, &len), 1);
	assert_int_equal(id, 1);
	assert_int_equal(len, 62);
	assert_memory_equal(rx_buf(f, 1) + NET_HDR_LEN, frame, 50);
	assert_int_equal(framering_peek(&f->to_guest), 0);
}

/* More frames than the queue holds: one turn is bounded, net_work finishes. */
static void test_rx_bounded_turn(void **state)
{
	struct fx *f = *state;
	uint8_t frame[64];
	uint32_t id, len;

	bring_up(f, BASE_FEATURES | MRG, 8);
	fill(frame, sizeof(frame), 10);
	for (uint16_t i = 0; i < 8; i++)
		rx_post(f, i, 2048);
	kick(f, RXQ);
	for (unsigned i = 0; i < 12; i++)
		to_guest(f, frame, sizeof(frame));
	net_rx_ready(f->n);
	assert_int_equal(vdrv_used_pending(&f->rx), 8);
	assert_true(f->n->work_pending);
	while (vdrv_take_used(&f->rx, &id, &len)) /* the guest recycles them */
		rx_post(f, (uint16_t)id, 2048);
	net_work(f->n);
	assert_false(f->n->work_pending);
	assert_int_equal(vdrv_used_pending(&f->rx), 4);
	assert_int_equal(framering_peek(&f->to_guest), 0);
	assert_int_equal(f->n->stats.rx_frames, 12);
}

/* A full queue of TX chains: one turn takes at most a queue's worth. */
static void test_tx_bounded_turn(void **state)
{
	struct fx *f = *state;
	uint8_t frame[64];

	bring_up(f, BASE_FEATURES, 4);
	fill(frame, sizeof(frame), 11);
	for (uint16_t i = 0; i < 4; i++)
		tx_simple(f, i, frame, sizeof(frame));
	kick(f, TXQ);
	assert_int_equal(vdrv_used_pending(&f->tx), 4);
	assert_true(f->n->work_pending); /* it could not see the queue empty */
	net_work(f->n);
	assert_false(f->n->work_pending);
	assert_int_equal(f->n->stats.tx_frames, 4);
}

/* EVENT_IDX: interrupts only when used_event is passed; avail_event asks for
 * the next kick once the device found a queue empty. */
static void test_event_idx(void **state)
{
	struct fx *f = *state;
	uint8_t frame[64];

	bring_up(f, BASE_FEATURES | MRG | EVIDX, 16);
	assert_true(f->n->mmio.vq[TXQ].event_idx);
	assert_true(f->n->mmio.vq[RXQ].event_idx);
	uint16_t used_event = 2; /* the driver wants to hear after the third TX frame */
	memcpy((uint8_t *)vdrv_hva(&f->mem, f->tx.avail) + 4 + 2 * 16, &used_event, 2);
	fill(frame, sizeof(frame), 12);
	for (uint16_t i = 0; i < 2; i++) {
		tx_simple(f, i, frame, sizeof(frame));
		kick(f, TXQ);
	}
	assert_int_equal(vdrv_used_pending(&f->tx), 2);
	assert_int_equal(f->irqs, 0);
	uint16_t avail_event;
	memcpy(&avail_event, (uint8_t *)vdrv_hva(&f->mem, f->tx.used) + 4 + 8 * 16, 2);
	assert_int_equal(avail_event, 2); /* kick me at the next one */
	tx_simple(f, 2, frame, sizeof(frame));
	kick(f, TXQ);
	assert_int_equal(f->irqs, 1);
	/* RX: starved, it asked for a kick at the first buffer. */
	to_guest(f, frame, sizeof(frame));
	net_rx_ready(f->n);
	memcpy(&avail_event, (uint8_t *)vdrv_hva(&f->mem, f->rx.used) + 4 + 8 * 16, 2);
	assert_int_equal(avail_event, 0);
	used_event = 0;
	memcpy((uint8_t *)vdrv_hva(&f->mem, f->rx.avail) + 4 + 2 * 16, &used_event, 2);
	rx_post(f, 0, 2048);
	kick(f, RXQ);
	assert_int_equal(vdrv_used_pending(&f->rx), 1);
	assert_int_equal(f->irqs, 2);
}

/* Reset: blocked TX and starved RX forgotten; after a new bring-up all flows again. */
static void test_reset(void **state)
{
	struct fx *f = *state;
	uint8_t frame[100];
	uint32_t id, len;

	unmake(f);
	assert_int_equal(make(f, 1, MTU), 0);
	bring_up(f, BASE_FEATURES | MRG, 16);
	fill(frame, sizeof(frame), 13);
	tx_simple(f, 0, frame, sizeof(frame));
	tx_simple(f, 1, frame, sizeof(frame));
	kick(f, TXQ);
	assert_true(f->n->tx_blocked);
	to_guest(f, frame, sizeof(frame));
	net_rx_ready(f->n);
	assert_true(f->n->rx_starved);
	vdrv_write(&f->n->mmio, VIRTIO_MMIO_STATUS, 0);
	assert_false(f->n->tx_blocked);
	assert_false(f->n->rx_starved);
	assert_int_equal(vdrv_read(&f->n->mmio, VIRTIO_MMIO_STATUS), 0);
	/* Frames arriving while no queue is up wait. */
	net_rx_ready(f->n);
	assert_true(f->n->rx_starved);
	expect_from_guest(f, frame, sizeof(frame));
	bring_up(f, BASE_FEATURES | MRG, 16);
	rx_post(f, 0, 2048);
	kick(f, RXQ);
	assert_int_equal(vdrv_take_used(&f->rx, &id, &len), 1);
	assert_int_equal(len, NET_HDR_LEN + sizeof(frame));
	tx_simple(f, 0, frame, sizeof(frame));
	kick(f, TXQ);
	expect_from_guest(f, frame, sizeof(frame));
}

/* A broken TX chain: NEEDS_RESET, not the end of the VM. */
static void test_hostile_chain(void **state)
{
	struct fx *f = *state;

	bring_up(f, BASE_FEATURES, 16);
	vdrv_desc(&f->tx, 0, STAGE, 100, VRING_DESC_F_NEXT, 0); /* loops to itself */
	vdrv_post(&f->tx, 0);
	kick(f, TXQ);
	assert_true(vdrv_read(&f->n->mmio, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_false(runstate_stopped(&f->rs));
	assert_int_equal(framering_peek(&f->from_guest), 0);
}

/* Through a real event loop: frames from the backend reach the guest
 * (ready_fd), and a blocked TX resumes when the backend pops (space_fd). */
static int wait_for(struct vdrv_q *q, uint16_t n)
{
	for (int i = 0; i < 2000; i++) {
		if (vdrv_used_pending(q) >= n)
			return 1;
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	}
	return 0;
}

static void test_event_loop(void **state)
{
	struct fx *f = *state;
	struct eventloop loop;
	uint8_t frame[200];

	unmake(f);
	assert_int_equal(make(f, 1, MTU), 0);
	assert_int_equal(eventloop_init(&loop, NULL), 0);
	assert_int_equal(net_attach(f->n, &loop, NULL), 0);
	bring_up(f, BASE_FEATURES | MRG | EVIDX, 16);
	rx_post(f, 0, 2048);
	kick(f, RXQ);
	assert_int_equal(eventloop_start(&loop, NULL), 0);
	fill(frame, sizeof(frame), 14);
	to_guest(f, frame, sizeof(frame));
	assert_true(wait_for(&f->rx, 1));
	assert_memory_equal(rx_buf(f, 0) + NET_HDR_LEN, frame, sizeof(frame));
	tx_simple(f, 0, frame, sizeof(frame));
	tx_simple(f, 1, frame, sizeof(frame));
	kick(f, TXQ); /* the ring holds one: the second waits */
	assert_true(wait_for(&f->tx, 1));
	expect_from_guest(f, frame, sizeof(frame));
	assert_true(wait_for(&f->tx, 2));
	assert_int_equal(framering_peek(&f->from_guest), sizeof(frame));
	eventloop_destroy(&loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_init_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_identity_and_config, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tx_single, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tx_multi_descriptor, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tx_malformed_dropped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tx_checksum_completed, setup, teardown),
	    cmocka_unit_test(test_csum_function),
	    cmocka_unit_test_setup_teardown(test_tx_backpressure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rx_mergeable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rx_single_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rx_waits_for_buffers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rx_never_fits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rx_bounded_turn, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tx_bounded_turn, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_event_idx, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_event_loop, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
