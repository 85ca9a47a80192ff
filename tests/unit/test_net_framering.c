/* Unit tests for the frame ring: bounds, wrap-around, the two eventfds, and two threads at once. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/framering.h"

static int readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static int push_buf(struct framering *r, const void *p, size_t len)
{
	struct iovec iov = {.iov_base = (void *)(uintptr_t)p, .iov_len = len};
	return framering_push(r, &iov, 1, len);
}

static void test_init_checks(void **state)
{
	struct framering r;
	(void)state;

	assert_int_equal(framering_init(&r, 0, FRAMERING_FRAME_MAX), -EINVAL);
	assert_int_equal(framering_init(&r, 4, FRAMERING_FRAME_MAX - 1), -EINVAL);
	assert_int_equal(framering_init(&r, 4, FRAMERING_FRAME_MAX), 0);
	assert_false(readable(r.ready_fd));
	assert_false(readable(r.space_fd));
	framering_destroy(&r);
	framering_destroy(&r); /* harmless */
}

static void test_gather_scatter(void **state)
{
	struct framering r;
	uint8_t a[3] = {1, 2, 3}, b[5] = {4, 5, 6, 7, 8}, out[16];
	(void)state;

	assert_int_equal(framering_init(&r, 4, FRAMERING_FRAME_MAX), 0);
	assert_int_equal(framering_peek(&r), 0);
	assert_int_equal(framering_pop(&r, out, sizeof(out)), 0);
	struct iovec in[2] = {{a, 3}, {b, 5}};
	assert_int_equal(framering_push(&r, in, 2, 7), 0); /* only 7 of the 8 bytes */
	assert_true(readable(r.ready_fd));
	assert_int_equal(framering_peek(&r), 7);
	/* Too little room: the frame stays. */
	assert_int_equal(framering_pop(&r, out, 6), -EMSGSIZE);
	assert_int_equal(framering_peek(&r), 7);
	uint8_t x[2], y[10];
	struct iovec o[2] = {{x, 2}, {y, 10}};
	assert_int_equal(framering_popv(&r, o, 2), 7);
	assert_memory_equal(x, "\1\2", 2);
	assert_memory_equal(y, "\3\4\5\6\7", 5);
	assert_false(readable(r.ready_fd));
	/* Bad lengths. */
	assert_int_equal(framering_push(&r, in, 2, 0), -EINVAL);
	assert_int_equal(framering_push(&r, in, 2, 9), -EINVAL); /* more than the iovs hold */
	static uint8_t big[FRAMERING_FRAME_MAX + 1];
	assert_int_equal(push_buf(&r, big, sizeof(big)), -EINVAL);
	assert_int_equal(push_buf(&r, big, FRAMERING_FRAME_MAX), 0);
	framering_destroy(&r);
}

static void test_slots_bound_and_space_fd(void **state)
{
	struct framering r;
	uint8_t f[60], out[60];
	(void)state;

	assert_int_equal(framering_init(&r, 3, FRAMERING_FRAME_MAX), 0);
	for (int i = 0; i < 3; i++) {
		memset(f, i, sizeof(f));
		assert_int_equal(push_buf(&r, f, sizeof(f)), 0);
	}
	assert_int_equal(push_buf(&r, f, sizeof(f)), -ENOSPC);
	assert_int_equal(r.dropped, 1);
	assert_false(readable(r.space_fd)); /* no room made yet */
	assert_int_equal(framering_pop(&r, out, sizeof(out)), 60);
	assert_int_equal(out[0], 0);
	assert_true(readable(r.space_fd));
	framering_ack_space(&r);
	assert_false(readable(r.space_fd));
	/* A pop with no refused push before it does not signal space. */
	assert_int_equal(push_buf(&r, f, sizeof(f)), 0);
	framering_discard(&r);
	assert_false(readable(r.space_fd));
	assert_int_equal(framering_pop(&r, out, sizeof(out)), 60);
	assert_int_equal(out[0], 2);
	assert_true(readable(r.ready_fd));
	framering_ack_ready(&r); /* frames still queued: stays readable */
	assert_true(readable(r.ready_fd));
	framering_discard(&r);
	assert_false(readable(r.ready_fd));
	framering_discard(&r); /* empty: nothing */
	framering_destroy(&r);
}

