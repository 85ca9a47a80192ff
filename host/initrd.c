/* The initrd as the VMM lays it out: pieces at 4-byte-aligned offsets, zero padding between. */
#include "initrd.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "cleanup.h"

int initrd_export(const char *out, const struct vmm_blob *parts, size_t n, struct sb_error *err)
{
	cleanup_fclose FILE *f = fopen(out, "we");
	if (!f)
		return error_set(err, errno, "create `%s`", out);
	uint64_t off = 0;
	for (size_t i = 0; i < n; i++) {
		static const char zeros[4];
		size_t pad = (4 - off % 4) % 4;
		if (fwrite(zeros, 1, pad, f) != pad)
			return error_set(err, errno, "write `%s`", out);
		off += pad;
		if (!parts[i].path) {
			if (fwrite(parts[i].data, 1, parts[i].len, f) != parts[i].len)
				return error_set(err, errno, "write `%s`", out);
			off += parts[i].len;
			continue;
		}
		cleanup_fclose FILE *in = fopen(parts[i].path, "re");
		if (!in)
			return error_set(err, errno, "open `%s`", parts[i].path);
		char buf[65536];
		size_t got;
		while ((got = fread(buf, 1, sizeof(buf), in)) > 0) {
			if (fwrite(buf, 1, got, f) != got)
				return error_set(err, errno, "write `%s`", out);
			off += got;
		}
		if (ferror(in))
			return error_set(err, EIO, "read `%s`", parts[i].path);
	}
	if (fflush(f) != 0)
		return error_set(err, errno, "write `%s`", out);
	return 0;
}
