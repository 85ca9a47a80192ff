/* Unit tests for the frame queue (framering): bounds, wrap-around, eventfds, two threads. */
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

static uint8_t big[FRAMERING_FRAME_MAX];
static uint8_t out[FRAMERING_FRAME_MAX];

/* 1 if fd is readable right now. */
static int readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) == 1;
}

static int push_buf(struct framering *r, const void *buf, size_t len)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	return framering_push(r, &iov, 1, len);
}

static void fill(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 31 + i);
}

static void test_init_rejects_bad_sizes(void **state)
{
	struct framering r;
	(void)state;
	assert_int_equal(framering_init(&r, 0, FRAMERING_FRAME_MAX), -EINVAL);
	assert_int_equal(framering_init(&r, 4, FRAMERING_FRAME_MAX - 1), -EINVAL);
	assert_int_equal(framering_init(&r, 1, FRAMERING_FRAME_MAX), 0);
	framering_destroy(&r);
	framering_destroy(&r); /* twice is harmless */
}

static void test_push_pop_and_ready_fd(void **state)
{
	struct framering r;
	(void)state;
	assert_int_equal(framering_init(&r, 8, FRAMERING_FRAME_MAX), 0);
	assert_false(readable(r.ready_fd));
	assert_int_equal(framering_peek(&r), 0);
	assert_int_equal(framering_pop(&r, out, sizeof(out)), 0);

	assert_int_equal(push_buf(&r, "hello", 5), 0);
	assert_int_equal(push_buf(&r, "world!", 6), 0);
	assert_true(readable(r.ready_fd));
	framering_ack_ready(&r);
	assert_true(readable(r.ready_fd)); /* still frames queued: re-armed */
	assert_int_equal(framering_peek(&r), 5);
	assert_int_equal(framering_pop(&r, out, sizeof(out)), 5);
	assert_memory_equal(out, "hello", 5);
	framering_ack_ready(&r);
	assert_true(readable(r.ready_fd));
	assert_int_equal(framering_pop(&r, out, sizeof(out)), 6);
	assert_memory_equal(out, "world!", 6);
	framering_ack_ready(&r);
	assert_false(readable(r.ready_fd)); /* empty and acked: quiet */
	assert_int_equal(r.dropped, 0);
	framering_destroy(&r);
}

static void test_bad_lengths(void **state)
{
	struct framering r;
	(void)state;
	assert_int_equal(framering_init(&r, 8, FRAMERING_FRAME_MAX), 0);
	assert_int_equal(push_buf(&r, big, 0), -EINVAL);
	struct iovec iov = {.iov_base = big, .iov_len = sizeof(big)};
	assert_int_equal(framering_push(&r, &iov, 1, FRAMERING_FRAME_MAX + 1), -EINVAL);
	iov.iov_len = 10;
	assert_int_equal(framering_push(&r, &iov, 1, 11), -EINVAL); /* iov shorter than len */
	assert_int_equal(framering_push(&r, &iov, 1, FRAMERING_FRAME_MAX), -EINVAL);
	assert_int_equal(framering_peek(&r), 0);
	assert_int_equal(push_buf(&r, big, FRAMERING_FRAME_MAX), 0); /* the largest fits */
	assert_int_equal(framering_pop(&r, out, sizeof(out)), FRAMERING_FRAME_MAX);
	framering_destroy(&r);
}

