/* Unit tests for host/vmm/virtio/execproto.c: header rules per direction, payload checks,
 * and reassembly of frames split anywhere. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "virtio/execproto.h"

static void round_trip_u32(void **state)
{
	(void)state;
	uint8_t f[EXEC_HDR_SIZE + 4];
	assert_int_equal(execproto_put_u32(f, EXEC_SIGNAL, 7, 15), sizeof(f));
	struct exec_hdr h;
	assert_int_equal(execproto_get_hdr(f, EXEC_TO_GUEST, &h), 0);
	assert_int_equal(h.type, EXEC_SIGNAL);
	assert_int_equal(h.session, 7);
	assert_int_equal(h.len, 4);
	assert_int_equal(execproto_u32(f + EXEC_HDR_SIZE), 15);
	assert_int_equal(execproto_check(&h, f + EXEC_HDR_SIZE), 0);
	/* SIGNAL never travels to the host */
	assert_int_equal(execproto_get_hdr(f, EXEC_TO_HOST, &h), -EPROTO);
}

static void header_rules(void **state)
{
	(void)state;
	uint8_t f[EXEC_HDR_SIZE];
	struct exec_hdr h;
	execproto_put_hdr(f, EXEC_STDOUT, 1, EXEC_DATA_MAX);
	assert_int_equal(execproto_get_hdr(f, EXEC_TO_HOST, &h), 0);
	execproto_put_hdr(f, EXEC_STDOUT, 1, EXEC_DATA_MAX + 1); /* too long */
	assert_int_equal(execproto_get_hdr(f, EXEC_TO_HOST, &h), -EPROTO);
	execproto_put_hdr(f, EXEC_STDOUT, 1, 0); /* data frames are never empty */
	assert_int_equal(execproto_get_hdr(f, EXEC_TO_HOST, &h), -EPROTO);
	execproto_put_hdr(f, EXEC_STDOUT, 0, 1); /* session 0 */
	assert_int_equal(execproto_get_hdr(f, EXEC_TO_HOST, &h), -EPROTO);
	execproto_put_hdr(f, EXEC_STDIN_EOF, 3, 0);
	assert_int_equal(execproto_get_hdr(f, EXEC_TO_GUEST, &h), 0);
	execproto_put_hdr(f, EXEC_STDIN_EOF, 3, 1);
	assert_int_equal(execproto_get_hdr(f, EXEC_TO_GUEST, &h), -EPROTO);
	execproto_put_hdr(f, EXEC_NEW, 3, EXEC_SPEC_MAX);
	assert_int_equal(execproto_get_hdr(f, EXEC_TO_GUEST, &h), 0);
	execproto_put_hdr(f, EXEC_NEW, 3, EXEC_SPEC_MAX + 1);
	assert_int_equal(execproto_get_hdr(f, EXEC_TO_GUEST, &h), -EPROTO);
	execproto_put_hdr(f, EXEC_EXIT, 3, 4 + EXEC_MSG_MAX);
	assert_int_equal(execproto_get_hdr(f, EXEC_TO_HOST, &h), 0);
	execproto_put_hdr(f, EXEC_EXIT, 3, 3);
	assert_int_equal(execproto_get_hdr(f, EXEC_TO_HOST, &h), -EPROTO);
	execproto_put_hdr(f, EXEC_CREDIT, 3, 4); /* both ways */
	assert_int_equal(execproto_get_hdr(f, EXEC_TO_HOST, &h), 0);
	assert_int_equal(execproto_get_hdr(f, EXEC_TO_GUEST, &h), 0);
	execproto_put_hdr(f, 0, 3, 4);
	assert_int_equal(execproto_get_hdr(f, EXEC_TO_GUEST, &h), -EPROTO);
	execproto_put_hdr(f, EXEC_EXIT + 1, 3, 4);
	assert_int_equal(execproto_get_hdr(f, EXEC_TO_HOST, &h), -EPROTO);
	execproto_put_hdr(f, EXEC_CREDIT, 3, 4);
	f[2] = 1; /* reserved */
	assert_int_equal(execproto_get_hdr(f, EXEC_TO_HOST, &h), -EPROTO);
	execproto_put_hdr(f, EXEC_CREDIT, 3, 4);
	f[0] = 'S';
	assert_int_equal(execproto_get_hdr(f, EXEC_TO_HOST, &h), -EPROTO);
}

