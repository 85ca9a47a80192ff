/* The interim host channel: stdout/stderr bytes and the exit status over ABI I/O ports. */
#include "portio.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "abi.h"

#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>
#define HAVE_PORTS 1

static void port_outsb(uint16_t port, const void *buf, size_t len)
{
	__asm__ volatile("rep outsb" : "+S"(buf), "+c"(len) : "d"(port) : "memory");
}

static void port_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
#else
#define HAVE_PORTS 0
#endif

static bool use_ports;

int portio_open(bool ports)
{
	use_ports = false;
	if (!ports)
		return 0;
#if HAVE_PORTS
	if (ioperm(ABI_PORT_FIRST, ABI_PORT_IOPERM_COUNT, 1) < 0)
		return -errno;
	use_ports = true;
	return 0;
#else
	return -ENOSYS;
#endif
}

static void write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

void portio_write(enum portio_stream stream, const void *buf, size_t len)
{
	const char *p = buf;
	if (!use_ports) {
		write_all(stream == PORTIO_STDOUT ? 1 : 2, p, len);
		return;
	}
#if HAVE_PORTS
	uint16_t port = stream == PORTIO_STDOUT ? ABI_PORT_STDOUT : ABI_PORT_STDERR;
	while (len > 0) {
		size_t n = len < 4096 ? len : 4096;
		port_outsb(port, p, n);
		p += n;
		len -= n;
	}
#endif
}

_Noreturn void portio_exit(uint32_t code)
{
	if (!use_ports)
		exit((int)(code & 0xff));
#if HAVE_PORTS
	port_outl(ABI_PORT_EXIT, code);
#endif
	reboot(RB_AUTOBOOT);
	_exit((int)(code & 0xff)); /* PID 1 exiting panics the kernel; panic=-1 reboots */
}

void portio_drop(void)
{
#if HAVE_PORTS
	if (use_ports)
		ioperm(ABI_PORT_FIRST, ABI_PORT_IOPERM_COUNT, 0);
#endif
}
