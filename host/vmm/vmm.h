/* Public API of the VMM: boot a Linux kernel + initramfs on KVM and report how it ended. */
#ifndef SB_VMM_H
#define SB_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* What the machine needs on the kernel command line; the caller appends its
 * own parts (rdinit=, quiet, ...). reboot=k and panic=-1 turn reboots and
 * panics into a reset that ends the VM (the reset goes straight to port 0x64,
 * no i8042 driver needed); the i8042 options stop that driver from probing a
 * keyboard and mouse that are not there. Dotted (module) options are ignored
 * by kernels without that driver instead of leaking into init's environment. */
#define VMM_DEFAULT_CMDLINE                                                                        \
	"console=ttyS0 reboot=k panic=-1 no_timer_check 8250.nr_uarts=1 i8042.noaux i8042.nokbd"

#define VMM_MAX_VCPUS 64u
#define VMM_MIN_MEM (32ull << 20)
#define VMM_MAX_MEM (256ull << 30)

/* A file (path != NULL) or a memory buffer. */
struct vmm_blob {
	const char *path;
	const void *data;
	size_t len;
};

/* A network interface (virtio-net). Its frames pass through two bounded
 * rings (host/net/framering.h) that the caller creates and serves from its
 * backend's own thread; the VMM only pushes and pops frames. Both rings must
 * outlive vmm_run. */
struct framering;
struct sysfilter;
struct vmm_net {
	struct framering *to_guest;   /* frames for the guest (the backend pushes) */
	struct framering *from_guest; /* frames the guest sent (the backend pops) */
	/* Or, with tap, no rings: the device reads and writes tap_fd (a TAP
	 * device opened by host/net/tap.h: non-blocking, 12-byte virtio-net
	 * header, offloads on) itself, and offers the guest checksum and TSO
	 * offloads both ways. */
	bool tap;
	int tap_fd;
	uint8_t mac[6]; /* the guest's eth0 address */
	uint16_t mtu;	/* VMM_NET_MTU_MIN..65535; 0 = VMM_NET_MTU_DEFAULT */
	/* The backend's thread, if it has one (NULL: none to start). vmm_run
	 * calls start once the seccomp programs are built and the SIGSYS
	 * handler armed, before any vCPU runs: the thread installs its own
	 * allow-list (SYSFILTER_NET) from filter, and a forbidden call there
	 * ends the VM like one on a vCPU. stop is called before the handler is
	 * disarmed (after the vCPUs ended): the thread must be gone when it
	 * returns. The VMM knows nothing else of the backend. */
	int (*start)(void *ctx, const struct sysfilter *filter, struct sb_error *err);
	void (*stop)(void *ctx);
	/* The backend's open fds (its sockets, eventfds), for a jail that
	 * closes every other: up to max of them into fds; how many there are. */
	unsigned (*fds)(void *ctx, int *fds, unsigned max);
	void *ctx;
};

/* A shared directory (virtio-fs, device id 26): the guest mounts it by
 * tag; its FUSE requests go as SOCK_SEQPACKET messages to sock, the file
 * server's socket (host/fsd/fsd.h), and the replies come back on it. The
 * VMM never opens a host file for it. sock must outlive vmm_run. */
struct vmm_fs {
	const char *tag; /* 1..36 bytes */
	int sock;
	bool data_pipe; /* data_fd is the server's READ data pipe (host/fsd/fsd.h) */
	int data_fd;
	/* The server's WRITE data pipe (fsd_proc.wdata_fd) and its size;
	 * wdata_max 0: none, every WRITE goes by the socket. */
	int wdata_fd;
	size_t wdata_max;
};

#define VMM_MAX_FS 8u

#define VMM_NET_MTU_MIN 68u
#define VMM_NET_MTU_DEFAULT 65520u /* user-mode backends: per-packet cost dominates */

struct workset_range;

