/* x86_64 KVM state of a paused VM and its vCPUs, saved to and restored from snapshot records. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>

#include "vstate.h"

#define MSR_IA32_TSC 0x10u
#define MSR_IA32_TSC_DEADLINE 0x6e0u
#define MSR_LIST_MAX 4096u /* KVM lists a few hundred; more is a broken answer */
#define MSR_IO_MAX 255u	   /* KVM_GET/SET_MSRS refuse MAX_IO_MSRS (256) or more at once */
#define CPUID_ENTRIES 256u /* as cpuid.h's table */

/* Records, in the order they are written and read back. */
enum vcpu_rec {
	R_TSC_KHZ = 1,
	R_MP_STATE,
	R_REGS,
	R_SREGS,
	R_XSAVE,
	R_XCRS,
	R_DEBUGREGS,
	R_LAPIC,
	R_MSR_COUNT,
	R_MSRS,
	R_EVENTS,
};
enum vm_rec { V_PIT2 = 1, V_PIC_MASTER, V_PIC_SLAVE, V_IOAPIC, V_CLOCK };
#define TAG_VCPU(what) SNAP_TAG(SNAP_OWN_VCPU, what)
#define TAG_VM(what) SNAP_TAG(SNAP_OWN_VM, what)

/* A fixed-size vCPU record and the ioctls that fill and apply it. */
struct fixed_rec {
	uint32_t what;
	unsigned long get, set;
	size_t size;
	const char *get_name, *set_name;
};
#define REC(what, name, type)                                                                      \
	{                                                                                          \
		what, KVM_GET_##name, KVM_SET_##name, sizeof(type), "KVM_GET_" #name,              \
		    "KVM_SET_" #name                                                               \
	}

/* MP_STATE first: KVM_GET_MP_STATE accepts pending INIT/SIPI into the LAPIC. */
static const struct fixed_rec regs_recs[] = {
    REC(R_MP_STATE, MP_STATE, struct kvm_mp_state),
    REC(R_REGS, REGS, struct kvm_regs),
    REC(R_SREGS, SREGS, struct kvm_sregs),
};
/* LAPIC after SREGS (which holds the APIC base) and before the MSRs (the TSC
 * deadline only takes with the LAPIC timer in deadline mode). */
static const struct fixed_rec apic_recs[] = {
    REC(R_XCRS, XCRS, struct kvm_xcrs),
    REC(R_DEBUGREGS, DEBUGREGS, struct kvm_debugregs),
    REC(R_LAPIC, LAPIC, struct kvm_lapic_state),
};
/* Events last: KVM_SET_REGS drops a pending exception that these restore. */
static const struct fixed_rec event_recs[] = {
    REC(R_EVENTS, VCPU_EVENTS, struct kvm_vcpu_events),
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

union fixed_buf {
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xcrs xcrs;
	struct kvm_debugregs dregs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
};

/* KVM_GET_MSRS/KVM_SET_MSRS take the header and up to MSR_IO_MAX entries in one piece. */
static struct kvm_msrs *msr_chunk_new(void)
{
	return malloc(sizeof(struct kvm_msrs) + MSR_IO_MAX * sizeof(struct kvm_msr_entry));
}

/* The writer's or reader's sticky failure, its message copied into err. */
static int w_result(const struct snap_w *w, struct sb_error *err)
{
	if (w->failed && err && w->err && w->err != err)
		*err = *w->err;
	return w->failed;
}

static int r_result(const struct snap_r *r, struct sb_error *err)
{
	if (r->failed && err && r->err && r->err != err)
		*err = *r->err;
	return r->failed ? r->failed : -EINVAL;
}

/* --- pure helpers ------------------------------------------------------ */

static int never_saved(uint32_t i)
{
	if (i >= 0x40000000u && i <= 0x400000ffu)
		return 1; /* Hyper-V synthetic MSRs: the guest sees KVM, not Hyper-V */
	if (i >= 0x480u && i <= 0x491u)
		return 1; /* VMX capabilities: KVM derives them from the CPUID */
	return 0;
}

static int listed(const uint32_t *a, size_t n, uint32_t v)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] == v)
			return 1;
	return 0;
}

