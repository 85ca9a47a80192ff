/* Unit tests for virtio-fs: request framing, tokens, replies, back-pressure and a dying server,
 * through the fake driver with the test as the file server on a socketpair. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <linux/virtio_config.h>
#include <linux/virtio_fs.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
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

#include "fsd/fsd.h"
#include "test_vmm_vdrv.h"
#include "virtio/fs.h"

#define HIQ FS_HIPRIO_QUEUE
#define RQ FS_REQUEST_QUEUE
#define REQ 0x200000ull /* request i's readable bytes at REQ + i * 64 KiB */
#define OUT 0x800000ull /* its writable buffer at OUT + i * 64 KiB */
#define GUEST_UNIQUE 0x4242000000000000ull

struct fx {
	struct vm_mem mem;
	struct runstate rs;
	struct fs *f;
	int srv; /* the file server's end */
	struct vdrv_q hi, rq;
	uint8_t msg[FSD_MSG_MAX + 1];
};

static int setup(void **state)
{
	static struct fx x;
	int sv[2];

	memset(&x, 0, sizeof(x));
	if (mem_create(&x.mem, VDRV_MEM, NULL) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	runstate_init(&x.rs, NULL, NULL);
	x.f = malloc(sizeof(*x.f));
	if (!x.f || fs_init(x.f, &x.mem, &x.rs, "vol0", sv[0], NULL) < 0)
		return -1;
	x.srv = sv[1];
	*state = &x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	int sock = x->f->sock;

	fs_destroy(x->f);
	free(x->f);
	close(sock);
	if (x->srv >= 0)
		close(x->srv);
	runstate_destroy(&x->rs);
	mem_destroy(&x->mem);
	return 0;
}

static void bring_up(struct fx *x, uint16_t num)
{
	struct virtio_mmio *t = &x->f->mmio;
	uint32_t st = vdrv_negotiate(t, VIRTIO_FEATURE_VERSION_1);

	assert_true(st & VIRTIO_CONFIG_S_FEATURES_OK);
	assert_int_equal(vdrv_queue(t, &x->hi, &x->mem, HIQ, num), 1);
	assert_int_equal(vdrv_queue(t, &x->rq, &x->mem, RQ, num), 1);
	vdrv_write(t, VIRTIO_MMIO_STATUS, st | VIRTIO_CONFIG_S_DRIVER_OK);
}

/* Request i on queue q: a fuse_in_header (len = 40 + arglen, unless len is
 * given) and arglen argument bytes in one or two readable descriptors, then
 * one writable buffer of outlen bytes (none when 0). Descriptors i*3... */
static void post(struct fx *x, struct vdrv_q *q, uint16_t i, uint32_t opcode, uint32_t arglen,
		 uint32_t len, uint32_t outlen, int split)
{
	uint64_t gpa = REQ + (uint64_t)i * 0x10000, out = OUT + (uint64_t)i * 0x10000;
	struct fuse_in_header h = {.len = len ? len : FS_IN_HDR_LEN + arglen,
				   .opcode = opcode,
				   .unique = GUEST_UNIQUE + i,
				   .nodeid = 1};
	uint8_t *p = vdrv_hva(&x->mem, gpa);
	uint32_t total = FS_IN_HDR_LEN + arglen;
	uint16_t d = (uint16_t)(i * 3);

	memcpy(p, &h, sizeof(h));
	for (uint32_t k = 0; k < arglen; k++)
		p[FS_IN_HDR_LEN + k] = (uint8_t)(k * 7 + i);
	memset(vdrv_hva(&x->mem, out), 0xee, outlen ? outlen : 1);
	uint16_t more = outlen ? VRING_DESC_F_NEXT : 0;
	if (split) { /* cut inside the header: the device must put it together */
		vdrv_desc(q, d, gpa, 13, VRING_DESC_F_NEXT, (uint16_t)(d + 1));
		vdrv_desc(q, (uint16_t)(d + 1), gpa + 13, total - 13, more, (uint16_t)(d + 2));
	} else {
		vdrv_desc(q, d, gpa, total, more, (uint16_t)(d + 2));
	}
	if (outlen)
		vdrv_desc(q, (uint16_t)(i * 3 + 2), out, outlen, VRING_DESC_F_WRITE, 0);
	vdrv_post(q, (uint16_t)(i * 3));
}

static void kick(struct fx *x, unsigned qi)
{
	vdrv_write(&x->f->mmio, VIRTIO_MMIO_QUEUE_NOTIFY, qi);
}

/* The server reads one message: its length, or -1 when none waits. */
static ssize_t srv_recv(struct fx *x)
{
	return recv(x->srv, x->msg, sizeof(x->msg), MSG_DONTWAIT);
}

static struct fuse_in_header srv_hdr(struct fx *x)
{
	struct fuse_in_header h;
	memcpy(&h, x->msg, sizeof(h));
	return h;
}

/* The server answers token with error and paylen payload bytes. */
static void srv_reply(struct fx *x, uint64_t token, int error, uint32_t paylen)
{
	static uint8_t buf[FSD_MSG_MAX];
	struct fuse_out_header h = {
	    .len = FS_OUT_HDR_LEN + paylen, .error = error, .unique = token};

	memcpy(buf, &h, sizeof(h));
	for (uint32_t k = 0; k < paylen; k++)
		buf[FS_OUT_HDR_LEN + k] = (uint8_t)(k * 3 + 1);
	assert_int_equal(send(x->srv, buf, FS_OUT_HDR_LEN + paylen, 0), FS_OUT_HDR_LEN + paylen);
}

static struct fuse_out_header guest_out(struct fx *x, uint16_t i)
{
	struct fuse_out_header h;
	memcpy(&h, vdrv_hva(&x->mem, OUT + (uint64_t)i * 0x10000), sizeof(h));
	return h;
}

static void test_config(void **state)
{
	struct fx *x = *state;
	struct virtio_mmio *t = &x->f->mmio;
	struct virtio_fs_config cfg;

	assert_int_equal(vdrv_read(t, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_FS);
	for (unsigned i = 0; i < sizeof(cfg); i += 4) {
		uint32_t v = vdrv_read(t, VIRTIO_MMIO_CONFIG + i);
		memcpy((uint8_t *)&cfg + i, &v, 4);
	}
	assert_memory_equal(cfg.tag, "vol0\0\0", 6);
	assert_int_equal(cfg.num_request_queues, 1);
	vdrv_write(t, VIRTIO_MMIO_QUEUE_SEL, RQ);
	assert_int_equal(vdrv_read(t, VIRTIO_MMIO_QUEUE_NUM_MAX), FS_QUEUE_SIZE);
}

/* A request reaches the server whole, with our token; the reply reaches
 * the guest with its own unique back. */
static void test_round_trip(void **state)
{
	struct fx *x = *state;

	bring_up(x, 16);
	post(x, &x->rq, 0, FUSE_LOOKUP, 100, 0, 4096, 1);
	kick(x, RQ);
	assert_int_equal(srv_recv(x), FS_IN_HDR_LEN + 100);
	struct fuse_in_header h = srv_hdr(x);
	assert_int_equal(h.opcode, FUSE_LOOKUP);
	assert_int_equal(h.len, FS_IN_HDR_LEN + 100);
	assert_true(h.unique != GUEST_UNIQUE);
	assert_int_equal(h.nodeid, 1);
	for (uint32_t k = 0; k < 100; k++)
		assert_int_equal(x->msg[FS_IN_HDR_LEN + k], (uint8_t)(k * 7));
	assert_int_equal(srv_recv(x), -1);
	assert_int_equal(vdrv_used_pending(&x->rq), 0);

	srv_reply(x, h.unique, 0, 128);
	fs_sock_readable(x->f);
	uint32_t id, len;
	assert_true(vdrv_take_used(&x->rq, &id, &len));
	assert_int_equal(id, 0);
	assert_int_equal(len, FS_OUT_HDR_LEN + 128);
	struct fuse_out_header o = guest_out(x, 0);
	assert_int_equal(o.unique, GUEST_UNIQUE);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.len, FS_OUT_HDR_LEN + 128);
	assert_int_equal(*(uint8_t *)vdrv_hva(&x->mem, OUT + FS_OUT_HDR_LEN + 5), 16);
	assert_int_equal(x->f->stats.requests, 1);
	assert_int_equal(x->f->stats.replies, 1);
	assert_int_equal(x->f->n_pending, 0);

	/* The same token again: already answered, dropped. */
	srv_reply(x, h.unique, 0, 0);
	fs_sock_readable(x->f);
	assert_int_equal(vdrv_used_pending(&x->rq), 0);
	assert_int_equal(x->f->stats.bad_replies, 1);
}

/* Replies in any order find their chains. */
static void test_out_of_order(void **state)
{
	struct fx *x = *state;
	uint64_t tok[3];

	bring_up(x, 16);
	for (uint16_t i = 0; i < 3; i++)
		post(x, &x->rq, i, FUSE_GETATTR, 16, 0, 256, 0);
	kick(x, RQ);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(srv_recv(x), FS_IN_HDR_LEN + 16);
		tok[i] = srv_hdr(x).unique;
	}
	assert_true(tok[0] != tok[1] && tok[1] != tok[2] && tok[0] != tok[2]);
	for (int i = 2; i >= 0; i--)
		srv_reply(x, tok[i], -(i + 1), 0);
	fs_sock_readable(x->f);
	for (int i = 2; i >= 0; i--) {
		uint32_t id, len;
		assert_true(vdrv_take_used(&x->rq, &id, &len));
		assert_int_equal(id, i * 3);
		assert_int_equal(len, FS_OUT_HDR_LEN);
		struct fuse_out_header o = guest_out(x, (uint16_t)i);
		assert_int_equal(o.unique, GUEST_UNIQUE + (uint64_t)i);
		assert_int_equal(o.error, -(i + 1));
	}
}

