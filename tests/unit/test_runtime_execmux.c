/* Unit tests for host/runtime/execmux.c: routing between exec proxies and the guest's exec
 * port, session ids picked by the mux, and what a hostile guest or a vanished proxy gets. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime.h"
#include "virtio/execproto.h"

struct fx {
	struct rt_execmux *m;
	int guest; /* the guest's end of the port */
};

static int setup(void **state)
{
	static struct fx f;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	f.guest = sv[0];
	f.m = rt_execmux_new(sv[1]);
	*state = &f;
	return f.m ? 0 : -1;
}

/* One round of the control thread's loop, without waiting. */
static void spin(struct fx *f)
{
	for (int i = 0; i < 4; i++) {
		struct pollfd fds[1 + EXEC_MAX_SESSIONS];
		size_t n = rt_execmux_fill_poll(f->m, fds);
		if (poll(fds, (nfds_t)n, 0) > 0)
			rt_execmux_handle(f->m, fds, n);
	}
}

/* A new proxy connection; returns the proxy's end. */
static int proxy(struct fx *f)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(rt_execmux_add(f->m, sv[1]), 0);
	return sv[0];
}

/* Read one whole frame from fd (non-blocking: 0 when none). */
static int frame(int fd, struct exec_hdr *h, uint8_t *payload, enum exec_dir dir)
{
	uint8_t hdr[EXEC_HDR_SIZE];
	if (recv(fd, hdr, sizeof(hdr), MSG_DONTWAIT) != (ssize_t)sizeof(hdr))
		return 0;
	assert_int_equal(execproto_get_hdr(hdr, dir, h), 0);
	if (h->len)
		assert_int_equal(recv(fd, payload, h->len, MSG_WAITALL), (ssize_t)h->len);
	return 1;
}

static void routes_both_ways(void **state)
{
	struct fx *f = *state;
	int a = proxy(f), b = proxy(f);
	uint8_t buf[64];
	struct exec_hdr h;

	/* Both proxies say session 1: the mux gives them their own ids. */
	execproto_put_hdr(buf, EXEC_NEW, 1, 3);
	memcpy(buf + EXEC_HDR_SIZE, "abc", 3);
	assert_int_equal(send(a, buf, EXEC_HDR_SIZE + 3, 0), EXEC_HDR_SIZE + 3);
	assert_int_equal(send(b, buf, EXEC_HDR_SIZE + 3, 0), EXEC_HDR_SIZE + 3);
	spin(f);
	uint32_t ids[2];
	for (int i = 0; i < 2; i++) {
		assert_int_equal(frame(f->guest, &h, buf, EXEC_TO_GUEST), 1);
		assert_int_equal(h.type, EXEC_NEW);
		assert_memory_equal(buf, "abc", 3);
		ids[i] = h.session;
	}
	assert_int_not_equal(ids[0], ids[1]);
	/* The guest answers the second: only b hears it. */
	size_t n = execproto_put_u32(buf, EXEC_STARTED, ids[1], 77);
	assert_int_equal(send(f->guest, buf, n, 0), (ssize_t)n);
	spin(f);
	assert_int_equal(frame(a, &h, buf, EXEC_TO_HOST), 0);
	assert_int_equal(frame(b, &h, buf, EXEC_TO_HOST), 1);
	assert_int_equal(h.type, EXEC_STARTED);
	assert_int_equal(execproto_u32(buf), 77);
	/* A frame for a session nobody has is dropped. */
	n = execproto_put_u32(buf, EXEC_STARTED, 999, 1);
	assert_int_equal(send(f->guest, buf, n, 0), (ssize_t)n);
	spin(f);
	assert_int_equal(frame(a, &h, buf, EXEC_TO_HOST), 0);
	assert_int_equal(frame(b, &h, buf, EXEC_TO_HOST), 0);
	/* EXIT ends b's session: its connection closes after the frame. */
	n = execproto_put_u32(buf, EXEC_EXIT, ids[1], 3);
	assert_int_equal(send(f->guest, buf, n, 0), (ssize_t)n);
	spin(f);
	assert_int_equal(frame(b, &h, buf, EXEC_TO_HOST), 1);
	assert_int_equal(h.type, EXEC_EXIT);
	assert_int_equal(recv(b, buf, 1, MSG_DONTWAIT), 0); /* EOF */
	/* a goes away before its EXIT: the guest is told to kill its process. */
	close(a);
	spin(f);
	assert_int_equal(frame(f->guest, &h, buf, EXEC_TO_GUEST), 1);
	assert_int_equal(h.type, EXEC_SIGNAL);
	assert_int_equal(h.session, ids[0]);
	assert_int_equal(execproto_u32(buf), 9);
	close(b);
}

