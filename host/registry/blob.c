/* Blob downloads: temp file, streaming sha256, Range resume, verification. */
#include "errors.h"
#include "blob.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "digest.h"

struct fetch {
	const struct registry *reg;
	const char *hex;
	uint64_t size;
	int fd;
	uint64_t off; /* bytes written and hashed */
	struct digest d;
	bool started; /* this attempt's first bytes seen */
	blob_progress_fn progress;
	void *ctx;
};

static int restart(struct fetch *f, struct sb_error *err)
{
	if (ftruncate(f->fd, 0) < 0 || lseek(f->fd, 0, SEEK_SET) < 0)
		return error_set(err, errno, "truncate a temp file");
	digest_free(&f->d);
	f->off = 0;
	return digest_init(&f->d, err);
}

static int before(void *ctx, uint64_t *range_from, struct sb_error *err)
{
	(void)err;
	struct fetch *f = ctx;
	f->started = false;
	*range_from = f->off;
	return 0;
}

/* The first bytes of an attempt: a resumed one must continue where we are. */
static int check_start(struct fetch *f, const struct http_response *rs, struct sb_error *err)
{
	f->started = true;
	if (rs->status == 200 && f->off > 0)
		return restart(f, err); /* the server ignored Range: from the start */
	if (rs->status == 206 && rs->range_start != (int64_t)f->off)
		return registry_fail(
		    err, EBADMSG,
		    "registry %s: blob sha256:%.12s: resumed at byte %lld, asked for %llu",
		    f->reg->host, f->hex, (long long)rs->range_start, (unsigned long long)f->off);
	return 0;
}

static int sink(void *ctx, const struct http_response *rs, const void *buf, size_t len,
		struct sb_error *err)
{
	struct fetch *f = ctx;
	int r;
	if (!f->started && (r = check_start(f, rs, err)) < 0)
		return r;
	if (len > f->size - f->off)
		return registry_fail(err, EBADMSG,
				     "registry %s: blob sha256:%.12s is longer than %llu bytes",
				     f->reg->host, f->hex, (unsigned long long)f->size);
	for (size_t done = 0; done < len;) {
		ssize_t n = write(f->fd, (const char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error_set(err, n < 0 ? errno : EIO, "write blob sha256:%.12s",
					 f->hex);
		done += (size_t)n;
	}
	digest_update(&f->d, buf, len);
	f->off += len;
	if (f->progress)
		f->progress(f->ctx, f->off);
	return 0;
}

static int transfer(struct registry *reg, struct http_conn *c, struct fetch *f,
		    struct sb_error *err)
{
	char path[REF_NAME_MAX + 100];
	snprintf(path, sizeof(path), "/v2/%s/blobs/sha256:%s", reg->ref.path, f->hex);
	struct http_response *rs = malloc(sizeof(*rs));
	if (!rs)
		return registry_fail(err, ENOMEM, "out of memory");
	struct registry_get g = {
	    .path = path, .max_body = f->size, .sink = sink, .ctx = f, .before = before};
	int r = 0;
	/* a body that ends early without an error is resumed too, a bounded number of times */
	for (int attempt = 1; r == 0 && f->off < f->size; attempt++) {
		uint64_t was = f->off;
		r = registry_request(reg, c, &g, rs, err);
		if (r == 0 && rs->status != 200 && rs->status != 206) {
			char what[100];
			snprintf(what, sizeof(what), "blob sha256:%.12s", f->hex);
			r = registry_status_error(reg, rs, what, err);
		} else if (r == 0 && f->off < f->size &&
			   (attempt >= REGISTRY_ATTEMPTS || f->off == was)) {
			r = registry_fail(
			    err, EBADMSG,
			    "registry %s: blob sha256:%.12s ended at %llu of %llu bytes", reg->host,
			    f->hex, (unsigned long long)f->off, (unsigned long long)f->size);
		}
	}
	free(rs);
	return r;
}

int blob_fetch(struct registry *reg, struct http_conn *c, struct store *s, const char *hex,
	       uint64_t size, blob_progress_fn progress, void *ctx, struct sb_error *err)
{
	if (store_has_blob(s, hex, size)) {
		if (progress)
			progress(ctx, size);
		return 1;
	}
	struct fetch f = {
	    .reg = reg, .hex = hex, .size = size, .fd = -1, .progress = progress, .ctx = ctx};
	char tmp[PATH_MAX];
	int r = store_blob_create(s, hex, &f.fd, tmp, err);
	if (r < 0)
		return r;
	if ((r = digest_init(&f.d, err)) < 0) {
		store_blob_abort(f.fd, tmp);
		return r;
	}
	r = size ? transfer(reg, c, &f, err) : 0;
	char got[DIGEST_HEX_LEN + 1] = "";
	if (f.d.ctx)
		digest_final(&f.d, got);
	if (r == 0 && strcmp(got, hex))
		r = registry_fail(err, EBADMSG,
				  "registry %s: blob sha256:%s has the wrong digest (sha256:%s)",
				  reg->host, hex, got);
	if (r < 0) {
		store_blob_abort(f.fd, tmp);
		return r;
	}
	return store_blob_commit(s, f.fd, tmp, hex, err);
}

int blob_fetch_small(struct registry *reg, struct http_conn *c, struct store *s, const char *hex,
		     uint64_t size, size_t max, char **out, struct sb_error *err)
{
	size_t len;
	if (size > max)
		return registry_fail(err, EFBIG,
				     "registry %s: blob sha256:%.12s is %llu bytes (limit %zu)",
				     reg->host, hex, (unsigned long long)size, max);
	if (!store_has_blob(s, hex, size)) {
		int r = blob_fetch(reg, c, s, hex, size, NULL, NULL, err);
		if (r < 0)
			return r;
	}
	return store_blob_read(s, hex, max, out, &len, err);
}
