// SPDX-License-Identifier: MIT
/*
 * Guest test "canary", the other half of the isolation test: fills its free
 * RAM with a pattern, prints "canary ready", then re-checks the whole
 * pattern every interval ms for rounds rounds (command line "rounds=N",
 * default 50; "interval=MS", default 10; "kib=N" caps the area, default
 * all). SUCCESS if the pattern stayed intact, FAILURE naming the first
 * changed word otherwise.
 * Environment: guest test kernel (multiboot v1, 32-bit, paging off), BSP only.
 */
#include "tests/guests/lib/guest.h"

const char guest_test_name[] = "canary";

#define SEED 0x63616e79u /* "cany" */

void guest_main(uint32_t magic, uint32_t mbi)
{
	uint32_t rounds = cmdline_uint("rounds", 50);
	uint32_t interval = cmdline_uint("interval", 10);
	uint64_t limit = (uint64_t)cmdline_uint("kib", 0) * 1024, bytes;
	struct pattern_result res;

	(void)magic;
	(void)mbi;
	if (!mb_region_count())
		verdict(VERDICT_ERROR, "no memory map from the loader");
	tsc_per_ms(); /* calibrate before the first wait */
	bytes = pattern_fill(SEED, limit);
	if (!bytes)
		verdict(VERDICT_ERROR, "no free RAM above the image");
	gprintf("canary ready (%llu KiB, %u rounds every %u ms)\n", bytes / 1024, rounds, interval);
	for (uint32_t r = 1; r <= rounds; r++) {
		delay_us(interval * 1000);
		pattern_check(SEED, limit, &res);
		if (res.bad_words)
			verdict(VERDICT_FAILURE,
				"round %u: %u words changed, first at 0x%x: 0x%08x, want 0x%08x", r,
				res.bad_words, res.first_bad, res.first_got, res.first_want);
		if (r % 10 == 0)
			gprintf("canary: round %u intact\n", r);
	}
	report("pattern intact over %llu KiB after %u rounds", bytes / 1024, rounds);
}
