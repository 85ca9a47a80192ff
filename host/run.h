/* `sandbox run`: the options it parsed, and the run they describe. */
#ifndef SB_RUN_H
#define SB_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "cpio.h"
#include "runconfig.h"
#include "error.h"
#include "jail/hostcg.h"
#include "netopts.h"
#include "secopts.h"
#include "volopts.h"

struct run_opts {
	const char *image;
	char **args;	      /* command after the image, NULL-terminated */
	struct strv env_opts; /* after parsing: --env-file entries, then -e ones */
	struct strv env_file; /* while parsing only */
	const char *workdir, *user, *entrypoint, *hostname, *kernel, *export_initrd;
	const char *name; /* --name: unique among running sandboxes (host/names.c) */
	uint64_t memory, pids, millicpus;
	uint64_t timeout_ms; /* --timeout: end the VM after this long, exit 124; 0 none */
	uint64_t max_unpacked, max_entries, max_path; /* 0: pack_limits_default */
	int pull; /* --pull: enum pull_policy (host/registry/registry.h), missing by default */
	bool debug, quiet;
	bool interactive; /* -i: the workload reads our stdin */
	bool tty;	  /* -t: the workload gets a pty; our terminal goes raw */
	/* --network, -p, -P, --dns, --dns-search, --dns-option, --add-host,
	 * --mac-address, --ipv6, --allow-host-loopback (host/netopts.h);
	 * netopts_init'ed before parsing, checked by netopts_check after it. */
	struct netopts net;
	/* -v, --mount, --tmpfs, --read-only (host/volopts.h); volopts_init'ed
	 * before parsing, checked by volopts_check after it. */
	struct volopts vol;
	/* sandbox-runtime (host/runtime/): a rootfs it packed itself instead of
	 * an image (no image config: args are the whole command), files of its
	 * own laid over that rootfs, and a workload held until its `start`. */
	const char *rootfs_initrd;
	uint64_t rootfs_ram; /* guest RAM the unpacked rootfs takes, 0: estimate */
	const struct cpio_file *extra_files;
	size_t n_extra_files;
	bool hold;
	bool pid_ns; /* the workload is PID 1 of a PID namespace (the spec asks for one) */
	/* > 0: serve the guest's exec port on this fd (vmm_config.exec_fd). */
	int exec_fd;
	const struct runconfig_rlimit *rlimits; /* the spec's process.rlimits */
	size_t n_rlimits;
	const uint32_t *groups; /* the spec's additionalGids */
	size_t n_groups;
	/* --cap-add, --cap-drop, --privileged, --security-opt (host/secopts.h),
	 * or the spec's process.capabilities and noNewPrivileges: caps_set
	 * false keeps every capability. */
	bool caps_set, caps_root_only, no_new_privs;
	/* masked and read-only paths (host/runconfig.h): secopts' docker
	 * defaults for sandbox run (none with --privileged), the spec's lists
	 * for sandbox-runtime */
	char *const *masked;
	char *const *readonly;
	uint64_t caps[SECOPTS_SETS];
	enum hostcg_mode host_limits; /* --host-limits (host/jail/hostcg.h), auto by default */
	bool no_snapshot;	      /* --no-snapshot: boot cold, save nothing (host/run_snap.h) */
	/* Called once the control frame pipe exists, before the VM boots: wfd
	 * takes ABI_CTL_* frames for the guest (a writer of whole frames only). */
	void (*attach)(void *ctx, int frame_wfd);
	void *attach_ctx;
};

/* Turn o into a VM (image from the cache, guest init, run config) and run it,
 * or write its initrd when o->export_initrd is set. Returns the process exit
 * status (the workload's, or 125 when the VM ended without one), or a
 * negative errno with err filled. */
int run_vm(const struct run_opts *o, struct sb_error *err);

#endif
