/* sandbox-runtime: runc's command line over sandbox VMs, one VM per container. The
 * state of each container is a directory ROOT/ID (state.c); its VMM process is the
 * container's "init" (create.c), driven through a socket in that directory (ctl.c). */
#ifndef SB_RUNTIME_H
#define SB_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "secopts.h"

#define RT_NAME "sandbox-runtime"
#define RT_EXIT_FAIL 1 /* runc's status for every failure: callers only test != 0 */
#define RT_ID_MAX 1024

/* The global flags (before the verb). */
struct rt_globals {
	const char *root; /* state directories; rt_default_root() when not given */
	const char *log;  /* --log FILE: errors (and --debug notes) also go there */
	bool log_json;	  /* --log-format json */
	bool debug, systemd_cgroup, rootless;
};

extern struct rt_globals rt_g;

/* Report a failure: "sandbox-runtime: MSG" on stderr and, with --log, in the
 * log file (one JSON object per line with --log-format json, as runc writes
 * it: podman shows the last error line of that file). Returns RT_EXIT_FAIL. */
int rt_fail(const struct sb_error *err);
int rt_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A --debug note in the log (nothing without --debug). */
void rt_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- state.c: ROOT/ID ------------------------------------------------------ */

enum rt_status { RT_CREATING, RT_CREATED, RT_RUNNING, RT_STOPPED };

struct rt_state {
	char id[RT_ID_MAX + 1];
	char dir[4096];	      /* ROOT/ID */
	char bundle[4096];    /* absolute */
	char root[4096];      /* the container's root directory (root.path), absolute */
	pid_t pid;	      /* the VMM process */
	uint64_t start_ticks; /* its start time (/proc/PID/stat field 22): a reused pid is not it */
	int64_t created_ns;   /* CLOCK_REALTIME */
	char *annotations;    /* the spec's annotations as a JSON object text; NULL: {} */
};

/* runc's rule: 1..RT_ID_MAX of [A-Za-z0-9_+.-], not "." or "..". */
int rt_id_check(const char *id, struct sb_error *err);
/* The root to use (--root, or the default: /run/sandbox-runtime as root,
 * $XDG_RUNTIME_DIR/sandbox-runtime otherwise); absolute. */
const char *rt_root(void);
/* ROOT/ID into dir (err when too long). */
int rt_state_dir(const char *id, char *dir, size_t size, struct sb_error *err);
/* Load ROOT/ID/state.json: -ENOENT with "container does not exist" when there is none. */
int rt_state_load(const char *id, struct rt_state *s, struct sb_error *err);
/* Write s->dir/state.json (temp file + rename). */
int rt_state_save(const struct rt_state *s, struct sb_error *err);
void rt_state_free(struct rt_state *s);
/* created, running or stopped, from the process and the `started` mark. */
enum rt_status rt_state_status(const struct rt_state *s);
const char *rt_status_name(enum rt_status st);
/* Whether s's VMM process still exists (not a zombie, same start time). */
bool rt_state_alive(const struct rt_state *s);
/* A process's start time in clock ticks since boot, 0 when it is gone. */
uint64_t rt_proc_start(pid_t pid);
/* Remove ROOT/ID and everything in it. */
int rt_state_remove(const char *dir, struct sb_error *err);
/* Write the pid file as runc does: digits only, temp file + rename. */
int rt_write_pid_file(const char *path, pid_t pid, struct sb_error *err);

#define RT_STARTED_MARK "started"
#define RT_CTL_SOCK "ctl.sock"
#define RT_ROOTFS_FILE "rootfs.initrd"
#define RT_STATE_FILE "state.json"

/* --- ctl.c: the VMM's control socket ---------------------------------------- */

/* In the VMM process: serve ROOT/ID/ctl.sock on listen_fd from a thread of its
 * own: "start" releases the held workload (and marks the container started),
 * "signal N" delivers N (before the start, a terminating signal ends the VM
 * with 128+N as runc's init would die), "exec" makes the connection an exec
 * session routed to the guest's exec port through exec_fd (-1: none).
 * Frames go to frame_wfd. */
struct rt_ctl;
int rt_ctl_serve(struct rt_ctl **out, int listen_fd, const char *state_dir, int frame_wfd,
		 int exec_fd, struct sb_error *err);
/* From another process: connect and send one command line; the connected fd
 * once the VMM answered "ok" (exec: frames follow), else a negative errno. */
