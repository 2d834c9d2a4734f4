// SPDX-License-Identifier: MIT
/*
 * The simulator's console: sched/ reports refused requests with kprintf(), and
 * here every such line goes to the current run's log (stderr by default), so
 * a rejected request is always visible and never silently trimmed.
 * Environment: host simulator.
 */
#include <stdarg.h>
#include <stdio.h>

#include "lib/printf.h"
#include "tools/sim/console.h"

static FILE *out;
static unsigned long nlines;

void sim_console_to(FILE *f)
{
	out = f;
}

unsigned long sim_console_lines(void)
{
	return nlines;
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(out ? out : stderr, fmt, ap);
	va_end(ap);
	nlines++;
}
