/* SPDX-License-Identifier: MIT */
/*
 * Emulated 16550 UART (the guest's COM1). Output is gathered into lines and
 * printed on the hypervisor console as "[partition] text". There is no
 * input: RBR reads 0 and LSR never shows data ready. The interrupt output
 * (COM1's IRQ 4) follows QEMU's 16550: only "THR empty" ever raises it.
 * Environment: pure (hosted tests too); one vCPU's core at a time.
 */
#ifndef CORE_VUART_H
#define CORE_VUART_H

#include "lib/types.h"

#define VUART_LINE_MAX 200

struct vuart {
	const char *name; /* prefix on the console */
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thr_ipending; /* THR-empty interrupt pending (cleared by an IIR read) */
	bool irq;	   /* the interrupt output now */
	bool irq_pulsed;   /* it went low and high again since vuart_irq_take() */
	bool irq_taken;	   /* the output vuart_irq_take() last reported */
	uint32_t len;
	char line[VUART_LINE_MAX];
	uint64_t bytes; /* bytes the guest sent */
};

/* Reset to the power-on state (SDM-less: PC16550D data sheet, table 3). */
void vuart_init(struct vuart *u, const char *name);

/* Guest OUT to COM1 base + `off` (0..7). */
void vuart_write(struct vuart *u, uint32_t off, uint8_t val);

/* Guest IN from COM1 base + `off` (0..7). */
uint8_t vuart_read(struct vuart *u, uint32_t off);

/*
 * The interrupt output after the accesses since the last call: returns the
 * line's level; *pulsed is true when it also fell and rose again in
 * between (a THR write with the THR-empty interrupt enabled: the byte is
 * sent at once, so the transmitter is empty again), which an edge-triggered
 * interrupt controller sees as a new edge.
 */
bool vuart_irq_take(struct vuart *u, bool *pulsed);

/* Whether vuart_irq_take() has news: a pulse, or an output unlike the last
 * one it reported. Without news the interrupt controller need not hear of
 * the access (most are LSR polls and scratch writes). */
static inline bool vuart_irq_news(const struct vuart *u)
{
	return u->irq_pulsed || u->irq != u->irq_taken;
}

/* A byte on the guest's debug port (0xE9): same line assembly as COM1. */
void vuart_putc(struct vuart *u, uint8_t c);

/* Print a pending partial line (when the VM ends). */
void vuart_flush(struct vuart *u);

#endif
