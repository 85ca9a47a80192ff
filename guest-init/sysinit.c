/* Small one-shot guest settings: console fds, the CRNG's seed, clock, hostname. */
#include "sysinit.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "abi.h"

/* <linux/random.h>'s, which musl's headers do not carry. */
#ifndef RNDADDENTROPY
#define RNDADDENTROPY _IOW('R', 0x03, int[2])
#endif
#ifndef RNDRESEEDCRNG
#define RNDRESEEDCRNG _IO('R', 0x07)
#endif

void sysinit_console(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int c = open("/dev/console", O_RDWR | O_NOCTTY);
		if (c < 0)
			c = open("/dev/null", O_RDWR);
		if (c >= 0 && c != fd) {
			dup2(c, fd);
			close(c);
		}
	}
}

int sysinit_seed(uint8_t *seed, size_t len, struct sb_error *err)
{
	struct {
		int entropy_count; /* bits credited */
		int buf_size;
		uint8_t buf[ABI_SEED_MAX];
	} pool;
	if (len > sizeof(pool.buf))
		return error_set(err, EINVAL, "random seed of %zu bytes", len);
	pool.entropy_count = (int)len * 8;
	pool.buf_size = (int)len;
	memcpy(pool.buf, seed, len);
	explicit_bzero(seed, len);
	int r = 0;
	int fd = open("/dev/urandom", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		r = error_set(err, errno, "open /dev/urandom");
	else if (ioctl(fd, RNDADDENTROPY, &pool) < 0)
		r = error_set(err, errno, "add the host's random seed");
	else if (ioctl(fd, RNDRESEEDCRNG) < 0)
		r = error_set(err, errno, "reseed the CRNG");
	if (fd >= 0)
		close(fd);
	explicit_bzero(&pool, sizeof(pool));
	return r;
}

static uint64_t ts_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

int sysinit_clock(uint64_t host_ns, struct sb_error *err)
{
	/* host_ns was read before the VM started, so host_ns + our uptime is still
	 * a lower bound of the time now; the guest's own wall clock (kvm-clock's)
	 * is kept when it is later than that: the clock never goes back. */
	struct timespec up, now;
	uint64_t ns = host_ns;
	if (clock_gettime(CLOCK_BOOTTIME, &up) == 0 && ts_ns(&up) <= UINT64_MAX - ns)
		ns += ts_ns(&up);
	if (clock_gettime(CLOCK_REALTIME, &now) == 0 && now.tv_sec >= 0 && ts_ns(&now) >= ns)
		return 0;
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u),
			      .tv_nsec = (long)(ns % 1000000000u)};
	if (clock_settime(CLOCK_REALTIME, &ts) < 0)
		return error_set(err, errno, "set the clock");
	return 0;
}

int sysinit_hostname(const char *name, struct sb_error *err)
{
	if (sethostname(name, strlen(name)) < 0)
		return error_set(err, errno, "set hostname `%s`", name);
	return 0;
}
