/* The guest's early file systems (proc, sys, dev, cgroup2) and hiding /.sandbox. */
#include "mounts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "abi.h"

#define NOSUID_NODEV_NOEXEC (MS_NOSUID | MS_NODEV | MS_NOEXEC)

struct mount_step {
	const char *source, *target, *type;
	unsigned long flags;
	const char *data;
};

static const struct mount_step early[] = {
    {"proc", "/proc", "proc", NOSUID_NODEV_NOEXEC, NULL},
    {"sysfs", "/sys", "sysfs", NOSUID_NODEV_NOEXEC, NULL},
    {"devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755"},
    {"devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
     "newinstance,ptmxmode=0666,mode=0620,gid=5"},
    {"shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"},
};

static int mount_one(const struct mount_step *m, mode_t mode, struct sb_error *err)
{
	if (mkdir(m->target, mode) < 0 && errno != EEXIST)
		return error_set(err, errno, "mkdir `%s`", m->target);
	if (mount(m->source, m->target, m->type, m->flags, m->data) < 0)
		return error_set(err, errno, "mount %s on `%s`", m->type, m->target);
	return 0;
}

/* A tmpfs /dev with the basic nodes, for kernels without devtmpfs. */
static int dev_fallback(struct sb_error *err)
{
	static const struct {
		const char *path;
		unsigned major, minor;
	} nodes[] = {
	    {"/dev/null", 1, 3},    {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
	    {"/dev/random", 1, 8},  {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
	    {"/dev/console", 5, 1},
	};
	const struct mount_step dev = {"dev", "/dev", "tmpfs", MS_NOSUID, "mode=0755"};
	int r = mount_one(&dev, 0755, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		if (mknod(nodes[i].path, S_IFCHR | 0666, makedev(nodes[i].major, nodes[i].minor)) <
		    0)
			return error_set(err, errno, "mknod `%s`", nodes[i].path);
	return 0;
}

static int dev_links(struct sb_error *err)
{
	static const char *const links[][2] = {
	    {"/proc/self/fd", "/dev/fd"},	{"/proc/self/fd/0", "/dev/stdin"},
	    {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
	    {"pts/ptmx", "/dev/ptmx"},
	};
	unlink("/dev/ptmx"); /* devtmpfs' node: the newinstance devpts owns ptmx */
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlink(links[i][0], links[i][1]) < 0 && errno != EEXIST)
			return error_set(err, errno, "symlink `%s`", links[i][1]);
	return 0;
}

/* The root file system is the kernel's rootfs tmpfs, which it caps at half the
 * RAM. The VM was sized for the image plus the workload's memory, and a
 * workload's files count against its memory cgroup like its other memory: the
 * cap would only make writes fail early. Best effort: a ramfs root (no cap)
 * takes no size. */
static void root_uncap(void)
{
	(void)mount(NULL, "/", NULL, MS_REMOUNT, "size=100%");
}

int mounts_setup(struct sb_error *err)
{
	int r;
	root_uncap();
	for (size_t i = 0; i < sizeof(early) / sizeof(early[0]); i++) {
		r = mount_one(&early[i], 0755, err);
		if (r == -ENODEV && i == 2) /* no devtmpfs in this kernel */
			r = dev_fallback(err);
		if (r < 0)
			return r;
	}
	if ((r = dev_links(err)) < 0)
		return r;
	struct stat st;
	if (lstat("/tmp", &st) < 0 && errno == ENOENT) {
		const struct mount_step tmp = {"tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
					       "mode=1777"};
		if ((r = mount_one(&tmp, 01777, err)) < 0)
			return r;
	}
	return 0;
}

int mounts_cgroup(struct sb_error *err)
{
	const struct mount_step cg = {"cgroup2", "/sys/fs/cgroup", "cgroup2", NOSUID_NODEV_NOEXEC,
				      NULL};
	return mount_one(&cg, 0755, err);
}

int mounts_hide_abi_dir(struct sb_error *err)
{
	DIR *d = opendir(ABI_DIR);
	if (!d && errno == ENOENT)
		return 0;
	if (!d)
		return error_set(err, errno, "open `%s`", ABI_DIR);
	struct dirent *e;
	int r = 0;
	while (r == 0 && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) < 0)
			r = error_set(err, errno, "remove `%s/%s`", ABI_DIR, e->d_name);
	}
	closedir(d);
	if (r == 0 && rmdir(ABI_DIR) < 0)
		r = error_set(err, errno, "remove `%s`", ABI_DIR);
	return r;
}
