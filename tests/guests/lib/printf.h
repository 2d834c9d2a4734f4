/* SPDX-License-Identifier: MIT */
/*
 * Guest test library: small printf to COM1 and into buffers. Conversions:
 * %d %i %u %x %X %p %s %c %%, flags '-' and '0', width (or '*'), precision
 * for %s, length modifiers l (32-bit), ll (64-bit) and z.
 * Environment: guest test kernel, 32-bit protected mode, ring 0, any CPU,
 * interrupts either way (the console lock disables them while held).
 */
#ifndef GUEST_PRINTF_H
#define GUEST_PRINTF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Format into buf (always NUL-terminated when size > 0); returns the length
 * the full output would have.
 */
int gvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* gvsnprintf with variable arguments. */
int gsnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Print to COM1 as one unit (up to 255 bytes per call; longer output is cut),
 * so lines from different CPUs never interleave. Returns the bytes written.
 */
int gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Take the console lock: spins, with interrupts disabled on this CPU while
 * held. Returns the EFLAGS to hand to console_unlock().
 */
uint32_t console_lock(void);

/* Release the console lock and restore the interrupt flag from flags. */
void console_unlock(uint32_t flags);

/* Write len bytes to COM1 (and to the tap, if on). Precondition: console lock held. */
void console_write(const char *s, size_t len);

/*
 * Also copy everything printed from now on into buf (NUL-terminated, cut at
 * size - 1), so a test can check the diagnostic lines the library prints.
 * One tap at a time.
 */
void console_tap_start(char *buf, size_t size);

/* Stop copying; returns the number of bytes captured. */
size_t console_tap_stop(void);

#endif
