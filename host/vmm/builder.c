/* vmm_run: the one function that decides the order of everything, from /dev/kvm to the last join.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "abi.h"
#include "machine.h"
#include "payload.h"
#include "thread.h"

const char *vmm_default_cmdline(void)
{
	return VMM_DEFAULT_CMDLINE;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void kick_vcpus(struct machine *m)
{
	pthread_mutex_lock(&m->lock);
	for (unsigned i = 0; i < m->nvcpus; i++)
		vcpu_kick(&m->vcpu[i]);
	pthread_mutex_unlock(&m->lock);
}

/* Runs on the first stop request, from any thread. */
static void kick(void *ctx)
{
	struct machine *m = ctx;

	pthread_mutex_lock(&m->lock);
	for (unsigned i = 0; i < m->nvcpus; i++)
		vcpu_kick(&m->vcpu[i]);
	pthread_mutex_unlock(&m->lock);
	vcpu_pause_wake(&m->pause);
	pthread_mutex_lock(&m->snap_lock);
	pthread_cond_broadcast(&m->snap_cond);
	pthread_mutex_unlock(&m->snap_lock);
}

/* Event loop (console lock held): init asks for its config; the main thread
 * saves the VM first (save_on_request). */
static void config_wait(void *ctx)
{
	struct machine *m = ctx;

	pthread_mutex_lock(&m->snap_lock);
	m->snap_req = 1;
	pthread_cond_broadcast(&m->snap_cond);
	pthread_mutex_unlock(&m->snap_lock);
}

/* Main thread, while the vCPUs run: wait for init's config request (or the
 * end), then pause the vCPUs, save, resume, and send the config. */
static void save_on_request(struct machine *m, const struct vmm_config *cfg, struct vmm_result *res)
{
	pthread_mutex_lock(&m->snap_lock);
	while (!m->snap_req && !runstate_stopped(&m->rs))
		pthread_cond_wait(&m->snap_cond, &m->snap_lock);
	int asked = m->snap_req;
	pthread_mutex_unlock(&m->snap_lock);
	if (!asked) {
		snprintf(res->snap_note, sizeof(res->snap_note),
			 "the VM ended before init asked for its config");
		return;
	}
	uint64_t t0 = now_ns();
	vcpu_pause_begin(&m->pause);
	kick_vcpus(m);
	struct sb_error err = {0};
	int r = vcpu_pause_wait(&m->pause, m->nvcpus, &m->rs);
	if (r < 0)
		error_set(&err, -r, "the VM ended before its vCPUs paused");
	else
		r = vmsnap_save(m, cfg->snap_mem_fd, cfg->snap_state_fd, &res->stats, &err);
	/* A jailed VMM lets go of the files at once: a guest that took it over
	 * later must not be able to rewrite the snapshot before it is kept. */
	if (cfg->jail) {
		close(cfg->snap_mem_fd);
		close(cfg->snap_state_fd);
	}
	vcpu_pause_end(&m->pause);
	res->stats.snap_pause_ns = now_ns() - t0;
	res->snap_saved = r == 0;
	if (r < 0)
		snprintf(res->snap_note, sizeof(res->snap_note), "%.200s", err.msg);
	console_release_config(&m->con);
}

static void log_out(void *ctx, const uint8_t *data, size_t len)
{
	struct machine *m = ctx;

	pthread_mutex_lock(&m->log_lock);
	logring_write(&m->log, data, len);
	pthread_mutex_unlock(&m->log_lock);
}

static void uart_irq(void *ctx, int level)
{
	struct machine *m = ctx;

	vm_irq_line(&m->vm, UART_COM1_IRQ, level);
}

/* Kernel and initrd into guest RAM. */
static int load_guest(struct machine *m, const struct vmm_config *cfg, struct sb_error *err)
{
	struct payload_map img;
	uint64_t initrd_size;

	int r = payload_map_file(cfg->kernel, PAYLOAD_KERNEL_MAX, &img, err);
	if (r < 0)
		return error_prefix(err, "kernel");
	r = arch_load_kernel(&m->vm.mem, img.data, img.len, &m->kernel, err);
	payload_unmap(&img);
	if (r < 0)
		return error_prefix(err, "kernel `%s`", cfg->kernel);
	r = payload_initrd_size(cfg->initrd, cfg->n_initrd, &initrd_size, err);
	if (r == 0)
		r = arch_place_initrd(&m->vm.mem, &m->kernel, initrd_size, &m->initrd_gpa, err);
	if (r == 0)
		r = payload_initrd_copy(cfg->initrd, cfg->n_initrd, &m->vm.mem, m->initrd_gpa,
					initrd_size, err);
	m->initrd_size = initrd_size;
	return r;
}

