/* benchmon: run N copies of a command at once and report wall time, peak RSS and memory use. */
/*
 * usage: benchmon [-n N] [-p MS] [-g] [-o FILE] -- CMD [ARG...]
 *
 * Starts N copies of CMD together (default 1), waits for all of them and
 * writes one line of key=value figures to FILE (default stderr):
 *   n, failed        copies started, copies that did not exit 0
 *   wall_us          first fork to last exit
 *   exec_ns          CLOCK_MONOTONIC just before the first copy's execve
 *   maxrss_kib_sum   sum of every copy's peak RSS (wait4 ru_maxrss)
 *   maxrss_kib_max   the largest of them
 *   guest_kib_max    with -g: the largest Rss seen in one run of contiguous
 *                    writable mappings of any copy (a VMM's guest RAM), from
 *                    /proc/PID/smaps every MS ms
 *   memavail_drop_kib  MemAvailable before the start minus its lowest sample
 *                    (sampled every MS ms; 0 without -p)
 * The copies inherit stdin, stdout and stderr. Built by the bench scripts
 * (static, to run in the test host); not part of sandbox.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_COPIES 256

struct copy {
	pid_t pid;
	int done;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* MemAvailable in KiB, 0 if unknown. */
static uint64_t mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long long v = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* The largest Rss of one run of address-contiguous writable mappings of pid,
 * in KiB (0 if it is gone): a VMM's guest RAM, one mapping or several (a file
 * mapped into it, different advice on parts of it split it). A neighbouring
 * thread stack can join the run: a few KiB, counted as guest RAM for every
 * VMM alike. */
static uint64_t own_guest_rss(pid_t pid)
{
	char path[64], line[512], perms[8];
	unsigned long long v, lo, hi, end = 0, run = 0, best = 0;
	int in_run = 0;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) == 3) {
			int rw = perms[0] == 'r' && perms[1] == 'w';
			if (!rw || !in_run || lo != end)
				run = 0;
			in_run = rw;
			end = hi;
		} else if (in_run && sscanf(line, "Rss: %llu kB", &v) == 1) {
			run += v;
			best = run > best ? run : best;
		}
	}
	fclose(f);
	return best;
}

/* The parent of pid, from /proc/PID/stat (0 if it is gone). */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* comm may hold anything */
	int ppid = 0;
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return 0;
	return (pid_t)ppid;
}

/* The guest RAM of pid or of a process it started: sandbox's VMM runs in
 * a child (or a grandchild, host/jail/vmmproc.h), so the largest one of
 * pid and its descendants two levels down. */
static uint64_t guest_rss(pid_t pid)
{
	uint64_t best = own_guest_rss(pid);
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d));) {
		pid_t q = (pid_t)atoi(e->d_name);
		if (q <= 0 || q == pid)
			continue;
		pid_t pp = parent_of(q);
		if (pp == pid || (pp > 0 && parent_of(pp) == pid)) {
			uint64_t g = own_guest_rss(q);
			best = g > best ? g : best;
		}
	}
	if (d)
		closedir(d);
	return best;
}

static int usage(void)
{
	fprintf(stderr, "usage: benchmon [-n N] [-p MS] [-g] [-o FILE] -- CMD [ARG...]\n");
	return 2;
}

/* Fork one copy; the first one stores its exec time in *exec_ns (shared page). */
static pid_t spawn(char **argv, volatile uint64_t *exec_ns, int first)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	if (first)
		*exec_ns = now_ns();
	execvp(argv[0], argv);
	fprintf(stderr, "benchmon: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int main(int argc, char **argv)
{
	int n = 1, poll_ms = 0, guest = 0, c;
	const char *out = NULL;

	while ((c = getopt(argc, argv, "+n:p:go:")) != -1) {
		if (c == 'g')
			guest = 1;
		else if (c == 'n')
			n = atoi(optarg);
		else if (c == 'p')
			poll_ms = atoi(optarg);
		else if (c == 'o')
			out = optarg;
		else
			return usage();
	}
	if (optind >= argc || n < 1 || n > MAX_COPIES || poll_ms < 0)
		return usage();
	volatile uint64_t *exec_ns =
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (exec_ns == MAP_FAILED)
		return perror("benchmon: mmap"), 1;

	static struct copy copies[MAX_COPIES];
	uint64_t avail0 = mem_available(), avail_min = avail0, guest_max = 0;
	uint64_t rss_sum = 0, rss_max = 0, t0 = now_ns();
	int left = n, failed = 0;
	for (int i = 0; i < n; i++) {
		copies[i].pid = spawn(argv + optind, exec_ns, i == 0);
		if (copies[i].pid < 0) {
			perror("benchmon: fork");
			copies[i].done = 1;
			failed++, left--;
		}
	}
	while (left > 0) {
		int status;
		struct rusage ru;
		pid_t pid = wait4(-1, &status, poll_ms ? WNOHANG : 0, &ru);
		if (pid < 0 && errno != EINTR)
			break;
		for (int i = 0; pid > 0 && i < n; i++) {
			if (copies[i].pid != pid || copies[i].done)
				continue;
			copies[i].done = 1;
			left--;
			failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
			rss_sum += (uint64_t)ru.ru_maxrss;
			rss_max =
			    (uint64_t)ru.ru_maxrss > rss_max ? (uint64_t)ru.ru_maxrss : rss_max;
		}
		if (pid != 0)
			continue; /* reap everything that is ready before sampling again */
		uint64_t a = mem_available();
		avail_min = a && a < avail_min ? a : avail_min;
		for (int i = 0; guest && i < n; i++) {
			uint64_t g = copies[i].done ? 0 : guest_rss(copies[i].pid);
			guest_max = g > guest_max ? g : guest_max;
		}
		struct timespec ts = {.tv_sec = poll_ms / 1000,
				      .tv_nsec = (poll_ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	uint64_t wall = now_ns() - t0;
	FILE *f = out ? fopen(out, "w") : stderr;
	if (!f)
		return perror("benchmon: open output"), 1;
	fprintf(f,
		"n=%d failed=%d wall_us=%llu exec_ns=%llu maxrss_kib_sum=%llu maxrss_kib_max=%llu "
		"guest_kib_max=%llu memavail_drop_kib=%llu\n",
		n, failed, (unsigned long long)(wall / 1000), (unsigned long long)*exec_ns,
		(unsigned long long)rss_sum, (unsigned long long)rss_max,
		(unsigned long long)guest_max, (unsigned long long)(avail0 - avail_min));
	if (out)
		fclose(f);
	return failed ? 1 : 0;
}
