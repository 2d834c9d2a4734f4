// SPDX-License-Identifier: MIT
/*
 * Console for the fuzz harnesses: kprintf() formats every message (so a bad
 * argument, such as a string pointer past its buffer, still trips ASan) and
 * then drops it, because millions of runs would otherwise flood the log.
 * Set CYPRESS_FUZZ_VERBOSE=1 to see the messages, e.g. when replaying a
 * crash file.
 * Environment: hosted fuzz harnesses only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/printf.h"

void kvprintf(const char *fmt, va_list ap)
{
	static int verbose = -1;
	char line[1024];

	/* Read once: getenv on every message would dominate small inputs. */
	if (verbose < 0)
		verbose = getenv("CYPRESS_FUZZ_VERBOSE") != NULL;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (verbose)
		fputs(line, stderr);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}