/* virtio devices, in a fixed order (it decides their windows and GSIs):
 * rng, the console, then the network device if any (so that the others
 * keep their windows and GSIs with or without it), then one virtio-fs device
 * per shared directory. Then the command line that tells the kernel. */
static int add_virtio(struct machine *m, const struct vmm_config *cfg, struct sb_error *err)
{
	devmgr_init(&m->dm, m->vm.fd, &m->mmio, &m->loop);
	int r = devmgr_add(&m->dm, &m->rng.mmio, err);
	if (r == 0)
		r = devmgr_add(&m->dm, &m->con.mmio, err);
	if (r == 0)
		r = console_attach(&m->con, &m->loop, err);
	if (r == 0 && m->net)
		r = devmgr_add(&m->dm, &m->net->mmio, err);
	if (r == 0 && m->net)
		r = net_attach(m->net, &m->loop, err);
	for (unsigned i = 0; r == 0 && i < m->n_fs; i++) {
		r = devmgr_add(&m->dm, &m->fs[i]->mmio, err);
		if (r == 0)
			r = fs_attach(m->fs[i], &m->loop, err);
	}
	if (r == 0)
		r = devmgr_cmdline(&m->dm, cfg->cmdline, &m->cmdline, err);
	return r;
}

/* Devices, in a fixed order: console UART, the ABI ports, the reset
 * controller, then virtio. */
static int add_devices(struct machine *m, const struct vmm_config *cfg, struct sb_error *err)
{
	logring_init(&m->log, cfg->log_fd);
	uart_init(&m->uart, log_out, uart_irq, m);
	hostio_init(&m->hostio, cfg->stdout_fd, cfg->stderr_fd, &m->rs);
	i8042_init(&m->kbd, &m->rs);
	int r = bus_register(&m->pio, UART_COM1_BASE, UART_NREGS, &uart_ops, &m->uart, err);
	if (r == 0)
		r = bus_register(&m->pio, ABI_PORT_FIRST, ABI_PORT_COUNT, &hostio_ops, &m->hostio,
				 err);
	if (r == 0)
		r = bus_register(&m->pio, I8042_DATA_PORT, I8042_NPORTS, &i8042_ops, &m->kbd, err);
	if (r == 0)
		r = add_virtio(m, cfg, err);
	return r;
}

/* Event loop: a filtered thread was denied a system call (the SIGSYS
 * handler poked trapfd); end the VM, report() says which call. */
static void on_forbidden(void *ctx)
{
	struct machine *m = ctx;
	uint64_t v;

	if (read(m->trapfd, &v, sizeof(v)) == sizeof(v))
		runstate_fail(&m->rs, "a VMM thread made a forbidden system call (seccomp)");
}

/* First thing on the event-loop thread. */
static int enter_loop(void *ctx)
{
	struct machine *m = ctx;
	int r = sysfilter_enter(&m->filter, SYSFILTER_EVENTLOOP);

	if (r < 0)
		runstate_fail(&m->rs, "could not install the event loop's seccomp filter: %s",
			      strerror(-r));
	return r;
}

static void *build_filters(void *arg)
{
	struct machine *m = arg;
	m->filter_result =
	    sysfilter_build(&m->filter, m->filter_net, m->filter_process, &m->filter_err);
	return NULL;
}

/* Start building the seccomp programs (synchronously if no thread). */
static void start_filters(struct machine *m, const struct vmm_config *cfg)
{
	m->filter_net = cfg->net && cfg->net->start;
	m->filter_process = cfg->jail != NULL;
	if (thread_spawn(&m->filter_tid, build_filters, m) == 0)
		m->filter_pending = true;
	else
		build_filters(m);
}

