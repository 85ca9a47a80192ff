/* Unit tests for host/jail/: its settings, the fd list, the result message, and vmmproc_run's
 * jailed child (a stand-in VMM). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "jail/hostcg.h"
#include "jail/jail.h"
#include "jail/vmmproc.h"

static void test_config(void **state)
{
	(void)state;
	struct jail_config c;
	struct sb_error err = {0};
	assert_int_equal(jail_config_from_env(&c, NULL, NULL, &err), 0);
	assert_true(c.enabled);
	assert_int_equal(c.first_uid, JAIL_UIDS_DEFAULT_FIRST);
	assert_int_equal(c.uid_count, JAIL_UIDS_DEFAULT_COUNT);
	assert_int_equal(jail_config_from_env(&c, "off", "", &err), 0);
	assert_false(c.enabled);
	assert_int_equal(jail_config_from_env(&c, "on", "100000-165535", &err), 0);
	assert_true(c.enabled);
	assert_int_equal(c.first_uid, 100000);
	assert_int_equal(c.uid_count, 65536);
	assert_int_equal(jail_pick_uid(&c, 100), 100100);
	assert_int_equal(jail_pick_uid(&c, 65536 + 7), 100007);
	assert_int_equal(jail_config_from_env(&c, NULL, "5000", &err), 0); /* one id */
	assert_int_equal(jail_pick_uid(&c, 1234), 5000);
	static const char *const bad[] = {"0-10",	  "10-5",	 "x",	   "10-", "-10",
					  "1-4294967295", "99999999999", "10-20x", " 10"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(jail_config_from_env(&c, NULL, bad[i], &err), -EINVAL);
		assert_non_null(strstr(err.msg, "SANDBOX_JAIL_UIDS="));
	}
	assert_int_equal(jail_config_from_env(&c, "maybe", NULL, &err), -EINVAL);
	assert_string_equal(err.msg, "SANDBOX_JAIL=maybe: want on or off");
}

/* The fds a VMM keeps: its streams, the volume and network fds, a file
 * named by fd; each once, no -1. */
static unsigned three_fds(void *ctx, int *fds, unsigned max)
{
	(void)ctx;
	for (unsigned i = 0; i < 3 && i < max; i++)
		fds[i] = 40 + (int)i;
	return 3;
}

static void test_fd_list(void **state)
{
	(void)state;
	const struct vmm_fs fs[] = {{.sock = 20, .data_pipe = true, .data_fd = 21},
				    {.sock = 22, .data_fd = 23, .wdata_fd = 24, .wdata_max = 1}};
	const struct vmm_net net = {.fds = three_fds};
	const struct vmm_blob initrd[] = {
	    {.path = "/proc/self/fd/9"}, {.path = "/x/y"}, {.path = "/proc/self/fd/9x"}};
	struct vmm_config cfg = {.kernel = "/proc/self/fd/8",
				 .initrd = initrd,
				 .n_initrd = 3,
				 .stdin_fd = -1,
				 .stdout_fd = 1,
				 .stderr_fd = 2,
				 .log_fd = 2,
				 .ctl_fd = 0,
				 .exec_fd = 30,
				 .fs = fs,
				 .n_fs = 2,
				 .net = &net};
	int fds[32];
	unsigned n = vmmproc_fds(&cfg, fds, 32);
	static const int want[] = {8, 9, 1, 2, 30, 20, 21, 22, 24, 40, 41, 42};
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	assert_memory_equal(fds, want, sizeof(want));
	assert_int_equal(vmmproc_fds(&cfg, fds, 4), n); /* the count, even without room */
}

