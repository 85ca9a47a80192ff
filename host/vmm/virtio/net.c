/* virtio-net: TX chains into the from_guest ring, to_guest frames into RX buffers; bounded turns.
 */
#include <endian.h>
#include <errno.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <stddef.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "net.h"
#include "snapstate.h"
#include "net_csum.h"

_Static_assert(sizeof(struct virtio_net_hdr_v1) == NET_HDR_LEN, "virtio-net header");
_Static_assert(NET_QUEUE_SIZE <= VIRTQ_MAX_SIZE, "queue size");

static void set_tx_blocked(struct net *n, int on)
{
	if (on && !n->tx_blocked)
		n->stats.tx_blocked++;
	n->tx_blocked = on;
	if (n->loop && n->space_src >= 0)
		eventloop_enable(n->loop, n->space_src, on);
}

static void set_rx_starved(struct net *n, int on)
{
	n->rx_starved = on;
	if (n->loop)
		eventloop_enable(n->loop, n->rx_src, !on); /* else ready_fd would spin the loop */
}

/* A turn stopped at its bound with work left: come back on the loop. */
static void more_work(struct net *n)
{
	uint64_t one = 1;

	n->work_pending = 1;
	if (n->work_fd >= 0) {
		ssize_t k = write(n->work_fd, &one, sizeof(one));
		(void)k; /* EAGAIN: already pending */
	}
}

/* --- transmit ----------------------------------------------------------- */

/* The chain's readable buffers from byte skip on, as iovs (at most VIRTQ_MAX_IOV). */
static int skip_iov(const struct virtq_chain *c, size_t skip, struct iovec *out)
{
	int k = 0;

	for (unsigned i = 0; i < c->n_out; i++) {
		if (skip >= c->iov[i].iov_len) {
			skip -= c->iov[i].iov_len;
			continue;
		}
		out[k].iov_base = (uint8_t *)c->iov[i].iov_base + skip;
		out[k].iov_len = c->iov[i].iov_len - skip;
		skip = 0;
		k++;
	}
	return k;
}

/* One TX chain to the TAP device, header and all, straight from guest
 * memory: the kernel checks the header (GSO type, checksum offsets) and
 * segments or sums as it says. A frame the TAP refuses (malformed, or its
 * queue full: tun's default send buffer is unlimited) is dropped. */
static int tx_tap(struct net *n, const struct virtq_chain *c)
{
	if (c->out_len < NET_HDR_LEN + NET_ETH_HLEN || c->out_len - NET_HDR_LEN > n->max_frame ||
	    writev(n->cfg.tap_fd, c->iov, (int)c->n_out) != (ssize_t)c->out_len) {
		n->stats.tx_dropped++;
		return 0;
	}
	n->stats.tx_frames++;
	n->stats.tx_bytes += c->out_len - NET_HDR_LEN;
	return 0;
}

/* One TX chain: 0 when handed on or dropped (counted), -ENOSPC when
 * from_guest is full (nothing consumed). */
static int tx_one(struct net *n, const struct virtq_chain *c)
{
	struct virtio_net_hdr_v1 h;
	struct iovec iov[VIRTQ_MAX_IOV];
	int cnt, csum = 0;

	if (n->cfg.tap)
		return tx_tap(n, c);
	if (c->out_len < NET_HDR_LEN + NET_ETH_HLEN || c->out_len - NET_HDR_LEN > n->max_frame)
		goto drop;
	size_t len = (size_t)c->out_len - NET_HDR_LEN;
	virtq_chain_read(c, 0, &h, NET_HDR_LEN);
	if (h.gso_type != VIRTIO_NET_HDR_GSO_NONE)
		goto drop;
	if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		/* Copy first, then sum the copy: the guest cannot change what we summed. */
		virtq_chain_read(c, NET_HDR_LEN, n->frame, len);
		if (net_csum_complete(n->frame, len, le16toh(h.csum_start),
				      le16toh(h.csum_offset)) < 0)
			goto drop;
		iov[0] = (struct iovec){.iov_base = n->frame, .iov_len = len};
		cnt = csum = 1;
	} else {
		cnt = skip_iov(c, NET_HDR_LEN, iov);
	}
	int r = framering_push(n->cfg.from_guest, iov, cnt, len);
	if (r == -ENOSPC)
		return r;
	if (r < 0)
		goto drop;
	n->stats.tx_frames++;
	n->stats.tx_bytes += len;
	n->stats.tx_csum += (uint64_t)csum;
	return 0;
