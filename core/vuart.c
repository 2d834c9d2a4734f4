// SPDX-License-Identifier: MIT
/*
 * 16550 register model, just enough for polled output drivers (QEMU's and
 * Linux's probes included): scratch register works, divisor latch works,
 * the transmitter is always empty, IIR reports "no interrupt pending".
 * Environment: pure; one vCPU's core at a time.
 */
#include "core/vuart.h"
#include "lib/printf.h"
#include "lib/string.h"

#define LCR_DLAB 0x80
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MCR_LOOP 0x10

void vuart_init(struct vuart *u, const char *name)
{
	memset(u, 0, sizeof(*u));
	u->name = name;
	u->dll = 12; /* 9600 baud until the guest says otherwise */
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
		if (dlab)
			u->dll = val;
		else
			put(u, val);
		break;
	case 1:
		if (dlab)
			u->dlm = val;
		else
			u->ier = val & 0x0f;
		break;
	case 2: /* FCR: FIFOs are always "enabled and empty" */
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
	case 2:
		return 0xc1; /* IIR: FIFOs enabled, no interrupt pending */
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
