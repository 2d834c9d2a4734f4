// SPDX-License-Identifier: MIT
/*
 * Unit tests for the partition manifest: parsing (happy paths, every error
 * class with its exact line, sizes, cpu lists, quoting, comments, line
 * endings, unterminated text, limits), resource assignment, printing and a
 * random-input fuzz loop.
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

static const char *argv0;

#define P_OK "[partition p]\ncores = 1\nmemory = 2M\nkernel = k\n"

static void test_happy_single(void **state)
{
	(void)state;
	expect("[partition hello]\n"
	       "cores = 1,3-4\n"
	       "memory = 64M\n"
	       "kernel = hello.elf\n"
	       "cmdline = \"console=ttyS0 foo\"\n"
	       "vcpus = 3\n",
	       1, "");
	assert_int_equal(m.nparts, 1);
	const struct manifest_part *p = &m.part[0];
	assert_string_equal(p->name, "hello");
	assert_int_equal(p->line, 1);
	assert_true(p->cores_listed);
	assert_int_equal(p->ncores_req, 3);
	assert_int_equal(p->core_list[0], (1u << 1) | (1u << 3) | (1u << 4));
	assert_int_equal(p->core_mask[0], 0);
	assert_int_equal(p->mem_bytes, 64ull << 20);
	assert_string_equal(p->kernel, "hello.elf");
	assert_string_equal(p->cmdline, "console=ttyS0 foo");
	assert_int_equal(p->vcpus, 3);
	assert_true(p->valid);
}

static void test_happy_defaults_and_spacing(void **state)
{
	(void)state;
	expect("\n  [ partition   a-b_9 ]  \n\tcores=2\nmemory\t=  2048K\nkernel=k.elf\n\n", 1, "");
	assert_string_equal(m.part[0].name, "a-b_9");
	assert_int_equal(m.part[0].line, 2);
	assert_false(m.part[0].cores_listed);
	assert_int_equal(m.part[0].ncores_req, 2);
	assert_int_equal(m.part[0].vcpus, 1);
	assert_string_equal(m.part[0].cmdline, "");
	assert_int_equal(m.part[0].mem_bytes, 2u << 20);
}

static void test_empty(void **state)
{
	(void)state;
	expect("", 0, "manifest: no partitions declared\n");
	assert_int_equal(m.nparts, 0);
	expect("# only a comment\n\n   \n", 0, "manifest: no partitions declared\n");
	console_capture_reset();
	assert_int_equal(manifest_parse(NULL, 5, &m), -E_INVAL);
	assert_int_equal(console_capture_lines(), 1);
	console_capture_reset();
	assert_int_equal(manifest_parse("", 0, NULL), -E_INVAL);
	assert_int_equal(console_capture_lines(), 1);
}

static void test_comments_quotes(void **state)
{
	(void)state;
	expect("# header comment\n"
	       "[partition c]   # trailing comment\n"
	       "  # indented comment\n"
	       "cores = 1 # one core\n"
	       "memory = 2M#no space\n"
	       "kernel = \"k.elf\"   # quoted\n"
	       "cmdline = \"a # not a comment\" # a comment\n",
	       1, "");
	assert_string_equal(m.part[0].kernel, "k.elf");
	assert_string_equal(m.part[0].cmdline, "a # not a comment");

	expect(P_OK "cmdline = console=ttyS0  foo   # bare to end of line\n", 1, "");
	assert_string_equal(m.part[0].cmdline, "console=ttyS0  foo");
	expect(P_OK "cmdline = \"\"\n", 1, "");
	assert_string_equal(m.part[0].cmdline, "");
	expect(P_OK "cmdline =\n", 1, "");
	assert_string_equal(m.part[0].cmdline, "");

	expect(P_OK "cmdline = \"abc\n", 0,
	       "manifest: line 5: cmdline = '\"abc': unterminated double quote; partition 'p' "
	       "refused\n");
	expect(P_OK "cmdline = \"a\" b\n", 0,
	       "manifest: line 5: cmdline = '\"a\" b': text after the closing quote; partition "
	       "'p' refused\n");
	expect(P_OK "cmdline = a\"b\"\n", 0,
	       "manifest: line 5: cmdline = 'a\"b\"': stray double quote (quote the whole value); "
	       "partition 'p' refused\n");
	expect("[partition p]\ncores = 1\nmemory = 2M\nkernel = \"\"\n", 0,
	       "manifest: line 4: kernel = '\"\"': empty value; partition 'p' refused\n");
	expect("[partition p]\ncores = 1\nmemory = 2M\nkernel = a b\n", 0,
	       "manifest: line 4: kernel = 'a b': a module name is one word; partition 'p' "
	       "refused\n");
	expect("[partition p]\ncores = 1\nmemory = 2M\nkernel =\n", 0,
	       "manifest: line 4: kernel = '': empty value; partition 'p' refused\n");
}

static void test_string_limits(void **state)
{
	char text[1024], val[300];

	(void)state;
	memset(val, 'x', sizeof(val));
	val[255] = '\0';
	snprintf(text, sizeof(text), P_OK "cmdline = \"%s\"\n", val);
	expect(text, 1, "");
	assert_int_equal(strlen(m.part[0].cmdline), 255);
	val[255] = 'x';
	val[256] = '\0';
	snprintf(text, sizeof(text), P_OK "cmdline = %s\n", val);
	expect(text, 0,
	       "manifest: line 5: cmdline = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...': longer "
	       "than 255 characters; partition 'p' refused\n");

	val[63] = '\0';
	snprintf(text, sizeof(text), "[partition p]\ncores = 1\nmemory = 2M\nkernel = %s\n", val);
	expect(text, 1, "");
	assert_int_equal(strlen(m.part[0].kernel), 63);
	val[63] = 'x';
	val[64] = '\0';
	snprintf(text, sizeof(text), "[partition p]\ncores = 1\nmemory = 2M\nkernel = %s\n", val);
	expect(text, 0,
	       "manifest: line 4: kernel = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...': longer "
	       "than 63 characters; partition 'p' refused\n");
}

static void test_line_endings(void **state)
{
	const char *crlf = "[partition w]\r\ncores = 2\r\nmemory = 4M\r\nkernel = w.elf\r\n"
			   "cmdline = a b\r\n";

	(void)state;
	expect(crlf, 1, "");
	assert_string_equal(m.part[0].kernel, "w.elf");
	assert_string_equal(m.part[0].cmdline, "a b");
	/* No trailing newline: the last line still counts. */
	expect("[partition n]\ncores = 1\nmemory = 2M\nkernel = last", 1, "");
	assert_string_equal(m.part[0].kernel, "last");
	/* Trailing NUL padding (as a loader may leave) is not an error. */
	static const char padded[] = P_OK "\0\0\0";
	console_capture_reset();
	assert_int_equal(manifest_parse(padded, sizeof(padded), &m), 1);
	assert_string_equal(console_capture(), "");
}

