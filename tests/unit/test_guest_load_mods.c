// SPDX-License-Identifier: MIT
/*
 * Unit tests for the boot modules the multiboot v1 loader hands a guest
 * (core/guest_mods.c): none, one and several modules land page aligned after
 * the kernel, in order, with their strings in the info block; a module that
 * does not fit, too many modules or a bad string is refused with one line
 * and guest memory untouched, by guest_load() and guest_check() alike.
 * Environment: hosted unit tests only (cmocka, built with ASan/UBSan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/guest_load.h"
#include "lib/errno.h"
#include "tests/unit/fake_console.h"
#include "tests/unit/guest_mem_fixture.h"

static struct guest_boot boot;
static uint8_t kern[0x1800];

/* An a.out-kludge kernel of sizeof(kern) bytes loaded at load_addr (header at
 * offset 0, entry just after it), so its image ends at load_addr + 0x1800. */
static struct guest_image kernel_at(uint32_t load_addr)
{
	uint32_t flags = MB1_HF_AOUT | MB1_HF_MEMINFO;

	memset(kern, 0x90, sizeof(kern));
	wr32(kern, MB1_HEADER_MAGIC);
	wr32(kern + 4, flags);
	wr32(kern + 8, 0u - MB1_HEADER_MAGIC - flags);
	wr32(kern + 12, load_addr); /* header_addr */
	wr32(kern + 16, load_addr); /* load_addr */
	wr32(kern + 20, 0);	    /* load_end_addr: the whole file */
	wr32(kern + 24, 0);	    /* bss_end_addr: no bss */
	wr32(kern + 28, load_addr + 32);
	return (struct guest_image){ kern, sizeof(kern), "k.elf" };
}

static struct mb1_info info(void)
{
	struct mb1_info mi;

	memcpy(&mi, gm.base + boot.mbi, sizeof(mi));
	return mi;
}

static struct mb1_module entry(uint32_t i)
{
	struct mb1_module e;

	memcpy(&e, gm.base + info().mods_addr + i * sizeof(e), sizeof(e));
	return e;
}

static int load(const struct guest_image *gi, const struct guest_module *mods, uint32_t n)
{
	struct guest_mods gmods = { mods, n, NULL };

	console_capture_reset();
	return guest_load(gi, &gm, "mods=x", NULL, &gmods, &boot);
}

static bool all_zero(void)
{
	for (uint64_t i = 0; i < gm.size; i++)
		if (gm.base[i])
			return false;
	return true;
}

/* Refused with err and exactly line by load and check; memory untouched. */
static void expect_refused(const struct guest_image *gi, const struct guest_module *mods,
			   uint32_t n, int err, const char *line)
{
	struct guest_mods gmods = { mods, n, NULL };

	memset(gm.base, 0, gm.size);
	assert_int_equal(load(gi, mods, n), err);
	assert_string_equal(console_capture(), line);
	assert_int_equal(console_capture_lines(), 1);
	assert_true(all_zero());
	assert_int_equal(boot.mods_start, 0);
	console_capture_reset();
	assert_int_equal(guest_check(gi, gm.size, "mods=x", &gmods), err);
	assert_string_equal(console_capture(), line);
}

/* No modules (NULL or count 0): MODS flag, count 0, nothing past the image. */
static void test_no_modules(void **state)
{
	struct guest_image gi = kernel_at(0x100000);
	struct guest_mods none = { NULL, 0, NULL };

	(void)state;
	mem_setup(MiB(4));
	assert_int_equal(load(&gi, NULL, 0), 0);
	assert_int_equal(info().flags & MB1_INFO_MODS, MB1_INFO_MODS);
	assert_int_equal(info().mods_count, 0);
	assert_int_equal(boot.mods_start, 0);
	assert_int_equal(boot.mods_end, 0);
	for (uint64_t i = 0x101800; i < gm.size; i++)
		assert_int_equal(gm.base[i], 0);
	assert_int_equal(console_capture_lines(), 1); /* no module line */
	assert_int_equal(guest_check(&gi, gm.size, "", &none), 0);
}

/* One module: the first page after the image, exact bytes, exclusive end,
 * string in the info block, reserved 0, one extra console line. */
