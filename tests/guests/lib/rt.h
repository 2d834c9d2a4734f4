/* SPDX-License-Identifier: MIT */
/*
 * Guest test library: what the compiler may call on its own in a
 * freestanding i386 build (memset, memcpy, memcmp, 64-bit division) and
 * two string helpers. The memory and string functions are the hypervisor's
 * own lib/string.c built for i386; the division helpers are in rt.c. No libc
 * and no 32-bit libgcc are linked.
 * Environment: guest test kernel, any CPU, any context.
 */
#ifndef GUEST_RT_H
#define GUEST_RT_H

#include <stddef.h>
#include <stdint.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
int strcmp(const char *a, const char *b);

/* Unsigned 64-bit division and remainder (gcc emits these for u64 / and %,
 * __udivmoddi4 when it wants both).
 * Division by zero returns all ones (quotient) / n (remainder) instead of trapping. */
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);

#endif
