/* `create`: config.json -> a packed rootfs and a booting VM whose workload waits for
 * `start`. The VMM is a child of this process (so of the engine's subreaper once we
 * exit): its pid goes to --pid-file, its exit status is the container's. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "abi.h"
#include "commands.h"
#include "mkdirs.h"
#include "pack.h"
#include "run.h"
#include "runtime.h"
#include "spec.h"

#define SMALL_FILE_MAX (1u << 20) /* a file bind mount up to this size is copied in */
#define MAX_RUN_FILES 128u	  /* file bind mounts and the directories above them */

/* What create hands to the VMM child. */
struct vm_job {
	struct rt_state st;
	struct spec spec;
	char rootfs[4200];
	uint64_t rootfs_ram;
	int ctl_fd;   /* listening control socket */
	int ready_fd; /* pipe to create: "ok" or the error line */
	struct run_opts o;
	struct strv args, env;
	struct strv readonly; /* readonlyPaths, and /sys, /sys/fs/cgroup when mounted ro */
	struct cpio_file files[MAX_RUN_FILES];
	struct runconfig_rlimit rlimits[ABI_RLIMITS_MAX];
	size_t nfiles;
	char user[32];
	const char *netns;
	int exec_fd; /* the VMM's control thread's end of the exec port, -1 none */
};

/* --- config.json -> run options --------------------------------------------- */

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(path, dir, n) && (path[n] == 0 || path[n] == '/');
}

static bool has_option(const struct spec_mount *m, const char *opt)
{
	for (size_t i = 0; i < m->n_options; i++)
		if (!strcmp(m->options[i], opt))
			return true;
	return false;
}

/* The directories above path ("run" for "run/.containerenv"), once each, so the
 * file lands even where the root has no such directory; an existing one keeps
 * its contents (the kernel sets 0755 root on it, what such directories have). */
static int add_parents(struct vm_job *j, const char *path, struct sb_error *err)
{
	for (const char *sl = strchr(path, '/'); sl; sl = strchr(sl + 1, '/')) {
		size_t len = (size_t)(sl - path);
		bool seen = false;
		for (size_t i = 0; i < j->nfiles && !seen; i++)
			seen = S_ISDIR(j->files[i].mode) && strlen(j->files[i].path) == len &&
			       !strncmp(j->files[i].path, path, len);
		if (seen)
			continue;
		if (j->nfiles == MAX_RUN_FILES)
			return error_set(err, 0, "mounts: too many file bind mounts");
		char *dir = strndup(path, len);
		if (!dir)
			return error_set(err, ENOMEM, "mounts");
		j->files[j->nfiles++] = (struct cpio_file){.path = dir, .mode = S_IFDIR | 0755};
	}
	return 0;
}

/* A bind of a small regular file (/etc/hosts, /etc/resolv.conf, /etc/hostname,
 * /run/.containerenv, ...): copied into the run archive at its destination. */
static int copy_file_bind(struct vm_job *j, const struct spec_mount *m, struct sb_error *err)
{
	if (j->nfiles == MAX_RUN_FILES)
		return error_set(err, 0,
				 "mounts: more than %u file bind mounts and their directories",
				 MAX_RUN_FILES);
	int fd = open(m->source, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return error_set(err, errno, "mount source %s", m->source);
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)SMALL_FILE_MAX) {
		close(fd);
		return error_set(err, 0, "mount source %s: not a regular file of at most 1 MiB",
				 m->source);
	}
	uint8_t *data = malloc((size_t)st.st_size + 1);
	ssize_t n = data ? read(fd, data, (size_t)st.st_size) : -1;
	close(fd);
	if (n < 0) {
		free(data);
		return error_set(err, EIO, "read mount source %s", m->source);
	}
	int r = add_parents(j, m->destination + 1, err);
	if (r == 0 && j->nfiles == MAX_RUN_FILES)
		r = error_set(err, 0, "mounts: more than %u file bind mounts and their directories",
			      MAX_RUN_FILES);
	if (r < 0) {
		free(data);
		return r;
	}
	j->files[j->nfiles++] = (struct cpio_file){.path = m->destination + 1,
						   .mode = S_IFREG | (st.st_mode & 0777),
						   .data = data,
						   .len = (size_t)n};
	return 0;
}