static void payload_checks(void **state)
{
	(void)state;
	uint8_t f[EXEC_HDR_SIZE + 4];
	struct exec_hdr h;
	const struct {
		uint8_t type;
		enum exec_dir dir;
		uint32_t v;
		int ok;
	} cases[] = {
	    {EXEC_SIGNAL, EXEC_TO_GUEST, 0, 0},
	    {EXEC_SIGNAL, EXEC_TO_GUEST, 64, 1},
	    {EXEC_SIGNAL, EXEC_TO_GUEST, 65, 0},
	    {EXEC_CREDIT, EXEC_TO_HOST, 0, 0},
	    {EXEC_CREDIT, EXEC_TO_HOST, EXEC_WINDOW, 1},
	    {EXEC_CREDIT, EXEC_TO_GUEST, EXEC_WINDOW + 1, 0},
	    {EXEC_EXIT, EXEC_TO_HOST, 255, 1},
	    {EXEC_EXIT, EXEC_TO_HOST, 0x17d, 1},
	    {EXEC_EXIT, EXEC_TO_HOST, 0x200, 0},
	    {EXEC_WINSIZE, EXEC_TO_GUEST, 0xffffffff, 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		execproto_put_u32(f, cases[i].type, 9, cases[i].v);
		assert_int_equal(execproto_get_hdr(f, cases[i].dir, &h), 0);
		assert_int_equal(execproto_check(&h, f + EXEC_HDR_SIZE) == 0, cases[i].ok);
	}
}

struct seen {
	int frames, bad;
	uint8_t types[8];
	uint32_t lens[8];
	uint8_t data[64];
};

static void on_frame(void *ctx, const struct exec_hdr *h, const uint8_t *payload)
{
	struct seen *s = ctx;
	if (s->frames < 8) {
		s->types[s->frames] = h->type;
		s->lens[s->frames] = h->len;
		if (h->type == EXEC_STDOUT && h->len <= sizeof(s->data))
			memcpy(s->data, payload, h->len);
	}
	s->frames++;
}

static void on_bad(void *ctx, const struct exec_hdr *h)
{
	(void)h;
	((struct seen *)ctx)->bad++;
}

/* Three frames, one with a bad payload, fed one byte at a time and in one go. */
static void reassembles_any_split(void **state)
{
	(void)state;
	uint8_t stream[128];
	size_t n = 0;
	n += execproto_put_u32(stream + n, EXEC_STARTED, 2, 42);
	execproto_put_hdr(stream + n, EXEC_STDOUT, 2, 5);
	memcpy(stream + n + EXEC_HDR_SIZE, "hello", 5);
	n += EXEC_HDR_SIZE + 5;
	n += execproto_put_u32(stream + n, EXEC_CREDIT, 2, 0); /* bad value: skipped */
	n += execproto_put_u32(stream + n, EXEC_EXIT, 2, 3);
	uint8_t *buf = malloc(EXEC_FRAME_MAX);
	for (int whole = 0; whole < 2; whole++) {
		struct execproto_rx rx;
		execproto_rx_init(&rx, EXEC_TO_HOST, buf);
		struct seen s = {0};
		if (whole) {
			assert_int_equal(execproto_feed(&rx, stream, n, on_frame, on_bad, &s), 0);
		} else {
			for (size_t i = 0; i < n; i++)
				assert_int_equal(
				    execproto_feed(&rx, stream + i, 1, on_frame, on_bad, &s), 0);
		}
		assert_int_equal(s.frames, 3);
		assert_int_equal(s.bad, 1);
		assert_int_equal(s.types[0], EXEC_STARTED);
		assert_int_equal(s.types[1], EXEC_STDOUT);
		assert_memory_equal(s.data, "hello", 5);
		assert_int_equal(s.types[2], EXEC_EXIT);
	}
	free(buf);
}

/* A bad header poisons the stream for good: there is no resync point. */
static void bad_header_fails_for_good(void **state)
{
	(void)state;
	uint8_t *buf = malloc(EXEC_FRAME_MAX);
	struct execproto_rx rx;
	execproto_rx_init(&rx, EXEC_TO_GUEST, buf);
	struct seen s = {0};
	uint8_t f[EXEC_HDR_SIZE + 4];
	execproto_put_u32(f, EXEC_STARTED, 1, 1); /* guest -> host type on the way in */
	assert_int_equal(execproto_feed(&rx, f, sizeof(f), on_frame, on_bad, &s), -EPROTO);
	execproto_put_u32(f, EXEC_SIGNAL, 1, 9);
	assert_int_equal(execproto_feed(&rx, f, sizeof(f), on_frame, on_bad, &s), -EPROTO);
	assert_int_equal(s.frames, 0);
	free(buf);
}

/* An empty frame ends at its header. */
static void empty_payload(void **state)
{
	(void)state;
	uint8_t *buf = malloc(EXEC_FRAME_MAX);
	struct execproto_rx rx;
	execproto_rx_init(&rx, EXEC_TO_GUEST, buf);
	struct seen s = {0};
	uint8_t f[2 * EXEC_HDR_SIZE];
	execproto_put_hdr(f, EXEC_STDIN_EOF, 4, 0);
	execproto_put_hdr(f + EXEC_HDR_SIZE, EXEC_STDIN_EOF, 5, 0);
	assert_int_equal(execproto_feed(&rx, f, sizeof(f), on_frame, on_bad, &s), 0);
	assert_int_equal(s.frames, 2);
	assert_int_equal(s.lens[1], 0);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip_u32),
	    cmocka_unit_test(header_rules),
	    cmocka_unit_test(payload_checks),
	    cmocka_unit_test(reassembles_any_split),
	    cmocka_unit_test(bad_header_fails_for_good),
	    cmocka_unit_test(empty_payload),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
