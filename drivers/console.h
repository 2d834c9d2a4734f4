/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor console: COM1 and/or port 0xE9, whole lines only, each
 * prefixed "[seconds.micros cN] ". kprintf() (lib/printf.h) lands here.
 * Environment: freestanding hypervisor, any core, any context (exception
 * handlers included: a core re-entering the console lock proceeds).
 */
#ifndef DRIVERS_CONSOLE_H
#define DRIVERS_CONSOLE_H

#include "lib/types.h"

enum console_sink {
	CONSOLE_COM1 = 1,
	CONSOLE_E9 = 2,
	CONSOLE_BOTH = 3,
};

/* Probe COM1 and start the console on every sink present. Boot core, once. */
void console_init(void);

/* Restrict output to `sinks` (from the command line); absent sinks stay off. */
void console_select(unsigned int sinks);

/* Write raw bytes (no prefix) under the console lock; for panic banners. */
void console_write_raw(const char *s, size_t n);

/* Wait until everything written has left the UART (before power-off). */
void console_flush(void);

/*
 * Start every line this core prints with `tag` (NULL: no tag) until it is
 * changed: lets code that knows no VM (the instruction decoder) name the
 * guest that caused its line. The string must outlive the tag.
 */
void console_tag(const char *tag);

#endif
