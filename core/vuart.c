// SPDX-License-Identifier: MIT
/*
 * 16550 register model, just enough for polled output drivers (QEMU's and
 * Linux's probes included) and for interrupt-driven output: scratch
 * register works, divisor latch works, the transmitter is always empty.
 * The interrupt logic is QEMU's (hw/char/serial.c, QEMU 7.2), so a guest
 * sees what it sees under plain QEMU:
 * 1. Only the THR-empty interrupt (IER bit 1) is ever pending: no byte is
 *    ever received (RDA, IER bit 0), no line error occurs (RLS, bit 2), no
 *    modem input changes (MS, bit 3).
 * 2. Turning IER bit 1 on makes it pending (the transmitter is empty);
 *    turning it off clears it. Reading IIR while it reports THR empty
 *    clears it; writing THR clears it and, the byte being sent at once,
 *    makes it pending again: a new edge on the interrupt line.
 * 3. IIR reads 0x02 with it pending, else 0x01; bits 7:6 are set while
 *    FCR bit 0 (FIFO enable) is.
 * 4. The interrupt line is not gated by MCR OUT2 (bit 3), as in QEMU,
 *    although a PC's board wiring gates it: guests set OUT2 anyway.
 * Environment: pure; one vCPU's core at a time.
 */
#include "core/vuart.h"
#include "lib/printf.h"
#include "lib/string.h"

#define LCR_DLAB 0x80
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MCR_LOOP 0x10
#define IER_THRI 0x02
#define IIR_NONE 0x01
#define IIR_THRI 0x02
#define IIR_FIFO 0xc0
#define FCR_FE	 0x01

void vuart_init(struct vuart *u, const char *name)
{
	memset(u, 0, sizeof(*u));
	u->name = name;
	u->dll = 12; /* 9600 baud until the guest says otherwise */
}

static void update_irq(struct vuart *u)
{
	u->irq = (u->ier & IER_THRI) && u->thr_ipending;
}

bool vuart_irq_take(struct vuart *u, bool *pulsed)
{
	*pulsed = u->irq_pulsed;
	u->irq_pulsed = false;
	u->irq_taken = u->irq;
	return u->irq;
}

static void emit(struct vuart *u)
{
	kprintf("[%s] %.*s\n", u->name, (int)u->len, u->line);
	u->len = 0;
}

void vuart_flush(struct vuart *u)
{
	if (u->len)
		emit(u);
}

static void put(struct vuart *u, uint8_t c)
{
	u->bytes++;
	if (u->mcr & MCR_LOOP)
		return; /* loopback mode: the byte goes to the receiver, not out */
	if (c == '\n') {
		emit(u);
		return;
	}
	if (c == '\r')
		return;
	/* Keep the console readable: control bytes become '?'. */
	u->line[u->len++] = console_char(c);
	if (u->len == VUART_LINE_MAX)
		emit(u);
}

void vuart_putc(struct vuart *u, uint8_t c)
{
	put(u, c);
}

void vuart_write(struct vuart *u, uint32_t off, uint8_t val)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (off & 7) {
	case 0:
		if (dlab) {
			u->dll = val;
			break;
		}
		put(u, val);
		/* Rule 2: sent at once, so THR is empty again; with the
		 * interrupt enabled the line falls and rises. */
		if (u->ier & IER_THRI) {
			u->thr_ipending = true;
			u->irq_pulsed = true;
			update_irq(u);
		}
		break;
	case 1:
		if (dlab) {
			u->dlm = val;
			break;
		}
		if ((u->ier ^ val) & IER_THRI)
			u->thr_ipending = val & IER_THRI; /* rule 2 */
		u->ier = val & 0x0f;
		update_irq(u);
		break;
	case 2: /* FCR: the FIFOs are always empty; only "enabled" is kept (IIR) */
		u->fcr = val & FCR_FE;
		break;
	case 3:
		u->lcr = val;
		break;
	case 4:
		u->mcr = val & 0x1f;
		break;
	case 7:
		u->scr = val;
		break;
	default: /* LSR and MSR are read-only */
		break;
	}
}

uint8_t vuart_read(struct vuart *u, uint32_t off)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (off & 7) {
	case 0:
		return dlab ? u->dll : 0;
	case 1:
		return dlab ? u->dlm : u->ier;
	case 2: {
		uint8_t iir = u->irq ? IIR_THRI : IIR_NONE;
		if (u->irq) {
			u->thr_ipending = false; /* rule 2: reading it acknowledges */
			update_irq(u);
		}
		return (uint8_t)(iir | (u->fcr & FCR_FE ? IIR_FIFO : 0));
	}
	case 3:
		return u->lcr;
	case 4:
		return u->mcr;
	case 5:
		return LSR_THRE | LSR_TEMT;
	case 6:
		/* MSR: in loopback, the modem inputs mirror MCR (probe check). */
		if (u->mcr & MCR_LOOP)
			return (uint8_t)(((u->mcr & 0x0c) << 4) | ((u->mcr & 0x01) << 5) |
					 ((u->mcr & 0x02) << 3));
		return 0xb0; /* DCD, DSR, CTS */
	default:
		return u->scr;
	}
}
