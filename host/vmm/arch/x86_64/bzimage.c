/* bzImage loader: validate the setup header, load the protected-mode kernel at 1 MiB, 64-bit entry.
 */
#include <errno.h>
#include <string.h>

#include "bzimage.h"
#include "layout.h"

#define HDR_OFFSET 0x1f1
#define BOOT_FLAG 0xaa55
#define HDR_MAGIC 0x53726448 /* "HdrS" */
#define SECTOR 512
#define ENTRY_64_OFFSET 0x200

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Copy the header: it ends at 0x202 + the byte at 0x201 (the jump offset). */
static void copy_header(const uint8_t *img, size_t len, struct kernel_image *k)
{
	size_t end = 0x202 + (size_t)img[0x201];
	size_t n = end - HDR_OFFSET;

	if (n > sizeof(k->hdr))
		n = sizeof(k->hdr);
	if (n > len - HDR_OFFSET)
		n = len - HDR_OFFSET;
	memset(&k->hdr, 0, sizeof(k->hdr));
	memcpy(&k->hdr, img + HDR_OFFSET, n);
	k->hdr_len = n;
}

static int check_header(const uint8_t *img, size_t len, const struct setup_header *h,
			struct sb_error *err)
{
	if (h->boot_flag != BOOT_FLAG || le32(img + 0x202) != HDR_MAGIC)
		return error_set(err, EINVAL, "not a bzImage (no boot flag / HdrS magic)");
	if (h->version < BZIMAGE_MIN_VERSION)
		return error_set(err, EINVAL,
				 "bzImage boot protocol %u.%02u is too old (need 2.12 or later)",
				 h->version >> 8, h->version & 0xff);
	if (!(h->xloadflags & XLF_KERNEL_64))
		return error_set(err, EINVAL,
				 "bzImage has no 64-bit entry point (not an x86_64 kernel?)");
	if (!(h->loadflags & LOADED_HIGH))
		return error_set(err, EINVAL, "bzImage cannot be loaded at 1 MiB (zImage?)");
	size_t setup = ((size_t)(h->setup_sects ? h->setup_sects : 4) + 1) * SECTOR;
	if (setup >= len)
		return error_set(err, EINVAL,
				 "bzImage truncated: setup (%zu bytes) beyond file size %zu", setup,
				 len);
	if (!h->syssize || (uint64_t)h->syssize * 16 > len - setup)
		return error_set(err, EINVAL,
				 "bzImage truncated: syssize %llu beyond file size %zu",
				 (unsigned long long)h->syssize * 16, len);
	return 0;
}

int bzimage_parse(const uint8_t *img, size_t len, struct kernel_image *k, struct sb_error *err)
{
	if (len < 0x202 + 4 || len < HDR_OFFSET + sizeof(struct setup_header))
		return error_set(err, EINVAL, "kernel image too small (%zu bytes)", len);
	copy_header(img, len, k);
	int r = check_header(img, len, &k->hdr, err);
	if (r < 0)
		return r;
	const struct setup_header *h = &k->hdr;
	size_t setup = ((size_t)(h->setup_sects ? h->setup_sects : 4) + 1) * SECTOR;
	uint64_t payload = len - setup;
	uint64_t end = LAYOUT_HIMEM + payload;
	uint64_t claim;
	/* The decompressor works in [max(load, pref_address), + init_size). */
	uint64_t base = h->pref_address > LAYOUT_HIMEM ? h->pref_address : LAYOUT_HIMEM;
	if (__builtin_add_overflow(base, (uint64_t)h->init_size, &claim) || claim > (1ull << 32))
		return error_set(err, EINVAL, "bzImage asks for an impossible load area");
	k->kind = KERNEL_BZIMAGE;
	k->entry = LAYOUT_HIMEM + ENTRY_64_OFFSET;
	k->end = claim > end ? claim : end;
	k->initrd_max = h->initrd_addr_max ? h->initrd_addr_max : 0x37ffffff;
	k->cmdline_max = h->cmdline_size;
	return 0;
}

int bzimage_load(const uint8_t *img, size_t len, struct vm_mem *m, struct kernel_image *k,
		 struct sb_error *err)
{
	int r = bzimage_parse(img, len, k, err);
	if (r < 0)
		return r;
	size_t setup = ((size_t)(k->hdr.setup_sects ? k->hdr.setup_sects : 4) + 1) * SECTOR;
	size_t payload = len - setup;
	void *dst = gpa_to_hva(m, LAYOUT_HIMEM, k->end - LAYOUT_HIMEM);
	if (!dst)
		return error_set(err, ENOMEM,
				 "guest memory too small for this kernel (needs %llu MiB)",
				 (unsigned long long)((k->end + (1 << 20) - 1) >> 20));
	memcpy(dst, img + setup, payload);
	return 0;
}