static void test_nul_and_control(void **state)
{
	static const char text[] = "[partition p]\ncores = 1\0 junk\nmemory = 2M\nkernel = k\n"
				   "[partition q]\ncores = 1\nmemory = 2M\nkernel = k\n";

	(void)state;
	/* The NUL costs its line (and partition p), nothing else. */
	console_capture_reset();
	assert_int_equal(manifest_parse(text, sizeof(text) - 1, &m), 1);
	assert_string_equal(console_capture(),
			    "manifest: line 2: contains a NUL byte; partition 'p' refused\n");
	assert_int_equal(m.nparts, 2);
	assert_false(m.part[0].valid);
	assert_true(m.part[1].valid);
	assert_string_equal(m.part[1].name, "q");

	expect("\x01garbage\n" P_OK, 1,
	       "manifest: line 1: contains control character 0x01 (ignored)\n");
	expect("[partition p]\ncores = 1\r2\nmemory = 2M\nkernel = k\n", 0,
	       "manifest: line 2: contains control character 0x0d; partition 'p' refused\n");
	expect("[partition p]\ncores = 1\x7f\nmemory = 2M\nkernel = k\n", 0,
	       "manifest: line 2: contains control character 0x7f; partition 'p' refused\n");
	expect("[partition p]\ncores = 1\x1b\nmemory = 2M\nkernel = k\n", 0,
	       "manifest: line 2: contains control character 0x1b; partition 'p' refused\n");
	static const char hdr[] = "[partition \0x]\ncores = 1\n" P_OK;
	console_capture_reset();
	assert_int_equal(manifest_parse(hdr, sizeof(hdr) - 1, &m), 1);
	assert_string_equal(
		console_capture(),
		"manifest: line 1: section header contains a NUL byte; section ignored\n");
}

static void test_long_lines(void **state)
{
	static char text[4096];
	char line[600];

	(void)state;
	/* 512 characters is fine (comment padding). */
	memset(line, ' ', sizeof(line));
	memcpy(line, "cores = 1 #", 11);
	line[512] = '\0';
	snprintf(text, sizeof(text), "[partition p]\n%s\nmemory = 2M\nkernel = k\n", line);
	expect(text, 1, "");
	/* 513 is not; the next partition is unaffected. */
	line[512] = ' ';
	line[513] = '\0';
	snprintf(text, sizeof(text),
		 "[partition p]\n%s\nmemory = 2M\nkernel = k\n"
		 "[partition q]\ncores = 1\nmemory = 2M\nkernel = k\n",
		 line);
	expect(text, 1, "manifest: line 2: longer than 512 characters; partition 'p' refused\n");
	assert_false(m.part[0].valid);
	assert_true(m.part[1].valid);
	/* A long line with CRLF: the '\r' is not counted. */
	line[512] = '\r';
	snprintf(text, sizeof(text), "[partition p]\n%s\nmemory = 2M\nkernel = k\n", line);
	expect(text, 1, "");
	/* Outside any section, and as a header. */
	memset(line, 'x', 600);
	line[599] = '\0';
	snprintf(text, sizeof(text), "%s\n" P_OK, line);
	expect(text, 1, "manifest: line 1: longer than 512 characters (ignored)\n");
	line[0] = '[';
	snprintf(text, sizeof(text), P_OK "%s\ncores = 1\n", line);
	expect(text, 1,
	       "manifest: line 5: section header longer than 512 characters; section ignored\n");
}

static void test_errors_outside_and_syntax(void **state)
{
	(void)state;
	expect("cores = 1\n" P_OK, 1,
	       "manifest: line 1: key 'cores' outside any [partition] section (ignored)\n");
	expect("hello world\n", 0,
	       "manifest: line 1: expected 'key = value' or '[partition NAME]', got 'hello "
	       "world' (ignored)\nmanifest: no partitions declared\n");
	expect(P_OK "junk\n", 0,
	       "manifest: line 5: expected 'key = value', got 'junk'; partition 'p' refused\n");
	expect(P_OK "= 5\n", 0,
	       "manifest: line 5: expected 'key = value', got '= 5'; partition 'p' refused\n");
	expect(P_OK "\"cores\" = 5\n", 0,
	       "manifest: line 5: expected 'key = value', got '\"cores\" = 5'; partition 'p' "
	       "refused\n");
	/* An unreadable line may have been a required key: no "missing" cascade. */
	expect("[partition p]\ncores 1\nmemory = 2M\nkernel = k\n", 0,
	       "manifest: line 2: expected 'key = value', got 'cores 1'; partition 'p' "
	       "refused\n");
}

