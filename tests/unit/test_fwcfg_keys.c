// SPDX-License-Identifier: MIT
/*
 * The manifest's `fwcfg = opt/NAME MODULE` key (issue 12): accepted forms,
 * each refusal with its one line, the limit of 8, the module check at
 * assignment and how manifest_print shows the files.
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

static const char *const mods[] = { "k.elf", "cfg.bin", NULL };
static struct manifest_resources res(void)
{
	return res4(mods);
}

static void test_fwcfg_accepted(void **state)
{
	(void)state;
	expect(P_OK, 1, "");
	assert_int_equal(m.part[0].nfwcfg, 0);
	expect(P_OK "fwcfg = opt/cypress/test cfg.bin\nfwcfg =\topt/b   k.elf \n", 1, "");
	assert_int_equal(m.part[0].nfwcfg, 2);
	assert_string_equal(m.part[0].fwcfg[0].name, "opt/cypress/test");
	assert_string_equal(m.part[0].fwcfg[0].module, "cfg.bin");
	assert_string_equal(m.part[0].fwcfg[1].name, "opt/b");
	assert_string_equal(m.part[0].fwcfg[1].module, "k.elf");
	/* 55 characters is the longest name. */
	char text[400], name[64];
	memset(name, 'n', 55);
	memcpy(name, "opt/", 4);
	name[55] = 0;
	snprintf(text, sizeof(text), P_OK "fwcfg = %s cfg.bin\n", name);
	expect(text, 1, "");
	assert_string_equal(m.part[0].fwcfg[0].name, name);
	/* Eight files. */
	size_t o = (size_t)snprintf(text, sizeof(text), P_OK);
	for (int i = 0; i < 8; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "fwcfg = opt/f%d cfg.bin\n", i);
	expect(text, 1, "");
	assert_int_equal(m.part[0].nfwcfg, 8);
	assert_string_equal(m.part[0].fwcfg[7].name, "opt/f7");
}

/* Both repeatable keys, interleaved: neither counts as "given twice". */
static void test_fwcfg_with_modules(void **state)
{
	struct manifest_resources r = res();

	(void)state;
	expect(P_OK "module = cfg.bin a\nfwcfg = opt/a cfg.bin\nmodule = k.elf\nfwcfg = opt/b "
		    "k.elf\n",
	       1, "");
	assert_int_equal(m.part[0].nmods, 2);
	assert_int_equal(m.part[0].nfwcfg, 2);
	assert_string_equal(m.part[0].fwcfg[1].name, "opt/b");
	expect_assign(P_OK "module = cfg.bin\nfwcfg = opt/a nosuch.bin\n", &r, 0,
		      "manifest: partition 'p' (line 1): fwcfg module 'nosuch.bin' not found "
		      "among the boot modules; partition refused\n");
}

static void test_fwcfg_refused(void **state)
{
	char text[600], name[64];

	(void)state;
	expect(P_OK "fwcfg = opt/a\n", 0,
	       "manifest: line 5: fwcfg = 'opt/a': want 'opt/NAME MODULE' (two words); partition "
	       "'p' refused\n");
	expect(P_OK "fwcfg = opt/a b c\n", 0,
	       "manifest: line 5: fwcfg = 'opt/a b c': want 'opt/NAME MODULE' (two words); "
	       "partition 'p' refused\n");
	expect(P_OK "fwcfg = etc/acpi/rsdp cfg.bin\n", 0,
	       "manifest: line 5: fwcfg = 'etc/acpi/rsdp cfg.bin': a fw_cfg file name starts "
	       "with 'opt/' and goes on; partition 'p' refused\n");
	expect(P_OK "fwcfg = opt/ cfg.bin\n", 0,
	       "manifest: line 5: fwcfg = 'opt/ cfg.bin': a fw_cfg file name starts with 'opt/' "
	       "and goes on; partition 'p' refused\n");
	memset(name, 'n', 56);
	memcpy(name, "opt/", 4);
	name[56] = 0;
	snprintf(text, sizeof(text), P_OK "fwcfg = %s cfg.bin\n", name);
	expect(text, 0,
	       "manifest: line 5: fwcfg = 'opt/nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...': file name "
	       "longer than 55 characters; partition 'p' refused\n");
	expect(P_OK "fwcfg = opt/\xc3\xa9 cfg.bin\n", 0,
	       "manifest: line 5: fwcfg = 'opt/?? cfg.bin': a fw_cfg file name is printable "
	       "ASCII; partition 'p' refused\n");
	expect(P_OK "fwcfg = opt/a cfg.bin\nfwcfg = opt/a k.elf\n", 0,
	       "manifest: line 6: fwcfg = 'opt/a k.elf': file name given twice; partition 'p' "
	       "refused\n");
	size_t o = (size_t)snprintf(text, sizeof(text), P_OK);
	for (int i = 0; i < 9; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "fwcfg = opt/f%d cfg.bin\n", i);
	expect(text, 0,
	       "manifest: line 13: fwcfg = 'opt/f8 cfg.bin': more than 8 fwcfg files; partition "
	       "'p' refused\n");
}

static void test_fwcfg_module_missing(void **state)
{
	struct manifest_resources r = res();

	(void)state;
	expect_assign(P_OK "fwcfg = opt/a cfg.bin\nfwcfg = opt/b nosuch.bin\n", &r, 0,
		      "manifest: partition 'p' (line 1): fwcfg module 'nosuch.bin' not found "
		      "among the boot modules; partition refused\n");
	r = res();
	expect_assign(P_OK "fwcfg = opt/cypress/test cfg.bin\n", &r, 1, "");
	console_capture_reset();
	manifest_print(&m);
	assert_string_equal(console_capture(),
			    "manifest: partition 'p' cores=1 memory=2 MiB kernel=k.elf vcpus=1 "
			    "fwcfg=opt/cypress/test:cfg.bin cmdline=\"\"\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fwcfg_accepted),
		cmocka_unit_test(test_fwcfg_refused),
		cmocka_unit_test(test_fwcfg_with_modules),
		cmocka_unit_test(test_fwcfg_module_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
