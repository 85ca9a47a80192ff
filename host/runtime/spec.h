/* An OCI runtime bundle's config.json (runtime-spec 1.x), the parts sandbox-runtime
 * honours, parsed from untrusted bytes. Unknown fields are ignored as runc ignores
 * them; a known field of the wrong type, an out-of-range number or a string with a
 * NUL is an error naming the field. */
#ifndef SB_RUNTIME_SPEC_H
#define SB_RUNTIME_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Bounds on what a spec may hold (a bigger spec is refused, not truncated). */
#define SPEC_MAX_BYTES (4u << 20)   /* config.json itself */
#define SPEC_MAX_ARGS 4096u	    /* process.args */
#define SPEC_MAX_ENV 8192u	    /* process.env */
#define SPEC_MAX_MOUNTS 1024u	    /* mounts */
#define SPEC_MAX_OPTIONS 64u	    /* options of one mount */
#define SPEC_MAX_GIDS 256u	    /* process.user.additionalGids */
#define SPEC_MAX_RLIMITS 64u	    /* process.rlimits */
#define SPEC_MAX_ANNOTATIONS 1024u  /* annotations */
#define SPEC_MAX_STRING 65536u	    /* any one string */

struct spec_rlimit {
	char *type;   /* "RLIMIT_NOFILE", ... as given (checked against the known names) */
	int resource; /* its RLIMIT_* number */
	uint64_t hard, soft;
};

/* Capability sets as bit masks of CAP_* numbers (0..63); an unknown name is ignored. */
struct spec_caps {
	uint64_t bounding, effective, inheritable, permitted, ambient;
	bool present; /* process.capabilities was given */
};

struct spec_process {
	bool terminal;
	uint16_t rows, cols; /* consoleSize, 0 when absent */
	uint32_t uid, gid;
	uint32_t *gids; /* additionalGids */
	size_t n_gids;
	char *username; /* user.username (Windows field; kept only to be ignored) */
	char **args;	/* NULL-terminated, at least one element, args[0] not empty */
	char **env;	/* NULL-terminated, each "NAME=VALUE" with a non-empty NAME */
	char *cwd;	/* absolute; "/" when absent */
	bool no_new_privileges;
	struct spec_rlimit *rlimits;
	size_t n_rlimits;
	struct spec_caps caps;
	int64_t oom_score_adj;
	bool has_oom_score_adj;
};

struct spec_mount {
	char *destination; /* absolute */
	char *type;	   /* NULL when absent ("bind" is implied by a bind option) */
	char *source;	   /* NULL when absent */
	char **options;	   /* NULL-terminated (empty list allowed) */
	size_t n_options;
};

struct spec_annotation {
	char *key, *value;
};

/* linux.resources; a limit that is absent is -1 (0 is a real value where the spec allows it). */
struct spec_resources {
	int64_t memory_limit;	 /* memory.limit, bytes; -1 none */
	int64_t memory_swap;	 /* memory.swap; -1 none */
	int64_t cpu_quota;	 /* cpu.quota, us; -1 none */
	int64_t cpu_period;	 /* cpu.period, us; -1 none */
	int64_t cpu_shares;	 /* cpu.shares; -1 none */
	char *cpu_cpus;		 /* cpu.cpus ("0-3"); NULL none */
	int64_t pids_limit;	 /* pids.limit; -1 none (a negative value in the spec is "none" too) */
};

enum spec_ns_type {
	SPEC_NS_PID,
	SPEC_NS_NETWORK,
	SPEC_NS_MOUNT,
	SPEC_NS_IPC,
	SPEC_NS_UTS,
	SPEC_NS_USER,
	SPEC_NS_CGROUP,
	SPEC_NS_TIME,
	SPEC_NS_COUNT
};

struct spec_namespace {
	bool present; /* listed in linux.namespaces */
	char *path;   /* NULL: a new namespace */
};

struct spec {
	char *oci_version; /* "ociVersion", required */
	char *root_path;   /* root.path, required; relative to the bundle or absolute */
	bool root_readonly;
	char *hostname; /* NULL when absent */
	struct spec_process process; /* required */
	struct spec_mount *mounts;
	size_t n_mounts;
	struct spec_annotation *annotations; /* in the file's order */
	size_t n_annotations;
	struct spec_resources resources;
	char *cgroups_path; /* linux.cgroupsPath, NULL when absent */
	struct spec_namespace ns[SPEC_NS_COUNT];
	char **masked_paths, **readonly_paths; /* NULL-terminated, may be empty; not NULL */
};

/* Parse config.json's bytes into *s (zeroed first; freed on error). 0, or a negative
 * errno with err set to one line that names the field ("process.args[2]: not a string"). */
int spec_parse(const char *json, size_t len, struct spec *s, struct sb_error *err);

/* Parse a bare process object (`exec --process FILE`) into *p, same rules. */
int spec_parse_process(const char *json, size_t len, struct spec_process *p, struct sb_error *err);

/* Read and parse a process.json (`exec --process FILE`), same bounds as config.json. */
int spec_load_process(const char *path, struct spec_process *p, struct sb_error *err);

/* Read BUNDLE/config.json (at most SPEC_MAX_BYTES, no symlink at the last step
 * required: runc follows it, so do we) and parse it. */
int spec_load(const char *bundle, struct spec *s, struct sb_error *err);

/* The annotation's value, or NULL. */
const char *spec_annotation(const struct spec *s, const char *key);

/* Whether this is a pod's sandbox (pause) container, as containerd's CRI
 * plugin and CRI-O mark it: it only holds the pod's namespaces. */
bool spec_is_pod_sandbox(const struct spec *s);

void spec_process_free(struct spec_process *p);
void spec_free(struct spec *s);

#endif
