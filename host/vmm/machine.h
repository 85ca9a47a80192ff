/* The machine vmm_run builds: every part of one VM, shared by builder.c (the order of things) and
 * vmsnap.c (saving and restoring it). Private to host/vmm/. */
#ifndef SB_VMM_MACHINE_H
#define SB_VMM_MACHINE_H

#include <pthread.h>
#include <stdbool.h>

#include "arch/x86_64/arch.h"
#include "bus.h"
#include "devices/hostio.h"
#include "devices/i8042.h"
#include "devices/uart.h"
#include "devmgr.h"
#include "eventloop.h"
#include "logring.h"
#include "runstate.h"
#include "sysfilter.h"
#include "vcpu.h"
#include "virtio/console.h"
#include "virtio/fs.h"
#include "virtio/net.h"
#include "virtio/rng.h"
#include "vm.h"
#include "vmm.h"

struct machine {
	struct vm vm;
	struct bus pio, mmio;
	struct runstate rs;
	struct logring log;
	pthread_mutex_t log_lock; /* UART (vCPU threads) and hvc0 (event loop) share the log */
	struct uart uart;
	struct hostio hostio;
	struct i8042 kbd;
	struct eventloop loop;
	struct devmgr dm;
	struct rng rng;
	struct console con;
	struct net *net;	   /* NULL: no network device */
	int net_started;	   /* its backend's thread (vmm_net.start) runs */
	struct fs *fs[VMM_MAX_FS]; /* shared directories */
	unsigned n_fs;
	char *cmdline; /* the virtio_mmio.device= pieces + cfg->cmdline */
	struct kernel_image kernel;
	uint64_t initrd_gpa, initrd_size;
	struct cpuid_table cpuid;
	/* The seccomp programs of the vCPU and event-loop threads, and the
	 * eventfd their SIGSYS handler pokes on a forbidden call. */
	struct sysfilter filter;
	/* the programs are built on a thread of their own while the guest
	 * loads (libseccomp takes milliseconds), joined by add_filter */
	pthread_t filter_tid;
	bool filter_pending, filter_net, filter_process;
	int filter_result;
	struct sb_error filter_err;
	int trapfd;
	pthread_mutex_t lock; /* vcpu[].started against kick() */
	unsigned nvcpus;      /* created */
	struct vcpu vcpu[VMM_MAX_VCPUS];
	/* Snapshots (vmsnap.c): the vCPUs' pause, and the guest's config
	 * request handed from the event loop to the main thread. */
	struct vcpu_pause pause;
	pthread_mutex_t snap_lock;
	pthread_cond_t snap_cond;
	int snap_req;	/* the guest asked for its config: save, then send it */
	int restored;	/* the VM came from a snapshot */
	int pagemap_fd; /* /proc/self/pagemap, to record the working set; -1 none */
};

/* Save the paused machine: the VM and vCPU state into state_fd, guest RAM
 * (its non-zero pages) into mem_fd; st gets the figures. 0 or -errno. */
int vmsnap_save(struct machine *m, int mem_fd, int state_fd, struct vmm_stats *st,
		struct sb_error *err);
/* The VM, its devices and its vCPUs (created, CPUID set) back from a saved
 * state. 0 or -errno with err saying what did not fit. */
int vmsnap_restore(struct machine *m, const void *state, size_t len, struct sb_error *err);
/* Read ahead n page ranges of a restored VM's RAM (advice only: a range the
 * kernel refuses is skipped). Returns the pages advised. */
uint64_t vmsnap_prefetch(const struct vm_mem *mem, const struct workset_range *r, size_t n,
			 bool populate);
/* The pages of RAM this process has mapped (pagemap_fd: /proc/self/pagemap,
 * opened before the jail), as a working set into out_fd from offset 0;
 * *pages gets how many. 0 or -errno. */
int vmsnap_record_workset(const struct vm_mem *mem, int pagemap_fd, int out_fd, uint64_t *pages,
			  struct sb_error *err);

#endif
