/* SPDX-License-Identifier: MIT */
/*
 * A partition's memory for loader unit tests (test_guest_load_mods.c,
 * test_guest_linux.c): mem_setup() gives gm `size` zeroed bytes, teardown()
 * (a cmocka teardown) frees them; wr32() writes a little-endian word.
 * Environment: hosted unit tests only; include after <cmocka.h>, once per test.
 */
#ifndef TESTS_UNIT_GUEST_MEM_FIXTURE_H
#define TESTS_UNIT_GUEST_MEM_FIXTURE_H

#include <stdlib.h>

#include "core/guest_load.h"

static uint8_t *mem;
static struct guest_mem gm;

static void mem_setup(uint64_t size)
{
	free(mem);
	mem = calloc(1, size);
	assert_non_null(mem);
	gm.base = mem;
	gm.size = size;
}

static int teardown(void **state)
{
	(void)state;
	free(mem);
	mem = NULL;
	return 0;
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#endif
