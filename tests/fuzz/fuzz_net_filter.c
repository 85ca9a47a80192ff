/* libFuzzer target: hostile guest frames through the network filter, with its safety property
 * checked: nothing that passes is addressed to 127/8, 0/8, ::1 or :: (else abort). */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/netfilter.h"

static const uint16_t udp_fwd[] = {53, 8080};

static void init(struct netfilter *f, uint8_t mode)
{
	struct netfilter_config c = {.ipv6 = mode & 1, .allow_host_loopback = (mode >> 1) & 1};
	inet_pton(AF_INET, "10.0.2.0", &c.net);
	inet_pton(AF_INET, "255.255.255.0", &c.mask);
	inet_pton(AF_INET, "10.0.2.2", &c.gateway);
	inet_pton(AF_INET, "10.0.2.3", &c.dns);
	inet_pton(AF_INET6, "fec0::", &c.prefix6);
	inet_pton(AF_INET6, "fec0::3", &c.dns6);
	c.udp_fwd_ports = udp_fwd;
	c.n_udp_fwd = 2;
	netfilter_init(f, &c);
}

/* The property: a passed IP frame is not addressed to the host itself. */
static void check_passed(const uint8_t *d, size_t n)
{
	static const uint8_t zero[15];
	if (n >= 14 + 20 && d[12] == 0x08 && d[13] == 0x00) {
		uint8_t first = d[14 + 16];
		if (first == 127 || first == 0)
			abort();
	}
	if (n >= 14 + 40 && d[12] == 0x86 && d[13] == 0xdd) {
		const uint8_t *dst = d + 14 + 24;
		if (memcmp(dst, zero, 15) == 0 && (dst[15] == 0 || dst[15] == 1))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct netfilter f;

	if (size < 2)
		return 0;
	init(&f, data[0]);
	/* data[1] frames are split off as "to the guest" notes first (UDP peers) */
	const uint8_t *p = data + 2;
	size_t left = size - 2;
	for (unsigned i = 0; i < (data[1] & 3) && left >= 2; i++) {
		size_t n = (size_t)(p[0] | p[1] << 8) % (left - 1);
		netfilter_note_to_guest(&f, p + 2, n, i);
		p += 2 + n;
		left -= 2 + n;
	}
	if (netfilter_check(&f, p, left, 10) == NETFILTER_PASS)
		check_passed(p, left);
	return 0;
}