/* Bytes bound: frames of 40 KiB in a ring of FRAMERING_FRAME_MAX bytes wrap
 * around its end and come back intact. */
static void test_bytes_bound_and_wrap(void **state)
{
	struct framering r;
	static uint8_t f[40000], out[40000];
	(void)state;

	assert_int_equal(framering_init(&r, 64, FRAMERING_FRAME_MAX), 0);
	for (unsigned i = 0; i < 20; i++) {
		for (size_t k = 0; k < sizeof(f); k++)
			f[k] = (uint8_t)(k * 7 + i);
		assert_int_equal(push_buf(&r, f, sizeof(f)), 0);
		assert_true(r.used <= r.bytes);
		/* A second one does not fit in the bytes left. */
		assert_int_equal(push_buf(&r, f, 30000), -ENOSPC);
		assert_int_equal(push_buf(&r, f, 20000), 0);
		assert_int_equal(framering_pop(&r, out, sizeof(out)), sizeof(f));
		assert_memory_equal(out, f, sizeof(f));
		assert_int_equal(framering_pop(&r, out, sizeof(out)), 20000);
		assert_memory_equal(out, f, 20000);
	}
	framering_destroy(&r);
}

/* Interleaved push/pop keeps data across the wrap (the ring never empties). */
static void test_wrap_never_empty(void **state)
{
	struct framering r;
	static uint8_t f[30000], out[30000];
	(void)state;

	assert_int_equal(framering_init(&r, 8, FRAMERING_FRAME_MAX), 0);
	memset(f, 0xee, sizeof(f));
	assert_int_equal(push_buf(&r, f, 1000), 0);
	for (unsigned i = 0; i < 50; i++) {
		size_t len = 20000 + i * 131;
		for (size_t k = 0; k < len; k++)
			f[k] = (uint8_t)(k ^ i);
		assert_int_equal(push_buf(&r, f, len), 0);
		ssize_t n = framering_pop(&r, out, sizeof(out));
		assert_true(n > 0);
		if (i > 0) {
			size_t prev = 20000 + (i - 1) * 131;
			assert_int_equal(n, prev);
			for (size_t k = 0; k < prev; k++)
				assert_int_equal(out[k], (uint8_t)(k ^ (i - 1)));
		}
	}
	framering_destroy(&r);
}

/* One producer, one consumer thread: every frame arrives once, in order. */
#define THREAD_FRAMES 20000u
static void *producer(void *arg)
{
	struct framering *r = arg;
	uint8_t f[1600];

	for (uint32_t i = 0; i < THREAD_FRAMES;) {
		size_t len = 64 + i % 1500;
		memset(f, (int)(i & 0xff), len);
		memcpy(f, &i, sizeof(i));
		if (push_buf(r, f, len) == 0) {
			i++;
			continue;
		}
		struct pollfd p = {.fd = r->space_fd, .events = POLLIN};
		poll(&p, 1, 100);
		framering_ack_space(r);
	}
	return NULL;
}

static void test_two_threads(void **state)
{
	struct framering r;
	pthread_t t;
	uint8_t out[1600];
	(void)state;

	assert_int_equal(framering_init(&r, 16, FRAMERING_FRAME_MAX), 0);
	assert_int_equal(pthread_create(&t, NULL, producer, &r), 0);
	for (uint32_t i = 0; i < THREAD_FRAMES;) {
		struct pollfd p = {.fd = r.ready_fd, .events = POLLIN};
		assert_int_equal(poll(&p, 1, 5000), 1);
		framering_ack_ready(&r);
		ssize_t n;
		while ((n = framering_pop(&r, out, sizeof(out))) > 0) {
			uint32_t seq;
			memcpy(&seq, out, sizeof(seq));
			assert_int_equal(seq, i);
			assert_int_equal(n, 64 + i % 1500);
			assert_int_equal(out[n - 1], i & 0xff);
			i++;
		}
		assert_int_equal(n, 0);
	}
	pthread_join(t, NULL);
	assert_false(readable(r.ready_fd));
	framering_destroy(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_checks),
	    cmocka_unit_test(test_gather_scatter),
	    cmocka_unit_test(test_slots_bound_and_space_fd),
	    cmocka_unit_test(test_bytes_bound_and_wrap),
	    cmocka_unit_test(test_wrap_never_empty),
	    cmocka_unit_test(test_two_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
