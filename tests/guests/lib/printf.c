// SPDX-License-Identifier: MIT
/*
 * Guest test library: printf formatting and the console lock.
 * Environment: guest test kernel, 32-bit protected mode, ring 0, any CPU,
 * interrupts either way.
 */
#include <stdbool.h>
#include "tests/guests/lib/printf.h"
#include "tests/guests/lib/io.h"
#include "tests/guests/lib/serial.h"

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left, zero, upper;
	int width;
	unsigned int base;
};

static void put_num(struct out *o, uint64_t v, bool neg, const struct spec *s)
{
	const char *digits = s->upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len;

	do {
		if (v >> 32) {
			tmp[n++] = digits[v % s->base]; /* rt.c's __umoddi3 */
			v /= s->base;
		} else {
			uint32_t w = (uint32_t)v; /* the common case: 32-bit division */

			tmp[n++] = digits[w % s->base];
			v = w / s->base;
		}
	} while (v);
	len = n + (neg ? 1 : 0);
	if (!s->left && !s->zero)
		pad(o, ' ', s->width - len);
	if (neg)
		put(o, '-');
	if (!s->left && s->zero)
		pad(o, '0', s->width - len);
	while (n)
		put(o, tmp[--n]);
	if (s->left)
		pad(o, ' ', s->width - len);
}

static void put_str(struct out *o, const char *str, int prec, const struct spec *s)
{
	int len = 0;

	if (!str)
		str = "(null)";
	while (str[len] && (prec < 0 || len < prec))
		len++;
	if (!s->left)
		pad(o, ' ', s->width - len);
	for (int i = 0; i < len; i++)
		put(o, str[i]);
	if (s->left)
		pad(o, ' ', s->width - len);
}

int gvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		struct spec s = { false, false, false, 0, 10 };
		int prec = -1, lng = 0;
		uint64_t v;
		bool neg = false;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				s.left = true;
			else if (*fmt == '0')
				s.zero = true;
			else
				break;
		}
		if (*fmt == '*') {
			s.width = va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			s.width = s.width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			}
			while (*fmt >= '0' && *fmt <= '9')
				prec = prec * 10 + (*fmt++ - '0');
		}
		while (*fmt == 'l' || *fmt == 'z') {
			if (*fmt == 'l')
				lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t sv = lng >= 2 ? va_arg(ap, long long) : va_arg(ap, int);

			neg = sv < 0;
			v = neg ? (uint64_t)0 - (uint64_t)sv : (uint64_t)sv;
			put_num(&o, v, neg, &s);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			s.base = *fmt == 'u' ? 10 : 16;
			s.upper = *fmt == 'X';
			v = lng >= 2 ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned int);
			put_num(&o, v, false, &s);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			s.base = 16;
			put_num(&o, (uint32_t)(uintptr_t)va_arg(ap, void *), false, &s);
			break;
		case 's':
			put_str(&o, va_arg(ap, const char *), prec, &s);
			break;
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--; /* a lone '%' at the end: stop at the NUL */
			break;
		default: /* unknown conversion: show it rather than guess */
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
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
