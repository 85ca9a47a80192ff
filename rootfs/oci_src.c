/* Image sources: references, layout directories or indexed tar archives
 * (detected from content for bare paths), and bounded reads of their files. */
#include "oci.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "tarindex.h"

int oci_error(struct sb_error *err, int code, const char *fmt, ...)
{
	if (!err)
		return -code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->code = code;
	return -code;
}

static const struct {
	const char *prefix;
	enum oci_ref_kind kind;
} transports[] = {
    {"oci:", OCI_REF_LAYOUT},
    {"oci-archive:", OCI_REF_ARCHIVE},
    {"docker-archive:", OCI_REF_DOCKER},
};

/* oci: and oci-archive: take the tag after the last colon unless a '/'
 * follows it (a colon in a directory name); docker-archive: takes NAME:TAG
 * after the first colon, as skopeo does (NAME may hold "host:port/"). */
int oci_ref_parse(const char *ref, struct oci_ref *out, struct sb_error *err)
{
	memset(out, 0, sizeof(*out));
	const char *p = ref, *colon = NULL;
	if (!strncmp(ref, "docker://", 9) || !strncmp(ref, "docker-daemon:", 14))
		return error_set(err, ENOTSUP,
				 "image `%s`: transport not supported (use oci:, oci-archive:, "
				 "docker-archive: or a path)",
				 ref);
	for (size_t i = 0; i < sizeof(transports) / sizeof(transports[0]); i++)
		if (!strncmp(ref, transports[i].prefix, strlen(transports[i].prefix))) {
			out->kind = transports[i].kind;
			p += strlen(transports[i].prefix);
		}
	if (out->kind == OCI_REF_DOCKER) {
		colon = strchr(p, ':');
	} else if (out->kind != OCI_REF_PATH) {
		colon = strrchr(p, ':');
		if (colon && strchr(colon, '/'))
			colon = NULL;
	}
	size_t plen = colon ? (size_t)(colon - p) : strlen(p);
	if (plen == 0)
		return error_set(err, EINVAL, "image `%s`: no path", ref);
	if (colon && !colon[1])
		return error_set(err, EINVAL, "image `%s`: empty tag", ref);
	out->path = strndup(p, plen);
	out->tag = colon ? strdup(colon + 1) : NULL;
	if (!out->path || (colon && !out->tag)) {
		oci_ref_free(out);
		return error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

void oci_ref_free(struct oci_ref *r)
{
	free(r->path);
	free(r->tag);
	r->path = r->tag = NULL;
}

static int open_regular(const char *path, const char *what, uint64_t *size, struct sb_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return error_set(err, errno, "%s `%s`", what, path);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return error_set(err, e, "stat %s `%s`", what, path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(err, EINVAL, "%s `%s` is not a regular file", what, path);
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	*size = (uint64_t)st.st_size;
	return fd;
}

static int has_file(const char *dir, const char *name)
{
	char path[4200];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A tar: which of the two archive kinds (a docker save >= 25 holds both: OCI wins). */
static int archive_kind(struct oci_src *s, enum oci_ref_kind *kind, struct sb_error *err)
{
	int oci = tarindex_has(s->tar, "oci-layout") || tarindex_has(s->tar, "index.json");
	int docker = tarindex_has(s->tar, "manifest.json");
	if (*kind == OCI_REF_PATH && !oci && !docker)
		return oci_error(err, ENOENT,
				 "`%s` is a tar without oci-layout, index.json or manifest.json",
				 s->path);
	if (*kind == OCI_REF_PATH)
		*kind = oci ? OCI_REF_ARCHIVE : OCI_REF_DOCKER;
	return 0;
}

int oci_src_open(struct oci_src *s, const char *path, enum oci_ref_kind *kind, uint64_t max_archive,
		 struct sb_error *err)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (!(s->path = strdup(path)))
		return error_set(err, ENOMEM, "out of memory");
	struct stat st;
	int r = 0;
	if (stat(path, &st) < 0)
		r = oci_error(err, errno, "%s", strerror(errno));
	else if (S_ISDIR(st.st_mode) && (*kind == OCI_REF_PATH || *kind == OCI_REF_LAYOUT)) {
		if (*kind == OCI_REF_PATH && !has_file(path, "oci-layout") &&
		    !has_file(path, "index.json"))
			r = oci_error(err, ENOENT,
				      "`%s` is a directory without oci-layout or index.json", path);
		*kind = OCI_REF_LAYOUT;
	} else if (S_ISDIR(st.st_mode) || *kind == OCI_REF_LAYOUT) {
		r = error_set(err, EINVAL, "`%s` is %s", path,
			      S_ISDIR(st.st_mode) ? "a directory, not an archive"
						  : "not a directory");
	} else {
		uint64_t size = 0;
		s->fd = open_regular(path, "archive", &size, err);
		if (s->fd >= 0 && size == 0)
			r = error_set(err, EINVAL, "image archive `%s` is an empty file", path);
		else
			r = s->fd < 0 ? s->fd
				      : oci_archive_inflate(&s->fd, path, max_archive, err);
		if (r >= 0)
			r = tarindex_open(s->fd, path, &s->tar, err);
		if (r == 0)
			r = archive_kind(s, kind, err);
	}
	if (r < 0)
		oci_src_close(s);
	return r;
}

void oci_src_close(struct oci_src *s)
{
	tarindex_free(s->tar);
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}