/* FORGET on the hiprio queue: sent, completed at once with 0 bytes. */
static void test_forget(void **state)
{
	struct fx *x = *state;
	uint32_t id, len;

	bring_up(x, 16);
	post(x, &x->hi, 0, FUSE_FORGET, sizeof(struct fuse_forget_in), 0, 0, 0);
	kick(x, HIQ);
	assert_int_equal(srv_recv(x), FS_IN_HDR_LEN + sizeof(struct fuse_forget_in));
	assert_int_equal(srv_hdr(x).opcode, FUSE_FORGET);
	assert_true(vdrv_take_used(&x->hi, &id, &len));
	assert_int_equal(len, 0);
	assert_int_equal(x->f->n_pending, 0);
	/* Anything else on hiprio is the guest's error: -EIO, nothing sent. */
	post(x, &x->hi, 1, FUSE_LOOKUP, 8, 0, 64, 0);
	kick(x, HIQ);
	assert_int_equal(srv_recv(x), -1);
	assert_true(vdrv_take_used(&x->hi, &id, &len));
	assert_int_equal(len, FS_OUT_HDR_LEN);
	assert_int_equal(guest_out(x, 1).error, -EIO);
	assert_int_equal(x->f->stats.malformed, 1);
}

/* Short chains, a header whose len is not the chain's, no room for a reply,
 * a chain above FSD_MSG_MAX: answered -EIO (or 0 bytes), never sent. */
