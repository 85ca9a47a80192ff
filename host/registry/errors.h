/* Errors of host/registry/ that are not a failed system call: the message as
 * given (no ": strerror" suffix), the code kept for callers to test. */
#ifndef SB_REGISTRY_ERRORS_H
#define SB_REGISTRY_ERRORS_H

#include "error.h"

/* Returns -code (code > 0). */
int registry_fail(struct sb_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