/* The guest mounts its own /sys and cgroupfs, so a read-only mount of either
 * in the spec (as podman and containerd write them) becomes a read-only path,
 * beside the spec's readonlyPaths. */
static int take_readonly_mount(struct vm_job *j, const struct spec_mount *m, struct sb_error *err)
{
	const char *dst = m->destination;
	if ((!strcmp(dst, "/sys") || !strcmp(dst, "/sys/fs/cgroup")) && has_option(m, "ro") &&
	    strv_push(&j->readonly, dst) < 0)
		return error_set(err, ENOMEM, "readonlyPaths");
	return 0;
}

/* The spec's mounts: the guest makes its own /proc, /sys, /dev and cgroup
 * file systems; tmpfs mounts and directory binds become volumes; small file
 * binds are copied in. Also the read-only paths (readonlyPaths, and /sys or
 * cgroupfs mounted read-only). */
static int take_mounts(struct vm_job *j, struct sb_error *err)
{
	for (char **p = j->spec.readonly_paths; *p; p++)
		if (strv_push(&j->readonly, *p) < 0)
			return error_set(err, ENOMEM, "readonlyPaths");
	for (size_t i = 0; i < j->spec.n_mounts; i++) {
		const struct spec_mount *m = &j->spec.mounts[i];
		const char *type = m->type ? m->type : "";
		const char *dst = m->destination;
		int r = take_readonly_mount(j, m, err);
		if (r < 0)
			return r;
		if (under(dst, "/proc") || under(dst, "/sys") || under(dst, "/dev"))
			continue; /* the guest kernel's own */
		bool bind =
		    !strcmp(type, "bind") || has_option(m, "bind") || has_option(m, "rbind");
		char opt[8192];
		if (!strcmp(type, "tmpfs")) {
			if ((size_t)snprintf(opt, sizeof(opt), "%s", dst) >= sizeof(opt))
				return error_set(err, 0, "mount %s: too long", dst);
			r = volopts_parse_tmpfs(opt, &j->o.vol, err);
		} else if (bind && m->source) {
			struct stat st;
			if (stat(m->source, &st) < 0)
				return error_set(err, errno, "mount source %s", m->source);
			if (S_ISREG(st.st_mode) && st.st_size <= (off_t)SMALL_FILE_MAX) {
				r = copy_file_bind(j, m, err);
			} else {
				if (strchr(m->source, ',') || strchr(dst, ','))
					return error_set(err, 0, "mount %s: a comma in a bind path",
							 dst);
				if ((size_t)snprintf(opt, sizeof(opt),
						     "type=bind,source=%s,target=%s%s", m->source,
						     dst, has_option(m, "ro") ? ",readonly" : "") >=
				    sizeof(opt))
					return error_set(err, 0, "mount %s: too long", dst);
				r = volopts_parse_mount(opt, &j->o.vol, err);
			}
		} else {
			rt_debug("mount %s (%s): not supported in the VM, left out", dst, type);
		}
		if (r < 0)
			return error_prefix(err, "mount %s", dst);
	}
	return 0;
}

/* process.rlimits (docker's and podman's default: a high NOFILE); -1 is
 * unlimited; resources the guest's ABI does not know are refused. */
int rt_rlimits(const struct spec_process *p, struct runconfig_rlimit *out, struct sb_error *err)
{
	if (p->n_rlimits > ABI_RLIMITS_MAX)
		return error_set(err, 0, "process.rlimits: more than %u", ABI_RLIMITS_MAX);
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct spec_rlimit *l = &p->rlimits[i];
		if (l->resource < 0 || l->resource >= (int)ABI_RLIMITS_MAX)
			return error_set(err, 0, "process.rlimits: %s is not supported", l->type);
		if (l->soft > l->hard)
			return error_set(
			    err, 0, "process.rlimits: %s: soft limit above the hard one", l->type);
		out[i] = (struct runconfig_rlimit){
		    .resource = (unsigned)l->resource, .soft = l->soft, .hard = l->hard};
	}
	return 0;
}

bool rt_caps(const struct spec_process *p, uint64_t out[SECOPTS_SETS])
{
	const struct spec_caps *c = &p->caps;
	out[SECOPTS_BOUNDING] = c->bounding;
	out[SECOPTS_EFFECTIVE] = c->effective;
	out[SECOPTS_PERMITTED] = c->permitted;
	out[SECOPTS_INHERITABLE] = c->inheritable;
	out[SECOPTS_AMBIENT] = c->ambient;
	return c->present;
}

