// SPDX-License-Identifier: MIT
/*
 * Unit tests for the manifest key `module = NAME args` (issue 12): it repeats,
 * keeps its order and its strings exactly (quotes as for cmdline), refuses a
 * bad name, a 17th module or too much text with one line, and assignment
 * refuses a partition whose module is not among the boot modules.
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

#define P_OK "[partition p]\ncores = 1\nmemory = 2M\nkernel = k\n"

static void test_none(void **state)
{
	(void)state;
	expect(P_OK, 1, "");
	assert_int_equal(m.part[0].nmods, 0);
	assert_string_equal(manifest_module(&m.part[0], 0), "");
}

/* In order, strings as written (inner blanks kept), quotes removed. */
static void test_repeat_order_strings(void **state)
{
	char name[MANIFEST_MODULE_MAX];
	const struct manifest_part *p = &m.part[0];

	(void)state;
	expect(P_OK "module = data.txt\n"
		    "module =   test.env  env   # the env file\n"
		    "module = \"c.bin a  b # not a comment\"\n"
		    "cmdline = mods=3\n",
	       1, "");
	assert_int_equal(p->nmods, 3);
	assert_string_equal(manifest_module(p, 0), "data.txt");
	assert_string_equal(manifest_module(p, 1), "test.env  env");
	assert_string_equal(manifest_module(p, 2), "c.bin a  b # not a comment");
	assert_string_equal(manifest_module_name(p, 1, name), "test.env");
	assert_string_equal(manifest_module_name(p, 2, name), "c.bin");
	assert_string_equal(manifest_module(p, 3), "");
}

static void test_refusals(void **state)
{
	char text[4096];
	size_t n;

	(void)state;
	expect(P_OK "module = \n", 0,
	       "manifest: line 5: module = '': empty value; partition 'p' refused\n");
	/* Found by tests/fuzz/fuzz_manifest.c: a quoted value starting with a blank. */
	expect(P_OK "module = \" a.txt\"\n", 0,
	       "manifest: line 5: module = '\" a.txt\"': the module name must come first; "
	       "partition 'p' refused\n");
	expect(P_OK "module = a.txt \"x y\"\n", 0,
	       "manifest: line 5: module = 'a.txt \"x y\"': stray double quote (quote the whole "
	       "value); partition 'p' refused\n");
	expect(P_OK "module = caf\xc3\xa9.txt\n", 0,
	       "manifest: line 5: module = 'caf??.txt': a module name is printable ASCII; "
	       "partition 'p' refused\n");
	expect(P_OK "module = "
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa x\n",
	       0,
	       "manifest: line 5: module = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...': module name "
	       "longer than 63 characters; partition 'p' refused\n");
	/* 16 modules load; the 17th refuses the partition. */
	n = (size_t)snprintf(text, sizeof(text), P_OK);
	for (int i = 0; i < MANIFEST_MODS_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "module = m%d\n", i);
	expect(text, 1, "");
	assert_int_equal(m.part[0].nmods, MANIFEST_MODS_MAX);
	assert_string_equal(manifest_module(&m.part[0], 15), "m15");
	snprintf(text + n, sizeof(text) - n, "module = one-too-many\n");
	expect(text, 0,
	       "manifest: line 21: module = 'one-too-many': more than 16 modules; partition "
	       "'p' refused\n");
	/* Three strings of 400 bytes fit in 1024 only twice. */
	n = (size_t)snprintf(text, sizeof(text), P_OK);
	for (int i = 0; i < 3; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "module = m%d %0394d\n", i, 0);
	expect(text, 0,
	       "manifest: line 7: module = 'm2 0000000000000000000000000000000000...': the "
	       "module strings take more than 1024 bytes; partition 'p' refused\n");
}

/* Assignment: every module must be a boot module; print counts them. */
static void test_assign_and_print(void **state)
{
	static const char *const have[] = { "k", "data.txt", "test.env", NULL };
	static uint64_t usable[CONFIG_MAX_CPUS / 64] = { 0xe };
	struct manifest_resources r = { .ncpus = 4,
					.cpu_usable_mask = usable,
					.mem_free_bytes = 1ull << 30,
					.module_exists = have_module,
					.ctx = (void *)have };

	(void)state;
	expect_assign(P_OK "module = data.txt 1\nmodule = test.env env\n", &r, 1, "");
	console_capture_reset();
	manifest_print(&m);
	assert_string_equal(console_capture(),
			    "manifest: partition 'p' cores=1 memory=2 MiB kernel=k vcpus=1 "
			    "modules=2 cmdline=\"\"\n");
	expect_assign(P_OK "module = data.txt\nmodule = missing.bin arg\n", &r, 0,
		      "manifest: partition 'p' (line 1): module 'missing.bin' not found among "
		      "the boot modules; partition refused\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_repeat_order_strings),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_assign_and_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
