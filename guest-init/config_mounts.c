/* Guest side of the run config's mounts node: checks it and fills struct config_mounts. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "abi.h"

enum {
	M_TYPE = 1 << 0,
	M_TARGET = 1 << 1,
	M_READONLY = 1 << 2,
	M_TAG = 1 << 3,
	M_FILE = 1 << 4,
	M_SIZE = 1 << 5,
	M_MODE = 1 << 6,
	M_EXEC = 1 << 7,
};
#define FS_ONLY (M_TAG | M_FILE)
#define TMPFS_ONLY (M_SIZE | M_MODE | M_EXEC)

static const struct {
	const char *name;
	unsigned bit;
} mount_props[] = {
    {ABI_PROP_MNT_TYPE, M_TYPE},	 {ABI_PROP_MNT_TARGET, M_TARGET},
    {ABI_PROP_MNT_READONLY, M_READONLY}, {ABI_PROP_MNT_TAG, M_TAG},
    {ABI_PROP_MNT_FILE, M_FILE},	 {ABI_PROP_MNT_SIZE, M_SIZE},
    {ABI_PROP_MNT_MODE, M_MODE},	 {ABI_PROP_MNT_EXEC, M_EXEC},
};

/* Absolute, no empty, `.` or `..` component, not / itself. */
static bool target_ok(const char *t)
{
	size_t len = strlen(t);
	if (t[0] != '/' || len < 2 || t[len - 1] == '/')
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

static int mount_prop(struct config_mount *m, unsigned bit, const char *name, const char *val,
		      int len, struct sb_error *err)
{
	const char *s;
	uint32_t u;
	int r;
	switch (bit) {
	case M_TYPE:
		if ((r = config_get_string(name, val, len, 16, &s, err)) < 0)
			return r;
		if (!strcmp(s, ABI_MNT_VIRTIOFS))
			m->type = CONFIG_MOUNT_VIRTIOFS;
		else if (!strcmp(s, ABI_MNT_TMPFS))
			m->type = CONFIG_MOUNT_TMPFS;
		else
			return error_set(err, 0, "property `%s`: unknown mount type", name);
		return 0;
	case M_TARGET:
		if ((r = config_get_string(name, val, len, ABI_PATH_MAX, &m->target, err)) < 0)
			return r;
		return target_ok(m->target)
			   ? 0
			   : error_set(err, 0, "property `%s`: not a clean absolute path", name);
	case M_READONLY:
		return config_get_bool(name, val, len, &m->readonly, err);
	case M_TAG:
		return config_get_string(name, val, len, ABI_MNT_TAG_MAX + 1, &m->tag, err);
	case M_FILE:
		if ((r = config_get_string(name, val, len, ABI_MNT_FILE_MAX + 1, &m->file, err)) <
		    0)
			return r;
		if (strchr(m->file, '/') || !strcmp(m->file, ".") || !strcmp(m->file, ".."))
			return error_set(err, 0, "property `%s`: not a file name", name);
		return 0;
	case M_SIZE: {
		fdt64_t v;
		if (len != 8)
			return error_set(err, 0, "property `%s`: want a 64-bit value", name);
		memcpy(&v, val, 8);
		m->size = fdt64_to_cpu(v);
		return 0;
	}
	case M_MODE:
		if ((r = config_get_u32(name, val, len, &u, err)) < 0)
			return r;
		if (u > 07777)
			return error_set(err, 0, "property `%s`: %o is not a mode", name, u);
		m->mode = u;
		return 0;
	case M_EXEC:
		return config_get_bool(name, val, len, &m->exec, err);
	}
	return error_set(err, 0, "property `%s` not allowed here", name);
}

/* One mount subnode. */
static int parse_mount(const void *fdt, int node, struct config_mount *m, struct sb_error *err)
{
	unsigned seen = 0;
	int off, r;
	m->mode = 01777;
	fdt_for_each_property_offset(off, fdt, node)
	{
		const char *name;
		int len;
		const char *val = fdt_getprop_by_offset(fdt, off, &name, &len);
		if (!val || !name || len < 0)
			return error_set(err, 0, "unreadable property: %s", fdt_strerror(len));
		unsigned bit = 0;
		for (size_t i = 0; i < sizeof(mount_props) / sizeof(mount_props[0]); i++)
			if (!strcmp(name, mount_props[i].name))
				bit = mount_props[i].bit;
		if (!bit)
			return error_set(err, 0, "unknown property `%s`", name);
		if (seen & bit)
			return error_set(err, 0, "property `%s` appears twice", name);
		seen |= bit;
		if ((r = mount_prop(m, bit, name, val, len, err)) < 0)
			return r;
	}
	if (off != -FDT_ERR_NOTFOUND)
		return error_set(err, 0, "bad property table: %s", fdt_strerror(off));
	if (!(seen & M_TYPE) || !(seen & M_TARGET))
		return error_set(err, 0, "a mount without %s or %s", ABI_PROP_MNT_TYPE,
				 ABI_PROP_MNT_TARGET);
	bool fs = m->type == CONFIG_MOUNT_VIRTIOFS;
	if ((fs && (!(seen & M_TAG) || (seen & TMPFS_ONLY))) || (!fs && (seen & FS_ONLY)))
		return error_set(err, 0, "mount at `%s`: properties do not match its type",
				 m->target);
	if (fs && !*m->tag)
		return error_set(err, 0, "mount at `%s`: empty tag", m->target);
	return 0;
}

static int parse(const void *fdt, int node, struct config_mounts *ms, struct sb_error *err)
{
	int off, r;
	fdt_for_each_property_offset(off, fdt, node)
	{
		const char *name;
		int len;
		const char *val = fdt_getprop_by_offset(fdt, off, &name, &len);
		if (!val || !name || len < 0)
			return error_set(err, 0, "unreadable property: %s", fdt_strerror(len));
		if (strcmp(name, ABI_PROP_MNT_RO_ROOTFS) || ms->readonly_rootfs)
			return error_set(err, 0, "unexpected property `%s` in %s", name,
					 ABI_NODE_MOUNTS);
		if ((r = config_get_bool(name, val, len, &ms->readonly_rootfs, err)) < 0)
			return r;
	}
	if (off != -FDT_ERR_NOTFOUND)
		return error_set(err, 0, "bad property table: %s", fdt_strerror(off));
	size_t n = 0;
	fdt_for_each_subnode(off, fdt, node)
	{
		if (++n > ABI_MAX_MOUNTS)
			return error_set(err, 0, "more than %d mounts", ABI_MAX_MOUNTS);
	}
	if (!n)
		return 0;
	if (!(ms->m = calloc(n, sizeof(*ms->m))))
		return error_set(err, ENOMEM, "mounts");
	/* Each of m0..m(n-1) exactly once, in name order whatever the node order. */
	for (size_t i = 0; i < n; i++) {
		char want[24];
		snprintf(want, sizeof(want), "m%zu", i);
		int sub = fdt_subnode_offset(fdt, node, want);
		if (sub < 0)
			return error_set(err, 0, "mount node `%s` missing", want);
		if (fdt_first_subnode(fdt, sub) >= 0)
			return error_set(err, 0, "unexpected node under `%s`", want);
		if ((r = parse_mount(fdt, sub, &ms->m[i], err)) < 0)
			return r;
		ms->n++;
	}
	return 0;
}

int config_mounts_parse(const void *fdt, int node, struct config_mounts *ms, struct sb_error *err)
{
	int r = parse(fdt, node, ms, err);
	return r < 0 ? error_prefix(err, "%s", ABI_NODE_MOUNTS) : 0;
}

void config_mounts_free(struct config_mounts *ms)
{
	free(ms->m);
	memset(ms, 0, sizeof(*ms));
}
