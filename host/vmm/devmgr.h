/* The device manager: MMIO windows, GSIs, irqfd/ioeventfd wiring and the virtio_mmio.device=
 * command-line pieces for every virtio device. */
#ifndef SB_VMM_DEVMGR_H
#define SB_VMM_DEVMGR_H

#include <stddef.h>
#include <stdint.h>

#include "bus.h"
#include "error.h"
#include "eventloop.h"
#include "virtio/mmio.h"

#define DEVMGR_MMIO_BASE 0xd0000000ull /* in the 3-4 GiB hole, below the IOAPIC */
#define DEVMGR_FIRST_GSI 5u	       /* 4 is the UART */
#define DEVMGR_LAST_GSI 15u	       /* ISA IRQs of the MP table */
#define DEVMGR_MAX (DEVMGR_LAST_GSI - DEVMGR_FIRST_GSI + 1)

struct devmgr;

/* One queue's ioeventfd. */
struct devmgr_notify {
	struct virtio_mmio *t;
	unsigned queue;
	int fd;
};

struct devmgr_dev {
	struct devmgr *dm;
	struct virtio_mmio *t;
	uint64_t base;
	unsigned gsi;
	int irqfd; /* -1: KVM_IRQ_LINE pulses instead */
	struct devmgr_notify notify[VIRTIO_MAX_QUEUES];
	unsigned n_ioeventfd; /* queues served by ioeventfd (others exit to the bus) */
};

struct devmgr {
	int vm_fd; /* -1: no KVM (unit tests): no irqfd/ioeventfd, interrupts dropped */
	struct bus *mmio;
	struct eventloop *loop;
	unsigned n;
	struct devmgr_dev dev[DEVMGR_MAX];
};

void devmgr_init(struct devmgr *dm, int vm_fd, struct bus *mmio, struct eventloop *loop);
/* Closes the eventfds (after the event loop stopped). */
void devmgr_destroy(struct devmgr *dm);
/* Give t the next window and GSI, register it on the MMIO bus, wire its
 * interrupt and queue notifications. Before the vCPUs and the loop start. 0 or -errno. */
int devmgr_add(struct devmgr *dm, struct virtio_mmio *t, struct sb_error *err);
/* "virtio_mmio.device=4K@0xADDR:GSI ..." for every device, then a space and
 * tail (the caller's command line; after ours so that a "--" in it cannot
 * hide our pieces). malloc'd string in *out. 0 or -errno. */
int devmgr_cmdline(const struct devmgr *dm, const char *tail, char **out, struct sb_error *err);

#endif
