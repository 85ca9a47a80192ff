/* Finds the named virtio-console ports of guest-init/abi.h in sysfs and opens their device nodes.
 */
#ifndef GUEST_VPORTS_H
#define GUEST_VPORTS_H

#include <stdbool.h>

#define VPORTS_SYSFS "/sys/class/virtio-ports"
#define VPORTS_VIRTIO_DEVICES "/sys/bus/virtio/devices"
#define VPORTS_WAIT_MS 3000 /* the driver names ports asynchronously after boot */
#define VPORTS_NAME_MAX 32  /* kernel device names like vport0p12 */

/* The four ports every run has (VPORT_COUNT of them), then the optional ones. */
enum {
	VPORT_STDIN,
	VPORT_STDOUT,
	VPORT_STDERR,
	VPORT_CONTROL,
	VPORT_COUNT,
	VPORT_EXEC = VPORT_COUNT, /* only with a config's exec = <1> */
	VPORT_ALL
};

/* Device names (e.g. "vport0p2") per VPORT_*, "" when not found. */
struct vports {
	char dev[VPORT_ALL][VPORTS_NAME_MAX];
};

/* Scan sysdir (VPORTS_SYSFS, or a test directory) once: each entry's
 * `name` file against the ABI_VPORT_* names. Returns how many of the
 * VPORT_COUNT required ports were found (duplicates: the first wins); the
 * optional ones are only filled in. */
int vports_scan(const char *sysdir, struct vports *v);

/* true when devdir (VPORTS_VIRTIO_DEVICES) lists a virtio console (device id 3). */
bool vports_console_present(const char *devdir);

/* Open /dev/<name> with flags (O_CLOEXEC added), creating the node from
 * sysdir/<name>/dev when /dev has none (a kernel without devtmpfs).
 * Returns the fd or a negative errno. */
int vports_open(const char *sysdir, const char *name, int flags);

#endif
