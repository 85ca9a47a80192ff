/* The paravirtual ports of guest-init/abi.h: exit status, stdout and stderr. */
#ifndef SB_VMM_HOSTIO_H
#define SB_VMM_HOSTIO_H

#include "bus.h"
#include "runstate.h"

struct hostio {
	int fd[2]; /* stdout, stderr; -1 once closed or failed (output dropped) */
	struct runstate *rs;
};

extern const struct bus_ops hostio_ops;

/* Register at ABI_PORT_FIRST..+ABI_PORT_COUNT with hostio_ops. */
void hostio_init(struct hostio *h, int stdout_fd, int stderr_fd, struct runstate *rs);

#endif