size_t vstate_msr_select(uint32_t *idx, size_t n, const uint32_t *skip, size_t nskip)
{
	size_t out = 0;
	int deadline = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t m = idx[i];
		if (never_saved(m) || listed(skip, nskip, m) || listed(idx, out, m))
			continue;
		if (m == MSR_IA32_TSC_DEADLINE)
			deadline = 1;
		else
			idx[out++] = m;
	}
	if (deadline)
		idx[out++] = MSR_IA32_TSC_DEADLINE;
	return out;
}

int vstate_msr_check(const struct kvm_msr_entry *e, size_t n, uint32_t *bad)
{
	int tsc = 0;

	*bad = 0;
	if (n > VSTATE_MSR_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		*bad = e[i].index;
		if (e[i].reserved)
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (e[j].index == e[i].index)
				return -EINVAL;
		if (e[i].index == MSR_IA32_TSC)
			tsc = 1;
		/* TSC_DEADLINE before a TSC: the deadline would be judged against the old TSC */
		if (e[i].index == MSR_IA32_TSC_DEADLINE && !tsc)
			for (size_t j = i + 1; j < n; j++)
				if (e[j].index == MSR_IA32_TSC)
					return -EINVAL;
	}
	*bad = 0;
	return 0;
}

void vstate_msr_fix_deadline(struct kvm_msr_entry *e, size_t n)
{
	uint64_t tsc = 0;
	int have = 0;

	for (size_t i = 0; i < n; i++)
		if (e[i].index == MSR_IA32_TSC && (!have || e[i].data > tsc)) {
			tsc = e[i].data;
			have = 1;
		}
	for (size_t i = 0; have && i < n; i++)
		if (e[i].index == MSR_IA32_TSC_DEADLINE && e[i].data == 0)
			e[i].data = tsc;
}

int vstate_tsc_khz_close(uint32_t want, uint32_t have)
{
	int64_t diff = (int64_t)have - (int64_t)want;

	if (diff < 0)
		diff = -diff;
	return diff <= (int64_t)want * 250 / 1000000;
}

/* --- fixed-size vCPU records ------------------------------------------- */

static int save_fixed(int fd, const struct fixed_rec *t, size_t n, struct snap_w *w,
		      struct sb_error *err)
{
	union fixed_buf u;

	for (size_t i = 0; i < n; i++) {
		memset(&u, 0, sizeof(u));
		if (ioctl(fd, t[i].get, &u) < 0)
			return error_set(err, errno, "%s", t[i].get_name);
		snap_put(w, TAG_VCPU(t[i].what), &u, t[i].size);
	}
	return w_result(w, err);
}

static int restore_fixed(int fd, const struct fixed_rec *t, size_t n, struct snap_r *r,
			 struct sb_error *err)
{
	union fixed_buf u;

	for (size_t i = 0; i < n; i++) {
		memset(&u, 0, sizeof(u));
		if (snap_take(r, TAG_VCPU(t[i].what), &u, t[i].size) < 0)
			return r_result(r, err);
		if (ioctl(fd, t[i].set, &u) < 0)
			return error_set(err, errno, "%s", t[i].set_name);
	}
	return 0;
}

/* --- XSAVE ------------------------------------------------------------- */

/* The XSAVE area's size: KVM_CAP_XSAVE2's answer (KVM_GET_XSAVE2 fills that
 * much), or KVM_GET_XSAVE's 4 KiB on kernels without it. */
static size_t xsave_size(int kvm_fd, int *v2)
{
	int n = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);

	*v2 = n > 0;
	return n > (int)sizeof(struct kvm_xsave) ? (size_t)n : sizeof(struct kvm_xsave);
}

