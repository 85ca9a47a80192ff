/* fsd-spawntime: how long fsd_spawn takes (fork to a confined, ready server) and fsd_stop. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fsd.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* usage: fsd-spawntime DIR [RUNS [MIB]]: MIB of touched memory in the parent
 * (fork copies its page tables, as sandbox's would be). */
int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: fsd-spawntime DIR [RUNS [MIB]]\n");
		return 125;
	}
	int runs = argc > 2 ? atoi(argv[2]) : 50;
	size_t mib = argc > 3 ? (size_t)atoi(argv[3]) : 0;
	if (runs < 1 || runs > 10000)
		runs = 50;
	if (mib) {
		char *m = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		if (m == MAP_FAILED)
			return 125;
		memset(m, 1, mib << 20);
	}
	int dir = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		perror(argv[1]);
		return 125;
	}
	double *start = calloc((size_t)runs, sizeof(double)),
	       *up = calloc((size_t)runs, sizeof(double));
	double *down = calloc((size_t)runs, sizeof(double));
	struct fsd_proc p;
	for (int i = 0; i < runs; i++) {
		struct fsd_config c = {.host_path = argv[1], .dir_fd = dir};
		struct sb_error err = {0};
		double t0 = now_ms();
		int r = fsd_start(&c, &p, &err);
		double ts = now_ms();
		if (r == 0)
			r = fsd_ready(&p, &err);
		if (r < 0) {
			fprintf(stderr, "fsd-spawntime: %s\n", err.msg);
			return 125;
		}
		double t1 = now_ms();
		fsd_stop(&p);
		start[i] = ts - t0;
		up[i] = t1 - t0;
		down[i] = now_ms() - t1;
	}
	qsort(start, (size_t)runs, sizeof(double), cmp);
	qsort(up, (size_t)runs, sizeof(double), cmp);
	qsort(down, (size_t)runs, sizeof(double), cmp);
	printf("%d runs, %zu MiB touched in the parent, confinement 0x%x\n", runs, mib,
	       p.confinement);
	printf("  fsd_start (fork, the caller's cost): median %.2f ms, min %.2f, max %.2f\n",
	       start[runs / 2], start[0], start[runs - 1]);
	printf("  fsd_start+fsd_ready (fork to ready): median %.2f ms, min %.2f, max %.2f\n",
	       up[runs / 2], up[0], up[runs - 1]);
	printf("  fsd_stop: median %.2f ms\n", down[runs / 2]);
	return 0;
}
