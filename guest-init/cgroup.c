/* The workload's cgroup v2: controllers, limits, join, kill, OOM count. */
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cglimits.h"
#include "fsutil.h"

/* cgroup_hold's directory: its path and an O_PATH fd on the mount as it was. */
static const char *held_root;
static int held_fd = -1;

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#define OPEN_TREE_CLONE 1

int cgroup_hold(const char *root)
{
	/* a detached copy of the mount: its flags stay ours (rw) whatever
	 * becomes of the original */
	int clone = 1;
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, root, OPEN_TREE_CLONE | O_CLOEXEC);
	if (fd < 0) { /* no CAP_SYS_ADMIN (a unit test), or an old kernel */
		clone = 0;
		fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	if (held_fd >= 0)
		close(held_fd);
	held_fd = fd;
	held_root = root;
	return clone;
}

/* root[/workload]/file opened with flags: beneath the held fd when root is
 * the held directory (its mount may since be read-only by path). */
static int open_in(const char *root, bool workload, const char *file, int flags)
{
	char path[512];
	bool held = held_fd >= 0 && !strcmp(root, held_root);
	int n =
	    held ? snprintf(path, sizeof(path), "%s%s", workload ? CGROUP_WORKLOAD "/" : "", file)
		 : snprintf(path, sizeof(path), "%s%s/%s", root,
			    workload ? "/" CGROUP_WORKLOAD : "", file);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	int fd = held ? openat(held_fd, path, flags) : open(path, flags);
	return fd < 0 ? -errno : fd;
}

/* Write value to root[/workload]/file (existing file, one write). Returns 0 or -errno. */
static int put(const char *root, bool workload, const char *file, const char *value)
{
	int fd = open_in(root, workload, file, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return fd;
	size_t len = strlen(value);
	ssize_t w = write(fd, value, len);
	int r = w < 0 ? -errno : (size_t)w != len ? -EIO : 0;
	close(fd);
	return r;
}

/* Read root/workload/file (or root/file) into buf, NUL-terminated. Returns 0 or -errno. */
static int get(const char *root, bool workload, const char *file, char *buf, size_t size)
{
	int fd = open_in(root, workload, file, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? fd : fs_read_fd(fd, buf, size);
}

/* Whether the space-separated list has word. */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

static int enable_controllers(const char *root, const struct config_limits *l, struct sb_error *err)
{
	static const char *const names[] = {"memory", "pids", "cpu"};
	const bool wanted[] = {l->memory_max != 0, l->pids_max != 0, l->cpu_quota_us != 0};
	char have[512], enable[64] = "";
	int r = get(root, false, "cgroup.controllers", have, sizeof(have));
	if (r < 0)
		return error_set(err, -r, "cgroup: read %s/cgroup.controllers", root);
	for (size_t i = 0; i < 3; i++) {
		if (!has_word(have, names[i])) {
			if (wanted[i])
				return error_set(err, 0,
						 "cgroup: a %s limit was asked for but the "
						 "guest kernel has no %s controller",
						 names[i], names[i]);
			continue;
		}
		strcat(enable, enable[0] ? " +" : "+");
		strcat(enable, names[i]);
	}
	if (enable[0] && (r = put(root, false, "cgroup.subtree_control", enable)) < 0)
		return error_set(err, -r, "cgroup: enable `%s`", enable);
	return 0;
}

int cgroup_setup(const char *root, const struct config_limits *l, struct sb_error *err)
{
	char path[512], buf[CGLIMITS_BUF];
	int r = enable_controllers(root, l, err);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/%s", root, CGROUP_WORKLOAD);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return error_set(err, errno, "cgroup: mkdir `%s`", path);
	if (l->memory_max &&
	    (r = put(root, true, "memory.max", cglimits_format_max(l->memory_max, buf))) < 0)
		return error_set(err, -r, "cgroup: write memory.max = %s", buf);
	/* No swap file when the kernel has no swap: nothing to limit then. */
	if (l->memory_max &&
	    (r = put(root, true, "memory.swap.max", cglimits_format_swap_max(l->memory_max))) < 0 &&
	    r != -ENOENT)
		return error_set(err, -r, "cgroup: write memory.swap.max");
	if (l->pids_max &&
	    (r = put(root, true, "pids.max", cglimits_format_max(l->pids_max, buf))) < 0)
		return error_set(err, -r, "cgroup: write pids.max = %s", buf);
	if (l->cpu_quota_us &&
	    (r = put(root, true, "cpu.max",
		     cglimits_format_cpu_max(l->cpu_quota_us, l->cpu_period_us, buf))) < 0)
		return error_set(err, -r, "cgroup: write cpu.max = %s", buf);
	return 0;
}

int cgroup_join(const char *root)
{
	return put(root, true, "cgroup.procs", "0");
}

int cgroup_own_view(const char *root)
{
	if (unshare(CLONE_NEWCGROUP) < 0)
		return -errno;
	/* Only the tree's root group lacks cgroup.type: then the mount at root
	 * still shows every group (an exec session finds the workload's view
	 * in place already). */
	char type[512];
	snprintf(type, sizeof(type), "%s/cgroup.type", root);
	if (access(type, F_OK) == 0)
		return 0;
	/* The same file system cannot be stacked on itself (EBUSY): the whole
	 * tree's mount goes (init works beneath its own detached copy, and so
	 * do exec sessions), the namespace's own takes its place. */
	if (umount2(root, MNT_DETACH) < 0 ||
	    mount("cgroup2", root, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -errno;
	return 1;
}

int cgroup_kill(const char *root)
{
	return put(root, true, "cgroup.kill", "1");
}

uint64_t cgroup_oom_kills(const char *root)
{
	char buf[1024];
	if (get(root, true, "memory.events", buf, sizeof(buf)) < 0)
		return 0;
	return cglimits_oom_kills(buf);
}
