// SPDX-License-Identifier: MIT
/*
 * Guest test library: polled COM1 driver (16550 register layout as in the
 * National Semiconductor PC16550D data sheet).
 * Environment: guest test kernel, 32-bit protected mode, ring 0, any CPU.
 */
#include "tests/guests/lib/serial.h"
#include "tests/guests/lib/io.h"

#define UART_THR 0 /* transmit holding (DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0) */
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4

#define LCR_8N1	 0x03
#define LCR_DLAB 0x80

void serial_init(void)
{
	outb(COM1_BASE + UART_IER, 0); /* polled: no UART interrupts */
	outb(COM1_BASE + UART_LCR, LCR_DLAB);
	outb(COM1_BASE + UART_DLL, 1); /* 115200 baud = 1.8432 MHz / 16 / 1 */
	outb(COM1_BASE + UART_DLM, 0);
	outb(COM1_BASE + UART_LCR, LCR_8N1);
	outb(COM1_BASE + UART_FCR, 0x07); /* FIFOs on and cleared */
	outb(COM1_BASE + UART_MCR, 0x03); /* DTR, RTS; OUT2 off keeps the IRQ line quiet */
}

void serial_putc(char c)
{
	unsigned int i;

	/* Emulated UARTs report THRE at once; a real one within ~90 us. */
	for (i = 0; i < 1000000 && !(inb(COM1_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1_BASE + UART_THR, (uint8_t)c);
}