static void test_malformed(void **state)
{
	struct fx *x = *state;
	uint32_t id, len;

	bring_up(x, 16);
	post(x, &x->rq, 0, FUSE_LOOKUP, 10, 60, 64, 0); /* len says 60, chain has 50 */
	post(x, &x->rq, 1, FUSE_LOOKUP, 0, 0, 8, 0);	/* 8 writable bytes: no room */
	post(x, &x->rq, 2, FUSE_LOOKUP, 10, 0, 0, 0);	/* nothing writable */
	vdrv_desc(&x->rq, 9, REQ + 3 * 0x10000, 20, VRING_DESC_F_NEXT, 10); /* 20 < 40 bytes */
	vdrv_desc(&x->rq, 10, OUT + 3 * 0x10000, 64, VRING_DESC_F_WRITE, 0);
	vdrv_post(&x->rq, 9);
	/* FSD_MSG_MAX + 1 readable bytes: more than one message may carry */
	vdrv_desc(&x->rq, 12, REQ + 4 * 0x10000, FSD_MSG_MAX + 1, VRING_DESC_F_NEXT, 13);
	vdrv_desc(&x->rq, 13, OUT + 4 * 0x10000, 64, VRING_DESC_F_WRITE, 0);
	vdrv_post(&x->rq, 12);
	kick(x, RQ);
	assert_int_equal(srv_recv(x), -1);
	assert_int_equal(x->f->stats.malformed, 5);
	assert_int_equal(vdrv_used_pending(&x->rq), 5);
	static const uint32_t want_len[5] = {FS_OUT_HDR_LEN, 0, 0, FS_OUT_HDR_LEN, FS_OUT_HDR_LEN};
	for (int i = 0; i < 5; i++) {
		assert_true(vdrv_take_used(&x->rq, &id, &len));
		assert_int_equal(id, i * 3);
		assert_int_equal(len, want_len[i]);
	}
	assert_int_equal(guest_out(x, 0).error, -EIO);
	assert_int_equal(guest_out(x, 0).unique, GUEST_UNIQUE);
	assert_false(x->f->mmio.broken);
}