static void test_errors_keys(void **state)
{
	(void)state;
	expect("[partition hello]\ncores = 1\nmemory = 2M\nkernel = k\ncolour = red\n", 0,
	       "manifest: line 5: unknown key 'colour' in partition 'hello'; partition "
	       "refused\n");
	/* Keys are case-sensitive. */
	expect("[partition hello]\nCores = 1\nmemory = 2M\nkernel = k\n", 0,
	       "manifest: line 2: unknown key 'Cores' in partition 'hello'; partition refused\n"
	       "manifest: partition 'hello' (line 1): missing required key 'cores'; partition "
	       "refused\n");
	expect(P_OK "cores = 2\n", 0,
	       "manifest: line 5: key 'cores' given twice in partition 'p'; partition "
	       "refused\n");
	expect(P_OK "cmdline = a\ncmdline = a\n", 0,
	       "manifest: line 6: key 'cmdline' given twice in partition 'p'; partition "
	       "refused\n");
	expect("x = 1\n[partition web]\ncores = 1\nmemory = 2M\n", 0,
	       "manifest: line 1: key 'x' outside any [partition] section (ignored)\n"
	       "manifest: partition 'web' (line 2): missing required key 'kernel'; partition "
	       "refused\n");
	expect("[partition e]\n", 0,
	       "manifest: partition 'e' (line 1): missing required key 'cores'; partition "
	       "refused\n"
	       "manifest: partition 'e' (line 1): missing required key 'memory'; partition "
	       "refused\n"
	       "manifest: partition 'e' (line 1): missing required key 'kernel'; partition "
	       "refused\n");
	/* A bad value is reported once, not again as "missing". */
	expect("[partition hello]\ncores = 1\nmemory = 12X\nkernel = k\n", 0,
	       "manifest: line 3: memory = '12X': not a size (use K, M or G); partition "
	       "'hello' refused\n");
}

static void test_errors_vcpus(void **state)
{
	(void)state;
	expect(P_OK "vcpus = 1\n", 1, "");
	expect("[partition p]\ncores = 3\nmemory = 2M\nkernel = k\nvcpus = 3\n", 1, "");
	assert_int_equal(m.part[0].vcpus, 3);
	/* More vCPUs than cores is fine now: the extra ones time-share. */
	expect("[partition p]\ncores = 2-3\nmemory = 2M\nkernel = k\nvcpus = 3\n", 1, "");
	assert_int_equal(m.part[0].vcpus, 3);
	expect(P_OK "vcpus = 64\n", 1, "");
	assert_int_equal(m.part[0].vcpus, 64);
	expect(P_OK "vcpus = 65\n", 0,
	       "manifest: line 5: vcpus = '65': outside 1..64; partition 'p' refused\n");
	expect(P_OK "vcpus = 0\n", 0,
	       "manifest: line 5: vcpus = '0': outside 1..64; partition 'p' refused\n");
	expect(P_OK "vcpus = two\n", 0,
	       "manifest: line 5: vcpus = 'two': not a number of vcpus; partition 'p' "
	       "refused\n");
	expect(P_OK "vcpus = 99999999999999999999999\n", 0,
	       "manifest: line 5: vcpus = '99999999999999999999999': outside 1..64; "
	       "partition 'p' refused\n");
}

/* Bytes 0x80-0xff never reach the console raw (issue 8): '?' as in guest output. */
static void test_high_bytes_escaped(void **state)
{
	(void)state;
	expect(P_OK "vcpus = \xff\x80\n", 0,
	       "manifest: line 5: vcpus = '?"
	       "?': not a number of vcpus; partition 'p' refused\n");
	expect("[partition p]\ncores = 1\nmemory = 2M\nkernel = k\xe9\n", 0,
	       "manifest: line 4: kernel = 'k?': a module name is printable ASCII; partition 'p' "
	       "refused\n");
	expect(P_OK "b\xc3\xa9 = 1\n", 0,
	       "manifest: line 5: unknown key 'b?"
	       "?' in partition 'p'; partition refused\n");
	assert_int_equal(parse(P_OK "cmdline = \"caf\xc3\xa9\"\n"), 1);
	console_capture_reset();
	manifest_print(&m);
	assert_true(console_capture_has("cmdline=\"caf??\""));
	for (const char *c = console_capture(); *c; c++)
		assert_true((unsigned char)*c < 0x7f);
}

/* The watchdog key: a duration, none, or an error that refuses the partition. */
static void test_timeout(void **state)
{
	(void)state;
	assert_int_equal(parse(P_OK "timeout = 30s\n"), 1);
	assert_true(m.part[0].timeout_set);
	assert_int_equal(m.part[0].timeout_ms, 30000);
	assert_int_equal(parse(P_OK "timeout = none\n"), 1);
	assert_true(m.part[0].timeout_set);
	assert_int_equal(m.part[0].timeout_ms, 0);
	assert_int_equal(parse(P_OK), 1);
	assert_false(m.part[0].timeout_set);
	assert_int_equal(m.part[0].timeout_ms, 0);
	expect(P_OK "timeout = 30\n", 0,
	       "manifest: line 5: timeout = '30': not a duration: want a number with ms, s or m, "
	       "or none; partition 'p' refused\n");
	expect(P_OK "timeout = 0ms\n", 0,
	       "manifest: line 5: timeout = '0ms': a zero duration: write none for no limit; "
	       "partition 'p' refused\n");
	expect(P_OK "timeout = 25h\n", 0,
	       "manifest: line 5: timeout = '25h': not a duration: want a number with ms, s or "
	       "m, or none; partition 'p' refused\n");
}

