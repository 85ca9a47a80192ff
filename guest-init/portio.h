/* The interim host channel: stdout/stderr bytes and the exit status over ABI I/O ports. */
#ifndef GUEST_PORTIO_H
#define GUEST_PORTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum portio_stream {
	PORTIO_STDOUT,
	PORTIO_STDERR,
};

/* Use the ports (PID 1 in the guest: ioperm() them for this process) or,
 * when ports is false (a debug run on a host), fds 1/2 and exit(). Returns 0
 * or a negative errno (ports unusable; the fd fallback is then used). */
int portio_open(bool ports);

/* Send len bytes of a stream to the host, in chunks of at most 4096. */
void portio_write(enum portio_stream stream, const void *buf, size_t len);

/* Report code (status | ABI_EXIT_INIT_FAILED) to the host and end the VM:
 * OUT to ABI_PORT_EXIT, then reboot(RB_AUTOBOOT) as a fallback. */
_Noreturn void portio_exit(uint32_t code);

/* Give up port access in a child before it runs the workload. */
void portio_drop(void);

#endif
