/* Saving a paused machine into a snapshot, and putting one back in place of a boot. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86_64/vstate.h"
#include "machine.h"
#include "snapshot/workset.h"
#include "snapstate.h"

#define PAGE 4096u
#define MINCORE_CHUNK (16u << 20) /* RAM per mincore call: 4096 pages */
#define PAGEMAP_CHUNK 4096u	  /* pagemap entries per read: 16 MiB of RAM */

/* The machine's shape: a snapshot restores only onto the same one. */
struct shape {
	uint64_t mem_bytes;
	uint32_t vcpus, n_virtio;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int all_zero(const uint8_t *p)
{
	static const uint8_t zero[PAGE];
	return memcmp(p, zero, PAGE) == 0;
}

static int write_all(int fd, const uint8_t *p, size_t len, uint64_t off, struct sb_error *err)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error_set(err, n < 0 ? errno : EIO, "snapshot: write");
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* Guest RAM into fd at the same offsets (the file is mem_bytes long and
 * sparse): pages never touched (not resident) and pages of zeroes are
 * skipped, runs of the others written in one call each. */
static int save_memory(const struct vm_mem *mem, int fd, uint64_t *written, struct sb_error *err)
{
	static unsigned char vec[MINCORE_CHUNK / PAGE];
	*written = 0;
	for (uint64_t base = 0; base < mem->size; base += MINCORE_CHUNK) {
		uint64_t len = mem->size - base < MINCORE_CHUNK ? mem->size - base : MINCORE_CHUNK;
		if (mincore(mem->base + base, len, vec) < 0)
			return error_set(err, errno, "snapshot: mincore");
		uint64_t run = 0, run_len = 0; /* pending run of non-zero pages */
		for (uint64_t i = 0; i <= len / PAGE; i++) {
			uint64_t off = base + i * PAGE;
			int keep = i < len / PAGE && (vec[i] & 1) && !all_zero(mem->base + off);
			if (keep && !run_len)
				run = off;
			if (keep) {
				run_len += PAGE;
				continue;
			}
			if (run_len) {
				int r = write_all(fd, mem->base + run, run_len, run, err);
				if (r < 0)
					return r;
				*written += run_len;
				run_len = 0;
			}
		}
	}
	return 0;
}

static void put_shape(struct machine *m, struct snap_w *w)
{
	struct shape s = {.mem_bytes = m->vm.mem.size, .vcpus = m->nvcpus, .n_virtio = m->dm.n};
	snap_put(w, SNAP_TAG(SNAP_OWN_MACHINE, 1), &s, sizeof(s));
}

/* The event loop stays out of the virtio devices (and guest RAM) while held. */
static void hold_devices(struct machine *m, int hold)
{
	pthread_mutex_t *locks[3 + VMM_MAX_FS];
	unsigned n = 0;
	locks[n++] = &m->rng.mmio.lock;
	locks[n++] = &m->con.mmio.lock;
	if (m->net)
		locks[n++] = &m->net->mmio.lock;
	for (unsigned i = 0; i < m->n_fs; i++)
		locks[n++] = &m->fs[i]->mmio.lock;
	for (unsigned i = 0; i < n; i++)
		if (hold)
			pthread_mutex_lock(locks[i]);
		else
			pthread_mutex_unlock(locks[n - 1 - i]);
}

/* Devices in a fixed order; the caller holds them. */
static int save_devices(struct machine *m, struct snap_w *w, struct sb_error *err)
{
	uart_save(&m->uart, w);
	i8042_save(&m->kbd, w);
	virtio_mmio_save(&m->rng.mmio, w);
	console_save(&m->con, w);
	if (m->net)
		net_save(m->net, w);
	for (unsigned i = 0; i < m->n_fs; i++)
		if (fs_save(m->fs[i], w) < 0)
			return error_set(err, EBUSY, "snapshot: shared directory %u is in use", i);
	return 0;
}

int vmsnap_save(struct machine *m, int mem_fd, int state_fd, struct vmm_stats *st,
		struct sb_error *err)
{
	struct snap_w w;
	snap_w_init(&w, err);
	put_shape(m, &w);
	int r = vstate_save_vm(m->vm.fd, &w, err);
	for (unsigned i = 0; r == 0 && i < m->nvcpus; i++)
		r = vstate_save_vcpu(m->vm.kvm_fd, m->vcpu[i].fd, &w, err);
	hold_devices(m, 1);
	if (r == 0)
		r = save_devices(m, &w, err);
	if (r == 0 && w.failed)
		r = w.failed;
	uint64_t t0 = now_ns();
	if (r == 0)
		r = save_memory(&m->vm.mem, mem_fd, &st->snap_mem_bytes, err);
	st->snap_mem_ns = now_ns() - t0;
	hold_devices(m, 0);
	if (r == 0)
		r = write_all(state_fd, w.buf, w.len, 0, err);
	snap_w_free(&w);
	return r;
}

int vmsnap_restore(struct machine *m, const void *state, size_t len, struct sb_error *err)
{
	struct snap_r rd;
	struct shape s;
	snap_r_init(&rd, state, len, err);
	int r = snap_take(&rd, SNAP_TAG(SNAP_OWN_MACHINE, 1), &s, sizeof(s));
	if (r == 0 &&
	    (s.mem_bytes != m->vm.mem.size || s.vcpus != m->nvcpus || s.n_virtio != m->dm.n))
		r = error_set(err, EINVAL, "snapshot: made for another VM shape");
	if (r == 0)
		r = vstate_restore_vm(m->vm.fd, &rd, err);
	struct vstate_tsc tsc = {0};
	for (unsigned i = 0; r == 0 && i < m->nvcpus; i++)
		r = vstate_restore_vcpu(m->vm.kvm_fd, m->vcpu[i].fd, &rd, &tsc, err);
	if (r == 0)
		r = uart_restore(&m->uart, &rd);
	if (r == 0)
		r = i8042_restore(&m->kbd, &rd);
	if (r == 0)
		r = virtio_mmio_restore(&m->rng.mmio, &rd);
	if (r == 0)
		r = console_restore(&m->con, &rd);
	if (r == 0 && m->net)
		r = net_restore(m->net, &rd);
	for (unsigned i = 0; r == 0 && i < m->n_fs; i++)
		r = fs_restore(m->fs[i], &rd);
	if (r == 0)
		r = snap_r_end(&rd);
	return r;
}

uint64_t vmsnap_prefetch(const struct vm_mem *mem, const struct workset_range *r, size_t n,
			 bool populate)
{
	uint64_t pages = 0, max = mem->size / PAGE;
	for (size_t i = 0; i < n; i++) {
		if (r[i].first >= max || r[i].pages > max - r[i].first)
			continue; /* the caller checked; never past the mapping */
		if (madvise(mem->base + r[i].first * PAGE, r[i].pages * PAGE,
			    populate ? MADV_POPULATE_READ : MADV_WILLNEED) == 0)
			pages += r[i].pages;
	}
	return pages;
}

int vmsnap_record_workset(const struct vm_mem *mem, int pagemap_fd, int out_fd, uint64_t *pages,
			  struct sb_error *err)
{
	static uint64_t pm[PAGEMAP_CHUNK];
	struct workset ws = {0};
	uint64_t first = (uint64_t)(uintptr_t)mem->base / PAGE, n = mem->size / PAGE;
	int r = 0;

	*pages = 0;
	for (uint64_t p = 0; r == 0 && p < n; p += PAGEMAP_CHUNK) {
		size_t k = n - p < PAGEMAP_CHUNK ? (size_t)(n - p) : PAGEMAP_CHUNK;
		ssize_t got =
		    pread(pagemap_fd, pm, k * sizeof(pm[0]), (off_t)((first + p) * sizeof(pm[0])));
		if (got != (ssize_t)(k * sizeof(pm[0])))
			r = error_set(err, got < 0 ? errno : EIO, "working set: read pagemap");
		else if (workset_add_pagemap(&ws, p, pm, k) < 0)
			r = error_set(err, ENOMEM, "working set");
	}
	uint8_t *buf = NULL;
	size_t len = 0;
	if (r == 0 && workset_encode(&ws, mem->size, &buf, &len) < 0)
		r = error_set(err, ENOMEM, "working set: encode");
	if (r == 0)
		r = write_all(out_fd, buf, len, 0, err);
	if (r == 0)
		*pages = workset_pages(&ws);
	free(buf);
	workset_free(&ws);
	return r;
}