static int join_filters(struct machine *m, struct sb_error *err)
{
	if (m->filter_pending) {
		pthread_join(m->filter_tid, NULL);
		m->filter_pending = false;
	}
	if (m->filter_result < 0 && err)
		*err = m->filter_err;
	return m->filter_result;
}

/* The seccomp filters of the guest-facing threads: built once, before any
 * of them starts (start_filters); each installs its own before it handles
 * guest input. */
static int add_filter(struct machine *m, struct sb_error *err)
{
	int r = join_filters(m, err);
	if (r < 0)
		return r;
	m->trapfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->trapfd < 0)
		return error_set(err, errno, "seccomp eventfd");
	r = eventloop_add(&m->loop, m->trapfd, on_forbidden, m, 1, err);
	if (r < 0)
		return r;
	m->loop.on_start = enter_loop;
	m->loop.on_start_ctx = m;
	return sysfilter_arm(m->trapfd, err);
}

/* The caller's jail, then the whole process's seccomp program, while this
 * thread is the only one (every thread started later inherits both). */
static int enter_jail(struct machine *m, const struct vmm_config *cfg, struct sb_error *err)
{
	int r = cfg->jail(cfg->jail_ctx, err);
	if (r < 0)
		return r;
	r = sysfilter_enter(&m->filter, SYSFILTER_PROCESS);
	if (r < 0)
		return error_set(err, -r, "seccomp: the process filter");
	return 0;
}

/* The network backend's thread, once the filters are armed (it installs
 * SYSFILTER_NET) and before the guest runs. */
static int start_net(struct machine *m, struct sb_error *err)
{
	const struct vmm_net *n = &m->net->cfg;
	if (!n->start)
		return 0;
	int r = n->start(n->ctx, &m->filter, err);
	if (r == 0)
		m->net_started = 1;
	return r;
}

static int add_vcpus(struct machine *m, unsigned n, int cfg_stats, struct sb_error *err)
{
	struct exit_ctx exits = {.pio = &m->pio, .mmio = &m->mmio, .rs = &m->rs};
	int r = arch_supported_cpuid(m->vm.kvm_fd, &m->cpuid, err);

	for (unsigned i = 0; r == 0 && i < n; i++) {
		r = vcpu_create(&m->vcpu[i], &m->vm, i, &exits, err);
		if (r < 0)
			break;
		m->nvcpus++;
		m->vcpu[i].stop_at_first_run = i == 0 && cfg_stats == VMM_STATS_FIRST_RUN;
		m->vcpu[i].filter = &m->filter;
		m->vcpu[i].pause = &m->pause;
		r = m->restored ? arch_vcpu_cpuid(m->vcpu[i].fd, &m->cpuid, i, n, err)
				: arch_vcpu_setup(m->vcpu[i].fd, &m->cpuid, i, n, &m->kernel, err);
	}
	return r;
}

/* The event loop first (vCPUs kick queues from their first instructions on),
 * then the vCPUs; returns once all vCPUs are done, with the loop stopped. */
static int start_vcpus(struct machine *m, const struct vmm_config *cfg, struct vmm_result *res,
		       struct sb_error *err)
{
	int r = vcpu_init_signals(err);

	if (r == 0)
		r = eventloop_start(&m->loop, err);
	pthread_mutex_lock(&m->lock);
	for (unsigned i = 0; r == 0 && i < m->nvcpus; i++)
		r = vcpu_start(&m->vcpu[i], err);
	pthread_mutex_unlock(&m->lock);
	if (r < 0)
		runstate_fail(&m->rs, "could not start every vCPU");
	else if (m->restored) /* init has been waiting for it since the save */
		console_release_config(&m->con);
	else if (cfg->snap_mem_fd > 0)
		save_on_request(m, cfg, res);
	for (unsigned i = 0; i < m->nvcpus; i++)
		vcpu_join(&m->vcpu[i]);
	eventloop_stop(&m->loop);
	return r;
}