/* A reply larger than the chain's writable space becomes -EIO; a short or
 * mislabelled message is dropped. */
static void test_reply_bounds(void **state)
{
	struct fx *x = *state;
	uint32_t id, len;

	bring_up(x, 16);
	post(x, &x->rq, 0, FUSE_READ, 40, 0, 64, 0);
	kick(x, RQ);
	assert_true(srv_recv(x) > 0);
	uint64_t tok = srv_hdr(x).unique;
	assert_int_equal(send(x->srv, "abc", 3, 0), 3);		 /* short */
	srv_reply(x, tok ^ 0x100, 0, 0);			 /* no such token */
	struct fuse_out_header bad = {.len = 99, .unique = tok}; /* len is not the message's */
	assert_int_equal(send(x->srv, &bad, sizeof(bad), 0), (ssize_t)sizeof(bad));
	fs_sock_readable(x->f);
	assert_true(vdrv_take_used(&x->rq, &id, &len));
	assert_int_equal(len, FS_OUT_HDR_LEN);
	assert_int_equal(guest_out(x, 0).error, -EIO);
	assert_int_equal(x->f->stats.bad_replies, 3);

	post(x, &x->rq, 1, FUSE_READ, 40, 0, 64, 0);
	kick(x, RQ);
	assert_true(srv_recv(x) > 0);
	srv_reply(x, srv_hdr(x).unique, 0, 64); /* 80 bytes into 64 */
	fs_sock_readable(x->f);
	assert_true(vdrv_take_used(&x->rq, &id, &len));
	assert_int_equal(len, FS_OUT_HDR_LEN);
	assert_int_equal(guest_out(x, 1).error, -EIO);
	assert_int_equal(guest_out(x, 1).unique, GUEST_UNIQUE + 1);
	assert_int_equal(x->f->stats.failed, 1);
}

/* A reply goes from the socket straight into the chain's writable buffers,
 * however the guest cut them (here inside the header). */