static void test_one_module(void **state)
{
	struct guest_image gi = kernel_at(0x100000);
	static uint8_t data[5000];
	struct guest_module m = { data, sizeof(data), "data.txt check=1" };
	struct mb1_module e;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	mem_setup(MiB(4));
	assert_int_equal(load(&gi, &m, 1), 0);
	assert_string_equal(console_capture(),
			    "guest: 'k.elf' loaded: a.out kludge, 0x100000-0x101800, entry "
			    "0x100020, mbi 0x9000\n"
			    "guest: 'k.elf': 1 boot module at 0x102000-0x103388\n");
	assert_int_equal(info().mods_count, 1);
	assert_true(info().mods_addr > boot.mbi && info().mods_addr < GUEST_MBI_AREA_END);
	assert_int_equal(info().mods_addr % 16, 0);
	e = entry(0);
	assert_int_equal(e.mod_start, 0x102000);
	assert_int_equal(e.mod_end, 0x102000 + sizeof(data));
	assert_int_equal(e.reserved, 0);
	assert_memory_equal(gm.base + e.mod_start, data, sizeof(data));
	assert_string_equal((const char *)gm.base + e.string, "data.txt check=1");
	assert_true(e.string > info().mods_addr && e.string < GUEST_MBI_AREA_END);
	assert_int_equal(boot.mods_start, 0x102000);
	assert_int_equal(boot.mods_end, 0x103388);
	/* The cmdline is intact next to the list. */
	assert_string_equal((const char *)gm.base + info().cmdline, "mods=x");
}

/* Several modules (one empty, one not a page multiple): given order, each on
 * a page, no overlap, zeros between them, strings in order. */
static void test_several_modules_in_order(void **state)
{
	struct guest_image gi = kernel_at(0x100000);
	static uint8_t a[0x2000], c[123];
	struct guest_module m[3] = {
		{ a, sizeof(a), "a.bin" },
		{ NULL, 0, "empty.env env" },
		{ c, sizeof(c), "c.txt x y  z" },
	};
	const uint32_t start[3] = { 0x102000, 0x104000, 0x104000 };

	(void)state;
	memset(a, 0xA1, sizeof(a));
	memset(c, 0xC3, sizeof(c));
	mem_setup(MiB(4));
	assert_int_equal(load(&gi, m, 3), 0);
	assert_int_equal(info().mods_count, 3);
	for (uint32_t i = 0; i < 3; i++) {
		struct mb1_module e = entry(i);

		assert_int_equal(e.mod_start, start[i]);
		assert_int_equal(e.mod_start % 4096, 0);
		assert_int_equal(e.mod_end - e.mod_start, m[i].size);
		assert_string_equal((const char *)gm.base + e.string, m[i].string);
		if (i)
			assert_true(e.mod_start >= entry(i - 1).mod_end);
	}
	assert_memory_equal(gm.base + 0x102000, a, sizeof(a));
	assert_memory_equal(gm.base + 0x104000, c, sizeof(c));
	for (uint64_t i = 0x104000 + sizeof(c); i < gm.size; i++)
		assert_int_equal(gm.base[i], 0);
	assert_int_equal(boot.mods_end, 0x104000 + sizeof(c));
}

/* A kernel wholly below 1 MiB: modules still start at 1 MiB, clear of the
 * legacy hole (firmware tables) and the info area. */
static void test_low_kernel_modules_from_1mib(void **state)
{
	struct guest_image gi = kernel_at(0x20000);
	static uint8_t d[10] = "0123456789";
	struct guest_module m = { d, sizeof(d), "d" };

	(void)state;
	mem_setup(MiB(2));
	assert_int_equal(load(&gi, &m, 1), 0);
	assert_int_equal(entry(0).mod_start, 0x100000);
	assert_memory_equal(gm.base + 0x100000, d, sizeof(d));
}

/* Exactly up to the end of memory fits; one byte more is refused. */
static void test_fit_and_not_fit(void **state)
{
	struct guest_image gi = kernel_at(0x100000);
	static uint8_t big[MiB(1)];
	uint64_t room = MiB(2) - 0x102000;
	struct guest_module m[2] = { { big, 16, "first" }, { big, 0, "big.img arg" } };

	(void)state;
	mem_setup(MiB(2));
	m[1].size = room - 0x1000;
	assert_int_equal(load(&gi, m, 2), 0);
	assert_int_equal(entry(1).mod_end, MiB(2));
	m[1].size = room - 0x1000 + 1;
	expect_refused(&gi, m, 2, -E_RANGE,
		       "guest: 'k.elf': boot module 1 'big.img' (1036289 bytes) does not fit: it "
		       "would start at 0x103000, after the kernel and the modules before it, and "
		       "partition memory ends at 0x200000\n");
}

