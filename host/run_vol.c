/* `sandbox run`'s volumes: host paths opened once, a file server per share, the guest's mounts. */
#include "run_vol.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mkdirs.h"

void run_vol_init(struct run_vol *rv)
{
	memset(rv, 0, sizeof(*rv));
}

/* One bind: its directory (or a file's) resolved and held. */
static int open_share(const struct volopts_mount *m, struct run_vol_share *s, struct sb_error *err)
{
	char real[PATH_MAX], b[SHOWN_MAX], c[SHOWN_MAX];
	const char *spec = shown_text(m->spec, b), *src = shown_text(m->source, c);
	struct stat st;
	if (stat(m->source, &st) < 0 && errno == ENOENT) {
		if (!m->create)
			return error_set(err, 0,
					 "invalid %s `%s`: bind source path does not exist: %s",
					 m->option, spec, src);
		int r = mkdirs(m->source, 0755); /* as docker creates a missing -v source */
		if (r < 0)
			return error_set(err, -r, "%s `%s`: create %s", m->option, spec, src);
	}
	if (!realpath(m->source, real) || stat(real, &st) < 0)
		return error_set(err, errno, "%s `%s`: %s", m->option, spec, src);
	if (strlen(real) >= sizeof(s->host))
		return error_set(err, ENAMETOOLONG, "%s `%s`", m->option, spec);
	if (S_ISREG(st.st_mode)) {
		char *slash = strrchr(real, '/');
		if (strlen(slash + 1) >= sizeof(s->file))
			return error_set(err, ENAMETOOLONG, "%s `%s`", m->option, spec);
		if (slash == real) /* its directory, shared, would be the host's / */
			return error_set(err, 0,
					 "invalid %s `%s`: a file directly in / cannot be bound "
					 "(copy it into a directory of its own)",
					 m->option, spec);
		snprintf(s->file, sizeof(s->file), "%s", slash + 1);
		*slash = '\0';
	} else if (!S_ISDIR(st.st_mode)) {
		return error_set(err, 0,
				 "invalid %s `%s`: %s is neither a directory nor a regular file",
				 m->option, spec, src);
	}
	snprintf(s->host, sizeof(s->host), "%s", real);
	s->dir_fd = open(s->host, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->dir_fd < 0)
		return error_set(err, errno, "%s `%s`: open %s", m->option, spec,
				 shown_text(s->host, c));
	/* A file bind: the name in the directory now is the regular file the
	 * file server will pin (not a symlink or FIFO put there meanwhile). */
	if (s->file[0] &&
	    (fstatat(s->dir_fd, s->file, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode)))
		return error_set(err, 0, "invalid %s `%s`: %s is not a regular file any more",
				 m->option, spec, src);
	s->readonly = m->readonly;
	s->cache = m->cache == VOLOPTS_CACHE_STRICT ? FSD_CACHE_STRICT : FSD_CACHE_AUTO;
	return 0;
}

int run_vol_open(struct run_vol *rv, const struct volopts *o, struct sb_error *err)
{
	for (unsigned i = 0; i < o->n; i++) {
		const struct volopts_mount *m = &o->m[i];
		if (m->type != VOLOPTS_BIND)
			continue;
		struct run_vol_share *s = &rv->share[rv->n];
		memset(s, 0, sizeof(*s));
		s->dir_fd = -1;
		snprintf(s->tag, sizeof(s->tag), "vol%u", rv->n);
		rv->n++;
		int r = open_share(m, s, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static unsigned depth(const char *path)
{
	unsigned n = 0;
	for (; *path; path++)
		n += *path == '/';
	return n;
}

const struct runconfig_mounts *run_vol_guest(struct run_vol *rv, const struct volopts *o)
{
	unsigned k = 0, b = 0;
	for (unsigned i = 0; i < o->n; i++) {
		const struct volopts_mount *m = &o->m[i];
		struct runconfig_mount *g = &rv->mounts[k++];
		*g = (struct runconfig_mount){.target = m->target, .readonly = m->readonly};
		if (m->type == VOLOPTS_BIND) {
			const struct run_vol_share *s = &rv->share[b++];
			g->type = RUNCONFIG_MOUNT_VIRTIOFS;
			g->tag = s->tag;
			g->file = s->file[0] ? s->file : NULL;
		} else {
			g->type = RUNCONFIG_MOUNT_TMPFS;
			g->size = m->tmpfs_size;
			g->mode = m->tmpfs_mode;
			g->exec = m->tmpfs_exec;
		}
	}
	/* Parents first (docker sorts by depth); stable, so equal depths keep
	 * the command line's order. */
	for (unsigned i = 1; i < k; i++) {
		struct runconfig_mount t = rv->mounts[i];
		unsigned j = i;
		for (; j > 0 && depth(rv->mounts[j - 1].target) > depth(t.target); j--)
			rv->mounts[j] = rv->mounts[j - 1];
		rv->mounts[j] = t;
	}
	rv->guest =
	    (struct runconfig_mounts){.m = rv->mounts, .n = k, .readonly_rootfs = o->read_only};
	return &rv->guest;
}

int run_vol_start(struct run_vol *rv, struct sb_error *err)
{
	for (unsigned i = 0; i < rv->n; i++) {
		struct run_vol_share *s = &rv->share[i];
		const struct fsd_config c = {
		    .host_path = s->host,
		    .dir_fd = s->dir_fd,
		    .readonly = s->readonly,
		    .cache = s->cache,
		    .file = s->file[0] ? s->file : NULL, /* a file bind: that file only */
		    .data_pipe = true, /* READ and WRITE data: one copy, not three */
		};
		int r = fsd_start(&c, &s->proc, err);
		if (r < 0)
			return error_prefix(err, "volume %s", s->host);
		s->started = true;
		rv->fs[i] = (struct vmm_fs){.tag = s->tag,
					    .sock = s->proc.sock,
					    .data_pipe = s->proc.data_fd >= 0,
					    .data_fd = s->proc.data_fd,
					    .wdata_fd = s->proc.wdata_fd,
					    .wdata_max = s->proc.wdata_max};
	}
	return 0;
}

int run_vol_ready(struct run_vol *rv, struct sb_error *err)
{
	for (unsigned i = 0; i < rv->n; i++) {
		int r = fsd_ready(&rv->share[i].proc, err);
		if (r < 0)
			return error_prefix(err, "volume %s", rv->share[i].host);
	}
	return 0;
}

void run_vol_stats(const struct run_vol *rv, const struct vmm_stats *st)
{
	if (!rv->n)
		return;
	fprintf(stderr,
		"sandbox: volumes: %" PRIu64 " requests, %" PRIu64 " replies, %" PRIu64
		" failed with EIO (%" PRIu64 " malformed), %" PRIu64 " bad server messages, socket "
		"full %" PRIu64 " times\n",
		st->fs_requests, st->fs_replies, st->fs_failed + st->fs_malformed, st->fs_malformed,
		st->fs_bad_replies, st->fs_blocked);
}

void run_vol_close(struct run_vol *rv)
{
	for (unsigned i = 0; i < rv->n; i++) {
		struct run_vol_share *s = &rv->share[i];
		if (s->started)
			fsd_stop(&s->proc);
		if (s->dir_fd >= 0)
			close(s->dir_fd);
		s->started = false;
		s->dir_fd = -1;
	}
	rv->n = 0;
}
