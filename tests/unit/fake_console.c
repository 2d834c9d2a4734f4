// SPDX-License-Identifier: MIT
/*
 * Host-test console: kprintf() appends to a buffer (and echoes to stderr
 * when CYPRESS_TEST_VERBOSE is set).
 * Environment: hosted unit tests only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/printf.h"
#include "tests/unit/fake_console.h"

static char cap[1 << 16];
static size_t cap_len;

void console_capture_reset(void)
{
	cap_len = 0;
	cap[0] = '\0';
}

const char *console_capture(void)
{
	return cap;
}

bool console_capture_has(const char *needle)
{
	return strstr(cap, needle) != NULL;
}

int console_capture_lines(void)
{
	int n = 0;

	for (size_t i = 0; i < cap_len; i++)
		n += cap[i] == '\n';
	return n;
}

void kvprintf(const char *fmt, va_list ap)
{
	va_list aq;

	va_copy(aq, ap);
	if (getenv("CYPRESS_TEST_VERBOSE"))
		vfprintf(stderr, fmt, aq);
	va_end(aq);
	if (cap_len < sizeof(cap) - 1) {
		int n = vsnprintf(cap + cap_len, sizeof(cap) - cap_len, fmt, ap);
		if (n > 0)
			cap_len = cap_len + (size_t)n < sizeof(cap) - 1 ? cap_len + (size_t)n :
									  sizeof(cap) - 1;
	}
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}