drop:
	n->stats.tx_dropped++;
	return 0;
}

/* At most one queue's worth of TX chains; stops (unpopping) when from_guest is full. */
static int tx(struct net *n)
{
	struct virtq *q = virtio_mmio_queue(&n->mmio, NET_TX_QUEUE);
	struct virtq_chain c;
	int r = 0, pushed = 0, blocked = 0;
	unsigned k = 0;

	if (!q)
		return 0;
	for (; k < q->size; k++) {
		r = virtq_pop(q, &c);
		if (r <= 0)
			break;
		if (tx_one(n, &c) == -ENOSPC) {
			virtq_unpop(q);
			blocked = 1; /* resumed by from_guest's space_fd */
			r = 0;
			break;
		}
		virtq_push(q, c.head, 0);
		pushed = 1;
	}
	set_tx_blocked(n, blocked);
	if (pushed)
		virtio_mmio_used(&n->mmio, q);
	if (k == q->size)
		more_work(n);
	return r < 0 ? -EIO : 0;
}

/* --- receive ------------------------------------------------------------ */

/* Outcome of one receive attempt. */
enum { RX_DONE = 1, RX_WAIT = 0, RX_AGAIN = -EAGAIN };

/* Give back the k chains popped for a frame, none pushed. */
static void unpop(struct virtq *q, unsigned k)
{
	while (k--)
		virtq_unpop(q);
}

/* Pop chains until they hold need bytes (the header in the first). Returns
 * the number of chains, 0 when the guest has not posted enough yet (given
 * back), -ENOBUFS when no posting could ever hold the frame (given back),
 * RX_AGAIN when *budget ran out (given back), -EIO. first is the first chain,
 * *niov the iovs gathered into n->rx_iov (the frame's part). */
static int rx_gather(struct net *n, struct virtq *q, size_t need, unsigned *budget,
		     struct virtq_chain *first, unsigned *niov, int *pushed)
{
	unsigned max = virtio_mmio_has_feature(&n->mmio, VIRTIO_NET_F_MRG_RXBUF) ? q->size : 1;
	struct virtq_chain c;
	unsigned nch = 0;
	uint64_t have = 0;

	*niov = 0;
	while (have < need) {
		if (nch == max) {
			unpop(q, nch);
			return -ENOBUFS;
		}
		if (!*budget) {
			unpop(q, nch);
			return RX_AGAIN;
		}
		int r = virtq_pop(q, &c);
		if (r <= 0) {
			unpop(q, nch);
			return r < 0 ? -EIO : RX_WAIT;
		}
		(*budget)--;
		if (!nch && c.in_len < NET_HDR_LEN) {
			/* Unusable as a first buffer: back to the guest empty (it
			 * drops it as too short). Nothing is held yet, so this is safe. */
			virtq_push(q, c.head, 0);
			*pushed = 1;
			continue;
		}
		size_t skip = nch ? 0 : NET_HDR_LEN;
		for (unsigned i = c.n_out; i < c.n_out + c.n_in; i++) {
			struct iovec v = c.iov[i];
			if (skip >= v.iov_len) {
				skip -= v.iov_len;
				continue;
			}
			if (*niov == NET_RX_IOV_MAX) {
				unpop(q, nch + 1);
				return -ENOBUFS;
			}
			n->rx_iov[(*niov)++] = (struct iovec){
			    .iov_base = (uint8_t *)v.iov_base + skip, .iov_len = v.iov_len - skip};
			skip = 0;
		}
		if (!nch)
			*first = c;
		n->rx_head[nch] = c.head;
		n->rx_len[nch] =
		    c.in_len < need - have ? (uint32_t)c.in_len : (uint32_t)(need - have);
		have += n->rx_len[nch];
		nch++;
	}
	return (int)nch;
}

