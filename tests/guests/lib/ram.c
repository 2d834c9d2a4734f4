// SPDX-License-Identifier: MIT
/*
 * Guest test library: fill and check the free RAM with a pattern that
 * differs per word and per seed, so a stray write, a lost write and two
 * addresses aliasing the same memory all show up.
 * Environment: guest test kernel, 32-bit protected mode, paging off, ring 0,
 * after mb_init().
 */
#include <stdbool.h>
#include "tests/guests/lib/ram.h"
#include "tests/guests/lib/cpu.h"
#include "tests/guests/lib/mb.h"

static inline uint32_t pattern_word(uint32_t addr, uint32_t seed)
{
	return (addr * 2654435761u) ^ seed; /* Knuth's multiplicative hash */
}

typedef void (*range_fn)(uint32_t base, uint32_t end, uint32_t seed, void *ctx);

/* Call fn on each free RAM range [base, end), word aligned, within limit bytes. */
static uint64_t for_each_free(range_fn fn, uint32_t seed, uint64_t limit, void *ctx)
{
	uint32_t floor = (uint32_t)(uintptr_t)__image_end;
	uint64_t done = 0;

	for (unsigned int i = 0; i < mb_region_count(); i++) {
		const struct mb_region *r = mb_region(i);
		uint64_t base = r->base, end = r->base + r->len;

		if (r->type != MB_MMAP_RAM)
			continue;
		if (base < floor)
			base = floor;
		if (end > 0xfffff000ull)
			end = 0xfffff000ull;
		base = (base + 3) & ~3ull;
		end &= ~3ull;
		if (base >= end)
			continue;
		if (limit && end - base > limit - done)
			end = base + (limit - done);
		fn((uint32_t)base, (uint32_t)end, seed, ctx);
		done += end - base;
		if (limit && done >= limit)
			break;
	}
	return done;
}

static void fill_range(uint32_t base, uint32_t end, uint32_t seed, void *ctx)
{
	(void)ctx;
	for (uint32_t a = base; a < end; a += 4)
		*(volatile uint32_t *)(uintptr_t)a = pattern_word(a, seed);
}

static void check_range(uint32_t base, uint32_t end, uint32_t seed, void *ctx)
{
	struct pattern_result *res = ctx;

	for (uint32_t a = base; a < end; a += 4) {
		uint32_t got = *(volatile uint32_t *)(uintptr_t)a, want = pattern_word(a, seed);

		if (got == want)
			continue;
		if (!res->bad_words++) {
			res->first_bad = a;
			res->first_got = got;
			res->first_want = want;
		}
	}
}

uint64_t pattern_fill(uint32_t seed, uint64_t limit)
{
	return for_each_free(fill_range, seed, limit, NULL);
}

uint64_t pattern_check(uint32_t seed, uint64_t limit, struct pattern_result *res)
{
	*res = (struct pattern_result){ 0, 0, 0, 0 };
	return for_each_free(check_range, seed, limit, res);
}