/* jail_close_fds in a child: what it keeps is open, the rest closed. */
static void test_close_fds(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int a = open("/dev/null", O_RDONLY), b = open("/dev/null", O_RDONLY),
		    c = open("/dev/null", O_RDONLY);
		int keep[] = {c, -1, 2, a};
		if (a < 0 || b < 0 || c < 0 || jail_close_fds(keep, 4) < 0)
			_exit(2);
		_exit(fcntl(a, F_GETFD) >= 0 && fcntl(c, F_GETFD) >= 0 && fcntl(2, F_GETFD) >= 0 &&
			      fcntl(b, F_GETFD) < 0 && fcntl(0, F_GETFD) < 0
			  ? 0
			  : 3);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* vmmproc_take: only a whole message with sane numbers is a result;
 * strings come out ended whatever the child wrote. */
static void test_take(void **state)
{
	(void)state;
	struct vmm_result res;
	struct sb_error err = {0};
	int ret;
	/* a real message, from a stand-in VMM that returns a status */
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct vmm_config cfg = {
	    .cmdline = "status 7", .stdout_fd = 1, .stderr_fd = 2, .stdin_fd = -1, .log_fd = -1};
	struct jail_config jc;
	assert_int_equal(jail_config_from_env(&jc, "on", NULL, &err), 0);
	assert_int_equal(vmmproc_run(&cfg, &jc, &res, NULL, &err), 0);
	assert_int_equal(res.status, 7);
	close(p[0]);
	close(p[1]);
	char buf[16384];
	assert_int_equal(vmmproc_take(buf, 10, &ret, &res, NULL, &err), -EIO);
	memset(buf, 0xff, sizeof(buf));
	for (size_t len = 6000; len < 7500; len++) /* whatever the size, garbage is refused */
		assert_int_equal(vmmproc_take(buf, len, &ret, &res, NULL, &err), -EIO);
}

/* The stand-in VMM's report from inside its jail (test_jail_vmm.c). */
static void run_probe(struct vmm_result *res, int stdout_fd, struct jail_state *st)
{
	struct sb_error err = {0};
	struct jail_config jc;
	assert_int_equal(jail_config_from_env(&jc, "on", "3000000-3000009", &err), 0);
	int ctl[2], sock[2];
	assert_int_equal(pipe(ctl), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sock), 0);
	int stray = open("/", O_RDONLY | O_DIRECTORY); /* a host directory: must not follow */
	assert_true(stray >= 0);
	const struct vmm_fs fs = {.sock = sock[0]};
	struct vmm_config cfg = {.cmdline = "probe",
				 .stdout_fd = stdout_fd,
				 .stderr_fd = stdout_fd, /* fd 2 may be a file (a redirected run) */
				 .stdin_fd = -1,
				 .log_fd = -1,
				 .ctl_fd = ctl[0],
				 .fs = &fs,
				 .n_fs = 1};
	int r = vmmproc_run(&cfg, &jc, res, st, &err);
	assert_int_equal(r, 1);
	close(stray);
	close(ctl[0]);
	close(ctl[1]);
	close(sock[0]);
	close(sock[1]);
}

/* The field NAME's value in the probe line. */
static const char *field(const char *line, const char *name, char *out, size_t len)
{
	char key[32];
	snprintf(key, sizeof(key), " %s=", name);
	const char *p = strstr(line, key);
	if (!p && !strncmp(line, key + 1, strlen(key + 1)))
		p = line - 1;
	assert_non_null(p);
	p += strlen(key);
	size_t n = strcspn(p, " ");
	snprintf(out, len, "%.*s", (int)n, p);
	return out;
}

/* As root: pid 1 of its own namespace, a uid from the range, no
 * capabilities at all, an empty read-only root, no host file, no setuid,
 * no core, no file growth (stdout is a pipe), only its own fds. */