static int check_config(const struct vmm_config *cfg, struct sb_error *err)
{
	if (!cfg->kernel || !cfg->cmdline)
		return error_set(err, EINVAL, "no kernel or command line");
	if (!cfg->vcpus || cfg->vcpus > VMM_MAX_VCPUS)
		return error_set(err, EINVAL, "vCPU count must be 1..%u", VMM_MAX_VCPUS);
	if (cfg->n_initrd && !cfg->initrd)
		return error_set(err, EINVAL, "no initrd list");
	if ((cfg->snap_mem_fd > 0 || cfg->restore_mem_fd > 0) && !cfg->config)
		return error_set(err, EINVAL, "snapshots need a run config on the control port");
	if (cfg->restore_mem_fd > 0 && !cfg->restore_state)
		return error_set(err, EINVAL, "a restore without a saved state");
	return 0;
}

/* The benchmark figures, taken after the vCPUs stopped and before anything is unmapped. */
static void measure(struct machine *m, struct vmm_result *res)
{
	struct rusage ru;

	res->stats.first_run_ns = m->nvcpus ? m->vcpu[0].first_run_ns : 0;
	res->stats.stop_ns = m->rs.stop_ns;
	memcpy(res->stats.uptime_us, m->con.uptime_us, sizeof(res->stats.uptime_us));
	res->stats.uptime_seen = m->con.uptime_seen;
	if (m->net) {
		const struct net_stats *ns = &m->net->stats;
		res->stats.net_tx_frames = ns->tx_frames;
		res->stats.net_tx_bytes = ns->tx_bytes;
		res->stats.net_tx_dropped = ns->tx_dropped;
		res->stats.net_tx_blocked = ns->tx_blocked;
		res->stats.net_tx_csum = ns->tx_csum;
		res->stats.net_rx_frames = ns->rx_frames;
		res->stats.net_rx_bytes = ns->rx_bytes;
		res->stats.net_rx_dropped = ns->rx_dropped;
	}
	for (unsigned i = 0; i < m->n_fs; i++) {
		const struct fs_stats *fs = &m->fs[i]->stats;
		res->stats.fs_requests += fs->requests;
		res->stats.fs_replies += fs->replies;
		res->stats.fs_malformed += fs->malformed;
		res->stats.fs_failed += fs->failed;
		res->stats.fs_bad_replies += fs->bad_replies;
		res->stats.fs_blocked += fs->blocked;
	}
	if (mem_resident(&m->vm.mem, &res->stats.guest_rss) < 0)
		res->stats.guest_rss = 0;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		res->stats.peak_rss = (uint64_t)ru.ru_maxrss * 1024; /* KiB on Linux */
}

static int report(struct machine *m, const struct vmm_config *cfg, struct vmm_result *res,
		  struct sb_error *err)
{
	char why[256];

	if (cfg->stats)
		measure(m, res);
	logring_tail(&m->log, res->last_log, sizeof(res->last_log));
	if (sysfilter_reason(why, sizeof(why)))
		return error_set(err, 0, "%s; the VM was stopped", why);
	if (m->rs.has_status) {
		res->status = m->rs.status;
		res->init_failed = m->rs.init_failed;
		return 0;
	}
	snprintf(res->reason, sizeof(res->reason), "%s",
		 m->rs.reason[0] ? m->rs.reason : "VM ended without a reason");
	return 1;
}

/* The network device's state (its scratch buffers make it large: its own allocation). */
static int add_net(struct machine *m, const struct vmm_net *cfg, struct sb_error *err)
{
	m->net = malloc(sizeof(*m->net));
	if (!m->net)
		return error_set(err, ENOMEM, "virtio-net");
	int r = net_init(m->net, &m->vm.mem, &m->rs, cfg, err);
	if (r < 0) {
		free(m->net);
		m->net = NULL;
	}
	return r;
}

/* The virtio-fs devices' state (each holds a table of chains and a reply buffer). */
static int add_fs(struct machine *m, const struct vmm_config *cfg, struct sb_error *err)
{
	if (cfg->n_fs > VMM_MAX_FS || (cfg->n_fs && !cfg->fs))
		return error_set(err, EINVAL, "at most %u shared directories", VMM_MAX_FS);
	for (unsigned i = 0; i < cfg->n_fs; i++) {
		struct fs *f = malloc(sizeof(*f));
		if (!f)
			return error_set(err, ENOMEM, "virtio-fs");
		int r = fs_init(f, &m->vm.mem, &m->rs, cfg->fs[i].tag, cfg->fs[i].sock, err);
		if (r == 0 && cfg->fs[i].data_pipe)
			fs_set_data_pipe(f, cfg->fs[i].data_fd);
		if (r == 0 && cfg->fs[i].wdata_max)
			fs_set_write_pipe(f, cfg->fs[i].wdata_fd, cfg->fs[i].wdata_max);
		if (r < 0) {
			free(f);
			return r;
		}
		m->fs[m->n_fs++] = f;
	}
	return 0;
}

