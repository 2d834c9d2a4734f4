// SPDX-License-Identifier: MIT
/*
 * kvsnprintf: the C99 snprintf subset documented in lib/printf.h. Pure: it
 * builds hosted too, where unit tests compare it with the C library's.
 * Environment: any context; no allocation, bounded stack.
 */
#include "lib/printf.h"

struct out {
	char *buf;
	size_t size;
	size_t len; /* characters produced so far, even past size */
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
	bool left, zero, plus, space, alt;
	int width, prec; /* prec < 0: none */
};

static void emit_str(struct out *o, const struct spec *sp, const char *s)
{
	int n = 0;

	if (!s)
		s = "(null)";
	while (s[n] && (sp->prec < 0 || n < sp->prec))
		n++;
	if (!sp->left)
		pad(o, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		put(o, s[i]);
	if (sp->left)
		pad(o, ' ', sp->width - n);
}

static void emit_num(struct out *o, const struct spec *sp, uint64_t v, bool neg, unsigned base,
		     bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int nd = 0, prefix_len = 0;
	char prefix[3];

	while (v) {
		tmp[nd++] = digits[v % base];
		v /= base;
	}
	/* C99 7.19.6.1: precision 0 with value 0 prints no digits. */
	if (nd == 0 && sp->prec != 0)
		tmp[nd++] = '0';
	if (neg)
		prefix[prefix_len++] = '-';
	else if (sp->plus)
		prefix[prefix_len++] = '+';
	else if (sp->space)
		prefix[prefix_len++] = ' ';
	if (sp->alt && base == 16 && !(nd == 1 && tmp[0] == '0')) {
		prefix[prefix_len++] = '0';
		prefix[prefix_len++] = upper ? 'X' : 'x';
	} else if (sp->alt && base == 8 && tmp[nd - 1] != '0') {
		tmp[nd++] = '0';
	}
	int zeros = sp->prec > nd ? sp->prec - nd : 0;
	int total = prefix_len + zeros + nd;
	if (!sp->left && sp->zero && sp->prec < 0) {
		zeros += sp->width - total;
		total = sp->width;
	}
	if (!sp->left)
		pad(o, ' ', sp->width - total);
	for (int i = 0; i < prefix_len; i++)
		put(o, prefix[i]);
	pad(o, '0', zeros);
	while (nd)
		put(o, tmp[--nd]);
	if (sp->left)
		pad(o, ' ', sp->width - total);
}

static int parse_int(const char **p)
{
	int v = 0;

	while (**p >= '0' && **p <= '9') {
		if (v < 100000)
			v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		struct spec sp = { .prec = -1 };
		for (;; p++) {
			if (p[1] == '-')
				sp.left = true;
			else if (p[1] == '0')
				sp.zero = true;
			else if (p[1] == '+')
				sp.plus = true;
			else if (p[1] == ' ')
				sp.space = true;
			else if (p[1] == '#')
				sp.alt = true;
			else
				break;
		}
		p++;
		if (*p == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = true;
				sp.width = -sp.width;
			}
			p++;
		} else {
			sp.width = parse_int(&p);
		}
		if (*p == '.') {
			p++;
			if (*p == '*') {
				sp.prec = va_arg(ap, int);
				p++;
			} else {
				sp.prec = parse_int(&p);
			}
		}
		int lng =
			0; /* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size/ptrdiff/intmax */
		for (;; p++) {
			if (*p == 'l')
				lng = lng == 1 ? 2 : 1;
			else if (*p == 'h')
				lng = lng == -1 ? -2 : -1;
			else if (*p == 'z' || *p == 't' || *p == 'j')
				lng = 3;
			else
				break;
		}
		uint64_t u;
		int64_t s;
		switch (*p) {
		case 'd':
		case 'i':
			if (lng >= 1)
				s = lng == 1 ? va_arg(ap, long) : va_arg(ap, long long);
			else
				s = va_arg(ap, int);
			if (lng == -1)
				s = (short)s;
			else if (lng == -2)
				s = (signed char)s;
			emit_num(&o, &sp, s < 0 ? 0 - (uint64_t)s : (uint64_t)s, s < 0, 10, false);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (lng >= 1)
				u = lng == 1 ? va_arg(ap, unsigned long) :
					       va_arg(ap, unsigned long long);
			else
				u = va_arg(ap, unsigned int);
			if (lng == -1)
				u = (unsigned short)u;
			else if (lng == -2)
				u = (unsigned char)u;
			emit_num(&o, &sp, u, false, *p == 'u' ? 10 : *p == 'o' ? 8 : 16, *p == 'X');
			break;
		case 'p':
			sp.alt = true;
			emit_num(&o, &sp, (uintptr_t)va_arg(ap, void *), false, 16, false);
			break;
		case 'c': {
			char c[2] = { (char)va_arg(ap, int), 0 };
			sp.prec = 1;
			emit_str(&o, &sp, c);
			break;
		}
		case 's':
			emit_str(&o, &sp, va_arg(ap, const char *));
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			p--; /* a lone '%' at the end prints nothing */
			break;
		default: /* unknown conversion: print it literally */
			put(&o, '%');
			put(&o, *p);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > 0x7fffffff ? 0x7fffffff : (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