static void test_jailed_as_root(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		print_message("SKIP test_jailed_as_root: needs root (the id switch)\n");
		skip();
	}
	struct vmm_result res;
	struct jail_state st;
	int out[2];
	assert_int_equal(pipe(out), 0);
	run_probe(&res, out[1], &st);
	close(out[0]);
	close(out[1]);
	const char *l = res.reason;
	char v[128];
	print_message("jail as root: %s\n", l);
	assert_string_equal(field(l, "pid", v, sizeof(v)), "1");
	unsigned uid = (unsigned)atol(field(l, "uid", v, sizeof(v)));
	assert_true(uid >= 3000000 && uid <= 3000009);
	assert_int_equal((unsigned)atol(field(l, "gid", v, sizeof(v))), uid);
	assert_int_equal(st.uid, uid);
	assert_string_equal(field(l, "caps", v, sizeof(v)), "0");
	assert_string_equal(field(l, "bnd", v, sizeof(v)), "0");
	assert_string_equal(field(l, "nnp", v, sizeof(v)), "1");
	assert_string_equal(field(l, "dumpable", v, sizeof(v)), "0");
	assert_string_equal(field(l, "entries", v, sizeof(v)), "0");
	assert_string_equal(field(l, "tmpfs", v, sizeof(v)), "1");
	assert_string_equal(field(l, "ro", v, sizeof(v)), "1");
	assert_int_equal(atoi(field(l, "open", v, sizeof(v))), ENOENT);
	assert_int_equal(atoi(field(l, "setuid", v, sizeof(v))), EPERM);
	assert_string_equal(field(l, "core", v, sizeof(v)), "0");
	assert_string_equal(field(l, "fsize", v, sizeof(v)), "0");
	assert_string_equal(field(l, "nofile", v, sizeof(v)), "4096");
	assert_true(st.pidns && st.mountns && st.pivoted && st.ids && st.caps && !st.userns);
	/* stdout's and stderr's pipe, the control pipe, the share's socket, the result pipe */
	int n = 0;
	for (const char *p = field(l, "fds", v, sizeof(v)); *p; p++)
		n += *p == ',';
	assert_int_equal(n, 4);
}

/* Output to a regular file: no RLIMIT_FSIZE, or the VMM could not write it. */
static void test_fsize_with_file_output(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		print_message("SKIP test_fsize_with_file_output: needs root\n");
		skip();
	}
	char path[] = "/tmp/test_jail.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	struct vmm_result res;
	run_probe(&res, fd, NULL);
	close(fd);
	char v[64];
	assert_string_equal(field(res.reason, "fsize", v, sizeof(v)), "-1");
}

/* As an ordinary user: a user namespace of its own, the same jail
 * otherwise, its uid unchanged. Run in a child that became nobody. */
static void test_jailed_as_user(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		print_message("SKIP test_jailed_as_user: needs root to become nobody first\n");
		skip();
	}
	struct vmm_result *res =
	    mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(res != MAP_FAILED);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		struct sb_error err = {0};
		struct jail_config jc;
		struct jail_state st;
		jail_config_from_env(&jc, "on", NULL, &err);
		struct vmm_config cfg = {.cmdline = "probe",
					 .stdout_fd = 1,
					 .stderr_fd = 2,
					 .stdin_fd = -1,
					 .log_fd = -1};
		int r = vmmproc_run(&cfg, &jc, res, &st, &err);
		if (r != 1) {
			fprintf(stderr, "vmmproc_run as nobody: %d %s\n", r, err.msg);
			_exit(3);
		}
		_exit(st.userns ? 0 : 4);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 4) {
		print_message("SKIP test_jailed_as_user: this host allows no user namespace to "
			      "an ordinary user\n");
		munmap(res, sizeof(*res));
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
	const char *l = res->reason;
	char v[64];
	print_message("jail as nobody: %s\n", l);
	assert_string_equal(field(l, "uid", v, sizeof(v)), "65534");
	assert_string_equal(field(l, "caps", v, sizeof(v)), "0");
	assert_string_equal(field(l, "bnd", v, sizeof(v)), "0");
	assert_string_equal(field(l, "entries", v, sizeof(v)), "0");
	assert_string_equal(field(l, "ro", v, sizeof(v)), "1");
	assert_int_equal(atoi(field(l, "open", v, sizeof(v))), ENOENT);
	assert_string_equal(field(l, "nnp", v, sizeof(v)), "1");
	munmap(res, sizeof(*res));
}

/* The jailed VMM dies with the command that started it, although its id
 * change cleared the parent-death signal once: the pipe it holds (its
 * stdout) reaches EOF once the command is killed. */
