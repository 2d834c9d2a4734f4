// SPDX-License-Identifier: MIT
/*
 * Unit tests for the micro-sliced pool's manifest keys: a partition's
 * `symbols = NAME` (a boot module that must exist) and `[machine] pool = N`
 * (0..MANIFEST_POOL_MAX), their refusals and how manifest_print shows them.
 * Environment: hosted unit tests only (cmocka, ASan/UBSan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/manifest.h"
#include "lib/errno.h"
#include "tests/unit/fake_console.h"
#include "tests/unit/manifest_test.h"

#define P_OK "[partition p]\ncores = 1\nmemory = 2M\nkernel = k.elf\n"

static const char *const mods[] = { "k.elf", "k.map", NULL };
static struct manifest_resources res(void)
{
	return res4(mods);
}

static void test_symbols_key(void **state)
{
	(void)state;
	expect(P_OK "symbols = k.map\n", 1, "");
	assert_string_equal(m.part[0].symbols, "k.map");
	expect(P_OK, 1, "");
	assert_string_equal(m.part[0].symbols, "");
	expect(P_OK "symbols = two words\n", 0,
	       "manifest: line 5: symbols = 'two words': a module name is one word; partition "
	       "'p' refused\n");
	expect(P_OK "symbols = k.map\nsymbols = k.map\n", 0,
	       "manifest: line 6: key 'symbols' given twice in partition 'p'; partition "
	       "refused\n");
	char text[400];
	snprintf(text, sizeof(text), P_OK "symbols = %070d\n", 1);
	expect(text, 0,
	       "manifest: line 5: symbols = '0000000000000000000000000000000000000...': "
	       "longer than 63 characters; partition 'p' refused\n");
}

static void test_symbols_module_missing(void **state)
{
	struct manifest_resources r = res();

	(void)state;
	expect_assign(P_OK "symbols = nosuch.map\n", &r, 0,
		      "manifest: partition 'p' (line 1): symbols module 'nosuch.map' not found "
		      "among the boot modules; partition refused\n");
	r = res();
	expect_assign(P_OK "symbols = k.map\n", &r, 1, "");
	console_capture_reset();
	manifest_print(&m);
	assert_string_equal(console_capture(), "manifest: partition 'p' cores=1 memory=2 MiB "
					       "kernel=k.elf vcpus=1 symbols=k.map cmdline=\"\"\n");
}

static void test_pool_key(void **state)
{
	(void)state;
	expect("[machine]\npool = 2\n" P_OK, 1, "");
	assert_int_equal(m.machine.pool, 2);
	console_capture_reset();
	manifest_print(&m);
	assert_true(console_capture_has("manifest: machine fast=none accel=none pool=2\n"));
	expect("[machine]\npool = 0\n" P_OK, 1, "");
	assert_int_equal(m.machine.pool, 0);
	expect("[machine]\npool = 17\npool = x\n" P_OK, 1,
	       "manifest: line 2: pool = '17': outside 0..16 (ignored)\n"
	       "manifest: line 3: key 'pool' given twice in [machine] (ignored)\n");
	assert_int_equal(m.machine.pool, 0);
	expect(P_OK "pool = 1\n", 0,
	       "manifest: line 5: unknown key 'pool' in partition 'p'; partition refused\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symbols_key),
		cmocka_unit_test(test_symbols_module_missing),
		cmocka_unit_test(test_pool_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
