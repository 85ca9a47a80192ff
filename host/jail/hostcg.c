/* hostcg_*: a cgroup v2 group per VM, its limits written before the VMM joins it. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hostcg.h"
#include "putfile.h"

#define VMM_OWN_MEM (64ull << 20) /* the VMM beside guest RAM: rings, buffers, stacks */
#define SERVER_MEM (32ull << 20)  /* one volume's file server */
#define PIDS_BASE 32u		  /* main, I/O, network, the pid namespace's parent, ... */
#define PIDS_PER_SERVER 4u
#define CPU_PERIOD_US 100000ull
#define CONTROLLERS "+memory +cpu +pids"

int hostcg_mode_parse(const char *s, enum hostcg_mode *mode, struct sb_error *err)
{
	if (!strcmp(s, "auto"))
		*mode = HOSTCG_AUTO;
	else if (!strcmp(s, "require"))
		*mode = HOSTCG_REQUIRE;
	else if (!strcmp(s, "off"))
		*mode = HOSTCG_OFF;
	else
		return error_set(err, 0, "--host-limits=%s: want auto, require or off", s);
	return 0;
}

void hostcg_limits_for(uint64_t guest_ram, unsigned vcpus, unsigned volumes, uint64_t millicpus,
		       struct hostcg_limits *l)
{
	*l = (struct hostcg_limits){
	    .memory_max = guest_ram + VMM_OWN_MEM + volumes * SERVER_MEM,
	    .pids_max = PIDS_BASE + vcpus + volumes * PIDS_PER_SERVER,
	};
	if (millicpus) {
		l->cpu_period_us = CPU_PERIOD_US;
		l->cpu_quota_us = millicpus * CPU_PERIOD_US / 1000;
	}
}

/* O_CREAT: a cgroupfs file exists or cannot be made; a test's plain
 * directory gets it. */
static int write_at(const char *dir, const char *file, const char *text)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return putfile(path, text, O_CREAT);
}

static ssize_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return n;
}

static ssize_t read_at(const char *dir, const char *file, char *buf, size_t len)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return read_file(path, buf, len);
}

/* Every one of memory, cpu and pids is in the list (a cgroup.controllers or
 * cgroup.subtree_control line). */
static bool has_controllers(const char *list)
{
	static const char *const want[] = {"memory", "cpu", "pids"};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(want[i]);
		const char *p = list;
		bool found = false;
		while (!found && (p = strstr(p, want[i]))) {
			found =
			    (p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || !p[n]);
			p += n;
		}
		if (!found)
			return false;
	}
	return true;
}

static int none(struct hostcg *cg, const char *why)
{
	snprintf(cg->why, sizeof(cg->why), "%s", why);
	return 1;
}

/* Our own group's path below the root ("/a/b"): *p and *len into buf. */
static int own_group(const struct hostcg_host *h, char *buf, size_t size, const char **p,
		     size_t *len)
{
	ssize_t n = read_file(h->self_cgroup, buf, size);
	const char *g = n > 0 ? strstr(buf, "0::/") : NULL;
	if (!g || (g != buf && g[-1] != '\n'))
		return -ENOENT;
	*p = g + 3;
	*len = strcspn(*p, "\n");
	return 0;
}

/* The directory new groups go in: ROOT/sandbox as root (made, its
 * controllers enabled), else our own group's parent. 0, or 1 with cg->why. */
static int parent_dir(struct hostcg *cg, const struct hostcg_host *h, char *out, size_t len)
{
	char buf[1024];
	if (read_at(h->root, "cgroup.controllers", buf, sizeof(buf)) < 0)
		return none(cg, "no cgroup v2 hierarchy at /sys/fs/cgroup (cgroup v1 or hybrid)");
	if (!has_controllers(buf))
		return none(cg, "the memory, cpu or pids controller is not available");
	if (geteuid() == 0) {
		snprintf(out, len, "%s/sandbox", h->root);
		if (mkdir(out, 0755) < 0 && errno != EEXIST)
			return none(cg, "cannot make the sandbox group");
		/* the root group's own subtree first (systemd enables them) */
		write_at(h->root, "cgroup.subtree_control", CONTROLLERS);
		if (write_at(out, "cgroup.subtree_control", CONTROLLERS) < 0)
			return none(cg, "cannot enable memory, cpu and pids for sandbox's groups");
		return 0;
	}
	/* "0::/user.slice/.../app.slice/x.scope": the parent of ours, if ours */
	const char *p;
	size_t plen;
	if (own_group(h, buf, sizeof(buf), &p, &plen) < 0)
		return none(cg, "this process is in no cgroup v2 group");
	const char *slash = memrchr(p, '/', plen);
	if (!slash || slash == p)
		return none(cg, "no group above ours to put VMs in");
	snprintf(out, len, "%s%.*s", h->root, (int)(slash - p), p);
	if (access(out, W_OK) < 0)
		return none(cg, "cgroups are not delegated to this user");
	if (read_at(out, "cgroup.subtree_control", buf, sizeof(buf)) < 0 || !has_controllers(buf))
		return none(cg, "memory, cpu or pids is not delegated to this user");
	return 0;
}

