/* SPDX-License-Identifier: MIT */
/*
 * Guest test library: the guest's free RAM (memory-map RAM from the end of
 * the image up to 4 GiB) and an address-dependent test pattern over it, for
 * the isolation tests (memwrite, canary).
 * Environment: guest test kernel, 32-bit protected mode, paging off, ring 0,
 * after mb_init().
 */
#ifndef GUEST_RAM_H
#define GUEST_RAM_H

#include <stdint.h>

struct pattern_result {
	uint32_t bad_words;  /* words that differ */
	uint32_t first_bad;  /* address of the first one */
	uint32_t first_got;  /* what it held */
	uint32_t first_want; /* what the pattern says */
};

/*
 * Fill the free RAM with the pattern for seed, at most limit bytes (0: no
 * limit). Returns the bytes filled.
 */
uint64_t pattern_fill(uint32_t seed, uint64_t limit);

/* Check what pattern_fill(seed, limit) wrote; fills *res. Returns the bytes checked. */
uint64_t pattern_check(uint32_t seed, uint64_t limit, struct pattern_result *res);

#endif
