/* A snapshot's key: sha256 over everything the saved VM depends on, each field tagged and
 * length-prefixed after a domain and format prefix. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "snapshot_int.h"

static const char domain[] = "sandbox snapshot key";

/* Field tags: never reuse or renumber one (add new ones at the end). */
enum {
	F_VMM_BUILD = 1,
	F_KERNEL,
	F_INIT,
	F_IMAGE_PATH,
	F_IMAGE,
	F_CMDLINE,
	F_VCPUS,
	F_MEM,
	F_DEVICES,
	F_HOST,
	F_EXTRA_INITRD,
};

static void le64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* tag, present (0: NULL), u64 length, the bytes */
static void field(SHA256_CTX *c, uint8_t tag, const void *p, size_t len)
{
	uint8_t hdr[10] = {tag, p != NULL};
	le64(hdr + 2, p ? (uint64_t)len : 0);
	SHA256_Update(c, hdr, sizeof(hdr));
	if (p && len)
		SHA256_Update(c, p, len);
}

static void field_str(SHA256_CTX *c, uint8_t tag, const char *s)
{
	field(c, tag, s, s ? strlen(s) : 0);
}

static void field_u64(SHA256_CTX *c, uint8_t tag, uint64_t v)
{
	uint8_t b[8];
	le64(b, v);
	field(c, tag, b, sizeof(b));
}

/* A file's identity: device, inode, size, modification time (not its bytes). */
static int field_file(SHA256_CTX *c, uint8_t tag, const char *what, const char *path,
		      struct sb_error *err)
{
	struct stat st;
	if (!path)
		return error_set(err, EINVAL, "snapshot key: no %s path", what);
	if (stat(path, &st) < 0)
		return error_set(err, errno, "snapshot key: %s `%s`", what, path);
	if (!S_ISREG(st.st_mode))
		return error_set(err, EINVAL, "snapshot key: %s `%s` is not a file", what, path);
	uint8_t id[40];
	le64(id, (uint64_t)st.st_dev);
	le64(id + 8, (uint64_t)st.st_ino);
	le64(id + 16, (uint64_t)st.st_size);
	le64(id + 24, (uint64_t)st.st_mtim.tv_sec);
	le64(id + 32, (uint64_t)st.st_mtim.tv_nsec);
	field(c, tag, id, sizeof(id));
	return 0;
}

static void to_hex(const uint8_t *md, char hex[SNAPSHOT_KEY_HEX + 1])
{
	static const char xd[] = "0123456789abcdef";
	for (unsigned i = 0; i < 32; i++) {
		hex[2 * i] = xd[md[i] >> 4];
		hex[2 * i + 1] = xd[md[i] & 15];
	}
	hex[SNAPSHOT_KEY_HEX] = '\0';
}

int snapshot_key(const struct snapshot_key_input *in, char hex[SNAPSHOT_KEY_HEX + 1],
		 struct sb_error *err)
{
	SHA256_CTX c;
	uint8_t version[4], md[SHA256_DIGEST_LENGTH];
	hex[0] = '\0';
	SHA256_Init(&c);
	SHA256_Update(&c, domain, sizeof(domain)); /* its NUL included */
	for (unsigned i = 0; i < 4; i++)
		version[i] = (uint8_t)(SNAPSHOT_FORMAT_VERSION >> (8 * i));
	SHA256_Update(&c, version, sizeof(version));
	field(&c, F_VMM_BUILD, in->vmm_build, in->vmm_build_len);
	int r = field_file(&c, F_KERNEL, "kernel", in->kernel_path, err);
	if (r == 0)
		r = field_file(&c, F_INIT, "init archive", in->init_path, err);
	if (r == 0) {
		field_str(&c, F_IMAGE_PATH, in->image_path);
		r = field_file(&c, F_IMAGE, "image", in->image_path, err);
	}
	if (r < 0) {
		SHA256_Final(md, &c); /* nothing to free; keeps the context tidy */
		return r;
	}
	field_str(&c, F_CMDLINE, in->cmdline);
	field_u64(&c, F_VCPUS, in->vcpus);
	field_u64(&c, F_MEM, in->mem_bytes);
	field_str(&c, F_DEVICES, in->devices);
	field(&c, F_HOST, in->host_id, in->host_id_len);
	field(&c, F_EXTRA_INITRD, in->extra_initrd, in->extra_initrd_len);
	SHA256_Final(md, &c);
	to_hex(md, hex);
	return 0;
}