static void test_errors_headers(void **state)
{
	(void)state;
	/* Keys after a refused header are skipped without more lines. */
	expect("[partition]\ncores = 1\nbogus\n" P_OK, 1,
	       "manifest: line 1: partition name '' is not 1..15 characters of A-Z a-z 0-9 _ "
	       "-; section ignored\n");
	expect("[partition abcdefghijklmnop]\ncores = 1\n", 0,
	       "manifest: line 1: partition name 'abcdefghijklmnop' is not 1..15 characters "
	       "of A-Z a-z 0-9 _ -; section ignored\n");
	expect("[partition abcdefghijklmno]\ncores = 1\nmemory = 2M\nkernel = k\n", 1, "");
	expect("[partition a.b]\n", 0,
	       "manifest: line 1: partition name 'a.b' is not 1..15 characters of A-Z a-z 0-9 "
	       "_ -; section ignored\n");
	expect("[partition a b]\n", 0,
	       "manifest: line 1: partition name 'a b' is not 1..15 characters of A-Z a-z 0-9 "
	       "_ -; section ignored\n");
	expect("[vm a]\ncores = 1\n", 0,
	       "manifest: line 1: unknown section type 'vm' (only [partition NAME] or "
	       "[machine]); section ignored\n");
	expect("[Partition a]\n", 0,
	       "manifest: line 1: unknown section type 'Partition' (only [partition NAME] or "
	       "[machine]); section ignored\n");
	expect("[partition a\n", 0,
	       "manifest: line 1: malformed section header '[partition a' (want [partition "
	       "NAME]); section ignored\n");
	expect("[partition a] x\n", 0,
	       "manifest: line 1: malformed section header '[partition a] x' (want [partition "
	       "NAME]); section ignored\n");
	/* A bad header ends the previous partition, which is still checked. */
	expect("[partition a]\ncores = 1\n[bad\nmemory = 2M\nkernel = k\n", 0,
	       "manifest: partition 'a' (line 1): missing required key 'memory'; partition "
	       "refused\n"
	       "manifest: partition 'a' (line 1): missing required key 'kernel'; partition "
	       "refused\n"
	       "manifest: line 3: malformed section header '[bad' (want [partition NAME]); "
	       "section ignored\n");
	/* Duplicate names: the second is recorded refused, its lines skipped. */
	expect("[partition hello]\ncores = 1\nmemory = 2M\nkernel = k\n"
	       "\n[partition hello]\ncores = 99999\nkernel = k\n",
	       1, "manifest: line 6: duplicate partition name 'hello'; second one refused\n");
	assert_int_equal(m.nparts, 2);
	assert_true(m.part[0].valid);
	assert_false(m.part[1].valid);
	assert_int_equal(m.part[1].line, 6);
}

static void test_bad_between_good(void **state)
{
	(void)state;
	expect("[partition a]\ncores = 1\nmemory = 2M\nkernel = a.elf\n"
	       "[partition b]\ncores = 4-3\nmemory = 3M\nkernel = b.elf\nshoe = 9\n"
	       "[partition c]\ncores = 2\nmemory = 4M\nkernel = c.elf\n",
	       2,
	       "manifest: line 6: cores = '4-3': range 4-3 is backwards; partition 'b' refused\n"
	       "manifest: line 7: memory = '3M': not a multiple of 2 MiB; partition 'b' "
	       "refused\n"
	       "manifest: line 9: unknown key 'shoe' in partition 'b'; partition refused\n");
	assert_int_equal(m.nparts, 3);
	assert_true(m.part[0].valid);
	assert_false(m.part[1].valid);
	assert_true(m.part[2].valid);
	assert_string_equal(m.part[2].kernel, "c.elf");
	assert_int_equal(m.part[2].mem_bytes, 4u << 20);
	assert_int_equal(m.part[2].line, 10);
}

static void test_too_many_partitions(void **state)
{
	static char text[70 * 64];
	char want[160];
	size_t pos = 0;

	(void)state;
	for (int i = 0; i < 70; i++)
		pos += (size_t)snprintf(text + pos, sizeof(text) - pos,
					"[partition p%d]\ncores = 1\nmemory = 2M\nkernel = k\n", i);
	snprintf(want, sizeof(want),
		 "manifest: line %d: partition 'p64' refused: more than 64 partitions (it and "
		 "any later ones are ignored)\n",
		 64 * 4 + 1);
	expect(text, 64, want);
	assert_int_equal(m.nparts, 64);
	assert_int_equal(m.ndropped, 6); /* p64..p69 still count as refused */
	assert_string_equal(m.part[63].name, "p63");
}

/* memory = val: bytes if ok (0 = expect error why). */
static void check_size(const char *val, uint64_t bytes, const char *why)
{
	char text[256], want[256];

	snprintf(text, sizeof(text), "[partition s]\ncores = 1\nkernel = k\nmemory = %s\n", val);
	if (bytes) {
		expect(text, 1, "");
		assert_int_equal(m.part[0].mem_bytes, bytes);
	} else {
		snprintf(want, sizeof(want),
			 "manifest: line 4: memory = '%s': %s; partition 's' refused\n", val, why);
		expect(text, 0, want);
	}
}

static void test_sizes(void **state)
{
	(void)state;
	check_size("2M", 2ull << 20, NULL);
	check_size("2m", 2ull << 20, NULL);
	check_size("2048K", 2ull << 20, NULL);
	check_size("2048k", 2ull << 20, NULL);
	check_size("1G", 1ull << 30, NULL);
	check_size("3g", 3ull << 30, NULL);
	/* Guest memory ends below the PC's 32-bit device hole. */
	check_size("3074M", 0, "more than 3 GiB (guest memory lies below the 32-bit device hole)");
	check_size("16g", 0, "more than 3 GiB (guest memory lies below the 32-bit device hole)");
	check_size("0x200000", 2ull << 20, NULL);
	check_size("0X400000", 4ull << 20, NULL);
	check_size("4194304", 4ull << 20, NULL);
	check_size("0x2M", 2ull << 20, NULL);
	check_size("\"6M\"", 6ull << 20, NULL);
	/* The largest size the parser takes (2^63) parses, and is refused as memory. */
	check_size("8589934592G", 0,
		   "more than 3 GiB (guest memory lies below the 32-bit device hole)");
	check_size("99999999999G", 0, "too large");
	check_size("17179869184G", 0, "too large");
	check_size("18446744073709551616", 0, "too large");
	check_size("0xffffffffffffffffff", 0, "too large");
	check_size("3M", 0, "not a multiple of 2 MiB");
	check_size("2049K", 0, "not a multiple of 2 MiB");
	check_size("0", 0, "less than 2 MiB");
	check_size("1M", 0, "less than 2 MiB");
	check_size("0G", 0, "less than 2 MiB");
	check_size("12X", 0, "not a size (use K, M or G)");
	check_size("2MB", 0, "not a size (use K, M or G)");
	check_size("2 M", 0, "not a size (use K, M or G)");
	check_size("-2M", 0, "not a size (use K, M or G)");
	check_size("M", 0, "not a size (use K, M or G)");
	check_size("0x", 0, "not a size (use K, M or G)");
	check_size("0xM", 0, "not a size (use K, M or G)");
	check_size("1.5G", 0, "not a size (use K, M or G)");
	check_size("\"\"", 0, "empty value");
}

