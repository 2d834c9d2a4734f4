// SPDX-License-Identifier: MIT
/*
 * Fuzz harness for the hypervisor command line: cmdline_parse() of the
 * input as the multiboot2 command-line string, then the promises of
 * core/cmdline.h: every option holds its default or an allowed value, every
 * string field is terminated, and a problem count is never negative.
 * Environment: hosted fuzz harness (clang -fsanitize=fuzzer,address,undefined).
 *
 * The loader hands over a NUL-terminated string, so the input is cut at its
 * first NUL and terminated in an exact-size copy (ASan sees any read past
 * the terminator).
 */
#include <stdbool.h>
#include <string.h>

#include "core/cmdline.h"
#include "tests/fuzz/fuzz.h"

static bool one_of(const char *v, size_t cap, const char *const *choices)
{
	if (!memchr(v, '\0', cap))
		return false;
	for (; *choices; choices++)
		if (strcmp(v, *choices) == 0)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const consoles[] = { "com1", "e9", "both", NULL };
	static const char *const exits[] = { "off", "idle", NULL };
	static const char *const poweroffs[] = { "auto", "acpi", NULL };
	struct cmdline_opts o;
	size_t n = strnlen((const char *)data, size);
	char *line = malloc(n + 1);
	int problems;

	FUZZ_CHECK(line != NULL);
	memcpy(line, data, n);
	line[n] = '\0';
	problems = cmdline_parse(line, &o);
	FUZZ_CHECK(problems >= 0);
	FUZZ_CHECK(o.maxcpus <= CONFIG_MAX_CPUS);
	FUZZ_CHECK(one_of(o.console, sizeof(o.console), consoles));
	FUZZ_CHECK(one_of(o.exit_mode, sizeof(o.exit_mode), exits));
	FUZZ_CHECK(one_of(o.poweroff, sizeof(o.poweroff), poweroffs));
	FUZZ_CHECK(memchr(o.test, '\0', sizeof(o.test)) &&
		   memchr(o.bad_entry, '\0', sizeof(o.bad_entry)));
	FUZZ_CHECK(o.have_test_hang_apic || o.test_hang_apic == 0);
	/* An empty line (or only blanks) is all defaults and no problems. */
	if (strspn(line, " \t\r\n") == n)
		FUZZ_CHECK(problems == 0 && o.maxcpus == 0 && !o.novmx && o.test[0] == '\0');
	cmdline_print(&o);
	free(line);
	return 0;
}
