/* An existing TAP device for the virtio-net device (--network tap:NAME): opened, checked, offloads set. */
#ifndef SB_NET_TAP_H
#define SB_NET_TAP_H

#include <stdint.h>

#include "error.h"

/* The device hands the guest's frames to the TAP file and its frames to
 * the guest, each with the 12-byte virtio-net header in front (the kernel
 * checks it: a guest cannot hand the host a malformed GSO frame). The TAP
 * may give the guest partial checksums and TSO frames (TUN_F_CSUM,
 * TUN_F_TSO4/6, TUN_F_TSO_ECN), so a host bridge or veth moves 64 KiB
 * segments instead of 1500-byte frames. */
#define TAP_HDR_LEN 12u

struct tap_info {
	unsigned mtu;	    /* the device's MTU on the host */
	unsigned ifindex;   /* the device's index when opened */
};

/* Attach to the TAP device called name: it must exist already (we never
 * create one) and be a TAP (not TUN) device no other process holds.
 * Returns a non-blocking, close-on-exec fd, or -errno with a one-line
 * reason in err: -ENODEV (no such device), -EINVAL (not a TAP device),
 * -EBUSY (attached elsewhere), -EPERM (needs CAP_NET_ADMIN, or the
 * device's owner). */
int tap_open(const char *name, struct tap_info *info, struct sb_error *err);

#endif