struct vmm_config {
	const char *kernel;	       /* bzImage or ELF vmlinux (PVH note) */
	const struct vmm_blob *initrd; /* concatenated, each at a 4-byte-aligned offset */
	size_t n_initrd;
	const char *cmdline;	  /* full kernel command line */
	uint64_t mem_bytes;	  /* guest RAM, multiple of 4 KiB */
	unsigned vcpus;		  /* 1..VMM_MAX_VCPUS */
	int log_fd;		  /* guest kernel log (UART) goes here if >= 0 */
	int stdout_fd, stderr_fd; /* hostio and virtio-console stdout/stderr */
	/* Host stdin for the virtio-console stdin port, -1 = none (EOF). Read
	 * only while a guest process has that port open and has posted
	 * buffers. Note: 0 (the default of a designated initializer) is the
	 * host's stdin; set -1 explicitly for none. */
	int stdin_fd;
	/* Read end of a pipe of ABI_CTL_FRAME_SIZE-byte control frames from the
	 * caller, > 0 (0, a designated initializer's default, is none; so is
	 * -1). ABI_CTL_SIGNAL and ABI_CTL_WINSIZE frames go to the guest's
	 * control port; an ABI_CTL_EXIT frame ends the VM at once with its
	 * value as the status (the caller ends the VM, e.g. on a second ^C).
	 * Bad frames are dropped; EOF stops the reading. */
	int ctl_fd;
	/* > 0: the host end of the guest's exec port (guest-init/abi.h's
	 * ABI_VPORT_EXEC), a stream socket both ways; 0 or -1: no exec port. */
	int exec_fd;
	/* Benchmark and --debug figures: VMM_STATS_ON fills vmm_result.stats;
	 * VMM_STATS_FIRST_RUN also ends the VM at vCPU 0's first KVM_RUN (which
	 * then returns at once, the guest runs no instruction). 0 = off. */
	int stats;
	/* NULL: no network device (the guest has only lo), as before networking. */
	const struct vmm_net *net;
	/* Shared directories, one virtio-fs device each (after the NIC). */
	const struct vmm_fs *fs;
	unsigned n_fs; /* 0..VMM_MAX_FS */
	/* The run config (guest-init/abi.h's ABI_CTL_CONFIG), sent when the
	 * guest's init asks for it; NULL: the guest has it in its initrd. */
	const void *config;
	size_t config_len;
	/* Snapshots. snap_mem_fd > 0: when init asks for its config, pause the
	 * VM and save it, guest RAM into snap_mem_fd (a file of mem_bytes; only
	 * non-zero pages are written) and its state into snap_state_fd, then
	 * send the config and go on. A save that fails does not end the run:
	 * vmm_result.snap_note says why. Needs config. */
	int snap_mem_fd, snap_state_fd;
	/* restore_mem_fd > 0: restore such a snapshot instead of booting (the
	 * kernel and initrd are not read): RAM mapped private from
	 * restore_mem_fd, state from restore_state's bytes; then the config
	 * goes to the waiting init. State that does not fit this VM makes
	 * vmm_run fail with -ESTALE before any vCPU ran (boot cold then). */
	int restore_mem_fd;
	const void *restore_state;
	size_t restore_state_len;
	/* Copy the snapshot's RAM in instead of mapping it (no page cache shared
	 * between VMs; fewer, huge, guest page faults where THP is on). */
	bool restore_copy;
	/* A restore's working set (host/snapshot/workset.h). workset_fd > 0:
	 * once the vCPUs are done, the RAM pages this VM had mapped are written
	 * there (encoded, from offset 0). prefetch: page ranges to read ahead
	 * (MADV_WILLNEED, or MADV_POPULATE_READ with prefetch_populate) as soon
	 * as RAM is mapped. */
	int workset_fd;
	const struct workset_range *prefetch;
	size_t n_prefetch;
	bool prefetch_populate;
	/* NULL, or called once everything the VM needs is open and before any
	 * thread of the VM starts (the calling thread is the process's only
	 * one): host/jail/ confines the process there. If it returns 0, the
	 * process-wide seccomp program (SYSFILTER_PROCESS) goes on next. */
	int (*jail)(void *ctx, struct sb_error *err);
	void *jail_ctx;
};