static void dies_with_parent(bool as_nobody)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t cmd = fork();
	assert_true(cmd >= 0);
	if (cmd == 0) {
		close(p[0]);
		if (as_nobody && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(2);
		struct sb_error err = {0};
		struct jail_config jc;
		struct vmm_result res;
		jail_config_from_env(&jc, "on", NULL, &err);
		struct vmm_config cfg = {.cmdline = "hang",
					 .stdout_fd = p[1],
					 .stderr_fd = 2,
					 .stdin_fd = -1,
					 .log_fd = -1};
		vmmproc_run(&cfg, &jc, &res, NULL, &err);
		_exit(1);
	}
	close(p[1]);
	char c;
	assert_int_equal(read(p[0], &c, 1), 1); /* the VMM is jailed and running */
	kill(cmd, SIGKILL);
	int status;
	assert_int_equal(waitpid(cmd, &status, 0), cmd);
	struct pollfd pf = {.fd = p[0], .events = POLLIN};
	assert_int_equal(poll(&pf, 1, 60000), 1); /* a guard against a hang, not a timing */
	assert_int_equal(read(p[0], &c, 1), 0);	  /* EOF: no VMM process holds it */
	close(p[0]);
}

/* As root (pid namespace made by the command), and as an ordinary user (a
 * user namespace, then the pid namespace behind an intermediate process). */
static void test_dies_with_parent(void **state)
{
	(void)state;
	dies_with_parent(false);
	if (geteuid() == 0)
		dies_with_parent(true);
}

/* A VMM that fails says why; one that dies says by which signal. */
static void test_failures(void **state)
{
	(void)state;
	struct vmm_result res;
	struct sb_error err = {0};
	struct jail_config jc;
	jail_config_from_env(&jc, "on", NULL, &err);
	struct vmm_config cfg = {
	    .cmdline = "fail", .stdout_fd = 1, .stderr_fd = 2, .stdin_fd = -1, .log_fd = -1};
	assert_int_equal(vmmproc_run(&cfg, &jc, &res, NULL, &err), -ENODEV);
	assert_string_equal(err.msg, "the fake VMM failed: No such device");
	cfg.cmdline = "crash";
	assert_int_equal(vmmproc_run(&cfg, &jc, &res, NULL, &err), -EIO);
	assert_string_equal(err.msg,
			    "the VMM process was killed by signal 4 (Illegal instruction)");
	/* off: in this process, no fork */
	jail_config_from_env(&jc, "off", NULL, &err);
	cfg.cmdline = "status 3";
	assert_int_equal(vmmproc_run(&cfg, &jc, &res, NULL, &err), 0);
	assert_int_equal(res.status, 3);
}

