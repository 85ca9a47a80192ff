/* --cap-add, --cap-drop, --privileged, --security-opt: the workload's capability sets and
 * no_new_privs, and the capability names both the CLI and the OCI spec parser know. */
#include "secopts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Each name at its number, <linux/capability.h>'s CAP_CHOWN (0) to
 * CAP_CHECKPOINT_RESTORE (40). */
static const char *const names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
#define N_NAMES (sizeof(names) / sizeof(names[0]))

char *const secopts_masked_paths[] = {
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
    NULL,
};
char *const secopts_readonly_paths[] = {
    "/proc/bus",	   "/proc/fs", "/proc/irq",	 "/proc/sys",
    "/proc/sysrq-trigger", "/sys",     "/sys/fs/cgroup", NULL,
};

int secopts_cap_number(const char *name)
{
	const char *bare = strncasecmp(name, "CAP_", 4) ? name : name + 4;
	for (size_t i = 0; i < N_NAMES; i++)
		if (!strcasecmp(bare, names[i] + 4))
			return (int)i;
	return -1;
}

const char *secopts_cap_name(unsigned n)
{
	return n < N_NAMES ? names[n] : NULL;
}

/* A comma-separated list of names or ALL into *mask. */
static int cap_list(const char *opt, const char *arg, uint64_t *mask, struct sb_error *err)
{
	char one[64];
	const char *p = arg;
	for (;;) {
		size_t n = strcspn(p, ",");
		if (n == 0 || n >= sizeof(one))
			return error_set(err, EINVAL, "invalid %s `%s`: empty or too long name",
					 opt, arg);
		memcpy(one, p, n);
		one[n] = '\0';
		int c = secopts_cap_number(one);
		if (!strcasecmp(one, "ALL"))
			*mask = SECOPTS_CAPS_ALL;
		else if (c < 0)
			return error_set(err, EINVAL, "invalid %s `%s`: unknown capability `%s`",
					 opt, arg, one);
		else
			*mask |= UINT64_C(1) << c;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

int secopts_cap_add(struct secopts *s, const char *arg, struct sb_error *err)
{
	return cap_list("--cap-add", arg, &s->add, err);
}

int secopts_cap_drop(struct secopts *s, const char *arg, struct sb_error *err)
{
	return cap_list("--cap-drop", arg, &s->drop, err);
}

int secopts_security_opt(struct secopts *s, const char *arg, struct sb_error *err)
{
	static const char nnp[] = "no-new-privileges";
	size_t n = sizeof(nnp) - 1;
	if (!strncmp(arg, nnp, n)) {
		const char *v = arg + n;
		if (!*v || !strcmp(v, "=true") || !strcmp(v, ":true")) {
			s->no_new_privs = true;
			return 0;
		}
		if (!strcmp(v, "=false") || !strcmp(v, ":false")) {
			s->no_new_privs = false;
			return 0;
		}
	}
	if (!strncmp(arg, "seccomp=", 8) || !strncmp(arg, "seccomp:", 8) ||
	    !strncmp(arg, "apparmor=", 9) || !strncmp(arg, "label=", 6) ||
	    !strncmp(arg, "label:", 6))
		return error_set(err, EINVAL,
				 "--security-opt `%s`: not supported (each sandbox has its own "
				 "kernel; only no-new-privileges applies)",
				 arg);
	return error_set(err, EINVAL, "invalid --security-opt `%s`", arg);
}

void secopts_sets(const struct secopts *s, uint64_t sets[SECOPTS_SETS])
{
	uint64_t keep; /* moby's TweakCapabilities, case by case */
	if (s->privileged)
		keep = SECOPTS_CAPS_ALL;
	else if (s->add == SECOPTS_CAPS_ALL) /* all but the named drops (ALL: none) */
		keep = s->drop == SECOPTS_CAPS_ALL ? SECOPTS_CAPS_ALL : ~s->drop;
	else if (s->drop == SECOPTS_CAPS_ALL) /* only the adds */
		keep = s->add;
	else /* the defaults less the drops, then the adds (an add wins) */
		keep = (SECOPTS_CAPS_DEFAULT & ~s->drop) | s->add;
	sets[SECOPTS_BOUNDING] = sets[SECOPTS_EFFECTIVE] = sets[SECOPTS_PERMITTED] = keep;
	sets[SECOPTS_INHERITABLE] = sets[SECOPTS_AMBIENT] = 0;
}
