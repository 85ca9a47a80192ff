/* sandbox-runtime's entry: runc's global flags, then one verb. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "commands.h"
#include "runtime.h"
#include "version.h"

struct rt_globals rt_g;

static const char usage[] =
    "Usage: " RT_NAME " [GLOBAL OPTIONS] COMMAND [OPTIONS] ID\n"
    "\n"
    "An OCI runtime with runc's command line: each container runs in its own sandbox VM.\n"
    "\n"
    "Commands: create, start, state, kill, delete, exec, list, ps, features\n"
    "  (pause, resume, update, checkpoint, restore, events, run: not supported)\n"
    "Global options: --root DIR, --log FILE, --log-format text|json, --debug,\n"
    "  --systemd-cgroup, --rootless true|false|auto, --version\n";

/* One line to the --log file (opened for each line: the VMM process keeps no fd of it). */
static void log_line(const char *level, const char *msg)
{
	if (!rt_g.log)
		return;
	int fd = open(rt_g.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	char when[64];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	char *text = NULL;
	if (rt_g.log_json) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "level", level, "msg", msg, "time", when);
		char *j = o ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		if (j && asprintf(&text, "%s\n", j) < 0)
			text = NULL;
		free(j);
	} else if (asprintf(&text, "time=\"%s\" level=%s msg=\"%s\"\n", when, level, msg) < 0) {
		text = NULL;
	}
	if (text) {
		ssize_t n = write(fd, text, strlen(text));
		(void)n;
		free(text);
	}
	close(fd);
}

int rt_fail(const struct sb_error *err)
{
	fprintf(stderr, RT_NAME ": %s\n", err->msg);
	log_line("error", err->msg);
	return RT_EXIT_FAIL;
}

int rt_failf(const char *fmt, ...)
{
	struct sb_error err = {.code = EINVAL};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err.msg, sizeof(err.msg), fmt, ap);
	va_end(ap);
	return rt_fail(&err);
}

void rt_debug(const char *fmt, ...)
{
	if (!rt_g.debug)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_line("debug", msg);
}

/* The flag of the table that arg ("--name", "-name", "--name=v", "-x") names,
 * or NULL; *inline_value gets what follows a '=' (NULL when none). */
static const struct rt_flag *find_flag(const struct rt_flag *flags, size_t nflags, const char *arg,
				       const char **inline_value)
{
	const char *name = arg + (arg[1] == '-' ? 2 : 1);
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	*inline_value = eq ? eq + 1 : NULL;
	for (size_t k = 0; k < nflags; k++)
		if ((strlen(flags[k].name) == len && !strncmp(flags[k].name, name, len)) ||
		    (len == 1 && flags[k].alias == name[0]))
			return &flags[k];
	return NULL;
}

/* The flag at argv[*i] into its variable; *i ends on its last word (the value
 * when it takes one). Booleans may say =true/=false, as urfave/cli allows. */
static int take_flag(const struct rt_flag *flags, size_t nflags, int argc, char **argv, int *i,
		     struct sb_error *err)
{
	const char *a = argv[*i], *iv;
	const struct rt_flag *f = find_flag(flags, nflags, a, &iv);
	if (!f)
		return error_set(err, 0, "flag provided but not defined: %s", a);
	if (!f->takes_value) {
		*f->value = iv && !strcmp(iv, "false") ? NULL : "";
		return 0;
	}
	if (!iv) {
		if (*i + 1 >= argc)
			return error_set(err, 0, "flag needs an argument: %s", a);
		iv = argv[++*i];
	}
	if (f->many) {
		const char **v = realloc(f->many->v, (f->many->n + 1) * sizeof(*v));
		if (!v)
			return error_set(err, ENOMEM, "arguments");
		v[f->many->n++] = iv;
		f->many->v = v;
		return 0;
	}
	*f->value = iv;
	return 0;
}

