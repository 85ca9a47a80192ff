/* `sandbox cache ls` and `sandbox cache prune [--all]`: the packed-image cache and the
 * VM snapshots (host/snapshot/). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "pack.h"
#include "paths.h"
#include "registry.h"
#include "snapshot/snapshot.h"

static const char cache_usage[] =
    "Usage: sandbox cache ls\n"
    "       sandbox cache prune [--all]\n"
    "\n"
    "ls     one line per packed image: key (manifest digest), size, last used;\n"
    "       then one per VM snapshot: `snapshot`, its key's first 12 digits, size\n"
    "       on disk, when it was made\n"
    "prune  remove images of older pack formats and stale temp files (over 1 h,\n"
    "       not being written), registry blobs no pulled image uses, snapshots\n"
    "       of another format or damaged, unfinished ones no run is making, and\n"
    "       those older than SANDBOX_SNAPSHOT_MAX_AGE (seconds, or with s/m/h/d)\n"
    "       when it is set; --all removes every packed and every pulled image\n"
    "       and every snapshot too\n";

static void human(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	int u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static void when_str(int64_t secs, char *buf, size_t len)
{
	time_t t = (time_t)secs;
	struct tm tm;
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
}

/* One line per snapshot, after the images; an unset or bad
 * SANDBOX_SNAPSHOT_MAX_AGE marks none expired (prune says what is wrong). */
static int snapshots_ls(const char *dir, struct sb_error *err)
{
	struct snapshot_entry *v;
	size_t n;
	uint64_t max_age = 0, now = (uint64_t)time(NULL);
	int r = snapshot_cache_list(dir, &v, &n, err);
	if (r < 0)
		return r;
	snapshot_max_age_from_env(getenv("SANDBOX_SNAPSHOT_MAX_AGE"), &max_age, NULL);
	for (size_t i = 0; i < n; i++) {
		char size[32], when[32];
		human(v[i].disk_bytes, size, sizeof(size));
		when_str((int64_t)v[i].created, when, sizeof(when));
		int old = max_age && now > v[i].created && now - v[i].created > max_age;
		printf("snapshot %.12s  %10s  %s%s\n", v[i].key, size, when,
		       !v[i].usable ? "  (damaged or old format)"
		       : old	    ? "  (expired)"
				    : "");
	}
	free(v);
	return 0;
}

static int cache_ls(const char *dir, struct sb_error *err)
{
	struct pack_cache_entry *v;
	size_t n;
	int r = pack_cache_list(dir, &v, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		char size[32], when[32];
		human(v[i].size, size, sizeof(size));
		when_str(v[i].last_used, when, sizeof(when));
		printf("sha256:%s  %10s  %s%s\n", v[i].key, size, when,
		       v[i].version == PACK_FORMAT_VERSION ? "" : "  (old pack format)");
	}
	free(v);
	return snapshots_ls(dir, err);
}

static int cache_prune(const char *dir, int all, struct sb_error *err)
{
	struct pack_prune_stats st;
	struct snapshot_prune_stats ss = {0};
	uint64_t max_age;
	int r = snapshot_max_age_from_env(getenv("SANDBOX_SNAPSHOT_MAX_AGE"), &max_age, err);
	if (r == 0)
		r = pack_cache_prune(dir, all, &st, err);
	/* the registry blob store: blobs no pulled image names (--all: every image) */
	if (r == 0)
		r = registry_cache_prune(dir, all, &st.files, &st.bytes, err);
	if (r == 0)
		r = snapshot_cache_prune(dir, all, max_age, &ss, err);
	if (r < 0)
		return r;
	char size[32], ssize[32];
	human(st.bytes, size, sizeof(size));
	human(ss.bytes, ssize, sizeof(ssize));
	printf("removed %llu file%s, %s", (unsigned long long)st.files, st.files == 1 ? "" : "s",
	       size);
	if (ss.snapshots)
		printf("; %llu snapshot%s, %s", (unsigned long long)ss.snapshots,
		       ss.snapshots == 1 ? "" : "s", ssize);
	putchar('\n');
	return 0;
}

int cmd_cache(int argc, char **argv)
{
	struct sb_error err = {0};
	const char *sub = argc > 1 ? argv[1] : NULL;
	if (sub && (!strcmp(sub, "-h") || !strcmp(sub, "--help")))
		return fputs(cache_usage, stdout), 0;
	int all = argc == 3 && !strcmp(argv[2], "--all");
	if (!sub || (strcmp(sub, "ls") && strcmp(sub, "prune")) ||
	    (!strcmp(sub, "ls") && argc != 2) || (!strcmp(sub, "prune") && argc != 2 && !all)) {
		error_set(&err, 0, "usage: sandbox cache ls | sandbox cache prune [--all]");
		return cmd_fail(&err);
	}
	char dir[PATH_MAX];
	int r = paths_cache_dir(dir, sizeof(dir), &err);
	if (r == 0)
		r = !strcmp(sub, "ls") ? cache_ls(dir, &err) : cache_prune(dir, all, &err);
	return r < 0 ? cmd_fail(&err) : 0;
}
