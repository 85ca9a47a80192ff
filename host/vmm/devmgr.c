/* The device manager: windows from DEVMGR_MMIO_BASE up, GSIs from 5 up, irqfd and ioeventfd. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "devmgr.h"

void devmgr_init(struct devmgr *dm, int vm_fd, struct bus *mmio, struct eventloop *loop)
{
	memset(dm, 0, sizeof(*dm));
	dm->vm_fd = vm_fd;
	dm->mmio = mmio;
	dm->loop = loop;
}

void devmgr_destroy(struct devmgr *dm)
{
	for (unsigned i = 0; i < dm->n; i++) {
		struct devmgr_dev *d = &dm->dev[i];
		if (d->irqfd >= 0)
			close(d->irqfd);
		for (unsigned q = 0; q < d->n_ioeventfd; q++)
			close(d->notify[q].fd);
	}
	dm->n = 0;
}

/* Edge interrupt: irqfd, or a KVM_IRQ_LINE pulse. */
static void raise_irq(void *ctx)
{
	struct devmgr_dev *d = ctx;
	uint64_t one = 1;

	if (d->irqfd >= 0) {
		ssize_t n = write(d->irqfd, &one, sizeof(one));
		(void)n; /* EAGAIN: an interrupt is already pending */
		return;
	}
	if (d->dm->vm_fd < 0)
		return;
	struct kvm_irq_level l = {.irq = d->gsi, .level = 1};
	ioctl(d->dm->vm_fd, KVM_IRQ_LINE, &l);
	l.level = 0;
	ioctl(d->dm->vm_fd, KVM_IRQ_LINE, &l);
}

static int setup_irqfd(struct devmgr_dev *d)
{
	d->irqfd = -1;
	if (d->dm->vm_fd < 0)
		return 0;
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return 0;
	struct kvm_irqfd irqfd = {.fd = (uint32_t)fd, .gsi = d->gsi};
	if (ioctl(d->dm->vm_fd, KVM_IRQFD, &irqfd) < 0) {
		close(fd); /* no irqfd here: KVM_IRQ_LINE it is */
		return 0;
	}
	d->irqfd = fd;
	return 0;
}

/* Event loop side of an ioeventfd. */
static void on_notify(void *ctx)
{
	struct devmgr_notify *n = ctx;
	uint64_t v;

	if (read(n->fd, &v, sizeof(v)) == sizeof(v))
		virtio_mmio_notify(n->t, n->queue);
}

/* ioeventfds for queues 0..k-1 (datamatch on the index); stops quietly at
 * the first the kernel refuses: those kicks reach the transport as MMIO exits. */
static int setup_ioeventfds(struct devmgr_dev *d, struct sb_error *err)
{
	if (d->dm->vm_fd < 0 || !d->dm->loop)
		return 0;
	for (unsigned q = 0; q < d->t->ops->num_queues; q++) {
		int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fd < 0)
			return 0;
		struct kvm_ioeventfd io = {
		    .datamatch = q,
		    .addr = d->base + VIRTIO_MMIO_QUEUE_NOTIFY,
		    .len = 4,
		    .fd = fd,
		    .flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
		};
		if (ioctl(d->dm->vm_fd, KVM_IOEVENTFD, &io) < 0) {
			close(fd);
			return 0;
		}
		d->notify[q] = (struct devmgr_notify){.t = d->t, .queue = q, .fd = fd};
		d->n_ioeventfd++;
		int id = eventloop_add(d->dm->loop, fd, on_notify, &d->notify[q], 1, err);
		if (id < 0)
			return id;
	}
	return 0;
}

int devmgr_add(struct devmgr *dm, struct virtio_mmio *t, struct sb_error *err)
{
	if (virtio_mmio_check_ops(t->ops) < 0)
		return error_set(err, EINVAL, "virtio-%s: bad device description",
				 t->ops->name ? t->ops->name : "?");
	if (dm->n == DEVMGR_MAX)
		return error_set(err, ENOSPC, "too many virtio devices");
	struct devmgr_dev *d = &dm->dev[dm->n];
	memset(d, 0, sizeof(*d));
	d->dm = dm;
	d->t = t;
	d->base = DEVMGR_MMIO_BASE + (uint64_t)dm->n * VIRTIO_MMIO_WINDOW;
	d->gsi = DEVMGR_FIRST_GSI + dm->n;
	int r = bus_register(dm->mmio, d->base, VIRTIO_MMIO_WINDOW, &virtio_mmio_bus_ops, t, err);
	if (r < 0)
		return r;
	dm->n++; /* from here on devmgr_destroy cleans up d */
	setup_irqfd(d);
	virtio_mmio_set_irq(t, raise_irq, d);
	r = setup_ioeventfds(d, err);
	return r < 0 ? error_prefix(err, "virtio-%s", t->ops->name) : 0;
}

int devmgr_cmdline(const struct devmgr *dm, const char *tail, char **out, struct sb_error *err)
{
	size_t cap = strlen(tail) + 1 + (size_t)dm->n * 64;
	char *s = malloc(cap), *p = s;

	*out = NULL;
	if (!s)
		return error_set(err, ENOMEM, "command line");
	for (unsigned i = 0; i < dm->n; i++)
		p += snprintf(p, cap - (size_t)(p - s), "virtio_mmio.device=4K@0x%llx:%u ",
			      (unsigned long long)dm->dev[i].base, dm->dev[i].gsi);
	snprintf(p, cap - (size_t)(p - s), "%s", tail);
	*out = s;
	return 0;
}
