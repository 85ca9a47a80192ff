/* 16550A UART: registers as Linux's 8250 driver probes and drives them, THRE/RX interrupts
 * level-style. */
#include <errno.h>
#include <string.h>

#include "snapstate.h"
#include "uart.h"

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

#define IER_RDI 0x01
#define IER_THRI 0x02
#define IIR_NO_INT 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_FIFO_BITS 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define LCR_DLAB 0x80
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

void uart_init(struct uart *u, void (*out)(void *ctx, const uint8_t *data, size_t len),
	       void (*irq)(void *ctx, int level), void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->lsr = LSR_THRE | LSR_TEMT;
	u->msr = MSR_DCD | MSR_DSR | MSR_CTS;
	u->mcr = 0x08; /* OUT2 */
	u->dll = 0x0c; /* 9600 baud, as after reset */
	u->out = out;
	u->irq = irq;
	u->ctx = ctx;
}

/* The highest-priority pending interrupt, as IIR reports it. */
static uint8_t pending(const struct uart *u)
{
	if ((u->ier & IER_RDI) && u->rx_len)
		return IIR_RDI;
	if ((u->ier & IER_THRI) && u->thre_pending)
		return IIR_THRI;
	return IIR_NO_INT;
}

static void update_irq(struct uart *u)
{
	int level = pending(u) != IIR_NO_INT;

	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->irq)
			u->irq(u->ctx, level);
	}
}

static void loopback_msr(struct uart *u)
{
	uint8_t m = 0;

	if (u->mcr & 0x01)
		m |= MSR_DSR;
	if (u->mcr & 0x02)
		m |= MSR_CTS;
	if (u->mcr & 0x04)
		m |= MSR_RI;
	if (u->mcr & 0x08)
		m |= MSR_DCD;
	u->msr = m;
}

static void transmit(struct uart *u, uint8_t c)
{
	if (u->mcr & MCR_LOOP) {
		uart_receive(u, &c, 1);
	} else if (u->out) {
		u->out(u->ctx, &c, 1);
	}
	u->thre_pending = 1; /* sent at once: THR is empty again */
}

size_t uart_receive(struct uart *u, const uint8_t *data, size_t len)
{
	size_t n = 0;

	while (n < len && u->rx_len < UART_RX_SIZE) {
		u->rx[(u->rx_head + u->rx_len) % UART_RX_SIZE] = data[n++];
		u->rx_len++;
	}
	if (u->rx_len)
		u->lsr |= LSR_DR;
	update_irq(u);
	return n;
}

static uint8_t rx_pop(struct uart *u)
{
	if (!u->rx_len)
		return 0;
	uint8_t c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_RX_SIZE;
	if (!--u->rx_len)
		u->lsr &= (uint8_t)~LSR_DR;
	return c;
}

static uint8_t reg_read(struct uart *u, uint64_t reg)
{
	uint8_t v;

	switch (reg) {
	case RBR_THR:
		return (u->lcr & LCR_DLAB) ? u->dll : rx_pop(u);
	case IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case IIR_FCR:
		v = pending(u);
		if (v == IIR_THRI)
			u->thre_pending = 0; /* reading IIR clears a THRE interrupt */
		return v | u->iir_fifo;
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		return u->lsr;
	case MSR:
		v = u->msr;
		if (!(u->mcr & MCR_LOOP))
			u->msr &= 0xf0; /* delta bits clear on read */
		return v;
	default:
		return u->scr;
	}
}

static void reg_write(struct uart *u, uint64_t reg, uint8_t v)
{
	switch (reg) {
	case RBR_THR:
		if (u->lcr & LCR_DLAB)
			u->dll = v;
		else
			transmit(u, v);
		break;
	case IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = v;
		} else {
			/* Enabling THRI with THR empty raises the interrupt at once. */
			if ((v & IER_THRI) && !(u->ier & IER_THRI))
				u->thre_pending = 1;
			u->ier = v & 0x0f;
		}
		break;
	case IIR_FCR:
		u->fcr = v;
		u->iir_fifo = (v & FCR_ENABLE) ? IIR_FIFO_BITS : 0;
		if (v & FCR_CLEAR_RX) {
			u->rx_len = 0;
			u->lsr &= (uint8_t)~LSR_DR;
		}
		break;
	case LCR:
		u->lcr = v;
		break;
	case MCR:
		u->mcr = v & 0x1f;
		if (u->mcr & MCR_LOOP)
			loopback_msr(u);
		else
			u->msr = MSR_DCD | MSR_DSR | MSR_CTS;
		break;
	case LSR:
	case MSR:
		break; /* read-only */
	default:
		u->scr = v;
	}
}

static void uart_read(void *dev, uint64_t off, uint8_t *data, uint32_t size)
{
	struct uart *u = dev;

	if (size == 1 && off < UART_NREGS) {
		data[0] = reg_read(u, off);
		update_irq(u);
	}
}

static void uart_write(void *dev, uint64_t off, const uint8_t *data, uint32_t size)
{
	struct uart *u = dev;

	if (size == 1 && off < UART_NREGS) {
		reg_write(u, off, data[0]);
		update_irq(u);
	}
}

const struct bus_ops uart_ops = {
    .name = "uart",
    .read = uart_read,
    .write = uart_write,
};

struct uart_saved {
	uint8_t regs[10]; /* ier, iir_fifo, lcr, mcr, lsr, msr, scr, dll, dlm, fcr */
	uint8_t thre_pending, irq_level;
	uint8_t rx[UART_RX_SIZE];
	uint32_t rx_head, rx_len;
};

void uart_save(const struct uart *u, struct snap_w *w)
{
	struct uart_saved s = {
	    .regs = {u->ier, u->iir_fifo, u->lcr, u->mcr, u->lsr, u->msr, u->scr, u->dll, u->dlm,
		     u->fcr},
	    .thre_pending = (uint8_t)u->thre_pending,
	    .irq_level = (uint8_t)u->irq_level,
	    .rx_head = u->rx_head,
	    .rx_len = u->rx_len,
	};
	memcpy(s.rx, u->rx, sizeof(s.rx));
	snap_put(w, SNAP_TAG(SNAP_OWN_DEV, 2), &s, sizeof(s));
}

int uart_restore(struct uart *u, struct snap_r *r)
{
	struct uart_saved s;
	int e = snap_take(r, SNAP_TAG(SNAP_OWN_DEV, 2), &s, sizeof(s));
	if (e < 0)
		return e;
	if (s.rx_head >= UART_RX_SIZE || s.rx_len > UART_RX_SIZE)
		return error_set(r->err, EINVAL, "snapshot: UART state out of range");
	u->ier = s.regs[0];
	u->iir_fifo = s.regs[1];
	u->lcr = s.regs[2];
	u->mcr = s.regs[3];
	u->lsr = s.regs[4];
	u->msr = s.regs[5];
	u->scr = s.regs[6];
	u->dll = s.regs[7];
	u->dlm = s.regs[8];
	u->fcr = s.regs[9];
	u->thre_pending = s.thre_pending != 0;
	/* KVM's copy of the line's level is not in a snapshot (KVM_GET_IRQCHIP
	 * has the IOAPIC's registers, not each source's level): say it again,
	 * or an interrupt the guest waits for (THRE) would never be raised. */
	u->irq_level = -1;
	update_irq(u);
	memcpy(u->rx, s.rx, sizeof(u->rx));
	u->rx_head = s.rx_head;
	u->rx_len = s.rx_len;
	return 0;
}