/* Count, string length and missing pointers are checked before any write. */
static void test_refuse_bad_modules(void **state)
{
	struct guest_image gi = kernel_at(0x100000);
	static struct guest_module many[GUEST_MODS_MAX + 1];
	static char longstr[GUEST_MODSTR_MAX + 2];
	static uint8_t d[4];

	(void)state;
	mem_setup(MiB(4));
	for (uint32_t i = 0; i < GUEST_MODS_MAX + 1; i++)
		many[i] = (struct guest_module){ d, sizeof(d), "m" };
	assert_int_equal(load(&gi, many, GUEST_MODS_MAX), 0);
	assert_int_equal(info().mods_count, GUEST_MODS_MAX);
	expect_refused(&gi, many, GUEST_MODS_MAX + 1, -E_RANGE,
		       "guest: 'k.elf': 17 boot modules, more than the 16 allowed\n");
	memset(longstr, 'x', GUEST_MODSTR_MAX);
	many[3].string = longstr; /* exactly the limit: loads */
	assert_int_equal(load(&gi, many, 4), 0);
	assert_string_equal((const char *)gm.base + entry(3).string, longstr);
	longstr[GUEST_MODSTR_MAX] = 'x';
	expect_refused(&gi, many, 4, -E_RANGE,
		       "guest: 'k.elf': boot module 3's string is longer than the 1023 bytes "
		       "allowed\n");
	many[3].string = NULL;
	expect_refused(&gi, many, 4, -E_INVAL,
		       "guest: 'k.elf': boot module 3 has no string or no data\n");
	many[3] = (struct guest_module){ NULL, 1, "m" };
	expect_refused(&gi, many, 4, -E_INVAL,
		       "guest: 'k.elf': boot module 3 has no string or no data\n");
	expect_refused(&gi, NULL, 2, -E_INVAL,
		       "guest: 'k.elf': 2 boot modules but no module table\n");
}

/* Long strings grow the info block; it is still placed clear of the image. */
static void test_strings_grow_info(void **state)
{
	struct guest_image gi = kernel_at(0x100000);
	static struct guest_module m[GUEST_MODS_MAX];
	static char s[GUEST_MODS_MAX][GUEST_MODSTR_MAX + 1];
	static uint8_t d[1];

	(void)state;
	mem_setup(MiB(4));
	for (uint32_t i = 0; i < GUEST_MODS_MAX; i++) {
		memset(s[i], 'a' + (int)i, GUEST_MODSTR_MAX);
		m[i] = (struct guest_module){ d, sizeof(d), s[i] };
	}
	assert_int_equal(load(&gi, m, GUEST_MODS_MAX), 0);
	for (uint32_t i = 0; i < GUEST_MODS_MAX; i++) {
		struct mb1_module e = entry(i);

		assert_string_equal((const char *)gm.base + e.string, s[i]);
		assert_true(e.string + GUEST_MODSTR_MAX < GUEST_MBI_AREA_END);
		assert_int_equal(e.mod_start, 0x102000 + i * 0x1000);
	}
}

/* The largest info block: the longest cmdline and 16 of the longest strings. */
static void test_largest_info_block(void **state)
{
	struct guest_image gi = kernel_at(0x100000);
	static struct guest_module m[GUEST_MODS_MAX];
	static char s[GUEST_MODSTR_MAX + 1], cmdline[GUEST_CMDLINE_MAX + 1];
	struct guest_mods gmods = { m, GUEST_MODS_MAX, NULL };
	static uint8_t d[1];

	(void)state;
	mem_setup(MiB(4));
	memset(s, 's', GUEST_MODSTR_MAX);
	memset(cmdline, 'c', GUEST_CMDLINE_MAX);
	for (uint32_t i = 0; i < GUEST_MODS_MAX; i++)
		m[i] = (struct guest_module){ d, sizeof(d), s };
	console_capture_reset();
	assert_int_equal(guest_load(&gi, &gm, cmdline, NULL, &gmods, &boot), 0);
	assert_string_equal((const char *)gm.base + info().cmdline, cmdline);
	assert_string_equal((const char *)gm.base + entry(GUEST_MODS_MAX - 1).string, s);
	assert_int_equal(guest_check(&gi, gm.size, cmdline, &gmods), 0);
}

/* Header flag bit 0 (page-align modules) changes nothing: they always are. */
static void test_page_align_flag(void **state)
{
	struct guest_image gi = kernel_at(0x100000);
	uint32_t flags = MB1_HF_AOUT | MB1_HF_MEMINFO | MB1_HF_PAGE_ALIGN;
	static uint8_t d[3] = "abc";
	struct guest_module m[2] = { { d, 3, "a" }, { d, 3, "b" } };

	(void)state;
	wr32(kern + 4, flags);
	wr32(kern + 8, 0u - MB1_HEADER_MAGIC - flags);
	mem_setup(MiB(4));
	assert_int_equal(load(&gi, m, 2), 0);
	assert_int_equal(boot.mb_flags & MB1_HF_PAGE_ALIGN, MB1_HF_PAGE_ALIGN);
	assert_int_equal(entry(0).mod_start, 0x102000);
	assert_int_equal(entry(1).mod_start, 0x103000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_modules),
		cmocka_unit_test(test_one_module),
		cmocka_unit_test(test_several_modules_in_order),
		cmocka_unit_test(test_low_kernel_modules_from_1mib),
		cmocka_unit_test(test_fit_and_not_fit),
		cmocka_unit_test(test_refuse_bad_modules),
		cmocka_unit_test(test_strings_grow_info),
		cmocka_unit_test(test_largest_info_block),
		cmocka_unit_test(test_page_align_flag),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
