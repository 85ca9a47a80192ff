/* `sandbox images [-q]` and `sandbox rmi NAME...`: the pulled images. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "commands.h"
#include "paths.h"
#include "ref.h"
#include "store.h"

static const char images_usage[] =
    "Usage: sandbox images [-q]\n"
    "\n"
    "The images pulled into the blob store: repository, tag, manifest digest,\n"
    "size (compressed, as downloaded), created. -q: full names only.\n";

static const char rmi_usage[] =
    "Usage: sandbox rmi NAME[:TAG|@DIGEST]...\n"
    "\n"
    "Remove pulled images from the blob store, and the blobs no other image uses.\n";

static void human(uint64_t b, char *buf, size_t len)
{
	if (b < 1000 * 1000)
		snprintf(buf, len, "%.1fkB", (double)b / 1e3);
	else if (b < 1000ull * 1000 * 1000)
		snprintf(buf, len, "%.1fMB", (double)b / 1e6);
	else
		snprintf(buf, len, "%.2fGB", (double)b / 1e9);
}

/* "3 weeks ago" from an RFC 3339 time, as docker prints it. */
static void ago(const char *rfc3339, char *buf, size_t len)
{
	struct tm tm = {0};
	const char *end = strptime(rfc3339, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end) {
		snprintf(buf, len, "-");
		return;
	}
	double s = difftime(time(NULL), timegm(&tm));
	static const struct {
		double secs;
		const char *unit;
	} units[] = {
	    {365.25 * 86400, "year"}, {30 * 86400, "month"}, {7 * 86400, "week"}, {86400, "day"},
	    {3600, "hour"},	      {60, "minute"},	     {1, "second"}};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		long n = (long)(s / units[i].secs);
		if (n >= 1 || i + 1 == sizeof(units) / sizeof(units[0])) {
			snprintf(buf, len, "%ld %s%s ago", n, units[i].unit, n == 1 ? "" : "s");
			return;
		}
	}
}

/* NAME[:TAG][@DIGEST] -> repository and tag columns. */
static void split_name(const char *name, char *repo, size_t rlen, char *tag, size_t tlen)
{
	const char *at = strchr(name, '@'), *slash = strrchr(name, '/');
	const char *colon = strchr(slash ? slash : name, ':');
	size_t end = colon ? (size_t)(colon - name) : at ? (size_t)(at - name) : strlen(name);
	snprintf(repo, rlen, "%.*s", (int)end, name);
	if (colon)
		snprintf(tag, tlen, "%.*s", (int)((at ? at : name + strlen(name)) - colon - 1),
			 colon + 1);
	else
		snprintf(tag, tlen, "<none>");
}

static int open_store(struct store *s, struct sb_error *err)
{
	char cache[PATH_MAX];
	int r = paths_cache_dir(cache, sizeof(cache), err);
	return r < 0 ? r : store_open(s, cache, err);
}

int cmd_images(int argc, char **argv)
{
	struct sb_error err = {0};
	bool quiet = argc == 2 && !strcmp(argv[1], "-q");
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return fputs(images_usage, stdout), 0;
	if (argc > 2 || (argc == 2 && !quiet))
		return error_set(&err, 0, "usage: sandbox images [-q]"), cmd_fail(&err);
	struct store s;
	struct store_image *v = NULL;
	size_t n = 0;
	int r = open_store(&s, &err);
	if (r == 0) {
		r = store_index_list(&s, &v, &n, &err);
		store_close(&s);
	}
	if (r < 0)
		return cmd_fail(&err);
	if (!quiet)
		printf("%-40s %-16s %-19s %-10s %s\n", "REPOSITORY", "TAG", "DIGEST", "SIZE",
		       "CREATED");
	for (size_t i = 0; i < n; i++) {
		char repo[STORE_NAME_MAX + 1], tag[REF_TAG_MAX + 1], size[32], when[48];
		if (quiet) {
			printf("%s\n", v[i].name);
			continue;
		}
		split_name(v[i].name, repo, sizeof(repo), tag, sizeof(tag));
		human(v[i].size, size, sizeof(size));
		ago(v[i].created, when, sizeof(when));
		printf("%-40s %-16s sha256:%.12s %-10s %s\n", repo, tag, v[i].digest, size, when);
	}
	free(v);
	return 0;
}

int cmd_rmi(int argc, char **argv)
{
	struct sb_error err = {0};
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return fputs(rmi_usage, stdout), 0;
	if (argc < 2)
		return error_set(&err, 0, "usage: sandbox rmi NAME..."), cmd_fail(&err);
	struct store s;
	if (open_store(&s, &err) < 0)
		return cmd_fail(&err);
	int status = 0;
	for (int i = 1; i < argc; i++) {
		struct registry_ref ref;
		char name[STORE_NAME_MAX + 1];
		int r = registry_ref_parse(argv[i], &ref, &err);
		if (r == 0 && registry_ref_format(&ref, name, sizeof(name)) < 0)
			r = registry_fail(&err, ENAMETOOLONG, "image name");
		if (r == 0 && (r = store_index_remove(&s, name, &err)) == -ENOENT)
			r = error_set(&err, 0, "image %s is not in the store", name);
		if (r < 0)
			status = cmd_fail(&err);
		else
			printf("Untagged: %s\n", name);
	}
	struct store_gc_stats st;
	if (store_gc(&s, &st, &err) < 0)
		status = cmd_fail(&err);
	else if (st.files) {
		char size[32];
		human(st.bytes, size, sizeof(size));
		printf("Deleted: %llu blob%s, %s\n", (unsigned long long)st.files,
		       st.files == 1 ? "" : "s", size);
	}
	store_close(&s);
	return status;
}