static int parse_flags(int argc, char **argv, const struct rt_flag *flags, size_t nflags,
		       char ***pos, int *npos, bool head_only, struct sb_error *err)
{
	*npos = 0;
	*pos = calloc((size_t)argc + 1, sizeof(**pos));
	if (!*pos)
		return error_set(err, ENOMEM, "arguments");
	bool only_pos = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (only_pos || a[0] != '-' || !a[1]) {
			(*pos)[(*npos)++] = argv[i];
			only_pos = only_pos || head_only;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = true;
			continue;
		}
		int r = take_flag(flags, nflags, argc, argv, &i, err);
		if (r < 0) {
			free(*pos);
			*pos = NULL;
			return r;
		}
	}
	return 0;
}

int rt_parse_flags(int argc, char **argv, const struct rt_flag *flags, size_t nflags, char ***pos,
		   int *npos, struct sb_error *err)
{
	return parse_flags(argc, argv, flags, nflags, pos, npos, false, err);
}

int rt_parse_flags_head(int argc, char **argv, const struct rt_flag *flags, size_t nflags,
			char ***pos, int *npos, struct sb_error *err)
{
	return parse_flags(argc, argv, flags, nflags, pos, npos, true, err);
}

struct verb {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct verb verbs[] = {
    {"create", rt_create}, {"start", rt_start},	      {"state", rt_state_cmd},
    {"kill", rt_kill},	   {"delete", rt_delete},     {"list", rt_list},
    {"ps", rt_ps},	   {"features", rt_features}, {"exec", rt_exec},
};

static const char *const unsupported[] = {"pause",   "resume", "update", "checkpoint",
					  "restore", "events", "run"};

static int print_version(void)
{
	printf(RT_NAME " version %s\nspec: 1.1.0\n", SANDBOX_VERSION);
	return 0;
}

int runtime_main(int argc, char **argv)
{
	const char *root = NULL, *log = NULL, *fmt = NULL, *debug = NULL, *systemd = NULL,
		   *rootless = NULL, *version = NULL, *help = NULL, *criu = NULL;
	const struct rt_flag flags[] = {
	    {"root", 0, true, &root, NULL},
	    {"log", 0, true, &log, NULL},
	    {"log-format", 0, true, &fmt, NULL},
	    {"debug", 0, false, &debug, NULL},
	    {"systemd-cgroup", 0, false, &systemd, NULL},
	    {"rootless", 0, true, &rootless, NULL},
	    {"version", 'v', false, &version, NULL},
	    {"help", 'h', false, &help, NULL},
	    {"criu", 0, true, &criu, NULL},
	};
	/* Global flags end at the first word that is not one. */
	struct sb_error err = {0};
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++)
		if (take_flag(flags, sizeof(flags) / sizeof(flags[0]), argc, argv, &i, &err) < 0)
			return rt_fail(&err);
	rt_g.root = root;
	rt_g.log = log && *log ? log : NULL;
	rt_g.debug = debug != NULL;
	rt_g.systemd_cgroup = systemd != NULL;
	rt_g.rootless = rootless && strcmp(rootless, "false") != 0;
	if (fmt && strcmp(fmt, "json") != 0 && strcmp(fmt, "text") != 0)
		return rt_failf("unknown log-format %s", fmt);
	rt_g.log_json = fmt && !strcmp(fmt, "json");
	if (root && root[0] != '/')
		return rt_failf("--root %s: not an absolute path", root);
	if (version)
		return print_version();
	if (help || i >= argc) {
		fputs(usage, help ? stdout : stderr);
		return help ? 0 : RT_EXIT_FAIL;
	}
	const char *verb = argv[i];
	for (size_t k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++)
		if (!strcmp(verb, verbs[k].name))
			return verbs[k].fn(argc - i - 1, argv + i + 1);
	for (size_t k = 0; k < sizeof(unsupported) / sizeof(unsupported[0]); k++)
		if (!strcmp(verb, unsupported[k]))
			return rt_failf("%s is not supported by " RT_NAME " (yet): see README, "
					"\"OCI runtime\"",
					verb);
	return rt_failf("unknown command %s (see " RT_NAME " --help)", verb);
}