/* cores = val: listed mask word 0 / count if ok, else why. */
static void check_cores(const char *val, bool listed, uint32_t count, uint64_t mask0,
			const char *why)
{
	char text[256], want[256];

	snprintf(text, sizeof(text), "[partition c]\nmemory = 2M\nkernel = k\ncores = %s\n", val);
	if (!why) {
		expect(text, 1, "");
		assert_int_equal(m.part[0].cores_listed, listed);
		assert_int_equal(m.part[0].ncores_req, count);
		assert_int_equal(m.part[0].core_list[0], mask0);
	} else {
		snprintf(want, sizeof(want),
			 "manifest: line 4: cores = '%s': %s; partition 'c' refused\n", val, why);
		expect(text, 0, want);
	}
}

static void test_core_lists(void **state)
{
	(void)state;
	check_cores("1,3-4", true, 3, 0x1a, NULL);
	check_cores(" 1 , 3 - 4 ", true, 3, 0x1a, NULL);
	check_cores("5-5", true, 1, 0x20, NULL);
	check_cores("2", false, 2, 0, NULL);
	check_cores("1024", false, 1024, 0, NULL);
	check_cores("\"7\"", false, 7, 0, NULL);
	check_cores("0-63", true, 64, UINT64_MAX, NULL);
	check_cores("4-3", false, 0, 0, "range 4-3 is backwards");
	check_cores("1,,2", false, 0, 0, "empty item in the cpu list");
	check_cores("1,", false, 0, 0, "empty item in the cpu list");
	check_cores(",1", false, 0, 0, "empty item in the cpu list");
	check_cores("1-", false, 0, 0, "'1-' is not a cpu number or range");
	check_cores("-3", false, 0, 0, "'-3' is not a cpu number or range");
	check_cores("1-2-3", false, 0, 0, "'1-2-3' is not a cpu number or range");
	check_cores("1,x", false, 0, 0, "'x' is not a cpu number or range");
	check_cores("5000", false, 0, 0, "more than 1024 cores");
	check_cores("1,5000", false, 0, 0, "cpu 5000 is beyond the limit of 1024 cpus");
	check_cores("1023-1024", false, 0, 0, "cpu 1024 is beyond the limit of 1024 cpus");
	check_cores("1,99999999999999999999", false, 0, 0,
		    "cpu 99999999999999999999 is beyond the limit of 1024 cpus");
	check_cores("1,1", false, 0, 0, "cpu 1 listed twice");
	check_cores("1-3,2", false, 0, 0, "cpu 2 listed twice");
	check_cores("0", false, 0, 0, "at least 1 needed");
	check_cores("two", false, 0, 0, "not a number of cores");
	check_cores("1 2", false, 0, 0, "not a number of cores");

	expect("[partition c]\nmemory = 2M\nkernel = k\ncores = 1000-1023\n", 1, "");
	assert_int_equal(m.part[0].ncores_req, 24);
	assert_int_equal(m.part[0].core_list[15], 0xffffffull << 40);
}

/* ---- assignment ---- */

static const char *const mods[] = { "a.elf",   "b.elf",	    "c.elf",	"hello.elf",
				    "smp.elf", "cpuid.elf", "fair.elf", NULL };

static uint64_t usable[CONFIG_MAX_CPUS / 64];

static struct manifest_resources res(uint32_t ncpus, uint64_t mem)
{
	struct manifest_resources r = { .ncpus = ncpus,
					.cpu_usable_mask = usable,
					.mem_free_bytes = mem,
					.module_exists = have_module,
					.ctx = (void *)mods };
	memset(usable, 0, sizeof(usable));
	for (uint32_t c = 0; c < ncpus; c++) /* cpu 0 included: assign must skip it */
		usable[c / 64] |= 1ull << (c % 64);
	return r;
}

#define PART(name, cores, mem, kernel) \
	"[partition " name "]\ncores = " cores "\nmemory = " mem "\nkernel = " kernel "\n"

static void test_assign_basic_and_print(void **state)
{
	struct manifest_resources r = res(8, 1ull << 30);

	(void)state;
	expect_assign(PART("a", "2", "64M", "a.elf") PART("b", "3-4", "2M", "b.elf")
			      PART("c", "2", "2M", "c.elf") "cmdline = \"x y\"\nvcpus = 2\n",
		      &r, 3, "");
	assert_int_equal(m.part[0].core_mask[0], 0x06);
	assert_int_equal(m.part[1].core_mask[0], 0x18);
	assert_int_equal(m.part[2].core_mask[0], 0x60);
	console_capture_reset();
	manifest_print(&m);
	assert_string_equal(console_capture(),
			    "manifest: partition 'a' cores=1-2 memory=64 MiB kernel=a.elf vcpus=1 "
			    "cmdline=\"\"\n"
			    "manifest: partition 'b' cores=3-4 memory=2 MiB kernel=b.elf vcpus=1 "
			    "cmdline=\"\"\n"
			    "manifest: partition 'c' cores=5-6 memory=2 MiB kernel=c.elf vcpus=2 "
			    "cmdline=\"x y\"\n");
	/* Assigning again gives the same result. */
	console_capture_reset();
	assert_int_equal(manifest_assign(&m, &r), 3);
	assert_int_equal(m.part[2].core_mask[0], 0x60);
	assert_string_equal(console_capture(), "");
}