enum { VMM_STATS_OFF, VMM_STATS_ON, VMM_STATS_FIRST_RUN };

/* Measured by vmm_run when vmm_config.stats is set (CLOCK_MONOTONIC, bytes). */
struct vmm_stats {
	uint64_t first_run_ns; /* vCPU 0 entering its first KVM_RUN */
	uint64_t stop_ns;      /* the first request to end the VM (e.g. the exit frame) */
	uint64_t guest_rss;    /* guest RAM resident at the end (pages the guest touched) */
	uint64_t peak_rss;     /* the process's peak RSS at the end (getrusage) */
	/* The guest init's marks on its own clock (ABI_CTL_UPTIME_*, microseconds
	 * since the guest kernel started): init start, workload start, workload
	 * end, the config's arrival. */
	uint32_t uptime_us[4];
	unsigned uptime_seen; /* bit i: uptime_us[i] was reported */
	/* The network device's counters (zero without one): frames and bytes
	 * each way, malformed guest frames dropped, backend frames no guest
	 * buffers could hold, times the backend's ring was full. */
	uint64_t net_tx_frames, net_tx_bytes, net_tx_dropped, net_tx_blocked;
	uint64_t net_tx_csum; /* TX frames whose checksum the device completed */
	uint64_t net_rx_frames, net_rx_bytes, net_rx_dropped;
	/* The virtio-fs devices' counters, summed (host/vmm/virtio/fs.h's
	 * struct fs_stats): requests sent and replies delivered, chains the
	 * guest got -EIO for unsent (malformed) or from us (reply too big,
	 * server gone), server messages dropped, times a socket was full. */
	uint64_t fs_requests, fs_replies, fs_malformed, fs_failed, fs_bad_replies, fs_blocked;
	/* Snapshots: the save's pause (vCPUs held to resumed) and its part
	 * writing guest RAM; a restore's state (KVM and devices) and the
	 * bytes of guest RAM it wrote to the file; all ns/bytes, 0 if none. */
	uint64_t snap_pause_ns, snap_mem_ns, snap_mem_bytes, restore_state_ns;
	/* A restore's prefetch (pages advised, time taken) and the pages of
	 * the working set it recorded. */
	uint64_t prefetch_pages, prefetch_ns, workset_pages;
};

struct vmm_result {
	int status;	     /* 0..255: what the guest wrote to ABI_PORT_EXIT */
	int init_failed;     /* ABI_EXIT_INIT_FAILED was set */
	char reason[512];    /* why the VM ended without a status (one line) */
	char last_log[4096]; /* last kernel log lines */
	int snap_saved;	     /* vmm_config.snap_mem_fd: the snapshot was written */
	char snap_note[256]; /* else why not (one line), "" when none was asked */
	struct vmm_stats stats;
};

/* Returns the default command line (VMM_DEFAULT_CMDLINE). */
const char *vmm_default_cmdline(void);

/* Boot and run the VM to its end. Returns 0 when the guest reported a status
 * (result->status valid); 1 when the VM ended without one (result->reason);
 * a negative errno with err filled for VMM failures. Uses SIGRTMIN internally
 * to kick vCPU threads (installs a no-op handler for it).
 * The vCPU and event-loop threads run under seccomp allow-lists (sysfilter.h;
 * the calling thread stays unfiltered unless cfg->jail is set: then the
 * whole process is filtered too). A call off the list fails, ends the
 * VM and makes vmm_run fail with "VMM vCPU thread made a forbidden system
 * call: NAME (seccomp); the VM was stopped". SIGSYS has our handler during
 * the run. One vmm_run at a time per process. */
int vmm_run(const struct vmm_config *cfg, struct vmm_result *result, struct sb_error *err);

/* 0 when this host can boot a stock Linux guest, else a negative errno and a
 * one-line actionable message (no /dev/kvm, no permission, PVM). The
 * environment variable SANDBOX_ALLOW_PVM=1 skips the PVM refusal. */
int kvm_check_host(struct sb_error *err);

#endif