static int save_xsave(int kvm_fd, int vcpu_fd, struct snap_w *w, struct sb_error *err)
{
	int v2;
	size_t size = xsave_size(kvm_fd, &v2);

	if (size > SNAP_RECORD_MAX)
		return error_set(err, EFBIG, "XSAVE area of %zu bytes", size);
	void *x = calloc(1, size);
	if (!x)
		return error_set(err, ENOMEM, "XSAVE area");
	int r = 0;
	if (ioctl(vcpu_fd, v2 ? KVM_GET_XSAVE2 : KVM_GET_XSAVE, x) < 0)
		r = error_set(err, errno, v2 ? "KVM_GET_XSAVE2" : "KVM_GET_XSAVE");
	else
		snap_put(w, TAG_VCPU(R_XSAVE), x, size);
	free(x);
	return r < 0 ? r : w_result(w, err);
}

/* The record must be exactly this host's XSAVE size: KVM_SET_XSAVE reads as
 * many bytes as the vCPU's area holds, up to that size. */
static int restore_xsave(int kvm_fd, int vcpu_fd, struct snap_r *r, struct sb_error *err)
{
	int v2;
	size_t size = xsave_size(kvm_fd, &v2);

	if (size > SNAP_RECORD_MAX)
		return error_set(err, EFBIG, "XSAVE area of %zu bytes", size);
	void *x = calloc(1, size);
	if (!x)
		return error_set(err, ENOMEM, "XSAVE area");
	int e = 0;
	if (snap_take(r, TAG_VCPU(R_XSAVE), x, size) < 0)
		e = r_result(r, err);
	else if (ioctl(vcpu_fd, KVM_SET_XSAVE, x) < 0)
		e = error_set(err, errno, "KVM_SET_XSAVE");
	free(x);
	return e;
}

/* --- MSRs -------------------------------------------------------------- */

/* KVM_GET_MSR_INDEX_LIST or KVM_GET_MSR_FEATURE_INDEX_LIST: a malloc'd array
 * (NULL when empty). 0 or -errno. */
static int msr_list(int kvm_fd, unsigned long req, uint32_t **out, size_t *n)
{
	struct kvm_msr_list probe = {.nmsrs = 0};

	*out = NULL;
	*n = 0;
	if (ioctl(kvm_fd, req, &probe) == 0)
		return 0; /* nothing listed */
	if (errno != E2BIG)
		return -errno;
	if (probe.nmsrs > MSR_LIST_MAX)
		return -E2BIG;
	struct kvm_msr_list *l = malloc(sizeof(*l) + probe.nmsrs * sizeof(uint32_t));
	if (!l)
		return -ENOMEM;
	l->nmsrs = probe.nmsrs;
	if (ioctl(kvm_fd, req, l) < 0) {
		int e = -errno;
		free(l);
		return e;
	}
	size_t count = l->nmsrs < probe.nmsrs ? l->nmsrs : probe.nmsrs;
	uint32_t *idx = malloc((count ? count : 1) * sizeof(uint32_t));
	if (idx && count)
		memcpy(idx, l->indices, count * sizeof(uint32_t));
	free(l);
	if (!idx)
		return -ENOMEM;
	*out = idx;
	*n = count;
	return 0;
}

/* Read e[0..*n) in chunks; an MSR KVM will not read is dropped from the
 * list (KVM_GET_MSRS stops at it and returns how many it read). */
static int get_msrs(int fd, struct kvm_msr_entry *e, size_t *n, struct sb_error *err)
{
	struct kvm_msrs *c = msr_chunk_new();
	size_t done = 0;

	if (!c)
		return error_set(err, ENOMEM, "MSR buffer");
	while (done < *n) {
		size_t k = *n - done < MSR_IO_MAX ? *n - done : MSR_IO_MAX;
		c->nmsrs = (uint32_t)k;
		c->pad = 0;
		memcpy(c->entries, e + done, k * sizeof(*e));
		int got = ioctl(fd, KVM_GET_MSRS, c);
		if (got < 0 || (size_t)got > k) {
			int r = error_set(err, got < 0 ? errno : EINVAL, "KVM_GET_MSRS");
			free(c);
			return r;
		}
		memcpy(e + done, c->entries, (size_t)got * sizeof(*e));
		done += (size_t)got;
		if ((size_t)got < k) {
			memmove(e + done, e + done + 1, (*n - done - 1) * sizeof(*e));
			(*n)--;
		}
	}
	free(c);
	return 0;
}