/* The next to_guest frame (len bytes) into guest buffers, or dropped when it
 * is longer than the MTU allows or can never fit. RX_DONE, RX_WAIT (no buffers yet), RX_AGAIN,
 * -EIO. */
static int rx_one(struct net *n, struct virtq *q, size_t len, unsigned *budget, int *pushed)
{
	struct virtq_chain first;
	unsigned niov;
	/* The spec: nothing longer than the MTU (and link headers) reaches the driver. */
	int nch = len > n->max_frame
		      ? -ENOBUFS
		      : rx_gather(n, q, NET_HDR_LEN + len, budget, &first, &niov, pushed);

	if (nch == -ENOBUFS) {
		framering_discard(n->cfg.to_guest);
		n->stats.rx_dropped++;
		return RX_DONE;
	}
	if (nch <= 0)
		return nch;
	ssize_t got = framering_popv(n->cfg.to_guest, n->rx_iov, (int)niov);
	if (got != (ssize_t)len) { /* cannot happen: we are the only consumer */
		unpop(q, (unsigned)nch);
		return RX_WAIT;
	}
	struct virtio_net_hdr_v1 h = {.gso_type = VIRTIO_NET_HDR_GSO_NONE,
				      .num_buffers = htole16((uint16_t)nch)};
	virtq_chain_write(&first, 0, &h, NET_HDR_LEN);
	for (int i = 0; i < nch; i++)
		virtq_push(q, n->rx_head[i], n->rx_len[i]);
	*pushed = 1;
	n->stats.rx_frames++;
	n->stats.rx_bytes += len;
	return RX_DONE;
}

/* The end of a receive turn: interrupt for what was delivered, wait for an
 * RX kick when buffers ran out, come back when the turn's bound cut it short. */
static int rx_finish(struct net *n, struct virtq *q, int r, int pushed, unsigned frames)
{
	if (pushed)
		virtio_mmio_used(&n->mmio, q);
	if (r == -EIO)
		return -EIO;
	set_rx_starved(n, r == RX_WAIT);
	if (r == RX_AGAIN || frames == q->size)
		more_work(n);
	return 0;
}

/* Copy len bytes of src into the iovs. */
static void scatter(const struct iovec *iov, unsigned niov, const uint8_t *src, size_t len)
{
	for (unsigned i = 0; i < niov && len; i++) {
		size_t k = iov[i].iov_len < len ? iov[i].iov_len : len;
		memcpy(iov[i].iov_base, src, k);
		src += k;
		len -= k;
	}
}

/* The TAP's frame in n->frame (n->tap_len bytes, header n->tap_hdr) as the
 * driver negotiated it: a partial checksum completed when it lacks
 * GUEST_CSUM; false when it cannot take the frame (a TSO segment it did not
 * ask for). */