static void put(const char *dir, const char *file, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *get(const char *dir, const char *file, char *buf, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	FILE *f = fopen(path, "r");
	buf[0] = 0;
	if (f) {
		size_t n = fread(buf, 1, len - 1, f);
		buf[n] = 0;
		fclose(f);
	}
	return buf;
}

/* Host groups on a stand-in hierarchy (a plain directory): the limits
 * written, the controllers enabled, cgroup v1 and a missing controller
 * refused with a reason, the group removed at the end. */
static void test_hostcg(void **state)
{
	(void)state;
	struct sb_error err = {0};
	enum hostcg_mode m;
	assert_int_equal(hostcg_mode_parse("require", &m, &err), 0);
	assert_int_equal(m, HOSTCG_REQUIRE);
	assert_int_equal(hostcg_mode_parse("sometimes", &m, &err), -EINVAL);
	assert_string_equal(err.msg, "--host-limits=sometimes: want auto, require or off");
	struct hostcg_limits l;
	hostcg_limits_for(512ull << 20, 2, 1, 1500, &l);
	assert_int_equal(l.memory_max, (512ull + 64 + 32) << 20);
	assert_int_equal(l.cpu_quota_us, 150000);
	assert_int_equal(l.cpu_period_us, 100000);
	assert_int_equal(l.pids_max, 32 + 2 + 4);
	hostcg_limits_for(256ull << 20, 1, 0, 0, &l);
	assert_int_equal(l.cpu_quota_us, 0);
	if (geteuid() != 0) {
		print_message("SKIP test_hostcg's groups: as root, groups go under ROOT/sandbox\n");
		return;
	}
	char root[] = "/tmp/test_hostcg.XXXXXX";
	assert_non_null(mkdtemp(root));
	const struct hostcg_host h = {.root = root, .self_cgroup = "/proc/self/cgroup"};
	struct hostcg cg;
	/* no cgroup.controllers: v1 or hybrid */
	assert_int_equal(hostcg_create(&cg, &h, "vm-1", &l, &err), 1);
	assert_string_equal(cg.why,
			    "no cgroup v2 hierarchy at /sys/fs/cgroup (cgroup v1 or hybrid)");
	put(root, "cgroup.controllers", "cpuset cpu io\n");
	assert_int_equal(hostcg_create(&cg, &h, "vm-1", &l, &err), 1);
	assert_string_equal(cg.why, "the memory, cpu or pids controller is not available");
	put(root, "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
	hostcg_limits_for(512ull << 20, 2, 1, 1500, &l);
	assert_int_equal(hostcg_create(&cg, &h, "vm-7", &l, &err), 0);
	char dir[512], buf[128];
	snprintf(dir, sizeof(dir), "%s/sandbox/vm-7", root);
	assert_string_equal(cg.dir, dir);
	assert_string_equal(get(dir, "memory.max", buf, sizeof(buf)), "637534208");
	assert_string_equal(get(dir, "cpu.max", buf, sizeof(buf)), "150000 100000");
	assert_string_equal(get(dir, "pids.max", buf, sizeof(buf)), "38");
	snprintf(dir, sizeof(dir), "%s/sandbox", root);
	assert_string_equal(get(dir, "cgroup.subtree_control", buf, sizeof(buf)),
			    "+memory +cpu +pids");
	assert_int_equal(hostcg_add(&cg, 4242), 0);
	snprintf(dir, sizeof(dir), "%s/sandbox/vm-7", root);
	assert_string_equal(get(dir, "cgroup.procs", buf, sizeof(buf)), "4242");
	put(dir, "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
	assert_int_equal(hostcg_oom_kills(&cg), 1);
	/* a plain directory with files in it: rmdir fails; a real group has none */
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -f %s/*", dir);
	assert_int_equal(system(cmd), 0);
	hostcg_destroy(&cg);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(cg.procs_fd, -1);
	/* the group we are in (sandbox-runtime, the engine's cgroupsPath):
	 * limits written there, never removed */
	char self[128], own[128];
	snprintf(self, sizeof(self), "%s/self-cgroup", root);
	snprintf(own, sizeof(own), "%s/engine/ctr-1", root);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s", own);
	assert_int_equal(system(cmd), 0);
	put(root, "self-cgroup", "0::/engine/ctr-1\n");
	const struct hostcg_host h2 = {.root = root, .self_cgroup = self};
	/* controllers not enabled there (containerd's /default): nothing written */
	assert_int_equal(hostcg_apply_own(&cg, &h2, &l, &err), 1);
	assert_non_null(strstr(cg.why, "is not enabled for"));
	put(own, "cgroup.controllers", "cpu memory pids\n");
	assert_int_equal(hostcg_apply_own(&cg, &h2, &l, &err), 0);
	assert_string_equal(cg.dir, own);
	assert_string_equal(get(own, "memory.max", buf, sizeof(buf)), "637534208");
	hostcg_destroy(&cg);
	assert_int_equal(access(own, F_OK), 0);
	put(root, "self-cgroup", "0::/\n"); /* the root group: nothing of ours to limit */
	assert_int_equal(hostcg_apply_own(&cg, &h2, &l, &err), 1);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config),	   cmocka_unit_test(test_fd_list),
	    cmocka_unit_test(test_close_fds),	   cmocka_unit_test(test_take),
	    cmocka_unit_test(test_jailed_as_root), cmocka_unit_test(test_fsize_with_file_output),
	    cmocka_unit_test(test_jailed_as_user), cmocka_unit_test(test_failures),
	    cmocka_unit_test(test_hostcg),	   cmocka_unit_test(test_dies_with_parent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
