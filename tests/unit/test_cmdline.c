// SPDX-License-Identifier: MIT
/*
 * Unit tests for the hypervisor command-line parser: defaults, every
 * option, quoting, whitespace, number boundaries and every diagnostic.
 * Environment: hosted unit tests only (cmocka).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/cmdline.h"
#include "tests/unit/fake_console.h"

static struct cmdline_opts o;

/* Parse line into o with a fresh console capture; return the problem count. */
static int parse(const char *line)
{
	console_capture_reset();
	memset(&o, 0xa5, sizeof(o)); /* parse must not rely on a clean struct */
	return cmdline_parse(line, &o);
}

static void assert_defaults(const struct cmdline_opts *p)
{
	assert_int_equal(p->maxcpus, 0);
	assert_false(p->novmx);
	assert_string_equal(p->console, "both");
	assert_string_equal(p->exit_mode, "off");
	assert_string_equal(p->test, "");
	assert_int_equal(p->test_hang_apic, 0);
	assert_false(p->have_test_hang_apic);
	assert_false(p->verbose);
}

/* line must give exactly one problem, exactly the line want, and defaults. */
static void expect_error(const char *line, const char *want)
{
	int n = parse(line);

	if (strcmp(console_capture(), want) != 0 || n != 1)
		print_error("line: %s\nwant: %sgot (%d): %s", line, want, n, console_capture());
	assert_int_equal(n, 1);
	assert_string_equal(console_capture(), want);
	assert_int_equal(console_capture_lines(), 1);
	assert_defaults(&o);
}

/* line must parse with no problem and print nothing. */
static void expect_ok(const char *line)
{
	int n = parse(line);

	if (n != 0)
		print_error("line: %s\ngot (%d): %s", line, n, console_capture());
	assert_int_equal(n, 0);
	assert_int_equal(console_capture_lines(), 0);
}

static void test_defaults(void **state)
{
	(void)state;
	expect_ok(NULL);
	assert_defaults(&o);
	expect_ok("");
	assert_defaults(&o);
	expect_ok("  \t \r\n ");
	assert_defaults(&o);
}

static void test_each_option(void **state)
{
	(void)state;
	expect_ok("maxcpus=4");
	assert_int_equal(o.maxcpus, 4);
	expect_ok("novmx");
	assert_true(o.novmx);
	expect_ok("console=com1");
	assert_string_equal(o.console, "com1");
	expect_ok("console=e9");
	assert_string_equal(o.console, "e9");
	expect_ok("console=both");
	assert_string_equal(o.console, "both");
	expect_ok("exit=idle");
	assert_string_equal(o.exit_mode, "idle");
	expect_ok("exit=off");
	assert_string_equal(o.exit_mode, "off");
	expect_ok("test=mailbox");
	assert_string_equal(o.test, "mailbox");
	expect_ok("testhook.hang_apic=3");
	assert_int_equal(o.test_hang_apic, 3);
	assert_true(o.have_test_hang_apic);
	expect_ok("verbose");
	assert_true(o.verbose);
	/* Each of those left the others at their defaults. */
	expect_ok("verbose");
	o.verbose = false;
	assert_defaults(&o);
}

