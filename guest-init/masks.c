/* docker's masked and read-only paths for the workload: /proc entries that leak host-ish
 * kernel state or control the kernel, and /sys (cgroupfs included) read-only. */
#include "masks.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/stat.h>

/* moby's defaults (oci/defaults.go): masked, then read-only. */
static const char *const masked[] = {
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
};
static const char *const readonly[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
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

static int read_only(const char *path, struct sb_error *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : error_set(err, errno, "read-only `%s`", path);
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | PLAIN, NULL) < 0)
		return error_set(err, errno, "read-only `%s`", path);
	return 0;
}

/* A mount point made read-only where it is (its own flags, not a bind over
 * it: /proc/mounts keeps one line for it, as docker's does). */
static int remount_read_only(const char *path, struct sb_error *err)
{
	if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | PLAIN, NULL) < 0)
		return error_set(err, errno, "read-only `%s`", path);
	return 0;
}

int masks_apply(bool cgroupfs, struct sb_error *err)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < N(masked); i++)
		r = mask(masked[i], err);
	for (size_t i = 0; r == 0 && i < N(readonly); i++)
		r = read_only(readonly[i], err);
	/* sysfs whole, as docker mounts it, then the cgroupfs beneath it */
	if (r == 0)
		r = remount_read_only("/sys", err);
	if (r == 0 && cgroupfs)
		r = remount_read_only("/sys/fs/cgroup", err);
	return r;
}
