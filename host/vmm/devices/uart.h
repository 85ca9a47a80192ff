/* 16550A UART (COM1, 0x3f8, IRQ 4): the guest kernel console. */
#ifndef SB_VMM_UART_H
#define SB_VMM_UART_H

#include <stddef.h>
#include <stdint.h>

#include "bus.h"

#define UART_COM1_BASE 0x3f8
#define UART_COM1_IRQ 4
#define UART_NREGS 8
#define UART_RX_SIZE 64

struct uart {
	uint8_t ier, iir_fifo, lcr, mcr, lsr, msr, scr, dll, dlm, fcr;
	int thre_pending; /* THR-empty interrupt condition, until IIR read or THR written */
	int irq_level;	  /* what we last told the interrupt controller */
	uint8_t rx[UART_RX_SIZE];
	unsigned rx_head, rx_len;
	/* Transmitted bytes and interrupt line changes go here. */
	void (*out)(void *ctx, const uint8_t *data, size_t len);
	void (*irq)(void *ctx, int level);
	void *ctx;
};

extern const struct bus_ops uart_ops;

void uart_init(struct uart *u, void (*out)(void *ctx, const uint8_t *data, size_t len),
	       void (*irq)(void *ctx, int level), void *ctx);
/* Queue input bytes for the guest (drops what does not fit); returns bytes taken.
 * Callers must hold the bus lock of the UART's range (no input source yet). */
size_t uart_receive(struct uart *u, const uint8_t *data, size_t len);

/* Snapshots (host/vmm/snapstate.h): registers and buffered bytes. */
struct snap_w;
struct snap_r;
void uart_save(const struct uart *d, struct snap_w *w);
int uart_restore(struct uart *d, struct snap_r *r);

#endif