static void test_reply_scattered(void **state)
{
	struct fx *x = *state;
	struct fuse_in_header h = {
	    .len = FS_IN_HDR_LEN + 40, .opcode = FUSE_READ, .unique = GUEST_UNIQUE, .nodeid = 1};
	static const uint32_t cut[3] = {10, 30, 100};
	uint8_t got[140];
	uint32_t id, len, at = 0;

	bring_up(x, 16);
	memcpy(vdrv_hva(&x->mem, REQ), &h, sizeof(h));
	vdrv_desc(&x->rq, 0, REQ, h.len, VRING_DESC_F_NEXT, 1);
	for (uint16_t k = 0; k < 3; k++)
		vdrv_desc(&x->rq, (uint16_t)(k + 1), OUT + k * 0x1000u, cut[k],
			  VRING_DESC_F_WRITE | (k < 2 ? VRING_DESC_F_NEXT : 0), (uint16_t)(k + 2));
	vdrv_post(&x->rq, 0);
	kick(x, RQ);
	assert_true(srv_recv(x) > 0);
	srv_reply(x, srv_hdr(x).unique, 0, 100); /* 116 of the 140 writable bytes */
	fs_sock_readable(x->f);
	assert_true(vdrv_take_used(&x->rq, &id, &len));
	assert_int_equal(id, 0);
	assert_int_equal(len, FS_OUT_HDR_LEN + 100);
	for (unsigned k = 0; k < 3; k++) {
		memcpy(got + at, vdrv_hva(&x->mem, OUT + k * 0x1000u), cut[k]);
		at += cut[k];
	}
	struct fuse_out_header o;
	memcpy(&o, got, sizeof(o));
	assert_int_equal(o.len, FS_OUT_HDR_LEN + 100);
	assert_int_equal(o.error, 0);
	assert_int_equal(o.unique, GUEST_UNIQUE);
	for (unsigned k = 0; k < 100; k++)
		assert_int_equal(got[FS_OUT_HDR_LEN + k], (uint8_t)(k * 3 + 1));
	assert_int_equal(x->f->stats.replies, 1);
	assert_int_equal(x->f->stats.bad_replies, 0);
}

/* The READ data pipe (fsd.h): a header whose len counts more than its
 * message takes the rest from the pipe into the chain; a piped reply too big
 * for its chain is -EIO, its bytes drained so the next one lines up; a
 * header counting bytes the pipe does not hold ends the server. */
static void test_reply_through_pipe(void **state)
{
	struct fx *x = *state;
	int dp[2];
	uint32_t id, len;
	uint8_t data[200];

	assert_int_equal(pipe2(dp, O_NONBLOCK | O_CLOEXEC), 0);
	fs_set_data_pipe(x->f, dp[0]);
	bring_up(x, 16);
	for (unsigned k = 0; k < sizeof(data); k++)
		data[k] = (uint8_t)(k ^ 0x5a);

	post(x, &x->rq, 0, FUSE_READ, 40, 0, 64, 0);
	post(x, &x->rq, 1, FUSE_READ, 40, 0, 256, 0);
	kick(x, RQ);
	uint64_t tok[2];
	for (int i = 0; i < 2; i++) {
		assert_true(srv_recv(x) > 0);
		tok[i] = srv_hdr(x).unique;
	}
	/* 0: 100 piped bytes for 64 writable ones; 1: 200 that fit */
	struct fuse_out_header h0 = {.len = FS_OUT_HDR_LEN + 100, .unique = tok[0]};
	struct fuse_out_header h1 = {.len = FS_OUT_HDR_LEN + 200, .unique = tok[1]};
	assert_int_equal(write(dp[1], data, 100), 100);
	assert_int_equal(send(x->srv, &h0, sizeof(h0), 0), (ssize_t)sizeof(h0));
	assert_int_equal(write(dp[1], data, 200), 200);
	assert_int_equal(send(x->srv, &h1, sizeof(h1), 0), (ssize_t)sizeof(h1));
	fs_sock_readable(x->f);
	assert_true(vdrv_take_used(&x->rq, &id, &len));
	assert_int_equal(id, 0);
	assert_int_equal(len, FS_OUT_HDR_LEN);
	assert_int_equal(guest_out(x, 0).error, -EIO);
	assert_true(vdrv_take_used(&x->rq, &id, &len));
	assert_int_equal(id, 3);
	assert_int_equal(len, FS_OUT_HDR_LEN + 200);
	assert_int_equal(guest_out(x, 1).error, 0);
	assert_int_equal(guest_out(x, 1).unique, GUEST_UNIQUE + 1);
	assert_memory_equal(vdrv_hva(&x->mem, OUT + 0x10000 + FS_OUT_HDR_LEN), data, 200);
	assert_false(x->f->dead);

	/* 2: its header counts 50 bytes, the pipe holds 10: out of step */
	post(x, &x->rq, 2, FUSE_READ, 40, 0, 256, 0);
	kick(x, RQ);
	assert_true(srv_recv(x) > 0);
	struct fuse_out_header h2 = {.len = FS_OUT_HDR_LEN + 50, .unique = srv_hdr(x).unique};
	assert_int_equal(write(dp[1], data, 10), 10);
	assert_int_equal(send(x->srv, &h2, sizeof(h2), 0), (ssize_t)sizeof(h2));
	fs_sock_readable(x->f);
	assert_true(vdrv_take_used(&x->rq, &id, &len));
	assert_int_equal(id, 6);
	assert_int_equal(guest_out(x, 2).error, -EIO);
	assert_true(x->f->dead);
	close(dp[0]);
	close(dp[1]);
}