static void test_print_unassigned(void **state)
{
	(void)state;
	parse(PART("a", "2", "2G", "a.elf") PART("b", "1,3-4", "2M", "b.elf")
		      PART("x", "1", "1M", "k"));
	console_capture_reset();
	manifest_print(&m);
	assert_string_equal(console_capture(),
			    "manifest: partition 'a' cores=2 (unassigned) memory=2048 MiB "
			    "kernel=a.elf vcpus=1 cmdline=\"\"\n"
			    "manifest: partition 'b' cores=1,3-4 (unassigned) memory=2 MiB "
			    "kernel=b.elf vcpus=1 cmdline=\"\"\n");
	parse("[partition x]\n");
	console_capture_reset();
	manifest_print(&m);
	assert_string_equal(console_capture(), "manifest: no valid partitions\n");
	console_capture_reset();
	manifest_print(NULL);
	assert_string_equal(console_capture(), "");
}

static void test_assign_overlap(void **state)
{
	struct manifest_resources r = res(8, 1ull << 30);

	(void)state;
	expect_assign(PART("a", "2", "2M", "a.elf") PART("b", "2-3", "2M", "b.elf")
			      PART("c", "2", "2M", "c.elf"),
		      &r, 2,
		      "manifest: partition 'b' (line 5): core 2 is already in partition 'a'; "
		      "partition refused\n");
	assert_int_equal(m.part[0].core_mask[0], 0x06);
	assert_false(m.part[1].valid);
	assert_int_equal(m.part[1].core_mask[0], 0);
	/* b's cores were never taken: c gets 3 and 4. */
	assert_int_equal(m.part[2].core_mask[0], 0x18);
}

static void test_assign_count_too_big(void **state)
{
	struct manifest_resources r = res(4, 1ull << 30);

	(void)state;
	expect_assign(PART("a", "8", "2M", "a.elf") PART("b", "3", "2M", "b.elf")
			      PART("c", "1", "2M", "c.elf"),
		      &r, 1,
		      "manifest: partition 'a' (line 1): asks for 8 cores, only 3 are free; "
		      "partition refused\n"
		      "manifest: partition 'c' (line 9): asks for 1 core, only 0 are free; "
		      "partition refused\n");
	assert_int_equal(m.part[1].core_mask[0], 0x0e);
	/* Offline cores are not handed out; one free core reads "is". */
	r = res(5, 1ull << 30);
	usable[0] &= ~(1ull << 2);
	expect_assign(PART("a", "3", "2M", "a.elf") PART("b", "2", "2M", "b.elf"), &r, 1,
		      "manifest: partition 'b' (line 5): asks for 2 cores, only 0 are free; "
		      "partition refused\n");
	assert_int_equal(m.part[0].core_mask[0], 0x1a);
	r = res(3, 1ull << 30);
	expect_assign(PART("a", "1", "2M", "a.elf") PART("b", "2", "2M", "b.elf"), &r, 1,
		      "manifest: partition 'b' (line 5): asks for 2 cores, only 1 is free; "
		      "partition refused\n");
}

static void test_assign_memory(void **state)
{
	struct manifest_resources r = res(8, 100ull << 20);

	(void)state;
	expect_assign(PART("a", "1", "64M", "a.elf") PART("b", "1", "64M", "b.elf")
			      PART("c", "1", "36M", "c.elf") PART("d", "1", "2M", "a.elf"),
		      &r, 2,
		      "manifest: partition 'b' (line 5): asks for 64 MiB, only 36 MiB left; "
		      "partition refused\n"
		      "manifest: partition 'd' (line 13): asks for 2 MiB, only 0 MiB left; "
		      "partition refused\n");
	assert_int_equal(m.part[0].core_mask[0], 0x02);
	assert_int_equal(m.part[2].core_mask[0], 0x04); /* b's core went to c */
	assert_int_equal(m.part[3].core_mask[0], 0);
}

static void test_assign_module_and_core_checks(void **state)
{
	struct manifest_resources r = res(8, 1ull << 30);

	(void)state;
	expect_assign(PART("a", "1", "2M", "nope.elf") PART("b", "0-1", "2M", "b.elf")
			      PART("c", "7,9-9", "2M", "c.elf") PART("d", "1,7", "2M", "a.elf"),
		      &r, 1,
		      "manifest: partition 'a' (line 1): kernel module 'nope.elf' not found among "
		      "the boot modules; partition refused\n"
		      "manifest: partition 'b' (line 5): core 0 is reserved for the hypervisor; "
		      "partition refused\n"
		      "manifest: partition 'c' (line 9): core 9 does not exist or is not online; "
		      "partition refused\n");
	/* c's core 7 was not consumed: d gets it. */
	assert_int_equal(m.part[3].core_mask[0], 0x82);
	/* A core inside ncpus but not online. */
	usable[0] &= ~(1ull << 3);
	expect_assign(PART("a", "3-3", "2M", "a.elf"), &r, 0,
		      "manifest: partition 'a' (line 1): core 3 does not exist or is not online; "
		      "partition refused\n");
	/* Partitions refused by the parser are left alone. */
	r = res(8, 1ull << 30);
	parse(PART("a", "1", "3M", "a.elf") PART("b", "1", "2M", "b.elf"));
	console_capture_reset();
	assert_int_equal(manifest_assign(&m, &r), 1);
	assert_string_equal(console_capture(), "");
	assert_int_equal(m.part[0].core_mask[0], 0);
	assert_int_equal(m.part[1].core_mask[0], 0x02);
}