static int take_process(struct vm_job *j, struct sb_error *err)
{
	const struct spec_process *p = &j->spec.process;
	int r = 0;
	for (char **a = p->args; *a && r == 0; a++)
		r = strv_push(&j->args, *a);
	for (char **e = p->env; *e && r == 0; e++)
		r = strv_push(&j->env, *e);
	if (r < 0)
		return error_set(err, -r, "process");
	snprintf(j->user, sizeof(j->user), "%u:%u", p->uid, p->gid);
	j->o.args = j->args.v;
	j->o.env_opts = j->env;
	j->o.workdir = p->cwd;
	j->o.user = j->user;
	j->o.tty = p->terminal;
	j->o.interactive = true;
	j->o.hostname = j->spec.hostname;
	j->o.pid_ns = j->spec.ns[SPEC_NS_PID].present;
	if ((r = rt_rlimits(p, j->rlimits, err)) < 0)
		return r;
	j->o.rlimits = j->rlimits;
	j->o.n_rlimits = p->n_rlimits;
	if (p->n_gids > ABI_GROUPS_MAX)
		return error_set(err, 0, "process.user.additionalGids: more than %u",
				 ABI_GROUPS_MAX);
	j->o.groups = p->gids;
	j->o.n_groups = p->n_gids;
	j->o.caps_set = rt_caps(p, j->o.caps);
	j->o.no_new_privs = p->no_new_privileges;
	j->o.masked = j->spec.masked_paths;
	const struct spec_resources *res = &j->spec.resources;
	if (res->memory_limit > 0)
		j->o.memory = (uint64_t)res->memory_limit;
	if (res->pids_limit > 0)
		j->o.pids = (uint64_t)res->pids_limit;
	if (res->cpu_quota > 0 && res->cpu_period > 0)
		j->o.millicpus = (uint64_t)res->cpu_quota * 1000 / (uint64_t)res->cpu_period;
	if (j->o.millicpus && j->o.millicpus < 10)
		j->o.millicpus = 10;
	return 0;
}

/* The network: the namespace the engine made for the container (the VMM
 * joins it and carries its interface into the guest: podnet.c; with only lo
 * in it, none); a fresh namespace with no path is an empty one: lo only; no
 * network namespace at all shares the host's: the user-mode network. A pod's
 * pause container leaves the interface to the container that starts next. */
static void take_network(struct vm_job *j)
{
	const struct spec_namespace *ns = &j->spec.ns[SPEC_NS_NETWORK];
	bool join = ns->present && ns->path && !spec_is_pod_sandbox(&j->spec);
	netopts_init(&j->o.net);
	if (ns->present && !join) {
		j->o.net.mode = NET_MODE_NONE;
		j->o.net.mode_set = true;
	}
	j->netns = join ? ns->path : NULL;
}

/* --- the VMM child ------------------------------------------------------------ */

static void ready_say(struct vm_job *j, const char *line)
{
	if (j->ready_fd < 0)
		return;
	char msg[sizeof(((struct sb_error *)0)->msg) + 2];
	int len = snprintf(msg, sizeof(msg), "%s\n", line);
	ssize_t n = write(j->ready_fd, msg, (size_t)len); /* < PIPE_BUF: whole */
	(void)n;
	close(j->ready_fd);
	j->ready_fd = -1;
}

/* run_vm's hook: the frame pipe exists, the VM boots next. */
static void on_attach(void *ctx, int frame_wfd)
{
	struct vm_job *j = ctx;
	struct rt_ctl *c;
	struct sb_error err = {0};
	if (rt_ctl_serve(&c, j->ctl_fd, j->st.dir, frame_wfd, j->exec_fd, &err) < 0) {
		ready_say(j, err.msg);
		_exit(EXIT_SANDBOX);
	}
	ready_say(j, "ok");
}

/* cgroupsPath: "/a/b" as it is; systemd's "slice:prefix:name" as systemd lays
 * it out ("machine.slice/libpod-ID.scope"). Joined on cgroup v2 only. */