static void test_combination(void **state)
{
	(void)state;
	expect_ok("maxcpus=0x10 novmx console=e9 exit=idle test=smp-boot "
		  "testhook.hang_apic=0x7 verbose");
	assert_int_equal(o.maxcpus, 16);
	assert_true(o.novmx);
	assert_string_equal(o.console, "e9");
	assert_string_equal(o.exit_mode, "idle");
	assert_string_equal(o.test, "smp-boot");
	assert_int_equal(o.test_hang_apic, 7);
	assert_true(o.have_test_hang_apic);
	assert_true(o.verbose);

	/* Last valid occurrence wins; an invalid one keeps the earlier value. */
	expect_ok("maxcpus=2 maxcpus=8 console=com1 console=e9");
	assert_int_equal(o.maxcpus, 8);
	assert_string_equal(o.console, "e9");
	assert_int_equal(parse("maxcpus=4 maxcpus=abc console=e9 console=vga"), 2);
	assert_int_equal(console_capture_lines(), 2);
	assert_int_equal(o.maxcpus, 4);
	assert_string_equal(o.console, "e9");

	/* Good words around bad ones still apply. */
	assert_int_equal(parse("verbose bogus maxcpus=3 novmx=yes exit=idle"), 2);
	assert_true(o.verbose);
	assert_int_equal(o.maxcpus, 3);
	assert_false(o.novmx);
	assert_string_equal(o.exit_mode, "idle");
	assert_true(console_capture_has("cmdline: unknown option 'bogus' (ignored)\n"));
	assert_true(
		console_capture_has("cmdline: novmx takes no value, got 'novmx=yes' (ignored)\n"));
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("foo", "cmdline: unknown option 'foo' (ignored)\n");
	expect_error("foo=bar", "cmdline: unknown option 'foo' (ignored)\n");
	expect_error("maxcpu=4", "cmdline: unknown option 'maxcpu' (ignored)\n");
	expect_error("MAXCPUS=4", "cmdline: unknown option 'MAXCPUS' (ignored)\n");
	expect_error("=5", "cmdline: option with no name in '=5' (ignored)\n");
	expect_error("\"\"=5", "cmdline: option with no name in '\"\"=5' (ignored)\n");
	expect_error("\x01\x7f"
		     "bad",
		     "cmdline: unknown option '??bad' (ignored)\n");

	expect_error("maxcpus=abc", "cmdline: maxcpus='abc' is not a number (ignored)\n");
	expect_error("maxcpus=12abc", "cmdline: maxcpus='12abc' is not a number (ignored)\n");
	expect_error("maxcpus=-1", "cmdline: maxcpus='-1' is not a number (ignored)\n");
	expect_error("maxcpus=+1", "cmdline: maxcpus='+1' is not a number (ignored)\n");
	expect_error("maxcpus=0x", "cmdline: maxcpus='0x' is not a number (ignored)\n");
	expect_error("maxcpus=0x1g", "cmdline: maxcpus='0x1g' is not a number (ignored)\n");
	expect_error("maxcpus=1a", "cmdline: maxcpus='1a' is not a number (ignored)\n");
	expect_error("maxcpus=00x5", "cmdline: maxcpus='00x5' is not a number (ignored)\n");
	expect_error("maxcpus=x10", "cmdline: maxcpus='x10' is not a number (ignored)\n");
	expect_error("maxcpus=99999999999999999999x",
		     "cmdline: maxcpus='99999999999999999999x' is not a number (ignored)\n");

	expect_error("maxcpus=0", "cmdline: maxcpus='0' is out of range 1..1024 (ignored)\n");
	expect_error("maxcpus=1025", "cmdline: maxcpus='1025' is out of range 1..1024 (ignored)\n");

	expect_error("console=vga",
		     "cmdline: console='vga' is not one of com1|e9|both (ignored)\n");
	expect_error("console=COM1",
		     "cmdline: console='COM1' is not one of com1|e9|both (ignored)\n");
	expect_error("console=com",
		     "cmdline: console='com' is not one of com1|e9|both (ignored)\n");
	expect_error("console=bothe9",
		     "cmdline: console='bothe9' is not one of com1|e9|both (ignored)\n");
	expect_error("console=com1|e9",
		     "cmdline: console='com1|e9' is not one of com1|e9|both (ignored)\n");
	expect_error("exit=reboot", "cmdline: exit='reboot' is not one of off|idle (ignored)\n");

	expect_error("novmx=1", "cmdline: novmx takes no value, got 'novmx=1' (ignored)\n");
	expect_error("verbose=", "cmdline: verbose takes no value, got 'verbose=' (ignored)\n");

	expect_error("maxcpus", "cmdline: maxcpus needs a value (ignored)\n");
	expect_error("maxcpus=", "cmdline: maxcpus needs a value (ignored)\n");
	expect_error("maxcpus=\"\"", "cmdline: maxcpus needs a value (ignored)\n");
	expect_error("console", "cmdline: console needs a value (ignored)\n");
	expect_error("exit=", "cmdline: exit needs a value (ignored)\n");
	expect_error("test", "cmdline: test needs a value (ignored)\n");
	expect_error("test=", "cmdline: test needs a value (ignored)\n");
	expect_error("testhook.hang_apic", "cmdline: testhook.hang_apic needs a value (ignored)\n");

	expect_error("test=abcdefghijklmnopqrstuvwxyz012345",
		     "cmdline: test='abcdefghijklmnopqrstuvwxyz012345' is too long "
		     "(max 31 characters) (ignored)\n");

	expect_error("test=\"abc", "cmdline: unterminated quote in 'test=\"abc' (ignored)\n");
	/* An open quote swallows the rest of the line: verbose is not applied. */
	expect_error("test=\"abc verbose", "cmdline: unterminated quote in 'test=\"abc verbose' "
					   "(ignored)\n");
	expect_error("\"", "cmdline: unterminated quote in '\"' (ignored)\n");
}

