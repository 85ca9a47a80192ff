/* Masked and read-only paths for the workload (docker's defaults come from the host): what
 * leaks kernel state or controls the kernel, and /sys with cgroupfs, out of its reach. */
#include "masks.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#define PLAIN (MS_NOSUID | MS_NODEV | MS_NOEXEC)

static int mask(const char *path, struct sb_error *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : error_set(err, errno, "mask `%s`", path);
	int r = S_ISDIR(st.st_mode)
		    ? mount("tmpfs", path, "tmpfs", MS_RDONLY | PLAIN, "size=0,mode=0555")
		    : mount("/dev/null", path, NULL, MS_BIND, NULL);
	return r < 0 ? error_set(err, errno, "mask `%s`", path) : 0;
}

/* Whether path (a directory, st its stat) is the root of a mount: its
 * parent is on another device. */
static bool mount_root(const char *path, const struct stat *st)
{
	char parent[PATH_MAX];
	struct stat pst;
	const char *slash = strrchr(path, '/');
	size_t n = slash && slash != path ? (size_t)(slash - path) : 1;
	if (!S_ISDIR(st->st_mode) || n >= sizeof(parent))
		return false;
	memcpy(parent, path, n);
	parent[n] = '\0';
	return stat(parent, &pst) == 0 && pst.st_dev != st->st_dev;
}

/* The flags path's mount has now, as mount(2) takes them back on a remount
 * (a bind remount sets them all: leaving one out would clear it). */
static unsigned long flags_of(const char *path)
{
	static const struct {
		unsigned long st, ms;
	} map[] = {{ST_NOSUID, MS_NOSUID},	   {ST_NODEV, MS_NODEV},
		   {ST_NOEXEC, MS_NOEXEC},	   {ST_NOATIME, MS_NOATIME},
		   {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME}};
	struct statvfs sv;
	unsigned long ms = 0;
	if (statvfs(path, &sv) < 0)
		return PLAIN;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (sv.f_flag & map[i].st)
			ms |= map[i].ms;
	return ms;
}

static int read_only(const char *path, const char *keep, struct sb_error *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : error_set(err, errno, "read-only `%s`", path);
	if (keep && !strcmp(path, keep))
		return 0;
	unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY | flags_of(path);
	int r = mount_root(path, &st) ? 0 : mount(path, path, NULL, MS_BIND | MS_REC, NULL);
	if (r == 0)
		r = mount(NULL, path, NULL, flags, NULL);
	return r < 0 ? error_set(err, errno, "read-only `%s`", path) : 0;
}

int masks_apply(const struct masks *m, struct sb_error *err)
{
	int r = 0;
	for (char *const *p = m->masked; r == 0 && p && *p; p++)
		r = mask(*p, err);
	for (char *const *p = m->readonly; r == 0 && p && *p; p++)
		r = read_only(*p, m->keep_writable, err);
	return r;
}