static bool join_cgroup(const char *path)
{
	if (!path || !*path)
		return false;
	char rel[2048] = "";
	const char *c1 = strchr(path, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (path[0] != '/' && c1 && c2) {
		/* a-b-c.slice nests as a.slice/a-b.slice/a-b-c.slice */
		size_t slen = (size_t)(c1 - path);
		char slice[512];
		if (slen >= sizeof(slice))
			return false;
		memcpy(slice, path, slen);
		slice[slen] = 0;
		size_t n = 0;
		if (slen > 6 && !strcmp(slice + slen - 6, ".slice") && strcmp(slice, "-.slice")) {
			const char *base = slice;
			for (const char *d = strchr(base, '-'); d; d = strchr(d + 1, '-'))
				n += (size_t)snprintf(rel + n, sizeof(rel) - n, "/%.*s.slice",
						      (int)(d - base), base);
			n += (size_t)snprintf(rel + n, sizeof(rel) - n, "/%s", slice);
		}
		snprintf(rel + n, sizeof(rel) - n, "/%.*s-%s.scope", (int)(c2 - c1 - 1), c1 + 1,
			 c2 + 1);
	} else {
		snprintf(rel, sizeof(rel), "%s%s", path[0] == '/' ? "" : "/", path);
	}
	if (strstr(rel, "/../") || strstr(rel, "/./"))
		return false;
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) < 0) {
		rt_debug("cgroupsPath %s: not joined (cgroup v1 hierarchy)", path);
		return false;
	}
	char full[4096];
	snprintf(full, sizeof(full), "/sys/fs/cgroup%s", rel);
	for (char *s = full + strlen("/sys/fs/cgroup/"); (s = strchr(s, '/')); s++) {
		*s = 0;
		mkdir(full, 0755);
		*s = '/';
	}
	mkdir(full, 0755);
	char procs[4200];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", full);
	int fd = open(procs, O_WRONLY | O_CLOEXEC);
	bool joined = fd >= 0 && write(fd, "0", 1) == 1;
	if (!joined)
		rt_debug("cgroupsPath %s: cannot join %s: %s", path, full, strerror(errno));
	if (fd >= 0)
		close(fd);
	return joined;
}

static _Noreturn void vmm_child(struct vm_job *j)
{
	struct sb_error err = {0};
	setsid();
	if (j->netns) {
		int fd = open(j->netns, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
			error_set(&err, errno, "join network namespace %s", j->netns);
			ready_say(j, err.msg);
			_exit(EXIT_SANDBOX);
		}
		close(fd);
		int r = rt_podnet_take(&j->o.net, &err);
		if (r == -ENOENT) { /* podman's --network none: a namespace with lo only */
			j->o.net.mode = NET_MODE_NONE;
			j->o.net.mode_set = true;
		} else if (r < 0) {
			ready_say(j, err.msg);
			_exit(EXIT_SANDBOX);
		}
	}
	bool joined = join_cgroup(j->spec.cgroups_path);
	/* The packed root, held open and unlinked: it is guest RAM's to keep,
	 * not the state directory's (a tmpfs under /run, usually). */
	int rfd = open(j->rootfs, O_RDONLY | O_CLOEXEC);
	if (rfd < 0) {
		error_set(&err, errno, "%s", j->rootfs);
		ready_say(j, err.msg);
		_exit(EXIT_SANDBOX);
	}
	unlink(j->rootfs);
	snprintf(j->rootfs, sizeof(j->rootfs), "/proc/self/fd/%d", rfd);
	j->o.rootfs_initrd = j->rootfs;
	j->o.rootfs_ram = j->rootfs_ram;
	j->o.extra_files = j->files;
	j->o.n_extra_files = j->nfiles;
	j->o.hold = true;
	/* the engine's cgroupsPath (joined above) is where the VMM stays, with
	 * the VM's host limits written there as runc writes the spec's */
	j->o.host_limits = joined ? HOSTCG_OWN : HOSTCG_OFF;
	j->o.quiet = true;
	int ex[2]; /* the exec port: the VMM's device on one end, the control thread on the other */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ex) < 0) {
		error_set(&err, errno, "exec port socket");
		ready_say(j, err.msg);
		_exit(EXIT_SANDBOX);
	}
	j->o.exec_fd = ex[0];
	j->exec_fd = ex[1];
	j->o.attach = on_attach;
	j->o.attach_ctx = j;
	int r = netopts_check(&j->o.net, &err);
	if (r == 0)
		r = volopts_check(&j->o.vol, &err);
	if (r == 0)
		r = run_vm(&j->o, &err);
	if (r < 0) {
		if (j->ready_fd >= 0)
			ready_say(j, err.msg);
		else
			fprintf(stderr, RT_NAME ": %s\n", err.msg);
		_exit(EXIT_SANDBOX);
	}
	_exit(r);
}

