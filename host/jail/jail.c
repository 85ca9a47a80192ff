/* jail_enter and its steps: namespaces, the empty root, ids, capabilities, limits, fds. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jail.h"
#include "putfile.h"

#define NOFILE_DEFAULT 4096u

int jail_config_from_env(struct jail_config *c, const char *jail, const char *uids,
			 struct sb_error *err)
{
	*c = (struct jail_config){.enabled = true,
				  .first_uid = JAIL_UIDS_DEFAULT_FIRST,
				  .uid_count = JAIL_UIDS_DEFAULT_COUNT,
				  .nofile = NOFILE_DEFAULT,
				  .cgroup_fd = -1};
	if (jail && *jail) {
		if (!strcmp(jail, "off") || !strcmp(jail, "0"))
			c->enabled = false;
		else if (strcmp(jail, "on") && strcmp(jail, "1"))
			return error_set(err, 0, "SANDBOX_JAIL=%s: want on or off", jail);
	}
	if (!uids || !*uids)
		return 0;
	char *end;
	errno = 0;
	unsigned long first = strtoul(uids, &end, 10), last = first;
	if (*end == '-' && end != uids && (end[1] >= '0' && end[1] <= '9'))
		last = strtoul(end + 1, &end, 10);
	/* 0 is root; 2^32-1 is (uid_t)-1, "no change" to setresuid */
	if (errno || *end || !(uids[0] >= '0' && uids[0] <= '9') || first == 0 || last < first ||
	    last >= 0xffffffffu)
		return error_set(err, 0,
				 "SANDBOX_JAIL_UIDS=%s: want FIRST-LAST, ids from 1 to 4294967294",
				 uids);
	c->first_uid = (uid_t)first;
	c->uid_count = (unsigned)(last - first + 1);
	return 0;
}

uid_t jail_pick_uid(const struct jail_config *c, pid_t pid)
{
	unsigned n = c->uid_count ? c->uid_count : 1;
	return c->first_uid + (uid_t)((unsigned)pid % n);
}

int jail_userns(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWUSER) < 0)
		return 0;
	/* /proc/self is root's in a process that changed ids (not dumpable):
	 * its maps would be out of reach; jail_enter clears the flag again */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	int r = putfile("/proc/self/uid_map", map, 0);
	if (r == 0 && (r = putfile("/proc/self/setgroups", "deny\n", 0)) == 0) {
		snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
		r = putfile("/proc/self/gid_map", map, 0);
	}
	return r < 0 ? r : 1;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int jail_close_fds(const int *keep, unsigned n)
{
	int *k = malloc((n + 1) * sizeof(*k));
	if (!k)
		return -ENOMEM;
	unsigned m = 0;
	for (unsigned i = 0; i < n; i++)
		if (keep[i] >= 0)
			k[m++] = keep[i];
	qsort(k, m, sizeof(*k), cmp_int);
	/* close_range over each gap between kept fds */
	unsigned from = 0;
	int r = 0;
	for (unsigned i = 0; i <= m && r == 0; i++) {
		unsigned to = i < m ? (unsigned)k[i] : ~0u;
		if (to > from && syscall(SYS_close_range, from, to - 1, 0) < 0)
			r = -errno;
		if (i < m)
			from = (unsigned)k[i] + 1;
	}
	free(k);
	return r;
}

/* Where the empty root is mounted before it becomes "/": any directory
 * will do (the mount is in our own namespace); the first that exists. */
static const char *const root_spots[] = {"/tmp", "/mnt", "/run", "/dev", "/"};

/* An empty tmpfs, pivoted to and made read-only; the host's tree is
 * unmounted from our namespace. 1 done, 0 no mount allowed, -errno half done. */
static int empty_root(void)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return errno == EPERM ? 0 : -errno;
	const unsigned long fl = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	const char *spot = NULL;
	for (size_t i = 0; !spot && i < sizeof(root_spots) / sizeof(root_spots[0]); i++)
		if (mount("sandbox-jail", root_spots[i], "tmpfs", fl,
			  "size=4k,nr_inodes=2,mode=0555") == 0)
			spot = root_spots[i];
	if (!spot)
		return 0;
	if (chdir(spot) < 0)
		return -errno;
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		if (umount2(".", MNT_DETACH) < 0)
			return -errno;
	} else if (errno != EINVAL || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0) {
		/* EINVAL: "/" is the initramfs, which cannot be pivoted away
		 * (as switch_root does): the tmpfs is moved over it instead */
		return -errno;
	}
	if (chdir("/") < 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | fl, NULL) < 0)
		return -errno;
	return 1;
}

/* Bounding set emptied, ambient cleared, secure bits locked so that no
 * later uid change can bring capabilities back. Needs CAP_SETPCAP. */
static int lock_caps(void)
{
	for (int c = 0; prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return -errno;
	const int bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP_LOCKED |
			 SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
			 SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
	if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

/* Permitted, effective and inheritable emptied; checked. */
static int clear_caps(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {{0}};
	if (syscall(SYS_capset, &h, d) < 0 || syscall(SYS_capget, &h, d) < 0)
		return -errno;
	for (int i = 0; i < 2; i++)
		if (d[i].permitted || d[i].effective || d[i].inheritable)
			return -EPERM;
	return 0;
}

static int set_ids(uid_t uid)
{
	gid_t gid = (gid_t)uid;
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		return -errno;
	return 0;
}

static int set_limit(int res, rlim_t v)
{
	struct rlimit l = {v, v};
	return setrlimit(res, &l) < 0 ? -errno : 0;
}

static int limits(const struct jail_config *c)
{
	int r = set_limit(RLIMIT_NOFILE, c->nofile ? c->nofile : NOFILE_DEFAULT);
	if (r == 0)
		r = set_limit(RLIMIT_CORE, 0);
	if (r == 0 && !c->fsize_anywhere)
		r = set_limit(RLIMIT_FSIZE, (rlim_t)c->fsize_max);
	return r;
}

int jail_enter(const struct jail_config *c, uid_t uid, struct jail_state *st, struct sb_error *err)
{
	/* Root of the initial user namespace, or root of one we made. */
	bool as_root = geteuid() == 0 && !st->userns;
	int r = 0;

	st->mountns = unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS) == 0;
	if (st->mountns && (r = empty_root()) < 0)
		return error_set(err, -r, "jail: an empty root");
	st->pivoted = r == 1;
	bool have_caps =
	    prctl(PR_CAPBSET_READ, CAP_SETPCAP, 0, 0, 0) == 1 && (geteuid() == 0 || st->userns);
	if (have_caps && (r = lock_caps()) < 0)
		return error_set(err, -r, "jail: bounding set and secure bits");
	if (as_root && (r = set_ids(uid)) < 0)
		return error_set(err, -r, "jail: switch to uid %u", (unsigned)uid);
	st->ids = as_root;
	if ((r = clear_caps()) < 0)
		return error_set(err, -r, "jail: drop capabilities");
	st->caps = have_caps;
	st->uid = geteuid();
	st->gid = getegid();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return error_set(err, errno, "jail: no_new_privs");
	if ((r = limits(c)) < 0)
		return error_set(err, -r, "jail: resource limits");
	return 0;
}