static void machine_destroy(struct machine *m)
{
	join_filters(m, NULL);
	if (m->pagemap_fd >= 0)
		close(m->pagemap_fd);
	eventloop_destroy(&m->loop); /* no device callbacks after this */
	/* The backend's thread is filtered too: gone before SIGSYS is disarmed. */
	if (m->net_started && m->net->cfg.stop)
		m->net->cfg.stop(m->net->cfg.ctx);
	sysfilter_disarm();
	if (m->trapfd >= 0)
		close(m->trapfd);
	sysfilter_free(&m->filter);
	devmgr_destroy(&m->dm);
	console_destroy(&m->con);
	rng_destroy(&m->rng);
	if (m->net) {
		net_destroy(m->net);
		free(m->net);
	}
	for (unsigned i = 0; i < m->n_fs; i++) {
		fs_destroy(m->fs[i]);
		free(m->fs[i]);
	}
	free(m->cmdline);
	for (unsigned i = 0; i < m->nvcpus; i++)
		vcpu_destroy(&m->vcpu[i]);
	bus_destroy(&m->pio);
	bus_destroy(&m->mmio);
	vm_destroy(&m->vm);
	runstate_destroy(&m->rs);
	pthread_mutex_destroy(&m->lock);
	pthread_mutex_destroy(&m->log_lock);
	vcpu_pause_destroy(&m->pause);
	pthread_cond_destroy(&m->snap_cond);
	pthread_mutex_destroy(&m->snap_lock);
	free(m);
}

/* /proc/self/pagemap without page frame numbers: the kernel shows them to a
 * reader that had CAP_SYS_ADMIN when it opened the file (a root VMM before
 * its jail), so the capability leaves this thread's effective set for the
 * open. The fd, or -errno. */