static int set_limits(const char *dir, const struct hostcg_limits *l)
{
	char v[64];
	int r = 0;
	if (l->memory_max) {
		snprintf(v, sizeof(v), "%" PRIu64, l->memory_max);
		r = write_at(dir, "memory.max", v);
	}
	if (r == 0 && l->cpu_quota_us) {
		snprintf(v, sizeof(v), "%" PRIu64 " %" PRIu64, l->cpu_quota_us, l->cpu_period_us);
		r = write_at(dir, "cpu.max", v);
	}
	if (r == 0 && l->pids_max) {
		snprintf(v, sizeof(v), "%" PRIu64, l->pids_max);
		r = write_at(dir, "pids.max", v);
	}
	return r;
}

int hostcg_create(struct hostcg *cg, const struct hostcg_host *h, const char *name,
		  const struct hostcg_limits *l, struct sb_error *err)
{
	char parent[400];
	*cg = (struct hostcg){.procs_fd = -1, .memory_max = l->memory_max};
	int r = parent_dir(cg, h, parent, sizeof(parent));
	if (r)
		return r;
	snprintf(cg->dir, sizeof(cg->dir), "%s/%s", parent, name);
	if (mkdir(cg->dir, 0755) < 0) {
		int e = errno;
		cg->dir[0] = 0;
		if (e == EACCES || e == EPERM || e == EROFS)
			return none(cg, "cannot make a group for the VM");
		return error_set(err, e, "host limits: make %s/%s", parent, name);
	}
	cg->made = true;
	r = set_limits(cg->dir, l);
	char procs[600];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg->dir);
	if (r == 0 && (cg->procs_fd = open(procs, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0)
		r = -errno;
	if (r < 0) {
		error_set(err, -r, "host limits: set up %s", cg->dir);
		hostcg_destroy(cg);
		return -err->code;
	}
	return 0;
}

int hostcg_apply_own(struct hostcg *cg, const struct hostcg_host *h, const struct hostcg_limits *l,
		     struct sb_error *err)
{
	char buf[1024];
	const char *p;
	size_t plen;
	*cg = (struct hostcg){.procs_fd = -1, .memory_max = l->memory_max};
	if (read_at(h->root, "cgroup.controllers", buf, sizeof(buf)) < 0)
		return none(cg, "no cgroup v2 hierarchy at /sys/fs/cgroup (cgroup v1 or hybrid)");
	if (own_group(h, buf, sizeof(buf), &p, &plen) < 0 || plen <= 1)
		return none(cg, "this process is in no cgroup v2 group of its own");
	snprintf(cg->dir, sizeof(cg->dir), "%s%.*s", h->root, (int)plen, p);
	/* the engine may not have enabled the controllers there (containerd's
	 * /default, say): then there is nothing to write, as on a v1 host */
	int r =
	    read_at(cg->dir, "cgroup.controllers", buf, sizeof(buf)) < 0 || !has_controllers(buf)
		? -ENOENT
		: set_limits(cg->dir, l);
	if (r < 0) {
		snprintf(cg->why, sizeof(cg->why), "memory, cpu or pids is not enabled for %.100s",
			 cg->dir);
		cg->dir[0] = 0;
		return 1;
	}
	(void)err;
	return 0;
}

int hostcg_add(struct hostcg *cg, pid_t pid)
{
	char v[32];
	int n = snprintf(v, sizeof(v), "%d", (int)pid);
	if (cg->procs_fd < 0)
		return -EBADF;
	return write(cg->procs_fd, v, (size_t)n) == n ? 0 : -errno;
}

uint64_t hostcg_oom_kills(const struct hostcg *cg)
{
	char buf[1024];
	if (!cg->dir[0] || read_at(cg->dir, "memory.events", buf, sizeof(buf)) < 0)
		return 0;
	const char *p = strstr(buf, "oom_kill ");
	return p ? strtoull(p + 9, NULL, 10) : 0;
}

void hostcg_destroy(struct hostcg *cg)
{
	if (cg->procs_fd >= 0)
		close(cg->procs_fd);
	cg->procs_fd = -1;
	if (!cg->dir[0] || !cg->made) {
		cg->dir[0] = 0;
		return;
	}
	/* a process that just ended leaves its group a moment later */
	for (int i = 0; i < 100 && rmdir(cg->dir) < 0 && errno == EBUSY; i++) {
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	cg->dir[0] = 0;
}