/* A pipe for WRITE payloads of size bytes (the VMM's end non-blocking), handed to the device as
 * claimed bytes. */
static void write_pipe(struct fx *x, int wp[2], int size, size_t claimed)
{
	assert_int_equal(pipe2(wp, O_CLOEXEC), 0);
	assert_int_equal(fcntl(wp[1], F_SETPIPE_SZ, size), size);
	assert_int_equal(fcntl(wp[1], F_SETFL, O_NONBLOCK), 0);
	fs_set_write_pipe(x->f, wp[1], claimed);
}

/* The server takes a piped WRITE: its header and fuse_write_in, then the
 * payload from the pipe. Returns the token; checks post()'s pattern. */
static uint64_t srv_take_piped(struct fx *x, int rd, uint16_t i, uint32_t payload)
{
	static uint8_t got[65536];
	assert_int_equal(srv_recv(x), FS_IN_HDR_LEN + sizeof(struct fuse_write_in));
	struct fuse_in_header h = srv_hdr(x);
	assert_int_equal(h.opcode, FUSE_WRITE);
	assert_int_equal(h.len, FS_IN_HDR_LEN + sizeof(struct fuse_write_in) + payload);
	assert_int_equal(read(rd, got, sizeof(got)), payload);
	for (uint32_t k = 0; k < payload; k++)
		assert_int_equal(got[k], (uint8_t)((k + 40) * 7 + i));
	return h.unique;
}

/* The WRITE data pipe (fsd.h): a big WRITE goes as its header and
 * fuse_write_in, the payload through the pipe; one the pipe has no room for
 * beside the unanswered ones, a small one and any other request go whole;
 * a reply gives its pages back; a reset with piped WRITEs unanswered ends
 * the piping. */
static void test_request_through_pipe(void **state)
{
	struct fx *x = *state;
	int wp[2];
	uint32_t id, len;
	const uint32_t arg = sizeof(struct fuse_write_in);

	write_pipe(x, wp, 65536, 65536); /* 16 pages */
	bring_up(x, 16);
	post(x, &x->rq, 0, FUSE_WRITE, arg + 20000, 0, 64, 0); /* 5 pages */
	post(x, &x->rq, 1, FUSE_WRITE, arg + 60000, 0, 64, 0); /* 15: no room */
	post(x, &x->rq, 2, FUSE_WRITE, arg + 1000, 0, 64, 0);  /* small */
	post(x, &x->rq, 3, FUSE_LOOKUP, 100, 0, 64, 0);
	kick(x, RQ);
	uint64_t t0 = srv_take_piped(x, wp[0], 0, 20000);
	assert_int_equal(x->f->wslots_in, 5);
	assert_int_equal(srv_recv(x), FS_IN_HDR_LEN + arg + 60000);
	assert_int_equal(srv_hdr(x).len, FS_IN_HDR_LEN + arg + 60000);
	assert_int_equal(srv_recv(x), FS_IN_HDR_LEN + arg + 1000);
	assert_int_equal(srv_recv(x), FS_IN_HDR_LEN + 100);
	assert_int_equal(srv_recv(x), -1);
	assert_int_equal(x->f->stats.piped, 1);

	srv_reply(x, t0, 0, 8);
	fs_sock_readable(x->f);
	assert_true(vdrv_take_used(&x->rq, &id, &len));
	assert_int_equal(id, 0);
	assert_int_equal(guest_out(x, 0).unique, GUEST_UNIQUE);
	assert_int_equal(x->f->wslots_in, 0);

	post(x, &x->rq, 4, FUSE_WRITE, arg + 60000, 0, 64, 0); /* 15 pages: room now */
	kick(x, RQ);
	srv_take_piped(x, wp[0], 4, 60000);
	assert_int_equal(x->f->wslots_in, 15);
	assert_int_equal(x->f->stats.piped, 2);

	vdrv_write(&x->f->mmio, VIRTIO_MMIO_STATUS, 0); /* reset: 4 unanswered */
	assert_int_equal(x->f->wdata_fd, -1);
	close(wp[0]);
	close(wp[1]);
}

