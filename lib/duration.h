/* SPDX-License-Identifier: MIT */
/*
 * Durations written by people (manifest `timeout = 30s`, command line
 * `vmtimeout=2m`): a decimal number with a unit, `ms`, `s` or `m`, or the
 * word `none` (no limit, 0). Shared by the manifest and command-line
 * parsers so both accept exactly the same text.
 * Environment: pure code, any core; also built hosted for unit tests.
 */
#ifndef LIB_DURATION_H
#define LIB_DURATION_H

#include "lib/types.h"

#define DURATION_MAX_MS (24u * 3600u * 1000u) /* one day */

/*
 * Parse NUL-terminated s into *ms (0 for `none`). Returns 0, or -E_INVAL
 * (not a number with a unit) / -E_RANGE (above DURATION_MAX_MS, or 0
 * written as a number: say `none`) with the reason in why (why_size bytes).
 */
int duration_parse(const char *s, uint32_t *ms, char *why, size_t why_size);

#endif
