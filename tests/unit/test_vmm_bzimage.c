/* Unit tests for the bzImage loader: a synthetic valid image and every hostile variant. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86_64/bzimage.h"
#include "arch/x86_64/layout.h"

#define MIB (1ull << 20)

struct img {
	uint8_t *buf;
	size_t len;
	struct setup_header *h;
};

/* A minimal bzImage: setup sectors with a 2.15 header, then payload bytes 0,1,2,... */
static struct img make(uint8_t setup_sects, size_t payload)
{
	struct img im;
	size_t setup = ((size_t)(setup_sects ? setup_sects : 4) + 1) * 512;

	im.len = setup + payload;
	im.buf = calloc(1, im.len);
	assert_non_null(im.buf);
	im.h = (struct setup_header *)(im.buf + 0x1f1);
	im.h->setup_sects = setup_sects;
	im.h->boot_flag = 0xaa55;
	im.h->jump = 0xeb | (0x6a << 8); /* header ends at 0x26c */
	im.h->header = 0x53726448;
	im.h->version = 0x020f;
	im.h->loadflags = LOADED_HIGH;
	im.h->xloadflags = XLF_KERNEL_64;
	im.h->syssize = (uint32_t)(payload / 16);
	im.h->pref_address = 0x1000000;
	im.h->init_size = 0x800000;
	im.h->cmdline_size = 2047;
	im.h->initrd_addr_max = 0x7fffffff;
	im.h->kernel_alignment = 0x200000;
	for (size_t i = 0; i < payload; i++)
		im.buf[setup + i] = (uint8_t)(i * 7);
	return im;
}

static int parse(struct img *im, struct sb_error *err)
{
	struct kernel_image k;
	return bzimage_parse(im->buf, im->len, &k, err);
}

static void test_valid(void **state)
{
	(void)state;
	struct img im = make(27, 64 * 1024);
	struct kernel_image k;
	struct sb_error err = {0};
	struct vm_mem m;

	assert_int_equal(bzimage_parse(im.buf, im.len, &k, &err), 0);
	assert_int_equal(k.kind, KERNEL_BZIMAGE);
	assert_int_equal(k.entry, LAYOUT_HIMEM + 0x200);
	assert_int_equal(k.end, 0x1000000 + 0x800000);
	assert_int_equal(k.cmdline_max, 2047);
	assert_int_equal(k.initrd_max, 0x7fffffff);
	assert_int_equal(k.hdr_len, 0x26c - 0x1f1);
	assert_int_equal(k.hdr.version, 0x020f);

	assert_int_equal(mem_create(&m, 64 * MIB, &err), 0);
	assert_int_equal(bzimage_load(im.buf, im.len, &m, &k, &err), 0);
	assert_memory_equal(gpa_to_hva(&m, LAYOUT_HIMEM, 64 * 1024), im.buf + 28 * 512, 64 * 1024);
	mem_destroy(&m);
	free(im.buf);
}

static void test_setup_sects_zero_means_four(void **state)
{
	(void)state;
	struct img im = make(0, 4096);
	struct kernel_image k;

	assert_int_equal(bzimage_parse(im.buf, im.len, &k, NULL), 0);
	free(im.buf);
}

static void expect_bad(struct img *im, const char *what)
{
	struct sb_error err = {0};
	assert_int_equal(parse(im, &err), -EINVAL);
	assert_non_null(strstr(err.msg, what));
	free(im->buf);
}

static void test_hostile(void **state)
{
	(void)state;
	struct img im;

	im = make(27, 4096);
	im.len = 0x200; /* truncated inside the header */
	expect_bad(&im, "too small");

	im = make(27, 4096);
	im.h->boot_flag = 0x1234;
	expect_bad(&im, "not a bzImage");

	im = make(27, 4096);
	im.h->header = 0x12345678;
	expect_bad(&im, "not a bzImage");

	im = make(27, 4096);
	im.h->version = 0x0206;
	expect_bad(&im, "too old");

	im = make(27, 4096);
	im.h->xloadflags = 0;
	expect_bad(&im, "64-bit");

	im = make(27, 4096);
	im.h->loadflags = 0;
	expect_bad(&im, "1 MiB");

	im = make(1, 4096);
	im.h->setup_sects = 255; /* setup claims 128 KiB of a 5 KiB file */
	expect_bad(&im, "setup");

	im = make(27, 4096);
	im.h->syssize = 4096 / 16 + 1;
	expect_bad(&im, "syssize");

	im = make(27, 4096);
	im.h->syssize = 0xffffffff;
	expect_bad(&im, "syssize");

	im = make(27, 4096);
	im.h->syssize = 0;
	expect_bad(&im, "syssize");

	im = make(27, 4096);
	im.h->pref_address = UINT64_MAX - 10;
	expect_bad(&im, "impossible");

	im = make(27, 4096);
	im.h->init_size = 0xffffffff;
	expect_bad(&im, "impossible");
}

static void test_header_length_clamped(void **state)
{
	(void)state;
	struct img im = make(27, 4096);
	struct kernel_image k;

	im.buf[0x201] = 0xff; /* claims a header far longer than struct setup_header */
	assert_int_equal(bzimage_parse(im.buf, im.len, &k, NULL), 0);
	assert_int_equal(k.hdr_len, sizeof(struct setup_header));
	free(im.buf);
}

static void test_too_big_for_ram(void **state)
{
	(void)state;
	struct img im = make(27, 4096);
	struct kernel_image k;
	struct sb_error err = {0};
	struct vm_mem m;

	im.h->init_size = 64 * MIB; /* 16 MiB + 64 MiB does not fit in 64 MiB */
	assert_int_equal(mem_create(&m, 64 * MIB, &err), 0);
	assert_int_equal(bzimage_load(im.buf, im.len, &m, &k, &err), -ENOMEM);
	assert_non_null(strstr(err.msg, "too small"));
	mem_destroy(&m);
	free(im.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_setup_sects_zero_means_four),
	    cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_header_length_clamped),
	    cmocka_unit_test(test_too_big_for_ram),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