/* The MSRs to save: KVM's list less the feature MSRs and the ones filtered out. */
static int msrs_to_save(int kvm_fd, uint32_t **idx, size_t *n, struct sb_error *err)
{
	uint32_t *feat;
	size_t nfeat;
	int r = msr_list(kvm_fd, KVM_GET_MSR_INDEX_LIST, idx, n);

	if (r < 0)
		return error_set(err, -r, "KVM_GET_MSR_INDEX_LIST");
	/* No feature list on old kernels (no KVM_CAP_GET_MSR_FEATURES): skip none. */
	if (msr_list(kvm_fd, KVM_GET_MSR_FEATURE_INDEX_LIST, &feat, &nfeat) < 0) {
		feat = NULL;
		nfeat = 0;
	}
	*n = vstate_msr_select(*idx, *n, feat, nfeat);
	free(feat);
	if (*n > VSTATE_MSR_MAX)
		return error_set(err, E2BIG, "KVM lists %zu MSRs to save, more than %d", *n,
				 VSTATE_MSR_MAX);
	if (*n == 0)
		return error_set(err, ENOENT, "KVM_GET_MSR_INDEX_LIST: no MSRs to save");
	return 0;
}

static int save_msrs(int kvm_fd, int vcpu_fd, struct snap_w *w, struct sb_error *err)
{
	uint32_t *idx = NULL;
	size_t n = 0;
	int r = msrs_to_save(kvm_fd, &idx, &n, err);
	struct kvm_msr_entry *e = r < 0 ? NULL : calloc(n, sizeof(*e));

	if (r == 0 && !e)
		r = error_set(err, ENOMEM, "MSR list");
	for (size_t i = 0; r == 0 && i < n; i++)
		e[i].index = idx[i];
	if (r == 0)
		r = get_msrs(vcpu_fd, e, &n, err);
	if (r == 0 && n == 0)
		r = error_set(err, EIO, "KVM_GET_MSRS: KVM read none of its MSRs");
	if (r == 0) {
		vstate_msr_fix_deadline(e, n);
		snap_put_u64(w, TAG_VCPU(R_MSR_COUNT), n);
		snap_put(w, TAG_VCPU(R_MSRS), e, n * sizeof(*e));
		r = w_result(w, err);
	}
	free(e);
	free(idx);
	return r;
}

/* Every entry must take, in order (TSC before TSC_DEADLINE), else the MSR is named. */
static int set_msrs(int fd, const struct kvm_msr_entry *e, size_t n, struct sb_error *err)
{
	struct kvm_msrs *c = msr_chunk_new();

	if (!c)
		return error_set(err, ENOMEM, "MSR buffer");
	int r = 0;
	for (size_t done = 0; r == 0 && done < n;) {
		size_t k = n - done < MSR_IO_MAX ? n - done : MSR_IO_MAX;
		c->nmsrs = (uint32_t)k;
		c->pad = 0;
		memcpy(c->entries, e + done, k * sizeof(*e));
		int got = ioctl(fd, KVM_SET_MSRS, c);
		if (got < 0)
			r = error_set(err, errno, "KVM_SET_MSRS");
		else if ((size_t)got < k)
			r = error_set(err, EINVAL, "KVM_SET_MSRS: MSR %#x = %#llx refused",
				      c->entries[got].index,
				      (unsigned long long)c->entries[got].data);
		done += k;
	}
	free(c);
	return r;
}

/* The guest TSC through the offset attribute (Linux 5.16+): a host-written
 * MSR_IA32_TSC within a second of what KVM expects (the TSC of a guest that
 * had run less than a second when saved, so nearly every snapshot) is taken
 * as a request to keep the current TSC, so the guest's TSC would restart near
 * zero and a TSC_DEADLINE timer armed when it was saved would fire as much
 * later as the guest had been up. The first vCPU's saved TSC fixes one
 * offset; every vCPU gets it, as they all shared one when saved. 1 when set,
 * 0 when KVM has no such attribute, or -errno. */
