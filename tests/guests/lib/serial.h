/* SPDX-License-Identifier: MIT */
/*
 * Guest test library: polled 16550 output on COM1 (0x3f8), the console QEMU
 * and Cypress both provide.
 * Environment: guest test kernel, 32-bit protected mode, ring 0, any CPU.
 */
#ifndef GUEST_SERIAL_H
#define GUEST_SERIAL_H

#define COM1_BASE 0x3f8
#define COM1_SCR  (COM1_BASE + 7) /* scratch register */
#define COM1_LSR  (COM1_BASE + 5) /* line status register */
#define LSR_THRE  0x20		  /* transmit holding register empty */

/* Program COM1 for 115200 8N1 with interrupts off. BSP, once, first. */
void serial_init(void);

/*
 * Send one byte once the transmitter is empty (LSR.THRE), giving up the wait
 * after a bounded number of polls so a missing UART cannot hang the test.
 * Callers serialise through the console lock (printf.h).
 */
void serial_putc(char c);

#endif
