/* SPDX-License-Identifier: MIT */
/*
 * Host-test stand-in for the console: kprintf() output is captured so tests
 * can assert the exact diagnostic lines pure code prints.
 * Environment: hosted unit tests only.
 */
#ifndef TESTS_UNIT_FAKE_CONSOLE_H
#define TESTS_UNIT_FAKE_CONSOLE_H

#include <stdbool.h>

/* Forget everything captured so far. */
void console_capture_reset(void);
/* Everything printed since the last reset, NUL-terminated. */
const char *console_capture(void);
/* True if some captured output contains needle. */
bool console_capture_has(const char *needle);
/* Number of complete lines captured since the last reset. */
int console_capture_lines(void);

#endif