static int set_tsc_offset(int vcpu_fd, uint64_t saved, struct vstate_tsc *tsc, struct sb_error *err)
{
	uint64_t offset;
	struct kvm_device_attr a = {
	    .group = KVM_VCPU_TSC_CTRL,
	    .attr = KVM_VCPU_TSC_OFFSET,
	    .addr = (uint64_t)(uintptr_t)&offset,
	};

	if (ioctl(vcpu_fd, KVM_HAS_DEVICE_ATTR, &a) < 0)
		return 0;
	if (!tsc->have) {
		struct kvm_msr_entry now = {.index = MSR_IA32_TSC};
		size_t n = 1;
		if (ioctl(vcpu_fd, KVM_GET_DEVICE_ATTR, &a) < 0)
			return error_set(err, errno, "KVM_GET_DEVICE_ATTR (TSC offset)");
		int e = get_msrs(vcpu_fd, &now, &n, err);
		if (e == 0 && n == 0)
			e = error_set(err, EIO, "KVM_GET_MSRS: KVM does not read the TSC");
		if (e < 0)
			return e;
		/* guest TSC = host TSC (scaled) + offset, modulo 2^64 */
		tsc->offset = offset + (saved - now.data);
		tsc->have = 1;
	}
	offset = tsc->offset;
	if (ioctl(vcpu_fd, KVM_SET_DEVICE_ATTR, &a) < 0)
		return error_set(err, errno, "KVM_SET_DEVICE_ATTR (TSC offset)");
	return 1;
}

/* Sets every saved MSR, the TSC by its offset where KVM can (then it leaves
 * the list; TSC_DEADLINE comes after it either way). */
static int restore_msr_list(int vcpu_fd, struct kvm_msr_entry *e, size_t n, struct vstate_tsc *tsc,
			    struct sb_error *err)
{
	for (size_t i = 0; i < n; i++) {
		if (e[i].index != MSR_IA32_TSC)
			continue;
		int set = set_tsc_offset(vcpu_fd, e[i].data, tsc, err);
		if (set < 0)
			return set;
		if (set) {
			memmove(e + i, e + i + 1, (n - i - 1) * sizeof(*e));
			n--;
		}
		break;
	}
	return set_msrs(vcpu_fd, e, n, err);
}

static int restore_msrs(int vcpu_fd, struct snap_r *r, struct vstate_tsc *tsc, struct sb_error *err)
{
	uint64_t n;
	const void *data;
	size_t len;
	uint32_t bad;

	if (snap_take_u64(r, TAG_VCPU(R_MSR_COUNT), &n) < 0 ||
	    snap_take_var(r, TAG_VCPU(R_MSRS), &data, &len,
			  VSTATE_MSR_MAX * sizeof(struct kvm_msr_entry)) < 0)
		return r_result(r, err);
	if (n == 0 || n > VSTATE_MSR_MAX || len != n * sizeof(struct kvm_msr_entry))
		return error_set(err, EINVAL, "snapshot: MSR record of %zu bytes for %llu MSRs",
				 len, (unsigned long long)n);
	struct kvm_msr_entry *e = malloc(len); /* the record may sit unaligned */
	if (!e)
		return error_set(err, ENOMEM, "MSR list");
	memcpy(e, data, len);
	int ret = vstate_msr_check(e, n, &bad);
	if (ret < 0)
		ret = error_set(err, EINVAL, "snapshot: MSR list is damaged at MSR %#x", bad);
	else
		ret = restore_msr_list(vcpu_fd, e, n, tsc, err);
	free(e);
	return ret;
}

/* --- TSC rate and kvmclock --------------------------------------------- */

