/* vmm-netecho: boot a kernel on the VMM with a virtio-net NIC whose backend answers ARP, ICMP echo,
 * UDP echo (port 7) and DNS (port 53, always NXDOMAIN) for 10.0.2.2: Linux's driver, no slirp. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "net/framering.h"
#include "vmm.h"

static const uint8_t our_mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
static const uint8_t our_ip[4] = {10, 0, 2, 2};

struct echo {
	struct framering to_guest, from_guest;
	int stop_fd;
	unsigned arp, icmp, udp, bad_csum, other, biggest;
};

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t s)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void reply(struct echo *e, uint8_t *f, size_t len)
{
	struct iovec iov = {.iov_base = f, .iov_len = len};
	memcpy(f, f + 6, 6);
	memcpy(f + 6, our_mac, 6);
	framering_push(&e->to_guest, &iov, 1, len);
}

static void arp(struct echo *e, uint8_t *f, size_t len)
{
	uint8_t *a = f + 14;
	if (len < 42 || a[7] != 1 || memcmp(a + 24, our_ip, 4))
		return;
	e->arp++;
	a[7] = 2;
	memcpy(a + 18, a + 8, 10); /* target = the asker */
	memcpy(a + 8, our_mac, 6); /* sender = us */
	memcpy(a + 14, our_ip, 4);
	reply(e, f, 42);
}

/* ICMP echo and UDP port 7: every checksum checked, the reply's computed whole. */
static void ipv4(struct echo *e, uint8_t *f, size_t len)
{
	uint8_t *ip = f + 14;
	if (len < 34 || (ip[0] >> 4) != 4 || memcmp(ip + 16, our_ip, 4))
		return;
	size_t ihl = (size_t)(ip[0] & 15) * 4, tot = (size_t)ip[2] << 8 | ip[3];
	if (ihl < 20 || tot < ihl || 14 + tot > len) {
		e->other++;
		return;
	}
	if (fold(sum16(ip, ihl, 0)) != 0xffff) {
		e->bad_csum++;
		return;
	}
	uint8_t *l4 = ip + ihl;
	size_t l4len = tot - ihl;
	if (tot > e->biggest)
		e->biggest = (unsigned)tot;
	uint8_t tmp[4];
	memcpy(tmp, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, tmp, 4);
	if (ip[9] == 1 && l4len >= 8 && l4[0] == 8) {
		if (fold(sum16(l4, l4len, 0)) != 0xffff) {
			e->bad_csum++;
			return;
		}
		e->icmp++;
		l4[0] = 0;
		put16(l4 + 2, 0);
		put16(l4 + 2, (uint16_t)~fold(sum16(l4, l4len, 0)));
	} else if (ip[9] == 17 && l4len >= 8 && l4[2] == 0 && (l4[3] == 7 || l4[3] == 53)) {
		uint32_t ph = sum16(ip + 12, 8, 17u + (uint32_t)l4len);
		if ((l4[6] || l4[7]) && fold(sum16(l4, l4len, ph)) != 0xffff) {
			e->bad_csum++;
			return;
		}
		e->udp++;
		if (l4[3] == 53 && l4len >= 20) { /* a DNS query: answer NXDOMAIN */
			l4[10] |= 0x80;
			l4[11] = (uint8_t)((l4[11] & 0xf0) | 3);
		}
		memcpy(tmp, l4, 2);
		memcpy(l4, l4 + 2, 2);
		memcpy(l4 + 2, tmp, 2);
		put16(l4 + 6, 0);
		uint16_t c = (uint16_t)~fold(sum16(l4, l4len, ph));
		put16(l4 + 6, c ? c : 0xffff);
	} else {
		e->other++;
		return;
	}
	put16(ip + 10, 0);
	put16(ip + 10, (uint16_t)~fold(sum16(ip, ihl, 0)));
	reply(e, f, 14 + tot);
}

static void *backend(void *arg)
{
	struct echo *e = arg;
	static uint8_t f[FRAMERING_FRAME_MAX];

	for (;;) {
		struct pollfd p[2] = {{.fd = e->from_guest.ready_fd, .events = POLLIN},
				      {.fd = e->stop_fd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return NULL;
		if (p[1].revents)
			return NULL;
		framering_ack_ready(&e->from_guest);
		ssize_t n;
		while ((n = framering_pop(&e->from_guest, f, sizeof(f))) > 0) {
			uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
			if (type == 0x0806)
				arp(e, f, (size_t)n);
			else if (type == 0x0800)
				ipv4(e, f, (size_t)n);
			else
				e->other++;
		}
	}
}

int main(int argc, char **argv)
{
	static struct echo e;
	struct sb_error err = {0};
	struct vmm_result res;
	char cmdline[512];
	pthread_t t;

	if (argc < 3) {
		fprintf(stderr, "usage: vmm-netecho KERNEL INITRD [MTU]\n");
		return 2;
	}
	if (framering_init(&e.to_guest, 256, 4u << 20) < 0 ||
	    framering_init(&e.from_guest, 256, 4u << 20) < 0)
		return 125;
	e.stop_fd = eventfd(0, EFD_CLOEXEC);
	struct vmm_net net = {.to_guest = &e.to_guest,
			      .from_guest = &e.from_guest,
			      .mac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56},
			      .mtu = argc > 3 ? (uint16_t)atoi(argv[3]) : 0};
	struct vmm_blob initrd = {.path = argv[2]};
	snprintf(cmdline, sizeof(cmdline), "%s rdinit=/init", vmm_default_cmdline());
	struct vmm_config cfg = {.kernel = argv[1],
				 .initrd = &initrd,
				 .n_initrd = 1,
				 .cmdline = cmdline,
				 .mem_bytes = 256ull << 20,
				 .vcpus = 1,
				 .log_fd = 1,
				 .stdout_fd = 1,
				 .stderr_fd = 2,
				 .stdin_fd = -1,
				 .stats = VMM_STATS_ON,
				 .net = &net};
	pthread_create(&t, NULL, backend, &e);
	int r = vmm_run(&cfg, &res, &err);
	uint64_t one = 1;
	if (write(e.stop_fd, &one, sizeof(one)) < 0)
		return 125;
	pthread_join(t, NULL);
	if (r < 0) {
		fprintf(stderr, "vmm-netecho: %s\n", err.msg);
		return 125;
	}
	const struct vmm_stats *s = &res.stats;
	printf("netecho: arp=%u icmp=%u udp=%u bad_csum=%u other=%u biggest=%u\n", e.arp, e.icmp,
	       e.udp, e.bad_csum, e.other, e.biggest);
	printf("device: tx=%llu/%llu rx=%llu/%llu tx_dropped=%llu rx_dropped=%llu "
	       "tx_blocked=%llu tx_csum=%llu\n",
	       (unsigned long long)s->net_tx_frames, (unsigned long long)s->net_tx_bytes,
	       (unsigned long long)s->net_rx_frames, (unsigned long long)s->net_rx_bytes,
	       (unsigned long long)s->net_tx_dropped, (unsigned long long)s->net_rx_dropped,
	       (unsigned long long)s->net_tx_blocked, (unsigned long long)s->net_tx_csum);
	return 0;
}