/* --- the terminal ------------------------------------------------------------- */

int rt_make_console(const char *socket_path, uint16_t rows, uint16_t cols, struct sb_error *err)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
		int e = errno;
		if (master >= 0)
			close(master);
		return error_set(err, e, "pty");
	}
	char name[128];
	if (ptsname_r(master, name, sizeof(name)) != 0) {
		close(master);
		return error_set(err, errno, "pty name");
	}
	int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0) {
		close(master);
		return error_set(err, errno, "open %s", name);
	}
	if (rows && cols) {
		struct winsize ws = {.ws_row = rows, .ws_col = cols};
		ioctl(slave, TIOCSWINSZ, &ws);
	}
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r = 0;
	if ((size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%s", socket_path) >=
	    sizeof(a.sun_path))
		r = error_set(err, ENAMETOOLONG, "console socket %s", socket_path);
	else if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		r = error_set(err, errno, "console socket %s", socket_path);
	if (r == 0) {
		char cbuf[CMSG_SPACE(sizeof(int))] = {0};
		struct iovec iov = {.iov_base = name, .iov_len = strlen(name)};
		struct msghdr m = {.msg_iov = &iov,
				   .msg_iovlen = 1,
				   .msg_control = cbuf,
				   .msg_controllen = sizeof(cbuf)};
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &master, sizeof(int));
		if (sendmsg(s, &m, MSG_NOSIGNAL) < 0)
			r = error_set(err, errno, "send the console to %s", socket_path);
	}
	if (s >= 0)
		close(s);
	close(master);
	if (r < 0) {
		close(slave);
		return r;
	}
	return slave;
}

/* --- create ------------------------------------------------------------------ */

static int pack_rootfs(struct vm_job *j, struct sb_error *err)
{
	char *root = j->st.root;
	const char *rp = j->spec.root_path;
	int n = rp[0] == '/' ? snprintf(root, sizeof(j->st.root), "%s", rp)
			     : snprintf(root, sizeof(j->st.root), "%s/%s", j->st.bundle, rp);
	if (n < 0 || (size_t)n >= sizeof(j->st.root))
		return error_set(err, ENAMETOOLONG, "root.path: too long");
	snprintf(j->rootfs, sizeof(j->rootfs), "%s/" RT_ROOTFS_FILE, j->st.dir);
	int fd = open(j->rootfs, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(err, errno, "%s", j->rootfs);
	struct pack_limits lim;
	pack_limits_default(&lim);
	int r = rootfs_pack_dir(root, fd, &lim, &j->rootfs_ram, err);
	if (close(fd) < 0 && r == 0)
		r = error_set(err, errno, "%s", j->rootfs);
	return r;
}

static int64_t now_realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The spec's annotations as the JSON object state shows. */
static char *annotations_json(const struct spec *s)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < s->n_annotations; i++)
		json_object_set_new(o, s->annotations[i].key, json_string(s->annotations[i].value));
	char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return t;
}

/* Fork the VMM and wait for its word: the VM boots ("ok") or why not. */
static int launch(struct vm_job *j, const char *console, struct sb_error *err)
{
	int tty = -1;
	if (j->spec.process.terminal) {
		if (!console)
			return error_set(err, 0,
					 "cannot allocate tty if runc will detach without "
					 "setting console socket");
		const struct spec_process *sp = &j->spec.process;
		if ((tty = rt_make_console(console, sp->rows, sp->cols, err)) < 0)
			return tty;
	} else if (console) {
		return error_set(err, 0,
				 "cannot use console socket if runc will not detach or "
				 "allocate tty");
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		if (tty >= 0)
			close(tty);
		return error_set(err, errno, "pipe");
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		if (tty >= 0)
			close(tty);
		return error_set(err, e, "fork");
	}
	if (pid == 0) {
		close(p[0]);
		j->ready_fd = p[1];
		if (tty >= 0) {
			setsid();
			ioctl(tty, TIOCSCTTY, 0);
			dup2(tty, 0);
			dup2(tty, 1);
			dup2(tty, 2);
			if (tty > 2)
				close(tty);
		}
		vmm_child(j);
	}
	close(p[1]);
	if (tty >= 0)
		close(tty);
	close(j->ctl_fd);
	/* One line, not up to EOF: a process the VMM forked may hold the pipe too. */
	char word[sizeof(err->msg)];
	rt_read_line(p[0], word, sizeof(word), -1);
	close(p[0]);
	if (strcmp(word, "ok") != 0) {
		int status;
		waitpid(pid, &status, 0);
		return error_set(err, 0, "%s", *word ? word : "the VMM process ended at its start");
	}
	j->st.pid = pid;
	j->st.start_ticks = rt_proc_start(pid);
	return 0;
}