static int restore_tsc_khz(int kvm_fd, int vcpu_fd, struct snap_r *r, struct sb_error *err)
{
	uint64_t want;

	if (snap_take_u64(r, TAG_VCPU(R_TSC_KHZ), &want) < 0)
		return r_result(r, err);
	if (want == 0)
		return 0; /* the saving host could not say: nothing to compare */
	if (want > UINT32_MAX)
		return error_set(err, EINVAL, "snapshot: TSC rate of %llu kHz",
				 (unsigned long long)want);
	int have = ioctl(vcpu_fd, KVM_GET_TSC_KHZ, 0);
	if (have > 0 && vstate_tsc_khz_close((uint32_t)want, (uint32_t)have))
		return 0;
	if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_CONTROL) <= 0)
		return error_set(err, ENOTSUP,
				 "snapshot: its TSC ran at %llu kHz, this host's runs at %d kHz, "
				 "and KVM cannot scale the TSC (no KVM_CAP_TSC_CONTROL)",
				 (unsigned long long)want, have);
	if (ioctl(vcpu_fd, KVM_SET_TSC_KHZ, (unsigned long)want) < 0)
		return error_set(err, errno, "KVM_SET_TSC_KHZ %llu (this host: %d kHz)",
				 (unsigned long long)want, have);
	return 0;
}

/* Tells a guest using kvmclock it was paused, so its watchdogs do not fire. */
static int kvmclock_ctrl(int kvm_fd, int vcpu_fd, struct sb_error *err)
{
	if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_KVMCLOCK_CTRL) <= 0)
		return 0;
	if (ioctl(vcpu_fd, KVM_KVMCLOCK_CTRL, 0) < 0 && errno != EINVAL)
		return error_set(err, errno, "KVM_KVMCLOCK_CTRL");
	return 0; /* EINVAL: the guest does not use kvmclock */
}

/* --- vCPU -------------------------------------------------------------- */

int vstate_save_vcpu(int kvm_fd, int vcpu_fd, struct snap_w *w, struct sb_error *err)
{
	int khz = ioctl(vcpu_fd, KVM_GET_TSC_KHZ, 0);

	snap_put_u64(w, TAG_VCPU(R_TSC_KHZ), khz > 0 ? (uint64_t)khz : 0);
	int r = w_result(w, err);
	if (r == 0)
		r = save_fixed(vcpu_fd, regs_recs, COUNT(regs_recs), w, err);
	if (r == 0)
		r = save_xsave(kvm_fd, vcpu_fd, w, err);
	if (r == 0)
		r = save_fixed(vcpu_fd, apic_recs, COUNT(apic_recs), w, err);
	if (r == 0)
		r = save_msrs(kvm_fd, vcpu_fd, w, err);
	if (r == 0)
		r = save_fixed(vcpu_fd, event_recs, COUNT(event_recs), w, err);
	return r;
}

int vstate_restore_vcpu(int kvm_fd, int vcpu_fd, struct snap_r *r, struct vstate_tsc *tsc,
			struct sb_error *err)
{
	/* The TSC rate before anything that reads or writes the TSC. */
	int e = restore_tsc_khz(kvm_fd, vcpu_fd, r, err);

	if (e == 0)
		e = restore_fixed(vcpu_fd, regs_recs, COUNT(regs_recs), r, err);
	if (e == 0)
		e = restore_xsave(kvm_fd, vcpu_fd, r, err);
	if (e == 0)
		e = restore_fixed(vcpu_fd, apic_recs, COUNT(apic_recs), r, err);
	if (e == 0)
		e = restore_msrs(vcpu_fd, r, tsc, err);
	if (e == 0)
		e = restore_fixed(vcpu_fd, event_recs, COUNT(event_recs), r, err);
	if (e == 0)
		e = kvmclock_ctrl(kvm_fd, vcpu_fd, err);
	return e;
}

/* --- VM ---------------------------------------------------------------- */

static const char *const chip_names[KVM_NR_IRQCHIPS] = {"PIC master", "PIC slave", "IOAPIC"};

