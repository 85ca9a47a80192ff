/* Unit tests for tap_open: a TAP device this test creates (needs
 * CAP_NET_ADMIN, else skipped), a TUN device, a missing one, a busy one. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/tap.h"

static char tap_name[IFNAMSIZ], tun_name[IFNAMSIZ];

/* A persistent device of the given kind; 0, or -errno. */
static int make_dev(char *name, short kind)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	ifr.ifr_flags = kind | IFF_NO_PI;
	int r = ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETPERSIST, 1) < 0 ? -errno : 0;
	close(fd);
	return r;
}

static void drop_dev(const char *name, short kind)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	ifr.ifr_flags = kind | IFF_NO_PI;
	if (fd >= 0 && ioctl(fd, TUNSETIFF, &ifr) == 0)
		ioctl(fd, TUNSETPERSIST, 0);
	if (fd >= 0)
		close(fd);
}

static void test_open(void **state)
{
	(void)state;
	struct tap_info info;
	struct sb_error err = {0};

	snprintf(tap_name, sizeof(tap_name), "sbxtap%d", (int)getpid() % 100000);
	snprintf(tun_name, sizeof(tun_name), "sbxtun%d", (int)getpid() % 100000);
	int r = make_dev(tap_name, IFF_TAP);
	if (r < 0) {
		fprintf(stderr, "SKIP: cannot create a TAP device (%s): needs CAP_NET_ADMIN\n",
			strerror(-r));
		skip();
	}
	assert_int_equal(make_dev(tun_name, IFF_TUN), 0);

	int fd = tap_open(tap_name, &info, &err);
	assert_true(fd >= 0);
	assert_int_equal(info.mtu, 1500);
	assert_true(info.ifindex > 0);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	int hdr = 0;
	assert_int_equal(ioctl(fd, TUNGETVNETHDRSZ, &hdr), 0);
	assert_int_equal(hdr, TAP_HDR_LEN);
	/* nothing queued: a read says so at once */
	char buf[64];
	assert_int_equal(read(fd, buf, sizeof(buf)), -1);
	assert_true(errno == EAGAIN || errno == EIO); /* EIO: the link is down */

	/* a second user of the same device (no IFF_MULTI_QUEUE) */
	assert_int_equal(tap_open(tap_name, &info, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "attached to another process"));
	close(fd);

	assert_int_equal(tap_open(tun_name, &info, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a TAP device"));
	assert_int_equal(tap_open("lo", &info, &err), -EINVAL);
	assert_int_equal(tap_open("sbx-missing0", &info, &err), -ENODEV);
	assert_non_null(strstr(err.msg, "no such network device"));
	assert_null(strchr(err.msg, '\n'));
	/* we never create one: still missing */
	assert_int_equal(tap_open("sbx-missing0", &info, &err), -ENODEV);
	assert_int_equal(tap_open("", &info, &err), -EINVAL);
	assert_int_equal(tap_open("0123456789abcdefg", &info, &err), -EINVAL);
}

static int teardown(void **state)
{
	(void)state;
	if (tap_name[0])
		drop_dev(tap_name, IFF_TAP);
	if (tun_name[0])
		drop_dev(tun_name, IFF_TUN);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_open, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
