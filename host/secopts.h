/* --cap-add, --cap-drop, --privileged, --security-opt: the workload's capability sets and
 * no_new_privs, and the capability names both the CLI and the OCI spec parser know. */
#ifndef SB_SECOPTS_H
#define SB_SECOPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/* docker's default set (moby's oci/caps/defaults.go): CHOWN, DAC_OVERRIDE,
 * FOWNER, FSETID, KILL, SETGID, SETUID, SETPCAP, NET_BIND_SERVICE, NET_RAW,
 * SYS_CHROOT, MKNOD, AUDIT_WRITE, SETFCAP. */
#define SECOPTS_CAPS_DEFAULT UINT64_C(0xa80425fb)
#define SECOPTS_CAPS_ALL UINT64_MAX

/* Capability sets in guest-init/abi.h's order (ABI_PROP_CAPS). */
enum {
	SECOPTS_BOUNDING,
	SECOPTS_EFFECTIVE,
	SECOPTS_PERMITTED,
	SECOPTS_INHERITABLE,
	SECOPTS_AMBIENT,
	SECOPTS_SETS
};

struct secopts {
	uint64_t add, drop; /* --cap-add, --cap-drop (ALL: every bit) */
	bool privileged;    /* --privileged: every capability */
	bool no_new_privs;  /* --security-opt no-new-privileges[=true|:true] */
};

/* docker's masked and read-only paths (moby's oci/defaults.go), and /sys and
 * /sys/fs/cgroup read-only as docker mounts them: NULL-terminated. */
extern char *const secopts_masked_paths[];
extern char *const secopts_readonly_paths[];

/* The CAP_* number of name ("CAP_NET_ADMIN", "NET_ADMIN", any case), or -1. */
int secopts_cap_number(const char *name);
/* The CAP_* name of capability number n ("CAP_CHOWN"), or NULL. */
const char *secopts_cap_name(unsigned n);

/* One option's argument. --cap-add and --cap-drop take a name, ALL, or a
 * comma-separated list of them (docker's); --security-opt takes
 * no-new-privileges (optionally =true/false or :true/false); seccomp=, label=
 * and apparmor= are refused (the guest kernel is the isolation boundary:
 * README, Security). 0, or -EINVAL with a one-line reason. */
int secopts_cap_add(struct secopts *s, const char *arg, struct sb_error *err);
int secopts_cap_drop(struct secopts *s, const char *arg, struct sb_error *err);
int secopts_security_opt(struct secopts *s, const char *arg, struct sb_error *err);

/* The sets the workload gets, as docker computes them: --privileged, or
 * --cap-add ALL: all (less named drops); --cap-drop ALL: the adds alone;
 * else the default set less the drops, plus the adds. The same
 * set for bounding, effective and permitted; inheritable and ambient empty
 * (moby since 23.0). A user other than root gets only the bounding set (the
 * guest applies that: ABI_PROP_CAPS_ROOT_ONLY). */
void secopts_sets(const struct secopts *s, uint64_t sets[SECOPTS_SETS]);

#endif
