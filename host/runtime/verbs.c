/* The verbs after create: start, state, kill, delete, list, ps, features. None of them
 * leaves a process behind (containerd waits for their stdout and stderr to close). */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "runtime.h"
#include "version.h"

#define DELETE_WAIT_MS 10000

/* The one positional argument (the id) of a verb with flags. */
static int one_id(int argc, char **argv, const struct rt_flag *flags, size_t nflags,
		  const char *verb, const char **id, char ***rest, int *nrest, struct sb_error *err)
{
	char **pos = NULL;
	int npos = 0;
	int r = rt_parse_flags(argc, argv, flags, nflags, &pos, &npos, err);
	if (r < 0)
		return r;
	if (npos < 1 || (!rest && npos != 1)) {
		free(pos);
		return error_set(err, 0, "%s: a container id is needed", verb);
	}
	*id = pos[0];
	if (rest) {
		*rest = pos;
		*nrest = npos;
	} else {
		free(pos);
	}
	return 0;
}

int rt_start(int argc, char **argv)
{
	struct sb_error err = {0};
	const char *id;
	if (one_id(argc, argv, NULL, 0, "start", &id, NULL, NULL, &err) < 0)
		return rt_fail(&err);
	struct rt_state s;
	if (rt_state_load(id, &s, &err) < 0)
		return rt_fail(&err);
	enum rt_status st = rt_state_status(&s);
	int r = 0;
	if (st == RT_STOPPED)
		r = rt_failf("cannot start a container that has stopped");
	else if (st == RT_RUNNING)
		r = rt_failf("cannot start an already running container");
	else if (rt_ctl_call(s.dir, "start", &err) < 0)
		r = rt_fail(&err);
	rt_state_free(&s);
	return r;
}

static void format_time(int64_t ns, char *out, size_t size)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	char base[32];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, size, "%s.%09lldZ", base, (long long)(ns % 1000000000));
}

static json_t *state_json(const struct rt_state *s)
{
	enum rt_status st = rt_state_status(s);
	char created[64];
	format_time(s->created_ns, created, sizeof(created));
	json_t *ann = s->annotations ? json_loads(s->annotations, 0, NULL) : NULL;
	return json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:o}", "ociVersion", "1.1.0",
			 "id", s->id, "pid", (json_int_t)(st == RT_STOPPED ? 0 : s->pid), "status",
			 rt_status_name(st), "bundle", s->bundle, "rootfs", s->root, "created",
			 created, "owner", "", "annotations", ann ? ann : json_object());
}

static int print_json(json_t *o)
{
	char *t = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
	json_decref(o);
	if (!t)
		return rt_failf("out of memory");
	puts(t);
	free(t);
	return 0;
}

int rt_state_cmd(int argc, char **argv)
{
	struct sb_error err = {0};
	const char *id;
	if (one_id(argc, argv, NULL, 0, "state", &id, NULL, NULL, &err) < 0)
		return rt_fail(&err);
	struct rt_state s;
	if (rt_state_load(id, &s, &err) < 0)
		return rt_fail(&err);
	int r = print_json(state_json(&s));
	rt_state_free(&s);
	return r;
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
    {"HUP", SIGHUP},	   {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},	   {"ABRT", SIGABRT}, {"IOT", SIGIOT},	     {"BUS", SIGBUS},
    {"FPE", SIGFPE},	   {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},	   {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},	   {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},	   {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"PWR", SIGPWR},	     {"SYS", SIGSYS},
};

/* "9", "KILL", "SIGKILL" (any case) -> 9; 0 when unknown. */
static int parse_signal(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && !*end)
		return n >= 1 && n <= 64 ? (int)n : 0;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (!strcasecmp(s, signals[i].name))
			return signals[i].sig;
	return 0;
}

int rt_kill(int argc, char **argv)
{
	const char *all = NULL;
	const struct rt_flag flags[] = {{"all", 'a', false, &all, NULL}};
	struct sb_error err = {0};
	const char *id;
	char **pos = NULL;
	int npos = 0;
	if (one_id(argc, argv, flags, 1, "kill", &id, &pos, &npos, &err) < 0)
		return rt_fail(&err);
	int sig = npos >= 2 ? parse_signal(pos[1]) : SIGTERM;
	bool extra = npos > 2;
	const char *sig_text = npos >= 2 ? pos[1] : "";
	free(pos);
	if (extra)
		return rt_failf("kill: too many arguments");
	if (!sig)
		return rt_failf("unknown signal \"%s\"", sig_text);
	struct rt_state s;
	if (rt_state_load(id, &s, &err) < 0)
		return rt_fail(&err);
	int r = 0;
	if (rt_state_status(&s) == RT_STOPPED) {
		r = rt_failf("container not running");
	} else {
		char cmd[32];
		snprintf(cmd, sizeof(cmd), "signal %d", sig);
		if (rt_ctl_call(s.dir, cmd, &err) < 0) {
			/* A VMM that cannot answer still dies of SIGKILL. */
			if (sig == SIGKILL && rt_state_alive(&s) && kill(s.pid, SIGKILL) == 0)
				r = 0;
			else
				r = rt_fail(&err);
		}
	}
	rt_state_free(&s);
	return r;
}

