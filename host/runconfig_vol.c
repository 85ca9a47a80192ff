/* Host side of the run config's mounts node: volumes (virtio-fs tags) and tmpfs mounts. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "abi.h"
#include "runconfig.h"

/* Absolute, no empty, `.` or `..` component, not / itself. */
static bool target_ok(const char *t)
{
	size_t len = strlen(t);
	if (t[0] != '/' || len < 2 || len >= ABI_PATH_MAX || t[len - 1] == '/')
		return false;
	for (const char *p = t + 1;;) {
		size_t k = strcspn(p, "/");
		if (!k || (k == 1 && p[0] == '.') || (k == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!p[k])
			return true;
		p += k + 1;
	}
}

static bool file_ok(const char *f)
{
	size_t len = strlen(f);
	return len && len <= ABI_MNT_FILE_MAX && !strchr(f, '/') && strcmp(f, ".") &&
	       strcmp(f, "..");
}

int runconfig_mounts_check(const struct runconfig_mounts *ms, struct sb_error *err)
{
	if (ms->n > ABI_MAX_MOUNTS)
		return error_set(err, E2BIG, "run config: more than %d mounts", ABI_MAX_MOUNTS);
	for (size_t i = 0; i < ms->n; i++) {
		const struct runconfig_mount *m = &ms->m[i];
		bool fs = m->type == RUNCONFIG_MOUNT_VIRTIOFS;
		if (!m->target || !target_ok(m->target))
			return error_set(err, 0,
					 "run config: mount target `%s` is not a clean "
					 "absolute path",
					 m->target ? m->target : "");
		if (fs && (!m->tag || !*m->tag || strlen(m->tag) > ABI_MNT_TAG_MAX))
			return error_set(err, 0,
					 "run config: virtio-fs tag of 1 to %d bytes needed",
					 ABI_MNT_TAG_MAX);
		if (fs && m->file && !file_ok(m->file))
			return error_set(err, 0, "run config: `%s` is not a file name", m->file);
		if (!fs && (m->tag || m->file || m->mode > 07777))
			return error_set(err, 0, "run config: bad tmpfs mount at `%s`", m->target);
	}
	return 0;
}

static int write_one(void *fdt, size_t i, const struct runconfig_mount *m)
{
	char name[24];
	snprintf(name, sizeof(name), "m%zu", i);
	bool fs = m->type == RUNCONFIG_MOUNT_VIRTIOFS;
	int r = fdt_begin_node(fdt, name);
	r = r ?: fdt_property_string(fdt, ABI_PROP_MNT_TYPE, fs ? ABI_MNT_VIRTIOFS : ABI_MNT_TMPFS);
	r = r ?: fdt_property_string(fdt, ABI_PROP_MNT_TARGET, m->target);
	r = r ?: fdt_property_u32(fdt, ABI_PROP_MNT_READONLY, m->readonly);
	if (fs) {
		r = r ?: fdt_property_string(fdt, ABI_PROP_MNT_TAG, m->tag);
		if (m->file)
			r = r ?: fdt_property_string(fdt, ABI_PROP_MNT_FILE, m->file);
	} else {
		if (m->size)
			r = r ?: fdt_property_u64(fdt, ABI_PROP_MNT_SIZE, m->size);
		r = r ?: fdt_property_u32(fdt, ABI_PROP_MNT_MODE, m->mode);
		r = r ?: fdt_property_u32(fdt, ABI_PROP_MNT_EXEC, m->exec);
	}
	return r ?: fdt_end_node(fdt);
}

int runconfig_mounts_write(void *fdt, const struct runconfig_mounts *ms)
{
	if (!ms->n && !ms->readonly_rootfs)
		return 0;
	int r = fdt_begin_node(fdt, ABI_NODE_MOUNTS);
	if (ms->readonly_rootfs)
		r = r ?: fdt_property_u32(fdt, ABI_PROP_MNT_RO_ROOTFS, 1);
	for (size_t i = 0; r == 0 && i < ms->n; i++)
		r = write_one(fdt, i, &ms->m[i]);
	return r ?: fdt_end_node(fdt);
}