static void test_string_length_boundary(void **state)
{
	(void)state;
	expect_ok("test=abcdefghijklmnopqrstuvwxyz01234"); /* 31 characters */
	assert_string_equal(o.test, "abcdefghijklmnopqrstuvwxyz01234");
	/* Quotes do not count towards the length. */
	expect_ok("test=\"abcdefghijklmnopqrstuvwxyz01234\"");
	assert_string_equal(o.test, "abcdefghijklmnopqrstuvwxyz01234");
}

static void test_quoting(void **state)
{
	(void)state;
	expect_ok("test=\"a b\"");
	assert_string_equal(o.test, "a b");
	expect_ok("\"test=a\tb\" verbose");
	assert_string_equal(o.test, "a\tb");
	assert_true(o.verbose);
	expect_ok("test=\"x=y\"");
	assert_string_equal(o.test, "x=y");
	expect_ok("test=x=y");
	assert_string_equal(o.test, "x=y");
	expect_ok("console=\"com1\" exit=\"idle\"");
	assert_string_equal(o.console, "com1");
	assert_string_equal(o.exit_mode, "idle");
	expect_ok("maxcpus=\"0x10\"");
	assert_int_equal(o.maxcpus, 16);
	expect_ok("\"verbose\"");
	assert_true(o.verbose);
	expect_ok("te\"st\"=\"mail\"box");
	assert_string_equal(o.test, "mailbox");
	/* A quoted space does not end the word; the quoted value is checked whole. */
	expect_error("console=\"com1 e9\"",
		     "cmdline: console='com1 e9' is not one of com1|e9|both (ignored)\n");
}

static void test_whitespace(void **state)
{
	(void)state;
	expect_ok("   \t maxcpus=2 \t\t verbose   \r\n novmx\n");
	assert_int_equal(o.maxcpus, 2);
	assert_true(o.verbose);
	assert_true(o.novmx);
	/* Space around '=' splits the word: "maxcpus" then "=2". */
	assert_int_equal(parse("maxcpus =2"), 2);
	assert_true(console_capture_has("cmdline: maxcpus needs a value (ignored)\n"));
	assert_true(console_capture_has("cmdline: option with no name in '=2' (ignored)\n"));
	assert_int_equal(o.maxcpus, 0);
}