/* A proxy that speaks the guest's side of the protocol loses its session. */
static void bad_proxy_frame_drops_it(void **state)
{
	struct fx *f = *state;
	int a = proxy(f);
	uint8_t buf[64];
	struct exec_hdr h;
	size_t n = execproto_put_u32(buf, EXEC_STARTED, 1, 1);
	assert_int_equal(send(a, buf, n, 0), (ssize_t)n);
	spin(f);
	assert_int_equal(recv(a, buf, 1, MSG_DONTWAIT), 0); /* closed */
	assert_int_equal(frame(f->guest, &h, buf, EXEC_TO_GUEST), 1);
	assert_int_equal(h.type, EXEC_SIGNAL);
	close(a);
}

/* A guest that sends past a session's window while its proxy is not reading
 * loses the session instead of growing the VMM's memory. */
static void guest_flood_is_bounded(void **state)
{
	struct fx *f = *state;
	int a = proxy(f);
	uint8_t *buf = calloc(1, EXEC_HDR_SIZE + EXEC_DATA_MAX);
	struct exec_hdr h;
	execproto_put_hdr(buf, EXEC_NEW, 1, 1);
	assert_int_equal(send(a, buf, EXEC_HDR_SIZE + 1, 0), EXEC_HDR_SIZE + 1);
	spin(f);
	assert_int_equal(frame(f->guest, &h, buf + EXEC_HDR_SIZE, EXEC_TO_GUEST), 1);
	uint32_t id = h.session;
	fcntl(f->guest, F_SETFL, O_NONBLOCK);
	bool dropped = false;
	for (int i = 0; i < 64 && !dropped; i++) {
		execproto_put_hdr(buf, EXEC_STDOUT, id, EXEC_DATA_MAX);
		size_t off = 0, len = EXEC_HDR_SIZE + EXEC_DATA_MAX;
		while (off < len) {
			ssize_t n = send(f->guest, buf + off, len - off, 0);
			if (n > 0)
				off += (size_t)n;
			spin(f);
		}
		/* dropped: the guest is told to kill it */
		dropped = frame(f->guest, &h, buf + EXEC_HDR_SIZE, EXEC_TO_GUEST) == 1;
	}
	assert_true(dropped);
	assert_int_equal(h.type, EXEC_SIGNAL);
	assert_int_equal(h.session, id);
	free(buf);
	close(a);
}

/* A bad header from the guest ends exec for the VM: every proxy is let go. */
static void bad_guest_stream_ends_exec(void **state)
{
	struct fx *f = *state;
	int a = proxy(f);
	uint8_t buf[EXEC_HDR_SIZE] = {'X'};
	assert_int_equal(send(f->guest, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	spin(f);
	assert_int_equal(recv(a, buf, 1, MSG_DONTWAIT), 0);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(rt_execmux_add(f->m, sv[1]), -EPIPE);
	close(sv[0]);
	close(sv[1]);
	close(a);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	rt_execmux_free(f->m);
	close(f->guest);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(routes_both_ways, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_proxy_frame_drops_it, setup, teardown),
	    cmocka_unit_test_setup_teardown(guest_flood_is_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_guest_stream_ends_exec, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