int rt_ctl_open(const char *state_dir, const char *cmd, struct sb_error *err);
/* From another process: send one command line, 0 when the VMM answered "ok". */
int rt_ctl_call(const char *state_dir, const char *cmd, struct sb_error *err);
/* Read one line from fd into buf (NUL-terminated, the newline dropped), waiting
 * at most timeout_ms for each piece (-1: no limit). 1 when a whole line came;
 * 0 on EOF, timeout, error or a full buffer (buf holds what came). */
int rt_read_line(int fd, char *buf, size_t size, int timeout_ms);
/* A listening socket at dir/ctl.sock (CLOEXEC). */
int rt_ctl_listen(const char *dir, struct sb_error *err);

/* --- execmux.c: exec sessions in the VMM process ------------------------------ */

/* Routes exec proxies' frames to the guest's exec port (guest_fd, the VMM's
 * socketpair end) and back; driven by ctl.c's poll loop. */
struct pollfd;
struct rt_execmux;
struct rt_execmux *rt_execmux_new(int guest_fd);
/* Close every session (not guest_fd) and free m. */
void rt_execmux_free(struct rt_execmux *m);
/* A proxy's connection becomes a session (the mux owns conn_fd on success);
 * -EBUSY when EXEC_MAX_SESSIONS are open, -EPIPE when exec is over. */
int rt_execmux_add(struct rt_execmux *m, int conn_fd);
/* Fill fds (room for 1 + EXEC_MAX_SESSIONS) with what to poll; returns how many. */
size_t rt_execmux_fill_poll(struct rt_execmux *m, struct pollfd *fds);
/* Act on what poll said for those fds. */
void rt_execmux_handle(struct rt_execmux *m, const struct pollfd *fds, size_t n);

/* --- podnet.c: the pod's network namespace into the guest ------------------------- */

/* In the pod's network namespace: bridge its interface to a new TAP and set n
 * to that TAP with the interface's IPv4 address, gateway, MAC and MTU (the
 * namespace keeps none of them). -ENOENT when the namespace has no interface
 * with an IPv4 address (n untouched), another -errno with err set. */
struct netopts;
int rt_podnet_take(struct netopts *n, struct sb_error *err);

/* Convert process.rlimits to the guest ABI's (out has ABI_RLIMITS_MAX entries). */
struct runconfig_rlimit;
struct spec_process;
int rt_rlimits(const struct spec_process *p, struct runconfig_rlimit *out, struct sb_error *err);
/* p's capabilities in abi.h's order (bounding, effective, permitted,
 * inheritable, ambient), applied as given whatever the user (runc's way);
 * false when the spec has none (every capability kept). */
bool rt_caps(const struct spec_process *p, uint64_t out[SECOPTS_SETS]);
/* A pty whose master goes to the engine over the console socket (one fd by
 * SCM_RIGHTS), sized rows x cols when both are set; returns the slave. */
int rt_make_console(const char *socket_path, uint16_t rows, uint16_t cols, struct sb_error *err);

/* --- the verbs (argc/argv from the verb on) -------------------------------- */
int rt_create(int argc, char **argv);
int rt_start(int argc, char **argv);
int rt_state_cmd(int argc, char **argv);
int rt_kill(int argc, char **argv);
int rt_delete(int argc, char **argv);
int rt_list(int argc, char **argv);
int rt_ps(int argc, char **argv);
int rt_features(int argc, char **argv);
int rt_exec(int argc, char **argv);

/* Verb flags: each --NAME[=V] / -NAME [V] of the table; positional args are
 * collected in order. Unknown flags are an error naming them. */
struct rt_flag {
	const char *name; /* without dashes */
	char alias;	  /* one-letter form (-x), 0 none */
	bool takes_value;
	const char **value;   /* set to the value, or to "" for a flag without one */
	struct rt_strs *many; /* non-NULL: each use appends its value here instead */
};

/* The values of a repeatable flag (runc's --env, --additional-gids). */
struct rt_strs {
	const char **v;
	size_t n;
};
int rt_parse_flags(int argc, char **argv, const struct rt_flag *flags, size_t nflags, char ***pos,
		   int *npos, struct sb_error *err);
/* The same, but flags end at the first positional argument (runc exec's
 * `ID COMMAND ARGS...`: the command's own flags are its arguments). */
int rt_parse_flags_head(int argc, char **argv, const struct rt_flag *flags, size_t nflags,
			char ***pos, int *npos, struct sb_error *err);

#endif
