/* The guest kernel log: copied to an fd (--debug) and kept as the last few KiB for error reports.
 */
#ifndef SB_VMM_LOGRING_H
#define SB_VMM_LOGRING_H

#include <stddef.h>
#include <stdint.h>

#define LOGRING_SIZE 8192

/* Single writer (the UART, serialized by the bus); read after the vCPUs stopped. */
struct logring {
	char buf[LOGRING_SIZE];
	uint64_t total; /* bytes ever written */
	int fd;		/* copy to this fd when >= 0; set to -1 after a write error */
};

void logring_init(struct logring *l, int fd);
void logring_write(struct logring *l, const uint8_t *data, size_t len);
/* The last lines that fit in out (NUL-terminated), starting at a line
 * boundary, '\r' and other control bytes except '\n' and '\t' dropped. */
void logring_tail(const struct logring *l, char *out, size_t outlen);

#endif