static bool tap_fit_features(struct net *n)
{
	struct virtio_net_hdr_v1 *h = &n->tap_hdr;
	unsigned want = 0;

	switch (h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		break;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		want = VIRTIO_NET_F_GUEST_TSO4;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		want = VIRTIO_NET_F_GUEST_TSO6;
		break;
	default:
		return false;
	}
	if (want && !virtio_mmio_has_feature(&n->mmio, want))
		return false;
	if ((h->gso_type & VIRTIO_NET_HDR_GSO_ECN) &&
	    !virtio_mmio_has_feature(&n->mmio, VIRTIO_NET_F_GUEST_ECN))
		return false;
	if ((h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	    !virtio_mmio_has_feature(&n->mmio, VIRTIO_NET_F_GUEST_CSUM)) {
		if (want || net_csum_complete(n->frame, n->tap_len, le16toh(h->csum_start),
					      le16toh(h->csum_offset)) < 0)
			return false;
		h->flags &= (uint8_t)~VIRTIO_NET_HDR_F_NEEDS_CSUM;
	}
	return true;
}

/* The TAP's next frame: read one when none waits, then into guest buffers.
 * RX_DONE (delivered, dropped, or nothing to read: *idle), RX_WAIT (no
 * buffers yet: the frame waits in n->frame), RX_AGAIN, -EIO. */
static int rx_tap_one(struct net *n, struct virtq *q, unsigned *budget, int *pushed, int *idle)
{
	if (!n->tap_len) {
		struct iovec v[2] = {{&n->tap_hdr, NET_HDR_LEN}, {n->frame, sizeof(n->frame)}};
		ssize_t k = readv(n->cfg.tap_fd, v, 2);
		if (k < 0) {
			*idle = 1; /* EAGAIN; or the device went away: nothing to deliver */
			return RX_DONE;
		}
		if ((size_t)k < NET_HDR_LEN + NET_ETH_HLEN) {
			n->stats.rx_dropped++;
			return RX_DONE;
		}
		n->tap_len = (size_t)k - NET_HDR_LEN;
		if (!tap_fit_features(n)) {
			n->tap_len = 0;
			n->stats.rx_dropped++;
			return RX_DONE;
		}
	}
	struct virtq_chain first;
	unsigned niov;
	size_t len = n->tap_len;
	int nch = rx_gather(n, q, NET_HDR_LEN + len, budget, &first, &niov, pushed);
	if (nch == -ENOBUFS) {
		n->tap_len = 0;
		n->stats.rx_dropped++;
		return RX_DONE;
	}
	if (nch <= 0)
		return nch;
	scatter(n->rx_iov, niov, n->frame, len);
	struct virtio_net_hdr_v1 h = n->tap_hdr;
	h.num_buffers = htole16((uint16_t)nch);
	virtq_chain_write(&first, 0, &h, NET_HDR_LEN);
	for (int i = 0; i < nch; i++)
		virtq_push(q, n->rx_head[i], n->rx_len[i]);
	*pushed = 1;
	n->tap_len = 0;
	n->stats.rx_frames++;
	n->stats.rx_bytes += len;
	return RX_DONE;
}

static int rx_tap(struct net *n, struct virtq *q)
{
	unsigned budget = 2u * q->size, frames = 0;
	int r = RX_DONE, pushed = 0, idle = 0;

	for (; frames < q->size && !idle; frames++) {
		r = rx_tap_one(n, q, &budget, &pushed, &idle);
		if (r != RX_DONE)
			break;
	}
	return rx_finish(n, q, r, pushed, frames);
}

/* At most one queue's worth of frames and two of chains; frames without
 * buffers stay in to_guest (bounded: the backend drops) or the TAP's queue
 * (bounded by the kernel) until the RX kick. */
static int rx(struct net *n)
{
	struct virtq *q = virtio_mmio_queue(&n->mmio, NET_RX_QUEUE);
	int r = RX_DONE, pushed = 0;

	if (!q) {
		set_rx_starved(n, 1); /* the driver's first RX kick starts us */
		return 0;
	}
	if (n->cfg.tap)
		return rx_tap(n, q);
	unsigned budget = 2u * q->size, frames = 0;
	for (; frames < q->size; frames++) {
		size_t len = framering_peek(n->cfg.to_guest);
		if (!len)
			break;
		r = rx_one(n, q, len, &budget, &pushed);
		if (r != RX_DONE)
			break;
	}
	return rx_finish(n, q, r, pushed, frames);
}

/* --- device ------------------------------------------------------------- */

static int net_notify(void *dev, unsigned qi)
{
	struct net *n = dev;

	if (qi == NET_TX_QUEUE)
		return tx(n);
	if (qi == NET_RX_QUEUE)
		return rx(n); /* new buffers: deliver what waited */
	return 0;
}

/* With the lock held: a queue the guest broke fails the device. */
static void check(struct net *n, int r, unsigned qi)
{
	if (r < 0)
		virtio_mmio_fail(&n->mmio,
				 n->mmio.vq[qi].error ? n->mmio.vq[qi].error : "queue error");
}

void net_rx_ready(struct net *n)
{
	if (!n->cfg.tap) /* before popping: a later push signals again */
		framering_ack_ready(n->cfg.to_guest);
	pthread_mutex_lock(&n->mmio.lock);
	if (!n->rx_starved)
		check(n, rx(n), NET_RX_QUEUE);
	pthread_mutex_unlock(&n->mmio.lock);
}

void net_tx_space(struct net *n)
{
	if (n->cfg.tap)
		return; /* TX to a TAP never waits for space */
	framering_ack_space(n->cfg.from_guest);
	pthread_mutex_lock(&n->mmio.lock);
	if (n->tx_blocked)
		check(n, tx(n), NET_TX_QUEUE);
	pthread_mutex_unlock(&n->mmio.lock);
}

void net_work(struct net *n)
{
	pthread_mutex_lock(&n->mmio.lock);
	n->work_pending = 0;
	if (!n->tx_blocked)
		check(n, tx(n), NET_TX_QUEUE);
	if (!n->rx_starved)
		check(n, rx(n), NET_RX_QUEUE);
	pthread_mutex_unlock(&n->mmio.lock);
}

static void on_rx_ready(void *ctx)
{
	net_rx_ready(ctx);
}

static void on_tx_space(void *ctx)
{
	net_tx_space(ctx);
}

static void on_work(void *ctx)
{
	struct net *n = ctx;
	uint64_t v;

	if (read(n->work_fd, &v, sizeof(v)) == sizeof(v))
		net_work(n);
}

/* Config space up to mtu: speed and duplex are not offered. */
#define NET_CONFIG_SIZE offsetof(struct virtio_net_config, speed)

static void net_read_config(void *dev, uint32_t off, uint8_t *buf, uint32_t len)
{
	struct net *n = dev;
	struct virtio_net_config cfg = {
	    .status = htole16(VIRTIO_NET_S_LINK_UP),
	    .max_virtqueue_pairs = htole16(1),
	    .mtu = htole16(n->cfg.mtu),
	};

	memcpy(cfg.mac, n->cfg.mac, sizeof(cfg.mac));
	memcpy(buf, (const uint8_t *)&cfg + off, len);
}

static void net_reset(void *dev)
{
	struct net *n = dev;

	n->tap_len = 0; /* a frame read for the old queues */

	set_tx_blocked(n, 0);
	set_rx_starved(n, 0); /* frames waiting find the queue gone and wait again */
	n->work_pending = 0;
}

/* Checksums: we offer VIRTIO_NET_F_CSUM and complete the guest's partial
 * checksums on TX (net_csum.c) before the frame reaches the backend, which
 * (libslirp) drops frames with bad checksums. Offering it is what lets Linux
 * turn on scatter-gather (NETIF_F_SG needs a checksum feature), so large
 * frames leave as page fragments instead of one big linear copy, and the
 * guest skips its checksum pass. We do not offer GUEST_CSUM: frames to the
 * guest come from a backend we do not vouch for, so the guest verifies them.
 * No TSO/UFO: a user-mode backend wants whole frames. */
const struct virtio_dev_ops net_ops = {
    .name = "net",
    .device_id = VIRTIO_ID_NET,
    .features = 1ull << VIRTIO_NET_F_CSUM | 1ull << VIRTIO_NET_F_MTU | 1ull << VIRTIO_NET_F_MAC |
		1ull << VIRTIO_NET_F_MRG_RXBUF | 1ull << VIRTIO_NET_F_STATUS |
		VIRTIO_FEATURE_EVENT_IDX,
    .num_queues = 2,
    .queue_size = NET_QUEUE_SIZE,
    .config_size = NET_CONFIG_SIZE,
    .read_config = net_read_config,
    .queue_notify = net_notify,
    .reset = net_reset,
};

/* With a TAP device (kernel backend), the offloads it can use: the guest
 * may hand it partial checksums and TSO segments (the kernel checks and
 * finishes them), and takes the same from it (GUEST_CSUM: the host kernel
 * checked or built those frames). What the TAP sends is cut to what the
 * driver accepted (tap_fit_features). */
const struct virtio_dev_ops net_tap_ops = {
    .name = "net",
    .device_id = VIRTIO_ID_NET,
    .features = 1ull << VIRTIO_NET_F_CSUM | 1ull << VIRTIO_NET_F_GUEST_CSUM |
		1ull << VIRTIO_NET_F_HOST_TSO4 | 1ull << VIRTIO_NET_F_HOST_TSO6 |
		1ull << VIRTIO_NET_F_HOST_ECN | 1ull << VIRTIO_NET_F_GUEST_TSO4 |
		1ull << VIRTIO_NET_F_GUEST_TSO6 | 1ull << VIRTIO_NET_F_GUEST_ECN |
		1ull << VIRTIO_NET_F_MTU | 1ull << VIRTIO_NET_F_MAC |
		1ull << VIRTIO_NET_F_MRG_RXBUF | 1ull << VIRTIO_NET_F_STATUS |
		VIRTIO_FEATURE_EVENT_IDX,
    .num_queues = 2,
    .queue_size = NET_QUEUE_SIZE,
    .config_size = NET_CONFIG_SIZE,
    .read_config = net_read_config,
    .queue_notify = net_notify,
    .reset = net_reset,
};

int net_init(struct net *n, const struct vm_mem *mem, struct runstate *rs,
	     const struct vmm_net *cfg, struct sb_error *err)
{
	memset(n, 0, sizeof(*n));
	n->rx_src = n->space_src = n->work_src = n->work_fd = -1;
	n->cfg = *cfg;
	if (!n->cfg.mtu)
		n->cfg.mtu = VMM_NET_MTU_DEFAULT;
	if (cfg->tap) {
		if (cfg->tap_fd < 0)
			return error_set(err, EINVAL, "virtio-net: no TAP device");
		if (n->cfg.mtu < VMM_NET_MTU_MIN)
			return error_set(err, EINVAL, "virtio-net: MTU %u is below %u", n->cfg.mtu,
					 VMM_NET_MTU_MIN);
		n->max_frame = FRAMERING_FRAME_MAX; /* TSO segments, up to 64 KiB */
		virtio_mmio_init(&n->mmio, &net_tap_ops, n, mem, rs);
		return 0;
	}
	if (!cfg->to_guest || !cfg->from_guest)
		return error_set(err, EINVAL, "virtio-net: no frame rings");
	if (n->cfg.mtu < VMM_NET_MTU_MIN)
		return error_set(err, EINVAL, "virtio-net: MTU %u is below %u", n->cfg.mtu,
				 VMM_NET_MTU_MIN);
	uint32_t max = (uint32_t)n->cfg.mtu + NET_ETH_HLEN + NET_VLAN_HLEN;
	n->max_frame = max < FRAMERING_FRAME_MAX ? max : FRAMERING_FRAME_MAX;
	virtio_mmio_init(&n->mmio, &net_ops, n, mem, rs);
	return 0;
}

void net_destroy(struct net *n)
{
	if (n->work_fd >= 0)
		close(n->work_fd);
	n->work_fd = -1;
	virtio_mmio_destroy(&n->mmio);
}

int net_attach(struct net *n, struct eventloop *loop, struct sb_error *err)
{
	n->work_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (n->work_fd < 0)
		return error_set(err, errno, "virtio-net: eventfd");
	int rx_fd = n->cfg.tap ? n->cfg.tap_fd : n->cfg.to_guest->ready_fd;
	int rx_src = eventloop_add(loop, rx_fd, on_rx_ready, n, 1, err);
	if (rx_src < 0)
		return error_prefix(err, "virtio-net");
	int space_src = -1; /* TX to a TAP never waits: nothing to resume */
	if (!n->cfg.tap && (space_src = eventloop_add(loop, n->cfg.from_guest->space_fd,
						      on_tx_space, n, 0, err)) < 0)
		return error_prefix(err, "virtio-net");
	int work_src = eventloop_add(loop, n->work_fd, on_work, n, 1, err);
	if (work_src < 0)
		return error_prefix(err, "virtio-net");
	pthread_mutex_lock(&n->mmio.lock);
	n->loop = loop;
	n->rx_src = rx_src;
	n->space_src = space_src;
	n->work_src = work_src;
	pthread_mutex_unlock(&n->mmio.lock);
	return 0;
}

/* A snapshot holds the transport only: the backend's side starts afresh, and
 * a VM is saved before its interface is up (no frame in flight). */
void net_save(struct net *n, struct snap_w *w)
{
	virtio_mmio_save(&n->mmio, w);
}

int net_restore(struct net *n, struct snap_r *r)
{
	int e = virtio_mmio_restore(&n->mmio, r);
	if (e < 0)
		return e;
	net_reset(n);
	return 0;
}
