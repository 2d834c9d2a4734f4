// SPDX-License-Identifier: MIT
/*
 * 16550 UART driver (polled). Register layout per the PC16550D data sheet.
 * Environment: freestanding hypervisor, any core, under the console lock.
 */
#include "arch/x86/cpu.h"
#include "drivers/uart16550.h"

#define UART_THR 0 /* transmit holding (DLAB=0) */
#define UART_DLL 0 /* divisor low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LCR_DLAB 0x80

bool uart_init(uint16_t port)
{
	/* The scratch register holds what we write on a real 16550; with no
	 * device the bus floats to 0xff. */
	outb((uint16_t)(port + UART_SCR), 0x5a);
	if (inb((uint16_t)(port + UART_SCR)) != 0x5a)
		return false;
	outb((uint16_t)(port + UART_IER), 0x00);
	outb((uint16_t)(port + UART_LCR), LCR_DLAB);
	outb((uint16_t)(port + UART_DLL), 1); /* 115200 = 1.8432 MHz / 16 / 1 */
	outb((uint16_t)(port + UART_DLM), 0);
	outb((uint16_t)(port + UART_LCR), 0x03); /* 8N1 */
	outb((uint16_t)(port + UART_FCR), 0x07); /* enable and clear FIFOs */
	outb((uint16_t)(port + UART_MCR), 0x03); /* DTR, RTS */
	return true;
}

void uart_putc(uint16_t port, char c)
{
	/* ~1 ms at 115200 baud is far less than this many polls; a wedged
	 * UART costs a bounded delay per byte, never a hang. */
	for (int i = 0; i < 100000; i++) {
		if (inb((uint16_t)(port + UART_LSR)) & LSR_THRE)
			break;
		cpu_relax();
	}
	outb((uint16_t)(port + UART_THR), (uint8_t)c);
}

void uart_flush(uint16_t port)
{
	/* TEMT (not just THRE): an emulator that ends the run right after the
	 * last write would otherwise drop the bytes still being shifted out. */
	for (int i = 0; i < 1000000; i++) {
		if (inb((uint16_t)(port + UART_LSR)) & LSR_TEMT)
			break;
		cpu_relax();
	}
}