int rt_create(int argc, char **argv)
{
	const char *bundle = NULL, *pid_file = NULL, *console = NULL, *no_pivot = NULL,
		   *no_keyring = NULL, *preserve = NULL;
	const struct rt_flag flags[] = {
	    {"bundle", 'b', true, &bundle, NULL},
	    {"pid-file", 0, true, &pid_file, NULL},
	    {"console-socket", 0, true, &console, NULL},
	    {"no-pivot", 0, false, &no_pivot, NULL},
	    {"no-new-keyring", 0, false, &no_keyring, NULL},
	    {"preserve-fds", 0, true, &preserve, NULL},
	};
	struct sb_error err = {0};
	char **pos = NULL;
	int npos = 0;
	if (rt_parse_flags(argc, argv, flags, sizeof(flags) / sizeof(flags[0]), &pos, &npos, &err) <
	    0)
		return rt_fail(&err);
	const char *id = npos == 1 ? pos[0] : NULL;
	free(pos);
	if (!id)
		return rt_failf("create: exactly one container id is needed");
	if (preserve && strcmp(preserve, "0") != 0)
		return rt_failf("create: --preserve-fds: passing descriptors into a VM is not "
				"supported");

	static struct vm_job job;
	struct vm_job *j = &job;
	j->ready_fd = -1;
	j->ctl_fd = -1;
	j->exec_fd = -1;
	if (rt_id_check(id, &err) < 0 || rt_state_dir(id, j->st.dir, sizeof(j->st.dir), &err) < 0)
		return rt_fail(&err);
	snprintf(j->st.id, sizeof(j->st.id), "%s", id);
	if (!realpath(bundle ? bundle : ".", j->st.bundle))
		return rt_failf("bundle %s: %s", bundle ? bundle : ".", strerror(errno));
	if (spec_load(j->st.bundle, &j->spec, &err) < 0)
		return rt_fail(&err);

	const char *root = rt_root();
	int made = mkdirs(root, 0711); /* as runc: containerd names one that does not exist yet */
	if (made < 0)
		return rt_failf("--root %s: %s", root, strerror(-made));
	if (mkdir(j->st.dir, 0700) < 0)
		return errno == EEXIST ? rt_failf("container with id exists: %s", id)
				       : rt_failf("%s: %s", j->st.dir, strerror(errno));
	volopts_init(&j->o.vol);
	take_network(j);
	int r = take_process(j, &err);
	if (r == 0)
		r = take_mounts(j, &err);
	if (r == 0)
		j->o.readonly = j->readonly.v;
	if (r == 0)
		r = pack_rootfs(j, &err);
	if (r == 0 && (j->ctl_fd = rt_ctl_listen(j->st.dir, &err)) < 0)
		r = j->ctl_fd;
	if (r == 0)
		r = launch(j, console && *console ? console : NULL, &err);
	if (r == 0) {
		j->st.created_ns = now_realtime_ns();
		j->st.annotations = annotations_json(&j->spec);
		r = rt_state_save(&j->st, &err);
	}
	if (r == 0 && pid_file)
		r = rt_write_pid_file(pid_file, j->st.pid, &err);
	if (r < 0) {
		if (j->st.pid > 0)
			kill(j->st.pid, SIGKILL);
		struct sb_error ignored;
		rt_state_remove(j->st.dir, &ignored);
		return rt_fail(&err);
	}
	rt_debug("created %s: VMM pid %d", id, (int)j->st.pid);
	return 0;
}
