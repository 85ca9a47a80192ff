/* Volumes (virtio-fs), tmpfs mounts and the read-only root, from the run config's mounts node. */
#include "volumes.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Where a file bind's share is mounted for a moment (then detached). */
#define STAGE "/.sandbox-volume"
/* Read-ahead of a volume, KiB: two of the largest READ requests. */
#define VOLUME_READAHEAD_KB "1024"

/* mkdir -p of path's components (all of them, or all but the last). */
static int make_dirs(const char *path, int all, struct sb_error *err)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	if (len >= sizeof(buf))
		return error_set(err, ENAMETOOLONG, "mount target `%s`", path);
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		if (buf[i] == '\0' && !all)
			break;
		char c = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return error_set(err, errno, "create `%s`", buf);
		buf[i] = c;
	}
	return 0;
}

void volumes_tmpfs_data(const struct config_mount *m, char *buf, size_t size)
{
	int n = snprintf(buf, size, "mode=%o", (unsigned)m->mode);
	if (m->size && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, ",size=%llu", (unsigned long long)m->size);
}

static int mount_tmpfs(const struct config_mount *m, struct sb_error *err)
{
	char data[64];
	unsigned long flags =
	    MS_NOSUID | MS_NODEV | (m->exec ? 0 : MS_NOEXEC) | (m->readonly ? MS_RDONLY : 0);
	volumes_tmpfs_data(m, data, sizeof(data));
	int r = make_dirs(m->target, 1, err);
	if (r == 0 && mount("tmpfs", m->target, "tmpfs", flags, data) < 0)
		r = error_set(err, errno, "mount tmpfs on `%s`", m->target);
	return r;
}

/* Read-ahead of the volume mounted at path, on its own bdi (named after the
 * mount's device number): Linux starts a FUSE mount at 128 KiB, so sequential
 * reads went to the host in 128 KiB requests however much one request can
 * carry (the queue allows 496 KiB). Best effort: a missing sysfs only costs
 * speed. */
static void set_readahead(const char *path)
{
	struct stat st;
	char attr[64];

	if (stat(path, &st) < 0)
		return;
	snprintf(attr, sizeof(attr), "/sys/class/bdi/%u:%u/read_ahead_kb", major(st.st_dev),
		 minor(st.st_dev));
	int fd = open(attr, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = write(fd, VOLUME_READAHEAD_KB, sizeof(VOLUME_READAHEAD_KB) - 1);
	(void)n;
	close(fd);
}

/* One file of the share at target: the share at STAGE, the file bound, the
 * share detached again (the bind keeps it alive). The host's file server
 * serves a file bind's share in single-file mode: STAGE lists that one file,
 * also when the guest mounts the tag again. */
static int mount_file(const struct config_mount *m, unsigned long flags, struct sb_error *err)
{
	char src[PATH_MAX];
	int r = make_dirs(m->target, 0, err);
	if (r < 0)
		return r;
	int fd = open(m->target, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && errno != EISDIR)
		return error_set(err, errno, "create `%s`", m->target);
	if (fd >= 0)
		close(fd);
	if (mkdir(STAGE, 0700) < 0 && errno != EEXIST)
		return error_set(err, errno, "create `%s`", STAGE);
	if (mount(m->tag, STAGE, "virtiofs", flags, NULL) < 0) {
		r = error_set(err, errno, "mount volume %s", m->tag);
		goto out;
	}
	set_readahead(STAGE);
	snprintf(src, sizeof(src), "%s/%s", STAGE, m->file);
	if (mount(src, m->target, NULL, MS_BIND, NULL) < 0)
		r = error_set(err, errno, "bind `%s` on `%s`", m->file, m->target);
	else if (mount(NULL, m->target, NULL, MS_REMOUNT | MS_BIND | flags, NULL) < 0)
		r = error_set(err, errno, "remount `%s`", m->target);
	umount2(STAGE, MNT_DETACH);
out:
	rmdir(STAGE);
	return r;
}

static int mount_volume(const struct config_mount *m, struct sb_error *err)
{
	unsigned long flags = MS_NOSUID | MS_NODEV | (m->readonly ? MS_RDONLY : 0);
	if (m->file)
		return mount_file(m, flags, err);
	int r = make_dirs(m->target, 1, err);
	if (r == 0 && mount(m->tag, m->target, "virtiofs", flags, NULL) < 0)
		r = error_set(err, errno, "mount volume %s on `%s`", m->tag, m->target);
	if (r == 0)
		set_readahead(m->target);
	return r;
}

int volumes_setup(const struct config_mounts *ms, const char *cwd, struct sb_error *err)
{
	for (size_t i = 0; i < ms->n; i++) {
		const struct config_mount *m = &ms->m[i];
		int r = m->type == CONFIG_MOUNT_TMPFS ? mount_tmpfs(m, err) : mount_volume(m, err);
		if (r < 0)
			return r;
	}
	if (!ms->readonly_rootfs)
		return 0;
	struct stat st;
	if (stat(cwd, &st) < 0 && errno == ENOENT) {
		int r = make_dirs(cwd, 1, err);
		if (r < 0)
			return r;
	}
	/* The mount, not the superblock: a superblock remount fails with EBUSY
	 * while an unlinked file is open, and our own binary is one (hidden
	 * with /.sandbox). runc makes a read-only root the same way. */
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		return error_set(err, errno, "remount / read-only");
	return 0;
}
