/* A stand-in for vmm_run (test_jail): calls the jail hook like the real one, then probes the jail
 * from inside. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm.h"

#define TMPFS_MAGIC 0x01021994

/* The open fds below 64, as "0,1,5," */
static void list_fds(char *out, size_t len)
{
	size_t n = 0;
	out[0] = 0;
	for (int fd = 0; fd < 64 && n < len; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n += (size_t)snprintf(out + n, len - n, "%d,", fd);
}

/* What the jail looks like from inside, as one line in res->reason:
 * pid uid gid caps nnp dumpable root-entries root-tmpfs-ro open(/etc/passwd)
 * setuid(0) core fsize nofile fds */
static void probe(struct vmm_result *res)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {{0}};
	syscall(SYS_capget, &h, d);
	unsigned caps = d[0].effective | d[0].permitted | d[0].inheritable | d[1].effective |
			d[1].permitted | d[1].inheritable;
	int bnd = 0;
	for (int c = 0; prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
		bnd += prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1;
	int entries = 0;
	DIR *dir = opendir("/");
	for (struct dirent *e; dir && (e = readdir(dir));)
		entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (dir)
		closedir(dir);
	struct statfs sf = {0};
	statfs("/", &sf);
	int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	int open_err = fd < 0 ? errno : 0;
	int setuid_err = syscall(SYS_setuid, 0) < 0 ? errno : 0;
	struct rlimit core, fsize, nofile;
	getrlimit(RLIMIT_CORE, &core);
	getrlimit(RLIMIT_FSIZE, &fsize);
	getrlimit(RLIMIT_NOFILE, &nofile);
	char fds[256];
	list_fds(fds, sizeof(fds));
	snprintf(res->reason, sizeof(res->reason),
		 "pid=%d uid=%u gid=%u caps=%x bnd=%d nnp=%d dumpable=%d entries=%d tmpfs=%d ro=%d "
		 "open=%d setuid=%d core=%lld fsize=%lld nofile=%lld fds=%s",
		 (int)getpid(), (unsigned)geteuid(), (unsigned)getegid(), caps, bnd,
		 prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), prctl(PR_GET_DUMPABLE, 0, 0, 0, 0),
		 entries, sf.f_type == TMPFS_MAGIC, !!(sf.f_flags & ST_RDONLY), open_err,
		 setuid_err, (long long)core.rlim_cur,
		 fsize.rlim_cur == RLIM_INFINITY ? -1ll : (long long)fsize.rlim_cur,
		 (long long)nofile.rlim_cur, fds);
}

/* cmdline says what to do: "probe", "fail", "crash", "status N". */
int vmm_run(const struct vmm_config *cfg, struct vmm_result *res, struct sb_error *err)
{
	memset(res, 0, sizeof(*res));
	if (!strcmp(cfg->cmdline, "fail"))
		return error_set(err, ENODEV, "the fake VMM failed");
	if (cfg->jail) {
		int r = cfg->jail(cfg->jail_ctx, err);
		if (r < 0)
			return r;
	}
	if (!strcmp(cfg->cmdline, "crash")) {
		signal(SIGILL, SIG_DFL); /* cmocka's handler came with the fork */
		__builtin_trap();	 /* a fault: it kills even a pid 1 */
	}
	if (!strcmp(cfg->cmdline, "hang")) { /* jailed, say so, then run until killed */
		ssize_t n = write(cfg->stdout_fd, "r", 1);
		(void)n;
		for (;;)
			pause();
	}
	if (!strncmp(cfg->cmdline, "status ", 7)) {
		res->status = atoi(cfg->cmdline + 7);
		return 0;
	}
	probe(res);
	return 1;
}

/* The "crash" case's SIGILL must kill the process as it would without
 * AddressSanitizer, whose handler would turn it into an exit status. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "handle_sigill=0";
}
