/* SPDX-License-Identifier: MIT */
/*
 * Formatted output. kvsnprintf follows C99 snprintf semantics for the
 * subset: %d %i %u %x %X %o %c %s %p %%, flags '-' '0' ' ' '+' '#', width
 * and precision (also '*'), length modifiers hh h l ll z t j.
 * kprintf formats one or more whole lines onto the console; each line is
 * prefixed with time and core id and never interleaves with other cores.
 * Environment: any context; kprintf takes the console lock.
 */
#ifndef LIB_PRINTF_H
#define LIB_PRINTF_H

#include <stdarg.h>

#include "lib/types.h"

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
void kprintf(const char *fmt, ...) __printf(1, 2);
void kvprintf(const char *fmt, va_list ap);

/*
 * Byte c as the console shows text it did not write itself (guest output,
 * manifest text): control bytes other than tab, and 0x7f-0xff, become '?'.
 */
static inline char console_char(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c >= 0x7f ? '?' : (char)c;
}

#endif