/* A server that stops taking piped payloads: a WRITE whose payload cannot
 * follow its header leaves the server out of step, so the device ends it. */
static void test_request_pipe_stuck(void **state)
{
	struct fx *x = *state;
	int wp[2];
	uint32_t id, len;
	const uint32_t arg = sizeof(struct fuse_write_in);

	write_pipe(x, wp, 65536, 1 << 20); /* claims 256 pages, holds 16 */
	bring_up(x, 16);
	post(x, &x->rq, 0, FUSE_WRITE, arg + 60000, 0, 64, 0);
	post(x, &x->rq, 1, FUSE_WRITE, arg + 60000, 0, 64, 0);
	kick(x, RQ);
	assert_true(x->f->dead);
	assert_true(vdrv_take_used(&x->rq, &id, &len));
	assert_int_equal(guest_out(x, (uint16_t)(id / 3)).error, -EIO);
	close(wp[0]);
	close(wp[1]);
}

/* The server dies: what it had fails with -EIO, and so does what comes after. */
static void test_server_gone(void **state)
{
	struct fx *x = *state;
	uint32_t id, len;

	bring_up(x, 16);
	post(x, &x->rq, 0, FUSE_OPEN, 8, 0, 64, 0);
	post(x, &x->rq, 1, FUSE_OPEN, 8, 0, 64, 0);
	kick(x, RQ);
	assert_int_equal(x->f->n_pending, 2);
	close(x->srv);
	x->srv = -1;
	fs_sock_readable(x->f);
	assert_true(x->f->dead);
	assert_int_equal(x->f->n_pending, 0);
	for (int i = 0; i < 2; i++) {
		assert_true(vdrv_take_used(&x->rq, &id, &len));
		assert_int_equal(len, FS_OUT_HDR_LEN);
		assert_int_equal(guest_out(x, (uint16_t)id / 3).error, -EIO);
	}
	post(x, &x->rq, 2, FUSE_OPEN, 8, 0, 64, 0);
	kick(x, RQ);
	assert_true(vdrv_take_used(&x->rq, &id, &len));
	assert_int_equal(id, 6);
	assert_int_equal(guest_out(x, 2).error, -EIO);
	assert_int_equal(x->f->stats.failed, 3);
}

/* A full socket stops the popping (the chain stays in the ring) until it
 * drains; nothing is buffered on our side. */
