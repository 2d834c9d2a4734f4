/* SPDX-License-Identifier: MIT */
/*
 * 16550 UART, polled transmit only (the console's output side).
 * Environment: freestanding hypervisor, any core, under the console lock.
 */
#ifndef DRIVERS_UART16550_H
#define DRIVERS_UART16550_H

#include "lib/types.h"

#define COM1_PORT 0x3f8

/*
 * Probe and program the UART at `port` for 115200 8N1, FIFOs on.
 * Returns false (and leaves it alone) when no UART answers there.
 */
bool uart_init(uint16_t port);

/* Send one byte; gives up after a bounded wait so a dead UART cannot hang us. */
void uart_putc(uint16_t port, char c);

/* Wait (bounded) until every byte left the transmitter: shift register empty. */
void uart_flush(uint16_t port);

#endif
