/* registry_fail: an error message without strerror, with its code. */
#include "errors.h"

#include <stdarg.h>
#include <stdio.h>

int registry_fail(struct sb_error *err, int code, const char *fmt, ...)
{
	if (!err)
		return -code;
	va_list ap;
	va_start(ap, fmt);
	if (vsnprintf(err->msg, sizeof(err->msg), fmt, ap) < 0)
		err->msg[0] = '\0';
	va_end(ap);
	err->code = code;
	return -code;
}
