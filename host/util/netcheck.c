/* Checks both ends of the run config apply to network settings: names and subnets. */
#include "netcheck.h"

#include <string.h>

bool netcheck_name(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
			  (extra && strchr(extra, c));
		if (!ok)
			return false;
	}
	return true;
}

bool netcheck_same_prefix(const void *a, const void *b, unsigned bits)
{
	const unsigned char *x = a, *y = b;
	for (unsigned i = 0; i < bits; i++) {
		unsigned char m = (unsigned char)(0x80u >> (i % 8));
		if ((x[i / 8] & m) != (y[i / 8] & m))
			return false;
	}
	return true;
}