static void test_number_boundaries(void **state)
{
	(void)state;
	expect_ok("maxcpus=1");
	assert_int_equal(o.maxcpus, 1);
	expect_ok("maxcpus=1024");
	assert_int_equal(o.maxcpus, 1024);
	expect_ok("maxcpus=0x400");
	assert_int_equal(o.maxcpus, 1024);
	expect_ok("maxcpus=0X3ff");
	assert_int_equal(o.maxcpus, 1023);
	expect_ok("maxcpus=0001");
	assert_int_equal(o.maxcpus, 1);
	expect_error("maxcpus=0x0", "cmdline: maxcpus='0x0' is out of range 1..1024 (ignored)\n");
	expect_error("maxcpus=0x401",
		     "cmdline: maxcpus='0x401' is out of range 1..1024 (ignored)\n");
	expect_error("maxcpus=0xffffffff",
		     "cmdline: maxcpus='0xffffffff' is out of range 1..1024 (ignored)\n");
	expect_error("maxcpus=99999999999999999999",
		     "cmdline: maxcpus='99999999999999999999' is out of range 1..1024 (ignored)\n");

	expect_ok("testhook.hang_apic=0");
	assert_int_equal(o.test_hang_apic, 0);
	assert_true(o.have_test_hang_apic);
	expect_ok("testhook.hang_apic=0xffffffff");
	assert_int_equal(o.test_hang_apic, 0xffffffffu);
	expect_ok("testhook.hang_apic=4294967295");
	assert_int_equal(o.test_hang_apic, 0xffffffffu);
	expect_error("testhook.hang_apic=4294967296",
		     "cmdline: testhook.hang_apic='4294967296' is out of range 0..4294967295 "
		     "(ignored)\n");
	expect_error("testhook.hang_apic=0x100000000",
		     "cmdline: testhook.hang_apic='0x100000000' is out of range 0..4294967295 "
		     "(ignored)\n");
	/* Largest 64-bit value, and one past it (overflow, not wrap-around to 0). */
	expect_error("testhook.hang_apic=18446744073709551615",
		     "cmdline: testhook.hang_apic='18446744073709551615' is out of range "
		     "0..4294967295 (ignored)\n");
	expect_error("testhook.hang_apic=18446744073709551616",
		     "cmdline: testhook.hang_apic='18446744073709551616' is out of range "
		     "0..4294967295 (ignored)\n");
	expect_error("testhook.hang_apic=0x10000000000000000",
		     "cmdline: testhook.hang_apic='0x10000000000000000' is out of range "
		     "0..4294967295 (ignored)\n");
	expect_error("testhook.hang_apic=99999999999999999999",
		     "cmdline: testhook.hang_apic='99999999999999999999' is out of range "
		     "0..4294967295 (ignored)\n");
}

static void test_long_lines(void **state)
{
	static char line[4096 + 64];

	(void)state;
	/* One 4 KiB unknown word: one line, shown cut to 40 characters. */
	memset(line, 'a', 4096);
	line[4096] = '\0';
	expect_error(line, "cmdline: unknown option "
			   "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' (ignored)\n");

	/* A 4 KiB value for a string option. */
	memcpy(line, "test=", 5);
	expect_error(line, "cmdline: test='aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' is too "
			   "long (max 31 characters) (ignored)\n");

	/* A 4 KiB value for an enum and for a number. */
	memcpy(line, "exit=", 5);
	expect_error(line, "cmdline: exit='aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' is not "
			   "one of off|idle (ignored)\n");
	memset(line, '9', 4096);
	memcpy(line, "maxcpus=", 8);
	expect_error(line, "cmdline: maxcpus='9999999999999999999999999999999999999999...' is "
			   "out of range 1..1024 (ignored)\n");

	/* 4 KiB of valid words, then one bad word at the very end. */
	line[0] = '\0';
	while (strlen(line) + 8 < 4096)
		strcat(line, "verbose ");
	strcat(line, "x");
	assert_int_equal(parse(line), 1);
	assert_true(o.verbose);
	assert_string_equal(console_capture(), "cmdline: unknown option 'x' (ignored)\n");

	/* 4 KiB of bad words: one line each, counted. */
	line[0] = '\0';
	int words = 0;
	while (strlen(line) + 4 < 4096) {
		strcat(line, "zz\t");
		words++;
	}
	assert_true(words > 1300);
	assert_int_equal(parse(line), words);
	assert_int_equal(console_capture_lines(), words);
}

static void test_null_output(void **state)
{
	(void)state;
	console_capture_reset();
	assert_int_equal(cmdline_parse("verbose", NULL), 1);
	assert_string_equal(console_capture(),
			    "cmdline: no place to store options (line ignored)\n");
}

static void test_print(void **state)
{
	(void)state;
	expect_ok(NULL);
	console_capture_reset();
	cmdline_print(&o);
	assert_string_equal(
		console_capture(),
		"cmdline: maxcpus=all console=both exit=off test=none novmx=0 verbose=0 "
		"testhook.hang_apic=none\n");

	expect_ok("maxcpus=1024 console=com1 exit=idle test=mailbox novmx verbose "
		  "testhook.hang_apic=4294967295");
	console_capture_reset();
	cmdline_print(&o);
	assert_string_equal(console_capture(),
			    "cmdline: maxcpus=1024 console=com1 exit=idle test=mailbox novmx=1 "
			    "verbose=1 testhook.hang_apic=4294967295\n");
	assert_int_equal(console_capture_lines(), 1);
}

