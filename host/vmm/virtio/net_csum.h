/* The Internet checksum a virtio-net driver leaves to the device (VIRTIO_NET_HDR_F_NEEDS_CSUM). */
#ifndef SB_VMM_VIRTIO_NET_CSUM_H
#define SB_VMM_VIRTIO_NET_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Complete frame's checksum as the driver asked: the one's complement of the
 * one's complement sum of frame[start, len), where frame[start + off] already
 * holds the pseudo-header's sum, stored at frame[start + off]. 0, or -EINVAL
 * (frame untouched) when the 2-byte field does not lie inside the frame. */
int net_csum_complete(uint8_t *frame, size_t len, uint16_t start, uint16_t off);

#endif
