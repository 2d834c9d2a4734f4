// SPDX-License-Identifier: MIT
/*
 * Guest test library: formatted output and the console lock.
 * Environment: guest test kernel, 32-bit protected mode, ring 0, any CPU,
 * interrupts either way.
 */
#include <stdbool.h>
#include "lib/printf.h"
#include "tests/guests/lib/printf.h"
#include "tests/guests/lib/io.h"
#include "tests/guests/lib/serial.h"

/* The formatting is the hypervisor's own (lib/printf.c, pure C99
 * snprintf rules), linked into every guest by tests/guests/guests.mk. */
int gvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return kvsnprintf(buf, size, fmt, ap);
}

int gsnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = gvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static volatile uint32_t console_lock_word;

uint32_t console_lock(void)
{
	uint32_t flags = read_eflags();

	/* Interrupts off while held, so a handler that prints on this CPU
	 * cannot spin on a lock its own CPU holds. */
	irq_disable();
	while (__atomic_exchange_n(&console_lock_word, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	return flags;
}

void console_unlock(uint32_t flags)
{
	__atomic_store_n(&console_lock_word, 0, __ATOMIC_RELEASE);
	if (flags & EFLAGS_IF)
		irq_enable();
}

static char *tap_buf;
static size_t tap_size, tap_len;

void console_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		serial_putc(s[i]);
		if (tap_buf && tap_len + 1 < tap_size) {
			tap_buf[tap_len++] = s[i];
			tap_buf[tap_len] = '\0';
		}
	}
}

void console_tap_start(char *buf, size_t size)
{
	uint32_t flags = console_lock();

	tap_buf = size ? buf : NULL;
	tap_size = size;
	tap_len = 0;
	if (tap_buf)
		tap_buf[0] = '\0';
	console_unlock(flags);
}

size_t console_tap_stop(void)
{
	uint32_t flags = console_lock();
	size_t n = tap_len;

	tap_buf = NULL;
	console_unlock(flags);
	return n;
}

int gprintf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;
	uint32_t flags;

	va_start(ap, fmt);
	n = gvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = (int)sizeof(buf) - 1;
	flags = console_lock();
	console_write(buf, (size_t)n);
	console_unlock(flags);
	return n;
}
