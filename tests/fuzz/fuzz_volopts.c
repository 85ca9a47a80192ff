/* libFuzzer target: `sandbox run`'s volume option parsers (-v, --mount, --tmpfs) on hostile
 * strings, with invariants: errors are one line, guest paths come out normalized and bounded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "volopts.h"

typedef int (*parse_fn)(const char *s, struct volopts *v, struct sb_error *err);

static const parse_fn parsers[] = {volopts_parse_volume, volopts_parse_mount, volopts_parse_tmpfs};

static void check_target(const char *t)
{
	size_t n = strlen(t);
	if (t[0] != '/' || n < 2 || n >= VOLOPTS_PATH_MAX || t[n - 1] == '/' || strstr(t, "//") ||
	    strstr(t, "/../") || strstr(t, "/./") || (n >= 3 && !strcmp(t + n - 3, "/..")) ||
	    (n >= 2 && !strcmp(t + n - 2, "/.")) ||
	    (!strncmp(t, "/proc", 5) && (t[5] == '/' || !t[5])))
		abort();
}

static void check(const struct volopts *v)
{
	unsigned binds = 0;
	if (v->n > VOLOPTS_MAX_MOUNTS)
		abort();
	for (unsigned i = 0; i < v->n; i++) {
		const struct volopts_mount *m = &v->m[i];
		check_target(m->target);
		if (m->type == VOLOPTS_BIND) {
			binds++;
			if (!m->source || (m->source[0] != '/' && m->source[0] != '.'))
				abort();
		} else if (m->source || m->tmpfs_mode > 07777) {
			abort();
		}
	}
	if (binds != v->nbind || binds > VOLOPTS_MAX_BINDS)
		abort();
}

/* The input is NUL-separated options; each one's first byte picks the parser. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct volopts *v = malloc(sizeof(*v));
	struct sb_error err;
	char *buf = malloc(size + 1);
	if (!buf || !v) {
		free(buf);
		free(v);
		return 0;
	}
	memcpy(buf, data, size);
	buf[size] = '\0';
	volopts_init(v);
	for (char *p = buf; p < buf + size; p += strlen(p) + 1) {
		if (!*p)
			continue;
		parse_fn f = parsers[(unsigned char)*p % (sizeof(parsers) / sizeof(*parsers))];
		err.msg[0] = '\0';
		if (f(p + 1, v, &err) < 0 && (!err.msg[0] || strchr(err.msg, '\n')))
			abort();
	}
	check(v);
	err.msg[0] = '\0';
	if (volopts_check(v, &err) < 0 && (!err.msg[0] || strchr(err.msg, '\n')))
		abort();
	volopts_free(v);
	free(v);
	free(buf);
	return 0;
}
