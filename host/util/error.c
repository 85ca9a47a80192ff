/* Error object: formatted one-line messages carried up to main(). */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int error_set(struct sb_error *err, int errnum, const char *fmt, ...)
{
	int code = errnum > 0 ? errnum : EINVAL;
	if (!err)
		return -code;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		err->msg[0] = '\0';
	size_t len = strlen(err->msg);
	if (errnum > 0 && len < sizeof(err->msg))
		snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(errnum));
	err->code = code;
	return -code;
}

int error_prefix(struct sb_error *err, const char *fmt, ...)
{
	if (!err)
		return -EINVAL;
	char prefix[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(prefix, sizeof(prefix) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		prefix[0] = '\0';
	strcat(prefix, ": ");
	size_t plen = strlen(prefix), mlen = strnlen(err->msg, sizeof(err->msg) - 1);
	if (plen + mlen >= sizeof(err->msg))
		mlen = sizeof(err->msg) - 1 - plen;
	memmove(err->msg + plen, err->msg, mlen);
	memcpy(err->msg, prefix, plen);
	err->msg[plen + mlen] = '\0';
	if (err->code == 0)
		err->code = EINVAL;
	return -err->code;
}