int vstate_save_vm(int vm_fd, struct snap_w *w, struct sb_error *err)
{
	struct kvm_pit_state2 pit;
	struct kvm_irqchip chip;
	struct kvm_clock_data clock;

	memset(&pit, 0, sizeof(pit));
	if (ioctl(vm_fd, KVM_GET_PIT2, &pit) < 0)
		return error_set(err, errno, "KVM_GET_PIT2");
	snap_put(w, TAG_VM(V_PIT2), &pit, sizeof(pit));
	for (uint32_t id = 0; id < KVM_NR_IRQCHIPS; id++) {
		memset(&chip, 0, sizeof(chip));
		chip.chip_id = id;
		if (ioctl(vm_fd, KVM_GET_IRQCHIP, &chip) < 0)
			return error_set(err, errno, "KVM_GET_IRQCHIP (%s)", chip_names[id]);
		snap_put(w, TAG_VM(V_PIC_MASTER + id), &chip, sizeof(chip));
	}
	memset(&clock, 0, sizeof(clock));
	if (ioctl(vm_fd, KVM_GET_CLOCK, &clock) < 0)
		return error_set(err, errno, "KVM_GET_CLOCK");
	snap_put(w, TAG_VM(V_CLOCK), &clock, sizeof(clock));
	return w_result(w, err);
}

int vstate_restore_vm(int vm_fd, struct snap_r *r, struct sb_error *err)
{
	struct kvm_pit_state2 pit;
	struct kvm_irqchip chip;
	struct kvm_clock_data saved;

	if (snap_take(r, TAG_VM(V_PIT2), &pit, sizeof(pit)) < 0)
		return r_result(r, err);
	if (ioctl(vm_fd, KVM_SET_PIT2, &pit) < 0)
		return error_set(err, errno, "KVM_SET_PIT2");
	for (uint32_t id = 0; id < KVM_NR_IRQCHIPS; id++) {
		if (snap_take(r, TAG_VM(V_PIC_MASTER + id), &chip, sizeof(chip)) < 0)
			return r_result(r, err);
		if (chip.chip_id != id)
			return error_set(err, EINVAL, "snapshot: %s record holds chip %u",
					 chip_names[id], chip.chip_id);
		if (ioctl(vm_fd, KVM_SET_IRQCHIP, &chip) < 0)
			return error_set(err, errno, "KVM_SET_IRQCHIP (%s)", chip_names[id]);
	}
	if (snap_take(r, TAG_VM(V_CLOCK), &saved, sizeof(saved)) < 0)
		return r_result(r, err);
	/* flags 0: the guest's clock goes on from the saved value, not from the
	 * wall-clock time that has passed since (KVM_CLOCK_REALTIME). */
	struct kvm_clock_data clock = {.clock = saved.clock};
	if (ioctl(vm_fd, KVM_SET_CLOCK, &clock) < 0)
		return error_set(err, errno, "KVM_SET_CLOCK");
	return 0;
}

/* --- host identity ----------------------------------------------------- */

struct id_buf {
	uint8_t *p;
	size_t max, len;
};

static void id_put(struct id_buf *b, const void *data, size_t n)
{
	const uint8_t *s = data;

	for (size_t i = 0; i < n && b->len < b->max; i++)
		b->p[b->len++] = s[i];
}

static void id_u32(struct id_buf *b, uint32_t v)
{
	id_put(b, &v, sizeof(v));
}

/* A string of at most cap bytes, then a NUL. */
static void id_str(struct id_buf *b, const char *s, size_t cap)
{
	id_put(b, s, strnlen(s, cap));
	id_put(b, "", 1);
}

static void host_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

/* Vendor, family/model/stepping and feature leaves; nothing that differs
 * between the host's CPUs (APIC ids). */
