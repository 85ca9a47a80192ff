/* The Internet checksum (RFC 1071) over a TX frame's tail, completing what the guest began. */
#include <errno.h>
#include <string.h>

#include "net_csum.h"

/* Sum of p's bytes as native 32-bit words (a short tail padded with zeros).
 * The one's complement sum does not depend on byte order or word width as
 * long as the result is folded and stored back the same way (RFC 1071). */
static uint64_t sum(const uint8_t *p, size_t n)
{
	uint64_t s = 0;
	uint32_t w;

	for (; n >= 4; p += 4, n -= 4) {
		memcpy(&w, p, 4);
		s += w;
	}
	uint8_t tail[4] = {0};
	memcpy(tail, p, n);
	memcpy(&w, tail, 4);
	return s + w;
}

static uint16_t fold(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	return (uint16_t)s;
}

int net_csum_complete(uint8_t *frame, size_t len, uint16_t start, uint16_t off)
{
	if ((size_t)start + off + 2 > len)
		return -EINVAL;
	uint16_t c = (uint16_t)~fold(sum(frame + start, len - start));
	memcpy(frame + start + off, &c, 2);
	return 0;
}
