/* Error object filled by library code; only main() prints it and exits. */
#ifndef SB_ERROR_H
#define SB_ERROR_H

#include <stddef.h>

struct sb_error {
	int code;	/* positive errno-style code, 0 when no error */
	char msg[1024]; /* one line, no trailing newline */
};

/* Set *err (if not NULL) to the formatted message; when errnum != 0, append
 * ": strerror(errnum)". Returns -errnum, or -EINVAL when errnum is 0, so
 * callers can write `return error_set(err, errno, "open `%s`", path);`. */
int error_set(struct sb_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepend "PREFIX: " to an already set message (adds context on the way up).
 * Returns -err->code (or -EINVAL). */
int error_prefix(struct sb_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
