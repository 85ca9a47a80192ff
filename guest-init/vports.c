/* Finds the named virtio-console ports of guest-init/abi.h in sysfs and opens their device nodes.
 */
#include "vports.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "abi.h"
#include "fsutil.h"

static const char *const wanted[VPORT_ALL] = {
    [VPORT_STDIN] = ABI_VPORT_STDIN,   [VPORT_STDOUT] = ABI_VPORT_STDOUT,
    [VPORT_STDERR] = ABI_VPORT_STDERR, [VPORT_CONTROL] = ABI_VPORT_CONTROL,
    [VPORT_EXEC] = ABI_VPORT_EXEC,
};

/* Read a small sysfs attribute, without its trailing newline. 0 or -errno. */
static int read_attr(const char *dir, const char *entry, const char *attr, char *buf, size_t len)
{
	char path[512];
	int n = snprintf(path, sizeof(path), "%s/%s/%s", dir, entry, attr);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	int r = fs_read_small(path, buf, len);
	if (r < 0)
		return r;
	size_t got = strlen(buf);
	while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == '\0'))
		buf[--got] = '\0';
	return 0;
}

/* A device name we are willing to put under /dev: short, no '/', not a dot name. */
static bool plain_name(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n < VPORTS_NAME_MAX && s[0] != '.' && !strchr(s, '/');
}

int vports_scan(const char *sysdir, struct vports *v)
{
	memset(v, 0, sizeof(*v));
	DIR *d = opendir(sysdir);
	if (!d)
		return 0;
	int found = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char name[64];
		if (!plain_name(e->d_name) ||
		    read_attr(sysdir, e->d_name, "name", name, sizeof(name)) < 0)
			continue;
		for (int i = 0; i < VPORT_ALL; i++) {
			if (v->dev[i][0] || strcmp(name, wanted[i]) != 0)
				continue;
			memcpy(v->dev[i], e->d_name, strlen(e->d_name) + 1); /* plain_name: fits */
			found += i < VPORT_COUNT;
		}
	}
	closedir(d);
	return found;
}

bool vports_console_present(const char *devdir)
{
	DIR *d = opendir(devdir);
	if (!d)
		return false;
	bool found = false;
	struct dirent *e;
	while (!found && (e = readdir(d)) != NULL) {
		char id[32];
		if (e->d_name[0] != '.' &&
		    read_attr(devdir, e->d_name, "device", id, sizeof(id)) == 0)
			found = strcmp(id, "0x0003") == 0;
	}
	closedir(d);
	return found;
}

/* mknod /dev/<name> from sysdir/<name>/dev ("MAJOR:MINOR"). */
static int make_node(const char *sysdir, const char *name, const char *path)
{
	char dev[32];
	unsigned maj, min;
	int r = read_attr(sysdir, name, "dev", dev, sizeof(dev));
	if (r < 0)
		return r;
	if (sscanf(dev, "%u:%u", &maj, &min) != 2)
		return -EINVAL;
	if (mknod(path, S_IFCHR | 0600, makedev(maj, min)) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int vports_open(const char *sysdir, const char *name, int flags)
{
	char path[64];
	if (!plain_name(name))
		return -EINVAL;
	snprintf(path, sizeof(path), "/dev/%s", name);
	int fd = open(path, flags | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT) {
		int r = make_node(sysdir, name, path);
		if (r < 0)
			return r;
		fd = open(path, flags | O_CLOEXEC | O_NOCTTY);
	}
	return fd < 0 ? -errno : fd;
}
