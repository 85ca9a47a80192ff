/* Checks both ends of the run config apply to network settings: names and subnets. */
#ifndef SB_NETCHECK_H
#define SB_NETCHECK_H

#include <stdbool.h>
#include <stddef.h>

/* true when s is 1..max bytes of letters, digits, '-', '_', '.' and the
 * characters in extra (may be NULL): safe in /etc/hosts and resolv.conf. */
bool netcheck_name(const char *s, size_t max, const char *extra);

/* true when the addresses a and b (network byte order, 4 or 16 bytes)
 * agree on their first bits bits. */
bool netcheck_same_prefix(const void *a, const void *b, unsigned bits);

#endif
