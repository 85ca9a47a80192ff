/* sandbox run's snapshots: which runs can use one, the key of a run's VM, and what to do after. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/x86_64/vstate.h"
#include "cleanup.h"
#include "run_snap.h"
#include "version.h"

/* Why a run's VM cannot be saved or restored, or NULL when it can. */
static const char *unsuitable(const struct run_opts *o, const struct vmm_config *cfg)
{
	const char *env = getenv("SANDBOX_SNAPSHOT");
	if (o->no_snapshot)
		return "--no-snapshot";
	if (env && strcmp(env, "off") == 0)
		return "SANDBOX_SNAPSHOT=off";
	if (o->hold || o->n_extra_files) /* its bundle's root is packed anew each time */
		return "sandbox-runtime";
	if (cfg->stats == VMM_STATS_FIRST_RUN)
		return "SANDBOX_STATS=first-run";
	if (!cfg->config)
		return "no run config to send";
	return NULL;
}

/* This binary (the VMM that saves and restores) and the host's CPU and KVM. */
static int identities(uint8_t *build, size_t *build_len, uint8_t *host, size_t *host_len)
{
	struct stat st;
	if (stat("/proc/self/exe", &st) < 0)
		return -errno;
	int n = snprintf((char *)build, *build_len, "%s %llu %llu %lld %lld.%09ld", SANDBOX_VERSION,
			 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
			 (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	if (n < 0 || (size_t)n >= *build_len)
		return -ENAMETOOLONG;
	*build_len = (size_t)n;
	cleanup_close int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return -errno;
	*host_len = vstate_host_id(kvm, -1, host, *host_len);
	return 0;
}

/* A restore's working set: the snapshot's, to prefetch; or, when it has
 * none (or a damaged one, removed), a file for this run to record it in. */
static void prepare_workset(struct run_snap *s, struct vmm_config *cfg)
{
	const char *how = getenv("SANDBOX_SNAPSHOT_PREFETCH");
	struct sb_error err = {0};
	if (cfg->restore_copy || (how && strcmp(how, "off") == 0))
		return;
	int r = workset_load(s->hit.dir, cfg->mem_bytes, &s->ws, &err);
	if (r == 0) {
		cfg->prefetch = s->ws.r;
		cfg->n_prefetch = s->ws.n;
		cfg->prefetch_populate = how && strcmp(how, "populate") == 0;
		return;
	}
	if (r != -ENOENT)
		workset_discard(s->hit.dir);
	s->ws_fd = workset_record_begin(s->hit.dir);
	if (s->ws_fd >= 0)
		cfg->workset_fd = s->ws_fd;
}

/* The recorded working set kept (a run that ended well) or dropped. */
static void finish_workset(struct run_snap *s, int r, const struct vmm_result *res,
			   struct vmm_config *cfg, char *note, size_t size)
{
	const struct vmm_stats *st = &res->stats;
	struct sb_error err = {0};
	if (s->ws_fd >= 0 && r >= 0 && st->workset_pages &&
	    workset_record_commit(s->hit.dir, s->ws_fd, cfg->mem_bytes, &err) == 0)
		snprintf(note, size, "; working set of %llu pages recorded",
			 (unsigned long long)st->workset_pages);
	else if (s->ws_fd >= 0)
		workset_record_abort(s->hit.dir, s->ws_fd);
	else if (cfg->n_prefetch)
		snprintf(note, size, "; %llu pages %s in %.1f ms",
			 (unsigned long long)st->prefetch_pages,
			 cfg->prefetch_populate ? "mapped in" : "read ahead",
			 (double)st->prefetch_ns / 1e6);
	s->ws_fd = -1;
	workset_free(&s->ws);
	cfg->workset_fd = 0;
	cfg->prefetch = NULL;
	cfg->n_prefetch = 0;
}

void run_snap_prepare(struct run_snap *s, const struct run_opts *o, const struct run_snap_input *in,
		      struct vmm_config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->hit.mem_fd = s->made.mem_fd = s->made.state_fd = -1;
	s->ws_fd = -1;
	s->made.dir_fd = s->made.lock_fd = -1;
	const char *no = in->cache && in->cache[0] ? unsuitable(o, cfg) : "no image cache";
	if (no) {
		snprintf(s->why, sizeof(s->why), "%s", no);
		return;
	}
	struct sb_error err = {0};
	uint64_t max_age = 0;
	if (snapshot_max_age_from_env(getenv("SANDBOX_SNAPSHOT_MAX_AGE"), &max_age, &err) < 0) {
		snprintf(s->why, sizeof(s->why), "%.200s", err.msg);
		return;
	}
	uint8_t build[256], host[1024];
	size_t build_len = sizeof(build), host_len = sizeof(host);
	int r = identities(build, &build_len, host, &host_len);
	if (r < 0) {
		snprintf(s->why, sizeof(s->why), "no identity of this host: %s", strerror(-r));
		return;
	}
	char devices[128];
	const struct vmm_net *net = cfg->net;
	snprintf(devices, sizeof(devices),
		 "net=%s mac=%02x:%02x:%02x:%02x:%02x:%02x mtu=%u fs=%u exec=%d stdin=%d",
		 !net	    ? "none"
		 : net->tap ? "tap"
			    : "user",
		 net ? net->mac[0] : 0, net ? net->mac[1] : 0, net ? net->mac[2] : 0,
		 net ? net->mac[3] : 0, net ? net->mac[4] : 0, net ? net->mac[5] : 0,
		 net ? net->mtu : 0, cfg->n_fs, cfg->exec_fd > 0, o->interactive || o->tty);
	const struct snapshot_key_input k = {
	    .vmm_build = build,
	    .vmm_build_len = build_len,
	    .kernel_path = in->kernel,
	    .init_path = in->init,
	    .image_path = in->image_path,
	    .cmdline = cfg->cmdline,
	    .vcpus = cfg->vcpus,
	    .mem_bytes = cfg->mem_bytes,
	    .devices = devices,
	    .host_id = host,
	    .host_id_len = host_len,
	    .extra_initrd = in->run_archive,
	    .extra_initrd_len = in->run_archive_len,
	};
	snprintf(s->cache, sizeof(s->cache), "%s", in->cache);
	if (snapshot_key(&k, s->key, &err) < 0) {
		snprintf(s->why, sizeof(s->why), "%.200s", err.msg);
		return;
	}
	r = snapshot_open(s->cache, s->key, cfg->mem_bytes, max_age, &s->hit, &err);
	if (r == 0) {
		s->mode = RUN_SNAP_RESTORE;
		cfg->restore_mem_fd = s->hit.mem_fd;
		cfg->restore_state = s->hit.state;
		cfg->restore_state_len = s->hit.state_len;
		const char *how = getenv("SANDBOX_SNAPSHOT_MEMORY");
		cfg->restore_copy = how && strcmp(how, "copy") == 0;
		prepare_workset(s, cfg);
		return;
	}
	if (r != -ENOENT || err.msg[0]) /* damaged, or expired: say so */
		snprintf(s->why, sizeof(s->why), "%.200s", err.msg);
	if (r != -ENOENT)
		snapshot_discard(s->cache, s->key);
	struct sb_error berr = {0};
	r = snapshot_begin(s->cache, s->key, cfg->mem_bytes, &s->made, &berr);
	if (r < 0) {
		snprintf(s->why, sizeof(s->why), "%.200s",
			 r == -EBUSY ? "another run is saving this VM" : berr.msg);
		return;
	}
	s->mode = RUN_SNAP_SAVE;
	cfg->snap_mem_fd = s->made.mem_fd;
	cfg->snap_state_fd = s->made.state_fd;
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

bool run_snap_finish(struct run_snap *s, const struct run_opts *o, int r,
		     const struct vmm_result *res, struct vmm_config *cfg)
{
	const struct vmm_stats *st = &res->stats;
	struct sb_error err = {0};
	switch (s->mode) {
	case RUN_SNAP_OFF:
		if (o->debug)
			fprintf(stderr, "sandbox: snapshot: cold boot (%s)\n", s->why);
		return false;
	case RUN_SNAP_RESTORE: {
		char note[96] = "";
		finish_workset(s, r, res, cfg, note, sizeof(note));
		snapshot_hit_close(&s->hit);
		cfg->restore_mem_fd = 0;
		cfg->restore_state = NULL;
		cfg->restore_state_len = 0;
		s->mode = RUN_SNAP_OFF;
		if (r == -ESTALE) {
			snapshot_discard(s->cache, s->key);
			snprintf(s->why, sizeof(s->why), "snapshot %.12s did not fit, discarded",
				 s->key);
			return true;
		}
		if (o->debug)
			fprintf(stderr, "sandbox: snapshot: restored %.12s (state %.1f ms%s)\n",
				s->key, ms(st->restore_state_ns), note);
		return false;
	}
	case RUN_SNAP_SAVE:
		cfg->snap_mem_fd = cfg->snap_state_fd = 0;
		s->mode = RUN_SNAP_OFF;
		if (r < 0 || !res->snap_saved) {
			snapshot_abort(&s->made);
			if (o->debug)
				fprintf(stderr, "sandbox: snapshot: none saved (%s)\n",
					res->snap_note[0] ? res->snap_note : "the VM failed");
			return false;
		}
		if (snapshot_commit(&s->made, &err) < 0) {
			if (o->debug)
				fprintf(stderr, "sandbox: snapshot: not kept: %s\n", err.msg);
			return false;
		}
		if (o->debug)
			fprintf(stderr,
				"sandbox: snapshot: saved %.12s (%.1f MiB of RAM in %.1f ms; VM "
				"paused %.1f ms)%s%s\n",
				s->key, (double)st->snap_mem_bytes / (1 << 20), ms(st->snap_mem_ns),
				ms(st->snap_pause_ns), s->why[0] ? "; " : "", s->why);
		return false;
	}
	return false;
}