/* SIGKILL the VMM and wait until it is gone (or a zombie for its parent to reap). */
static void kill_vmm(const struct rt_state *s)
{
	if (!rt_state_alive(s) || kill(s->pid, SIGKILL) < 0)
		return;
	for (int ms = 0; ms < DELETE_WAIT_MS && rt_state_alive(s); ms += 10) {
		struct timespec ts = {.tv_nsec = 10000000};
		nanosleep(&ts, NULL);
	}
}

int rt_delete(int argc, char **argv)
{
	const char *force = NULL;
	const struct rt_flag flags[] = {{"force", 'f', false, &force, NULL}};
	struct sb_error err = {0};
	const char *id;
	if (one_id(argc, argv, flags, 1, "delete", &id, NULL, NULL, &err) < 0)
		return rt_fail(&err);
	struct rt_state s;
	if (rt_state_load(id, &s, &err) < 0) {
		if (force && err.code == ENOENT) {
			/* a create that died half-way leaves a directory without state */
			char dir[4096];
			if (rt_id_check(id, &err) == 0 &&
			    rt_state_dir(id, dir, sizeof(dir), &err) == 0)
				rt_state_remove(dir, &err);
			return 0;
		}
		return rt_fail(&err);
	}
	enum rt_status st = rt_state_status(&s);
	if (st == RT_RUNNING && !force) {
		rt_state_free(&s);
		return rt_failf("cannot delete container %s that is not stopped: running", id);
	}
	if (st != RT_STOPPED)
		kill_vmm(&s); /* runc deletes a created container: its init is killed */
	int r = rt_state_remove(s.dir, &err) < 0 ? rt_fail(&err) : 0;
	rt_state_free(&s);
	return r;
}

int rt_list(int argc, char **argv)
{
	const char *format = NULL, *quiet = NULL;
	const struct rt_flag flags[] = {{"format", 'f', true, &format, NULL},
					{"quiet", 'q', false, &quiet, NULL}};
	struct sb_error err = {0};
	char **pos = NULL;
	int npos = 0;
	if (rt_parse_flags(argc, argv, flags, 2, &pos, &npos, &err) < 0)
		return rt_fail(&err);
	free(pos);
	bool json = format && !strcmp(format, "json");
	if (format && !json && strcmp(format, "table") != 0)
		return rt_failf("invalid format option");
	json_t *arr = json_array();
	DIR *d = opendir(rt_root());
	if (!json && !quiet)
		printf("%-12s %-8s %-10s %-40s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		struct rt_state s;
		if (de->d_name[0] == '.' || rt_state_load(de->d_name, &s, &err) < 0)
			continue;
		if (json) {
			json_array_append_new(arr, state_json(&s));
		} else if (quiet) {
			puts(s.id);
		} else {
			char created[64];
			format_time(s.created_ns, created, sizeof(created));
			enum rt_status st = rt_state_status(&s);
			printf("%-12s %-8d %-10s %-40s %s\n", s.id,
			       st == RT_STOPPED ? 0 : (int)s.pid, rt_status_name(st), s.bundle,
			       created);
		}
		rt_state_free(&s);
	}
	if (d)
		closedir(d);
	if (json)
		return print_json(arr);
	json_decref(arr);
	return 0;
}

/* The container's processes as the host sees them: the VMM (its workload's
 * processes live in the guest). */
int rt_ps(int argc, char **argv)
{
	const char *format = NULL;
	const struct rt_flag flags[] = {{"format", 'f', true, &format, NULL}};
	struct sb_error err = {0};
	const char *id;
	char **pos = NULL;
	int npos = 0;
	if (one_id(argc, argv, flags, 1, "ps", &id, &pos, &npos, &err) < 0)
		return rt_fail(&err);
	free(pos);
	struct rt_state s;
	if (rt_state_load(id, &s, &err) < 0)
		return rt_fail(&err);
	bool alive = rt_state_alive(&s);
	int r = 0;
	if (format && !strcmp(format, "json")) {
		json_t *arr = json_array();
		if (alive)
			json_array_append_new(arr, json_integer(s.pid));
		r = print_json(arr);
	} else if (!alive) {
		r = rt_failf("container not running");
	} else {
		printf("PID\n%d\n", (int)s.pid);
	}
	rt_state_free(&s);
	return r;
}

int rt_features(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	json_t *o = json_pack(
	    "{s:s, s:s, s:[], s:[ssssss], s:{s:[sssss], s:[], s:{s:b, s:b}, s:{s:b}, s:{s:b}}, "
	    "s:{s:s}}",
	    "ociVersionMin", "1.0.0", "ociVersionMax", "1.1.0", "hooks", "mountOptions", "ro", "rw",
	    "bind", "rbind", "nosuid", "nodev", "linux", "namespaces", "pid", "network", "mount",
	    "ipc", "uts", "capabilities", "cgroup", "v1", false, "v2", true, "seccomp", "enabled",
	    false, "apparmor", "enabled", false, "annotations", "io.sandbox.version",
	    SANDBOX_VERSION);
	return print_json(o);
}