static int open_pagemap(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct had[2], less[2];
	if (syscall(SYS_capget, &h, had) < 0)
		return -errno;
	memcpy(less, had, sizeof(less));
	less[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	if (syscall(SYS_capset, &h, less) < 0)
		return -errno;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int e = errno;
	if (syscall(SYS_capset, &h, had) < 0 && fd >= 0) {
		e = errno;
		close(fd);
		fd = -1;
	}
	return fd < 0 ? -e : fd;
}

/* A restore's working set: read ahead what earlier restores touched, or
 * get ready to record it (pagemap opened before the jail takes /proc away). */
static int prefetch(struct machine *m, const struct vmm_config *cfg, struct vmm_result *res,
		    struct sb_error *err)
{
	if (cfg->n_prefetch && !cfg->restore_copy) {
		uint64_t t0 = now_ns();
		res->stats.prefetch_pages = vmsnap_prefetch(
		    &m->vm.mem, cfg->prefetch, cfg->n_prefetch, cfg->prefetch_populate);
		res->stats.prefetch_ns = now_ns() - t0;
	}
	if (cfg->workset_fd > 0 && !cfg->restore_copy) {
		m->pagemap_fd = open_pagemap();
		if (m->pagemap_fd < 0)
			return error_set(err, -m->pagemap_fd, "working set: /proc/self/pagemap");
	}
	return 0;
}

/* The working set once the vCPUs are done, before RAM is unmapped. */
static void record_workset(struct machine *m, const struct vmm_config *cfg, struct vmm_result *res)
{
	struct sb_error err = {0};
	if (m->pagemap_fd < 0)
		return;
	if (vmsnap_record_workset(&m->vm.mem, m->pagemap_fd, cfg->workset_fd,
				  &res->stats.workset_pages, &err) < 0)
		res->stats.workset_pages = 0;
	close(m->pagemap_fd);
	m->pagemap_fd = -1;
}

/* The saved VM over the fresh one; what does not fit is -ESTALE (boot cold). */
static int restore(struct machine *m, const struct vmm_config *cfg, struct vmm_result *res,
		   struct sb_error *err)
{
	uint64_t t0 = now_ns();
	int r = vmsnap_restore(m, cfg->restore_state, cfg->restore_state_len, err);
	res->stats.restore_state_ns = now_ns() - t0;
	if (r < 0) {
		char why[sizeof(err->msg)];
		memcpy(why, err->msg, sizeof(why));
		return error_set(err, ESTALE, "%s", why);
	}
	return 0;
}

int vmm_run(const struct vmm_config *cfg, struct vmm_result *res, struct sb_error *err)
{
	memset(res, 0, sizeof(*res));
	int r = check_config(cfg, err);
	if (r < 0)
		return r;
	struct machine *m = calloc(1, sizeof(*m));
	if (!m)
		return error_set(err, ENOMEM, "allocate VM");
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->log_lock, NULL);
	vcpu_pause_init(&m->pause);
	pthread_mutex_init(&m->snap_lock, NULL);
	pthread_cond_init(&m->snap_cond, NULL);
	m->restored = cfg->restore_mem_fd > 0;
	m->pagemap_fd = -1;
	runstate_init(&m->rs, kick, m);
	m->loop.epfd = m->loop.wakefd = -1; /* destroyable before eventloop_init */
	m->trapfd = -1;
	/* Device state holds no resources: set up here, destroyed in any case. */
	const struct console_io io = {
	    .stdin_fd = cfg->stdin_fd,
	    .stdout_fd = cfg->stdout_fd,
	    .stderr_fd = cfg->stderr_fd,
	    .ctl_fd = cfg->ctl_fd,
	    .exec_fd = cfg->exec_fd,
	    .config = cfg->config,
	    .config_len = cfg->config_len,
	    .config_wait = cfg->snap_mem_fd > 0 ? config_wait : NULL,
	    .config_wait_ctx = m,
	    .log = log_out,
	    .log_ctx = m,
	};
	rng_init(&m->rng, &m->vm.mem, &m->rs);
	console_init(&m->con, &m->vm.mem, &m->rs, &io);
	bus_init(&m->pio, BUS_PIO);
	bus_init(&m->mmio, BUS_MMIO);
	/* Guest RAM is registered with KVM in the background meanwhile, and that
	 * holds KVM's slot lock, which ioeventfds need too: the payload first. */
	start_filters(m, cfg);
	r = vm_create(&m->vm, cfg->mem_bytes, m->restored ? cfg->restore_mem_fd : -1,
		      cfg->restore_copy, err);
	if (r == 0 && m->restored && cfg->jail) /* mapped: a jailed VMM keeps no cache file */
		close(cfg->restore_mem_fd);
	if (r == 0 && m->restored)
		r = prefetch(m, cfg, res, err);
	if (r == 0 && cfg->net)
		r = add_net(m, cfg->net, err);
	if (r == 0)
		r = add_fs(m, cfg, err);
	if (r == 0 && !m->restored)
		r = load_guest(m, cfg, err);
	if (r == 0)
		r = eventloop_init(&m->loop, err);
	if (r == 0)
		r = add_devices(m, cfg, err); /* they extend the command line */
	if (r == 0)
		r = add_filter(m, err);
	if (r == 0)
		r = vm_wait_ready(&m->vm, err); /* its thread is gone: we are alone */
	if (r == 0 && cfg->jail)
		r = enter_jail(m, cfg, err);
	if (r == 0 && m->net)
		r = start_net(m, err);
	if (r == 0 && !m->restored)
		r = arch_write_boot_info(&m->vm.mem, &m->kernel, m->cmdline, m->initrd_gpa,
					 m->initrd_size, cfg->vcpus, err);
	if (r == 0)
		r = add_vcpus(m, cfg->vcpus, cfg->stats, err);
	if (r == 0 && m->restored)
		r = restore(m, cfg, res, err);
	if (r == 0)
		r = start_vcpus(m, cfg, res, err);
	if (r == 0)
		record_workset(m, cfg, res);
	if (r == 0)
		r = report(m, cfg, res, err);
	machine_destroy(m);
	return r;
}