static void test_assign_bad_args_and_big(void **state)
{
	struct manifest_resources r = res(CONFIG_MAX_CPUS, 1ull << 40);

	(void)state;
	r.ncpus = 100000; /* clamped to CONFIG_MAX_CPUS */
	expect_assign(PART("a", "1000", "2M", "a.elf") PART("b", "1001-1023", "2M", "b.elf"), &r, 2,
		      "");
	assert_int_equal(m.part[0].core_mask[0], ~1ull);
	assert_int_equal(m.part[0].core_mask[15], (1ull << 41) - 1); /* 960..1000 */
	assert_int_equal(m.part[1].core_mask[15], ~((1ull << 41) - 1));

	console_capture_reset();
	assert_int_equal(manifest_assign(NULL, &r), -E_INVAL);
	assert_int_equal(manifest_assign(&m, NULL), -E_INVAL);
	r.module_exists = NULL;
	assert_int_equal(manifest_assign(&m, &r), -E_INVAL);
	r.module_exists = have_module;
	r.cpu_usable_mask = NULL;
	assert_int_equal(manifest_assign(&m, &r), -E_INVAL);
	assert_int_equal(console_capture_lines(), 4);
}

static void test_assign_strict_order(void **state)
{
	struct manifest_resources r = res(8, 1ull << 30);

	(void)state;
	/* A count written first takes the lowest cores, even ones a later list names. */
	expect_assign(PART("any", "2", "2M", "a.elf") PART("pinned", "1-2", "2M", "b.elf"), &r, 1,
		      "manifest: partition 'pinned' (line 5): core 1 is already in partition "
		      "'any'; partition refused\n");
	/* Written the other way round, both fit. */
	expect_assign(PART("pinned", "1-2", "2M", "b.elf") PART("any", "2", "2M", "a.elf"), &r, 2,
		      "");
	assert_int_equal(m.part[0].core_mask[0], 0x06);
	assert_int_equal(m.part[1].core_mask[0], 0x18);
}

static void test_value_grammar_api(void **state)
{
	uint64_t mask[CONFIG_MAX_CPUS / 64];
	uint64_t bytes = 7;
	uint32_t count = 7;
	char why[64];

	(void)state;
	assert_int_equal(manifest_parse_size("4M", &bytes, why, sizeof(why)), 0);
	assert_int_equal(bytes, 4ull << 20);
	assert_int_equal(manifest_parse_size("4Q", &bytes, why, sizeof(why)), -E_INVAL);
	assert_string_equal(why, "not a size (use K, M or G)");
	assert_int_equal(bytes, 4ull << 20); /* untouched on failure */
	assert_int_equal(manifest_parse_size("3M", &bytes, why, sizeof(why)), -E_RANGE);
	assert_int_equal(manifest_parse_size("99999999999G", &bytes, why, sizeof(why)), -E_RANGE);
	assert_int_equal(manifest_parse_count("12", &count, "cores", why, sizeof(why)), 0);
	assert_int_equal(count, 12);
	assert_int_equal(manifest_parse_count("1025", &count, "cores", why, sizeof(why)), -E_RANGE);
	assert_string_equal(why, "more than 1024 cores");
	assert_int_equal(manifest_parse_count("x", &count, "cores", why, sizeof(why)), -E_INVAL);
	memset(mask, 0xff, sizeof(mask));
	assert_int_equal(manifest_parse_cpus("2,64-65", mask, &count, why, sizeof(why)), 0);
	assert_int_equal(count, 3);
	assert_int_equal(mask[0], 0x4);
	assert_int_equal(mask[1], 0x3);
	for (int w = 2; w < CONFIG_MAX_CPUS / 64; w++)
		assert_int_equal(mask[w], 0);
	assert_int_equal(manifest_parse_cpus("3-1", mask, &count, why, sizeof(why)), -E_INVAL);
	assert_string_equal(why, "range 3-1 is backwards");
}

