// SPDX-License-Identifier: MIT
/*
 * Duration parsing (see lib/duration.h).
 * Environment: pure code, any core; also built hosted for unit tests.
 */
#include "lib/duration.h"

#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

int duration_parse(const char *s, uint32_t *ms, char *why, size_t why_size)
{
	uint64_t n = 0;
	size_t i = 0;

	if (!strcmp(s, "none")) {
		*ms = 0;
		return 0;
	}
	while (s[i] >= '0' && s[i] <= '9') {
		n = n * 10 + (uint64_t)(s[i] - '0');
		if (n > DURATION_MAX_MS) {
			ksnprintf(why, why_size, "longer than a day");
			return -E_RANGE;
		}
		i++;
	}
	uint64_t scale = !strcmp(s + i, "ms") ? 1 :
			 !strcmp(s + i, "s")  ? 1000 :
			 !strcmp(s + i, "m")  ? 60000 :
						0;
	if (i == 0 || !scale) {
		ksnprintf(why, why_size, "not a duration: want a number with ms, s or m, or none");
		return -E_INVAL;
	}
	if (n == 0) {
		ksnprintf(why, why_size, "a zero duration: write none for no limit");
		return -E_RANGE;
	}
	if (n * scale > DURATION_MAX_MS) {
		ksnprintf(why, why_size, "longer than a day");
		return -E_RANGE;
	}
	*ms = (uint32_t)(n * scale);
	return 0;
}
