/* libFuzzer target: virtio-fs request framing under hostile guest memory (chains, rings,
 * registers) and a file server that answers anything: tokens old and made up, any length,
 * an early end of file, READ data pipe bytes that match its headers or not, a WRITE data pipe
 * that is drained or not, or smaller than the device was told. */
#include <fcntl.h>
#include <linux/fuse.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fsd/fsd.h"
#include "fuzz_vdrv.h"
#include "virtio/fs.h"

#define RAM (32ull << 20)
#define FUZZ_RAM 0x10000u /* input bytes land in guest RAM [0, FUZZ_RAM) */
#define QSTRIDE 0x2000u	  /* queue i: desc at i * QSTRIDE, avail +0x1000, used +0x1400 */

/* The server reads one request; what the device sent must respect the
 * protocol: whole, or a WRITE's header and fuse_write_in with its payload in
 * the WRITE data pipe wp (-1: none), all of it unless the device ended the
 * server. Returns its token (0: none waiting). */
static uint64_t server_read(const struct fs *f, int srv, int wp)
{
	static uint8_t msg[FSD_MSG_MAX + 1];
	struct fuse_in_header h;
	ssize_t n = recv(srv, msg, sizeof(msg), MSG_DONTWAIT);

	if (n <= 0)
		return 0;
	if (n < (ssize_t)sizeof(h) || n > (ssize_t)FSD_MSG_MAX)
		abort();
	memcpy(&h, msg, sizeof(h));
	if (h.len == (uint32_t)n)
		return h.unique;
	const size_t head = sizeof(h) + sizeof(struct fuse_write_in);
	if (wp < 0 || h.opcode != FUSE_WRITE || (size_t)n != head ||
	    h.len < head + FS_PIPE_WRITE_MIN || h.len > FSD_MSG_MAX)
		abort();
	for (size_t left = h.len - head; left;) {
		ssize_t k = read(wp, msg, left);
		if (k <= 0) {
			if (!f->dead)
				abort(); /* a header whose payload never came */
			break;
		}
		left -= (size_t)k;
	}
	return h.unique;
}

/* A reply for token (or a made-up one) of any length. */
static void server_reply(int srv, uint64_t token, uint32_t v)
{
	static uint8_t msg[8192];
	struct fuse_out_header h = {
	    .len = 16 + v % 4096, .error = -(int)(v >> 28), .unique = token};
	size_t len = v & 0x8000 ? v % sizeof(msg) : h.len; /* sometimes a lying length */

	if (v & 0x4000)
		h.unique ^= v >> 16;
	memset(msg, (int)v, sizeof(msg));
	memcpy(msg, &h, sizeof(h) < len ? sizeof(h) : len);
	(void)send(srv, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Input: [features (0x40: a READ data pipe, 0x20: a WRITE data pipe of 64 KiB, 0x10: said to be 1
 * MiB)] [queue size log2 | op count][ops: 8 bytes each ...] [guest RAM image]. Op: kind, a byte, 2
 * bytes offset, 4 bytes value. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct vm_mem mem;
	static struct fs *f;
	int sv[2];

	if (!mem.base) {
		f = malloc(sizeof(*f));
		if (!f || mem_create(&mem, RAM, NULL) < 0)
			abort();
	}
	if (len < 2 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	int small = 16384; /* a small send buffer: back-pressure happens */
	if (data[0] & 0x80)
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	struct runstate rs;
	runstate_init(&rs, NULL, NULL);
	if (fs_init(f, &mem, &rs, "vol0", sv[0], NULL) < 0)
		abort();
	int dp[2] = {-1, -1};
	if ((data[0] & 0x40) && pipe2(dp, O_NONBLOCK | O_CLOEXEC) == 0)
		fs_set_data_pipe(f, dp[0]);
	int wp[2] = {-1, -1};
	if ((data[0] & 0x20) && pipe2(wp, O_NONBLOCK | O_CLOEXEC) == 0) {
		int size = fcntl(wp[1], F_SETPIPE_SZ, 65536);
		fs_set_write_pipe(f, wp[1],
				  data[0] & 0x10 ? 1u << 20 : (size_t)(size > 0 ? size : 0));
	}
	uint64_t features = data[0] & 2 ? 1ull << VIRTIO_RING_F_EVENT_IDX : 0;
	uint16_t num = (uint16_t)(1u << ((data[1] & 7) % 6 + 1)); /* 2..64 */
	size_t nops = (data[1] >> 3) & 0x1f, ram_off = 2 + nops * 8;
	if (ram_off > len)
		ram_off = len;
	memset(mem.base, 0, FUZZ_RAM);
	memcpy(mem.base, data + ram_off, len - ram_off < FUZZ_RAM ? len - ram_off : FUZZ_RAM);
	fuzz_bring_up(&f->mmio, features, num, QSTRIDE, 0x1000, 0x1400);

	int srv = sv[1];
	uint64_t last = 0;
	for (size_t i = 0; 2 + i * 8 + 8 <= ram_off; i++) {
		const uint8_t *op = data + 2 + i * 8;
		uint32_t v;
		uint16_t off;
		memcpy(&off, op + 2, 2);
		memcpy(&v, op + 4, 4);
		switch (op[0] % 12) {
		case 0:
			fuzz_reg_write(&f->mmio, VIRTIO_MMIO_QUEUE_NOTIFY, FS_REQUEST_QUEUE);
			break;
		case 1:
			fuzz_reg_write(&f->mmio, VIRTIO_MMIO_QUEUE_NOTIFY, FS_HIPRIO_QUEUE);
			break;
		case 2:
			if (srv >= 0) {
				uint64_t t = server_read(f, srv, wp[0]);
				last = t ? t : last;
			}
			break;
		case 3:
			if (srv >= 0)
				server_reply(srv, last, v);
			fs_sock_readable(f);
			break;
		case 4:
			fs_sock_writable(f);
			break;
		case 5:
			fs_work(f);
			break;
		case 6: /* the server dies */
			if (srv >= 0 && (v & 7) == 0) {
				close(srv);
				srv = -1;
				fs_sock_readable(f);
			}
			break;
		case 7:
			fuzz_reg_write(&f->mmio, off % 0x200, v);
			break;
		case 8: {
			uint8_t b[8];
			virtio_mmio_bus_ops.read(&f->mmio, off % 0x200, b, 1u << (op[1] & 3));
			break;
		}
		case 9: /* the guest rewrites one word of its RAM (rings, descriptors, headers) */
			memcpy((uint8_t *)mem.base + (off & ~3u) % FUZZ_RAM, &v, 4);
			break;
		case 10:
			fs_sock_readable(f);
			break;
		case 11: /* the server puts READ data into the pipe, counted or not */
			if (dp[1] >= 0) {
				static uint8_t bytes[8192];
				memset(bytes, (int)v, sizeof(bytes));
				(void)write(dp[1], bytes, v % sizeof(bytes));
			}
			break;
		}
		if (f->n_pending > FS_QUEUE_SIZE || f->wslots_in > f->wslots)
			abort();
	}
	while (srv >= 0 && server_read(f, srv, wp[0]))
		;
	fs_destroy(f);
	for (int k = 0; k < 2; k++)
		if (dp[k] >= 0)
			close(dp[k]);
	for (int k = 0; k < 2; k++)
		if (wp[k] >= 0)
			close(wp[k]);
	close(sv[0]);
	if (srv >= 0)
		close(srv);
	runstate_destroy(&rs);
	return 0;
}