static void test_backpressure(void **state)
{
	struct fx *x = *state;
	unsigned n = 16, sent = 0;
	uint64_t tok[16];

	int small = 8192; /* the kernel doubles it: a few 4 KiB messages */
	assert_int_equal(setsockopt(x->f->sock, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	bring_up(x, 64);
	for (uint16_t i = 0; i < n; i++)
		post(x, &x->rq, i, FUSE_WRITE, 4000, 0, 64, 0);
	kick(x, RQ);
	assert_true(x->f->blocked); /* a Unix socket queues ~10 messages */
	assert_int_equal(x->f->stats.blocked, 1);
	unsigned first = x->f->n_pending;
	assert_true(first > 0 && first < n);
	assert_int_equal(x->rq.avail_idx - x->f->mmio.vq[RQ].last_avail, n - first);
	while (sent < n) {
		ssize_t k = srv_recv(x);
		if (k < 0) {
			fs_sock_writable(x->f); /* what the event loop does on EPOLLOUT */
			continue;
		}
		assert_int_equal(k, FS_IN_HDR_LEN + 4000);
		tok[sent++] = srv_hdr(x).unique;
	}
	fs_sock_writable(x->f);
	assert_false(x->f->blocked);
	assert_int_equal(x->f->n_pending, n);
	for (unsigned i = 0; i < n; i++)
		srv_reply(x, tok[i], 0, 8);
	fs_sock_readable(x->f);
	assert_int_equal(vdrv_used_pending(&x->rq), n);
	assert_int_equal(x->f->n_pending, 0);
}

/* A guest that posts the same head again and again cannot grow the table:
 * at FS_QUEUE_SIZE pending requests the device stops popping until a reply. */
static void test_table_full(void **state)
{
	struct fx *x = *state;
	uint64_t tok = 0;

	bring_up(x, FS_QUEUE_SIZE);
	post(x, &x->rq, 0, FUSE_GETATTR, 16, 0, 64, 0);
	for (unsigned i = 1; i < FS_QUEUE_SIZE; i++)
		vdrv_post(&x->rq, 0); /* the same chain, again */
	kick(x, RQ);
	assert_int_equal(x->f->n_pending, FS_QUEUE_SIZE);
	for (unsigned i = 0; i < 5; i++)
		vdrv_post(&x->rq, 0);
	kick(x, RQ);
	while (srv_recv(x) > 0)
		tok = srv_hdr(x).unique;
	assert_int_equal(x->f->n_pending, FS_QUEUE_SIZE);
	assert_int_equal(x->f->stats.requests, FS_QUEUE_SIZE);
	assert_int_equal(x->rq.avail_idx - x->f->mmio.vq[RQ].last_avail, 5);
	srv_reply(x, tok, 0, 0);
	fs_sock_readable(x->f); /* one slot free: one more chain taken */
	assert_int_equal(x->f->n_pending, FS_QUEUE_SIZE);
	assert_int_equal(x->rq.avail_idx - x->f->mmio.vq[RQ].last_avail, 4);
	assert_int_equal(x->f->stats.requests, FS_QUEUE_SIZE + 1);
}

/* A device reset forgets what was in flight: late replies are dropped. */
static void test_reset(void **state)
{
	struct fx *x = *state;

	bring_up(x, 16);
	post(x, &x->rq, 0, FUSE_GETATTR, 16, 0, 64, 0);
	kick(x, RQ);
	assert_true(srv_recv(x) > 0);
	uint64_t tok = srv_hdr(x).unique;
	vdrv_write(&x->f->mmio, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(x->f->n_pending, 0);
	bring_up(x, 16);
	srv_reply(x, tok, 0, 0);
	fs_sock_readable(x->f);
	assert_int_equal(vdrv_used_pending(&x->rq), 0);
	assert_int_equal(x->f->stats.bad_replies, 1);
}

static void test_bad_tag(void **state)
{
	(void)state;
	struct fs *f = malloc(sizeof(*f));
	struct sb_error err = {0};

	assert_non_null(f);
	assert_int_equal(fs_init(f, NULL, NULL, "", -1, &err), -EINVAL);
	assert_int_equal(fs_init(f, NULL, NULL, "0123456789012345678901234567890123456", -1, &err),
			 -EINVAL);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_config, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_out_of_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_forget, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reply_bounds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reply_scattered, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reply_through_pipe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_request_through_pipe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_request_pipe_stuck, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_server_gone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backpressure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_table_full, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
	    cmocka_unit_test(test_bad_tag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
