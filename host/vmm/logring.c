/* The guest kernel log: copied to an fd (--debug) and kept as the last few KiB for error reports.
 */
#include <string.h>

#include "fdwrite.h"
#include "logring.h"

void logring_init(struct logring *l, int fd)
{
	l->total = 0;
	l->fd = fd;
}

void logring_write(struct logring *l, const uint8_t *data, size_t len)
{
	if (l->fd >= 0 && fdwrite_all(l->fd, data, len, NULL) < 0)
		l->fd = -1;
	for (size_t i = 0; i < len; i++)
		l->buf[(l->total + i) % LOGRING_SIZE] = (char)data[i];
	l->total += len;
}

static int keep(char c)
{
	return c == '\n' || c == '\t' || ((unsigned char)c >= 0x20 && c != 0x7f);
}

void logring_tail(const struct logring *l, char *out, size_t outlen)
{
	uint64_t have = l->total < LOGRING_SIZE ? l->total : LOGRING_SIZE;
	uint64_t start = l->total - have;
	size_t n = 0;

	if (!outlen)
		return;
	/* Collect kept bytes from the end backwards until out is full. */
	char tmp[LOGRING_SIZE];
	for (uint64_t i = l->total; i > start && n < outlen - 1; i--) {
		char c = l->buf[(i - 1) % LOGRING_SIZE];
		if (keep(c))
			tmp[n++] = c;
	}
	/* Cut to a line start if the oldest kept line is incomplete. */
	size_t cut = n;
	if (n == outlen - 1 || l->total > have) {
		while (cut > 0 && tmp[cut - 1] != '\n')
			cut--;
		if (cut == 0)
			cut = n;
		else
			cut--; /* drop the '\n' that ends the partial line */
	}
	for (size_t i = 0; i < cut; i++)
		out[i] = tmp[cut - 1 - i];
	out[cut] = '\0';
}
