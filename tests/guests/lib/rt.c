// SPDX-License-Identifier: MIT
/*
 * Guest test library: freestanding runtime (see rt.h).
 * Environment: guest test kernel, any CPU, any context.
 */
#include <stdbool.h>
#include "tests/guests/lib/rt.h"

/* memset, memcpy, memcmp, strlen, strncmp: lib/string.c, shared with the
 * hypervisor (tests/guests/guests.mk). */

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0, r = 0;

	if (d == 0) {
		*rem = n;
		return ~0ull;
	}
	for (int i = 63; i >= 0; i--) {
		bool carry = r >> 63;

		r = (r << 1) | ((n >> i) & 1);
		if (carry || r >= d) {
			r -= d; /* wraps correctly when carry is set */
			q |= 1ull << i;
		}
	}
	*rem = r;
	return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
	uint64_t r;

	return __udivmoddi4(n, d, &r);
}

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
	uint64_t r;

	__udivmoddi4(n, d, &r);
	return r;
}