static void test_bounded_by_slots(void **state)
{
	struct framering r;
	(void)state;
	assert_int_equal(framering_init(&r, 4, 4 * FRAMERING_FRAME_MAX), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(push_buf(&r, "abc", 3), 0);
	assert_false(readable(r.space_fd));
	assert_int_equal(push_buf(&r, "abc", 3), -ENOSPC);
	assert_int_equal(push_buf(&r, "abc", 3), -ENOSPC);
	assert_int_equal(r.dropped, 2);
	assert_false(readable(r.space_fd)); /* no room made yet */
	assert_int_equal(framering_pop(&r, out, sizeof(out)), 3);
	assert_true(readable(r.space_fd));
	framering_ack_space(&r);
	assert_false(readable(r.space_fd));
	assert_int_equal(push_buf(&r, "abc", 3), 0);
	assert_int_equal(push_buf(&r, "abc", 3), -ENOSPC);
	/* a discard makes room too */
	framering_discard(&r);
	assert_true(readable(r.space_fd));
	framering_ack_space(&r);
	/* a pop with no refused push since does not poke space_fd */
	assert_int_equal(framering_pop(&r, out, sizeof(out)), 3);
	assert_false(readable(r.space_fd));
	framering_destroy(&r);
}

static void test_bounded_by_bytes(void **state)
{
	struct framering r;
	(void)state;
	assert_int_equal(framering_init(&r, 64, FRAMERING_FRAME_MAX), 0);
	assert_int_equal(push_buf(&r, big, 40000), 0);
	assert_int_equal(push_buf(&r, big, 30000), -ENOSPC);
	assert_int_equal(push_buf(&r, big, FRAMERING_FRAME_MAX - 40000), 0); /* exactly full */
	assert_int_equal(push_buf(&r, big, 1), -ENOSPC);
	assert_int_equal(r.used, FRAMERING_FRAME_MAX);
	assert_int_equal(framering_pop(&r, out, sizeof(out)), 40000);
	assert_true(readable(r.space_fd));
	assert_int_equal(push_buf(&r, big, 30000), 0);
	assert_int_equal(r.dropped, 2);
	framering_destroy(&r);
}

/* Frames of an odd size cross the end of the byte ring in every position. */
static void test_wrap_around(void **state)
{
	struct framering r;
	(void)state;
	assert_int_equal(framering_init(&r, 3, FRAMERING_FRAME_MAX), 0);
	unsigned next_in = 0, next_out = 0;
	for (int round = 0; round < 200; round++) {
		size_t len = 20011 + (size_t)(round % 7) * 1000;
		fill(big, len, next_in);
		while (push_buf(&r, big, len) == -ENOSPC) {
			size_t want = framering_peek(&r);
			assert_int_not_equal(want, 0);
			assert_int_equal(framering_pop(&r, out, sizeof(out)), (ssize_t)want);
			uint8_t expect[FRAMERING_FRAME_MAX];
			fill(expect, want, next_out++);
			assert_memory_equal(out, expect, want);
		}
		next_in++;
	}
	while (framering_peek(&r)) {
		size_t want = framering_peek(&r);
		assert_int_equal(framering_pop(&r, out, sizeof(out)), (ssize_t)want);
		uint8_t expect[FRAMERING_FRAME_MAX];
		fill(expect, want, next_out++);
		assert_memory_equal(out, expect, want);
	}
	assert_int_equal(next_out, next_in);
	assert_int_equal(r.used, 0);
	framering_destroy(&r);
}

static void test_pop_too_small_keeps_frame(void **state)
{
	struct framering r;
	(void)state;
	assert_int_equal(framering_init(&r, 8, FRAMERING_FRAME_MAX), 0);
	fill(big, 1500, 7);
	assert_int_equal(push_buf(&r, big, 1500), 0);
	assert_int_equal(framering_pop(&r, out, 1499), -EMSGSIZE);
	assert_int_equal(framering_peek(&r), 1500);
	struct iovec two[2] = {{out, 700}, {out + 700, 799}};
	assert_int_equal(framering_popv(&r, two, 2), -EMSGSIZE);
	assert_int_equal(framering_peek(&r), 1500);
	assert_int_equal(framering_pop(&r, out, 1500), 1500);
	assert_memory_equal(out, big, 1500);
	framering_destroy(&r);
}

/* Gathered in from three pieces, scattered out into four uneven ones. */
static void test_gather_scatter(void **state)
{
	struct framering r;
	uint8_t a[100], b[4][40];
	(void)state;
	assert_int_equal(framering_init(&r, 8, FRAMERING_FRAME_MAX), 0);
	fill(a, sizeof(a), 3);
	struct iovec in[3] = {{a, 10}, {a + 10, 0}, {a + 10, 200}}; /* last one longer than len */
	assert_int_equal(framering_push(&r, in, 3, 100), 0);
	memset(b, 0xee, sizeof(b));
	struct iovec sc[4] = {{b[0], 1}, {b[1], 33}, {b[2], 0}, {b[3], 40}};
	assert_int_equal(framering_popv(&r, sc, 4), -EMSGSIZE); /* 74 < 100 */
	sc[2].iov_len = 40;
	assert_int_equal(framering_popv(&r, sc, 4), 100);
	assert_int_equal(b[0][0], a[0]);
	assert_memory_equal(b[1], a + 1, 33);
	assert_memory_equal(b[2], a + 34, 40);
	assert_memory_equal(b[3], a + 74, 26);
	assert_int_equal(b[3][26], 0xee); /* nothing past the frame */
	framering_destroy(&r);
}

/* Two threads: a producer that waits on space_fd when refused, a consumer
 * that waits on ready_fd; every frame arrives once, in order, intact. */
#define HAMMER_FRAMES 100000u
#define WAIT_MS 10000

struct hammer {
	struct framering r;
	int failed;
};

static size_t hammer_len(unsigned seq)
{
	return seq % 997 == 0 ? FRAMERING_FRAME_MAX : 4 + (seq * 7919u) % 3000;
}

static void hammer_fill(uint8_t *p, size_t len, unsigned seq)
{
	memcpy(p, &seq, 4);
	for (size_t i = 4; i < len; i += 61)
		p[i] = (uint8_t)(seq + i);
}

static void *hammer_producer(void *arg)
{
	struct hammer *h = arg;
	static uint8_t buf[FRAMERING_FRAME_MAX];
	for (unsigned seq = 0; seq < HAMMER_FRAMES && !h->failed; seq++) {
		size_t len = hammer_len(seq);
		hammer_fill(buf, len, seq);
		struct iovec iov[2] = {{buf, len / 2}, {buf + len / 2, len - len / 2}};
		while (framering_push(&h->r, iov, 2, len) == -ENOSPC) {
			struct pollfd p = {.fd = h->r.space_fd, .events = POLLIN};
			if (poll(&p, 1, WAIT_MS) != 1) {
				h->failed = 1;
				return NULL;
			}
			framering_ack_space(&h->r);
		}
	}
	return NULL;
}

static void test_two_threads(void **state)
{
	static struct hammer h;
	static uint8_t buf[FRAMERING_FRAME_MAX];
	pthread_t t;
	(void)state;
	/* small: the producer is refused often */
	assert_int_equal(framering_init(&h.r, 16, 2 * FRAMERING_FRAME_MAX), 0);
	assert_int_equal(pthread_create(&t, NULL, hammer_producer, &h), 0);
	unsigned seq = 0;
	while (seq < HAMMER_FRAMES && !h.failed) {
		struct pollfd p = {.fd = h.r.ready_fd, .events = POLLIN};
		if (poll(&p, 1, WAIT_MS) != 1) {
			h.failed = 2;
			break;
		}
		framering_ack_ready(&h.r);
		ssize_t n;
		while ((n = framering_pop(&h.r, buf, sizeof(buf))) > 0) {
			unsigned got;
			memcpy(&got, buf, 4);
			if (got != seq || (size_t)n != hammer_len(seq) ||
			    (n > 4 && buf[4] != (uint8_t)(seq + 4))) {
				h.failed = 3;
				break;
			}
			seq++;
		}
	}
	pthread_join(t, NULL);
	assert_int_equal(h.failed, 0);
	assert_int_equal(seq, HAMMER_FRAMES);
	assert_int_equal(framering_peek(&h.r), 0);
	assert_true(h.r.dropped > 0); /* the bounds were actually hit */
	framering_destroy(&h.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_rejects_bad_sizes),
	    cmocka_unit_test(test_push_pop_and_ready_fd),
	    cmocka_unit_test(test_bad_lengths),
	    cmocka_unit_test(test_bounded_by_slots),
	    cmocka_unit_test(test_bounded_by_bytes),
	    cmocka_unit_test(test_wrap_around),
	    cmocka_unit_test(test_pop_too_small_keeps_frame),
	    cmocka_unit_test(test_gather_scatter),
	    cmocka_unit_test(test_two_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