static void test_poweroff_hook(void **state)
{
	struct cmdline_opts o;

	(void)state;
	assert_int_equal(cmdline_parse("", &o), 0);
	assert_string_equal(o.poweroff, "auto");
	assert_int_equal(cmdline_parse("testhook.poweroff=acpi", &o), 0);
	assert_string_equal(o.poweroff, "acpi");
	console_capture_reset();
	assert_int_equal(cmdline_parse("testhook.poweroff=reboot", &o), 1);
	assert_string_equal(o.poweroff, "auto");
	assert_true(console_capture_has("testhook.poweroff='reboot' is not one of auto|acpi"));
}

static void test_bad_entry_hook(void **state)
{
	struct cmdline_opts o;

	(void)state;
	assert_int_equal(cmdline_parse("", &o), 0);
	assert_string_equal(o.bad_entry, "");
	assert_int_equal(cmdline_parse("testhook.bad_entry=broken", &o), 0);
	assert_string_equal(o.bad_entry, "broken");
	console_capture_reset();
	assert_int_equal(cmdline_parse("testhook.bad_entry=a-name-far-too-long-for-it", &o), 1);
	assert_string_equal(o.bad_entry, "");
	assert_true(console_capture_has("testhook.bad_entry"));
}

/* vmtimeout: the duration grammar shared with the manifest's timeout key. */
static void test_vmtimeout(void **state)
{
	static const struct {
		const char *line;
		uint32_t ms;
		int problems;
		const char *msg;
	} cases[] = {
		{ "vmtimeout=30s", 30000, 0, NULL },
		{ "vmtimeout=250ms", 250, 0, NULL },
		{ "vmtimeout=2m", 120000, 0, NULL },
		{ "vmtimeout=none", 0, 0, NULL },
		{ "vmtimeout=\"5s\"", 5000, 0, NULL },
		{ "vmtimeout=30", 0, 1, "cmdline: vmtimeout='30' is not a duration" },
		{ "vmtimeout=0s", 0, 1, "is a zero duration: write none for no limit" },
		{ "vmtimeout=1441m", 0, 1, "is longer than a day" },
		{ "vmtimeout=99999999999999999999s", 0, 1, "is longer than a day" },
		{ "vmtimeout=s", 0, 1, "is not a duration" },
		{ "vmtimeout=-1s", 0, 1, "is not a duration" },
		{ "vmtimeout=", 0, 1, NULL },
	};
	struct cmdline_opts o;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		console_capture_reset();
		assert_int_equal(cmdline_parse(cases[i].line, &o), cases[i].problems);
		assert_int_equal(o.vm_timeout_ms, cases[i].ms);
		if (cases[i].msg)
			assert_true(console_capture_has(cases[i].msg));
	}
}

static void test_help(void **state)
{
	static const char *const names[] = {
		"maxcpus=<n>",
		"novmx",
		"console=com1|e9|both",
		"exit=off|idle",
		"test=<name>",
		"testhook.hang_apic=<apic-id>",
		"verbose",
		"testhook.poweroff=auto|acpi",
		"testhook.bad_entry=<partition>",
		"novid",
		"noapicv",
		"vmtimeout=<duration>",
		"trace=off|on",
		"testhook.mboxcap=<n>",
	};

	(void)state;
	console_capture_reset();
	cmdline_help();
	assert_int_equal(console_capture_lines(), 1 + (int)(sizeof(names) / sizeof(names[0])));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char needle[64];

		strcpy(needle, "cmdline:   ");
		strcat(needle, names[i]);
		strcat(needle, " ");
		assert_true(console_capture_has(needle));
	}
	assert_true(console_capture_has("[1..1024]"));
	assert_true(console_capture_has("(default both)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_each_option),
		cmocka_unit_test(test_combination),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_string_length_boundary),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_number_boundaries),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_null_output),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_poweroff_hook),
		cmocka_unit_test(test_bad_entry_hook),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_vmtimeout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