static void id_host_cpu(struct id_buf *b)
{
	uint32_t r[4], max, ext;

	host_cpuid(0, 0, r);
	max = r[0];
	id_put(b, r, sizeof(r));
	host_cpuid(1, 0, r);
	r[1] = 0; /* brand index, CLFLUSH size, APIC id of whichever CPU ran this */
	id_put(b, r, sizeof(r));
	memset(r, 0, sizeof(r));
	if (max >= 7)
		host_cpuid(7, 0, r);
	id_put(b, r, sizeof(r));
	memset(r, 0, sizeof(r));
	if (max >= 0xd)
		host_cpuid(0xd, 0, r); /* supported XCR0 bits and XSAVE sizes */
	id_put(b, r, sizeof(r));
	host_cpuid(0x80000000u, 0, r);
	ext = r[0];
	memset(r, 0, sizeof(r));
	if (ext >= 0x80000001u)
		host_cpuid(0x80000001u, 0, r);
	id_u32(b, r[2]);
	id_u32(b, r[3]);
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
	const uint8_t *s = data;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ull;
	return h;
}

/* A digest of what KVM offers the guest, less the fields KVM fills from
 * whichever host CPU runs the ioctl (APIC ids, topology ids). */
static void id_supported_cpuid(struct id_buf *b, int kvm_fd)
{
	struct kvm_cpuid2 *t =
	    calloc(1, sizeof(*t) + CPUID_ENTRIES * sizeof(struct kvm_cpuid_entry2));
	uint64_t h = 0xcbf29ce484222325ull;

	if (t) {
		t->nent = CPUID_ENTRIES;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, t) < 0)
			t->nent = 0;
		for (uint32_t i = 0; i < t->nent && i < CPUID_ENTRIES; i++) {
			const struct kvm_cpuid_entry2 *e = &t->entries[i];
			uint32_t v[7] = {e->function, e->index, e->flags, e->eax,
					 e->ebx,      e->ecx,	e->edx};
			if (e->function == 1)
				v[4] &= 0x00ffffffu;
			if (e->function == 0xb || e->function == 0x1f)
				v[6] = 0;
			if (e->function == 0x8000001eu)
				v[3] = v[4] = v[5] = 0;
			h = fnv1a(h, v, sizeof(v));
		}
	}
	free(t);
	id_put(b, &h, sizeof(h));
}

size_t vstate_host_id(int kvm_fd, int vcpu_fd, uint8_t *out, size_t max)
{
	static const char format[] = "sandbox-vstate-1"; /* bump when the records change */
	static const int caps[] = {
	    KVM_CAP_XSAVE2,
	    KVM_CAP_TSC_CONTROL,
	    KVM_CAP_GET_TSC_KHZ,
	    KVM_CAP_KVMCLOCK_CTRL,
	    KVM_CAP_VCPU_EVENTS,
	    KVM_CAP_DEBUGREGS,
	    KVM_CAP_XCRS,
	    KVM_CAP_PIT2,
	    KVM_CAP_PIT_STATE2,
	    KVM_CAP_ADJUST_CLOCK,
	    KVM_CAP_IRQCHIP,
	    KVM_CAP_GET_MSR_FEATURES,
	    KVM_CAP_TSC_DEADLINE_TIMER,
	};
	struct id_buf b = {.p = out, .max = max, .len = 0};
	struct utsname u;
	int v2;

	id_put(&b, format, sizeof(format));
	id_host_cpu(&b);
	id_supported_cpuid(&b, kvm_fd);
	if (uname(&u) == 0) { /* the kernel build: KVM's behaviour comes with it */
		id_str(&b, u.release, sizeof(u.release));
		id_str(&b, u.version, sizeof(u.version));
	}
	id_u32(&b, (uint32_t)ioctl(kvm_fd, KVM_GET_API_VERSION, 0));
	for (size_t i = 0; i < COUNT(caps); i++) {
		id_u32(&b, (uint32_t)caps[i]);
		id_u32(&b, (uint32_t)ioctl(kvm_fd, KVM_CHECK_EXTENSION, caps[i]));
	}
	id_u32(&b, (uint32_t)xsave_size(kvm_fd, &v2));
	id_u32(&b, vcpu_fd >= 0 ? (uint32_t)ioctl(vcpu_fd, KVM_GET_TSC_KHZ, 0) : 0);
	return b.len;
}