static void test_format_cpus(void **state)
{
	uint64_t mask[CONFIG_MAX_CPUS / 64] = { 0 };
	char buf[64];

	(void)state;
	manifest_format_cpus(mask, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	mask[0] = 0x3a6; /* 1-2,5,7-9 */
	mask[15] = 1ull << 63;
	manifest_format_cpus(mask, buf, sizeof(buf));
	assert_string_equal(buf, "1-2,5,7-9,1023");
	for (int w = 0; w < CONFIG_MAX_CPUS / 64; w++)
		mask[w] = 0x5555555555555555ull;
	manifest_format_cpus(mask, buf, sizeof(buf));
	assert_true(strlen(buf) < sizeof(buf));
	assert_int_equal(strncmp(buf, "0,2,4,6,8,10,", 13), 0);
	assert_string_equal(buf + strlen(buf) - 3, "...");
	manifest_format_cpus(mask, buf, 8);
	assert_string_equal(buf, "0,2...");
}

static void test_default_manifest(void **state)
{
	char path[512], text[4096];
	struct manifest_resources r = res(4, 256ull << 20);
	FILE *f = fopen("tests/guests/default.manifest", "r");
	size_t len;

	(void)state;
	if (!f) { /* run from elsewhere: find it next to build/unit/ */
		const char *slash = strrchr(argv0, '/');
		snprintf(path, sizeof(path), "%.*s/../../tests/guests/default.manifest",
			 slash ? (int)(slash - argv0) : 1, slash ? argv0 : ".");
		f = fopen(path, "r");
	}
	assert_non_null(f);
	len = fread(text, 1, sizeof(text), f);
	fclose(f);
	console_capture_reset();
	assert_int_equal(manifest_parse(text, len, &m), 2);
	assert_string_equal(console_capture(), "");
	assert_int_equal(manifest_assign(&m, &r), 2);
	manifest_print(&m);
	assert_string_equal(console_capture(),
			    "manifest: partition 'hello' cores=1 memory=32 MiB kernel=hello.elf "
			    "vcpus=1 cmdline=\"the default manifest\"\n"
			    "manifest: partition 'fair' cores=2-3 memory=32 MiB kernel=fair.elf "
			    "vcpus=4 lpm=dedicated slice=200us cmdline=\"cpus=4\"\n");
}

/* ---- fuzz ---- */

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* Everything parse and assign promise, whatever the input was. */
static void check_invariants(int n)
{
	uint64_t seen[CONFIG_MAX_CPUS / 64] = { 0 };
	const char *out = console_capture();
	uint32_t valid = 0;

	assert_true(n >= 0);
	assert_true(m.nparts <= MANIFEST_MAX_PARTS);
	for (uint32_t i = 0; i < m.nparts; i++) {
		const struct manifest_part *p = &m.part[i];

		assert_true(strnlen(p->name, MANIFEST_NAME_MAX) < MANIFEST_NAME_MAX);
		assert_true(strnlen(p->kernel, MANIFEST_MODULE_MAX) < MANIFEST_MODULE_MAX);
		assert_true(strnlen(p->cmdline, MANIFEST_CMDLINE_MAX) < MANIFEST_CMDLINE_MAX);
		if (!p->valid)
			continue;
		valid++;
		assert_true(p->name[0] != '\0' && p->kernel[0] != '\0');
		assert_true(p->ncores_req >= 1 && p->vcpus >= 1 && p->vcpus <= MANIFEST_MAX_VCPUS);
		assert_true(p->mem_bytes >= (2u << 20) && p->mem_bytes % (2u << 20) == 0);
		uint32_t bits = 0;
		for (int w = 0; w < CONFIG_MAX_CPUS / 64; w++) {
			/* Accel cpus are shared by accel partitions, and only theirs. */
			if (p->cls == MANIFEST_CLASS_ACCEL) {
				assert_int_equal(p->core_mask[w] & ~m.machine.accel[w], 0);
			} else {
				assert_int_equal(p->core_mask[w] & m.machine.accel[w], 0);
				assert_int_equal(seen[w] & p->core_mask[w], 0);
				seen[w] |= p->core_mask[w];
			}
			bits += (uint32_t)__builtin_popcountll(p->core_mask[w]);
		}
		assert_int_equal(bits, p->ncores_req);
		assert_int_equal(p->core_mask[0] & 1, 0);
	}
	assert_int_equal(valid, (uint32_t)n);
	/* Every complete console line is a "manifest: " line. */
	for (const char *l = out; *l && strchr(l, '\n'); l = strchr(l, '\n') + 1)
		assert_int_equal(strncmp(l, "manifest: ", 10), 0);
}

static void test_fuzz(void **state)
{
	static const char *const frags[] = { "[partition ", "]",
					     "\n",	    "\r\n",
					     "=",	    " ",
					     "\"",	    "#",
					     ",",	    "-",
					     "cores",	    "memory",
					     "kernel",	    "cmdline",
					     "vcpus",	    "a.elf",
					     "1",	    "2",
					     "0x",	    "M",
					     "G",	    "K",
					     "hello",	    "[",
					     "4-3",	    "99999999999999999999",
					     "\t",	    "smp",
					     "[machine]",   "accel",
					     "fast",	    "class",
					     "gang",	    "yes",
					     "affinity",    ":core",
					     "slice",	    "us",
					     "weight",	    "lpm" };
	struct manifest_resources r = res(16, 512ull << 20);

	(void)state;
	for (int iter = 0; iter < 1000; iter++) {
		size_t len = rnd(2048), pos = 0;
		char *buf = malloc(len ? len : 1);

		assert_non_null(buf);
		while (pos < len) {
			if (rnd(3) == 0) { /* a random byte, NULs and high bytes included */
				buf[pos++] = (char)rnd(256);
			} else {
				const char *f = frags[rnd(ARRAY_SIZE(frags))];
				size_t fl = MIN(strlen(f), len - pos);
				memcpy(buf + pos, f, fl);
				pos += fl;
			}
		}
		console_capture_reset();
		memset(&m, 0x5a, sizeof(m));
		int n = manifest_parse(buf, len, &m);
		/* No core masks yet: check the parse-only promises. */
		assert_true(n >= 0 && (uint32_t)n <= m.nparts);
		n = manifest_assign(&m, &r);
		check_invariants(n);
		manifest_print(&m);
		free(buf);
	}
}

static void test_fuzz_mutate(void **state)
{
	static const char base[] = PART("a", "1,3-4", "64M", "a.elf") "cmdline = \"x # y\"\n" PART(
		"b", "2", "32M", "b.elf") "vcpus = 2\n" PART("c", "2", "2G", "c.elf");
	struct manifest_resources r = res(8, 1ull << 30);

	(void)state;
	for (int iter = 0; iter < 1000; iter++) {
		size_t len = sizeof(base) - 1;
		char *buf = malloc(len);

		assert_non_null(buf);
		memcpy(buf, base, len);
		for (uint32_t k = rnd(4) + 1; k; k--)
			buf[rnd((uint32_t)len)] = (char)rnd(256);
		len -= rnd(8); /* sometimes cut the end off */
		console_capture_reset();
		int n = manifest_parse(buf, len, &m);
		assert_true(n >= 0 && n <= 3);
		n = manifest_assign(&m, &r);
		check_invariants(n);
		free(buf);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_happy_single),
		cmocka_unit_test(test_happy_defaults_and_spacing),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_comments_quotes),
		cmocka_unit_test(test_string_limits),
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_nul_and_control),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_errors_outside_and_syntax),
		cmocka_unit_test(test_errors_keys),
		cmocka_unit_test(test_errors_vcpus),
		cmocka_unit_test(test_errors_headers),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_high_bytes_escaped),
		cmocka_unit_test(test_bad_between_good),
		cmocka_unit_test(test_too_many_partitions),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_core_lists),
		cmocka_unit_test(test_assign_basic_and_print),
		cmocka_unit_test(test_print_unassigned),
		cmocka_unit_test(test_assign_overlap),
		cmocka_unit_test(test_assign_count_too_big),
		cmocka_unit_test(test_assign_memory),
		cmocka_unit_test(test_assign_module_and_core_checks),
		cmocka_unit_test(test_assign_bad_args_and_big),
		cmocka_unit_test(test_assign_strict_order),
		cmocka_unit_test(test_value_grammar_api),
		cmocka_unit_test(test_format_cpus),
		cmocka_unit_test(test_default_manifest),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_fuzz_mutate),
	};

	(void)argc;
	argv0 = argv[0];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
