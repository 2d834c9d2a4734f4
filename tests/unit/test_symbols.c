// SPDX-License-Identifier: MIT
/*
 * Unit tests for the System.map parser of the micro-sliced pool
 * (core/symbols.c): sizes from the next address, aliases, critical names,
 * and every refusal (garbage, unsorted, too many, overlong names, NUL
 * bytes), plus random bytes under the sanitizers.
 * Environment: hosted unit tests only (cmocka).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/symbols.h"
#include "lib/errno.h"
#include "tests/unit/fake_console.h"

#define NC MSC_NOT_CRITICAL

static char why[160];

/* Count, then fill exactly that many: both passes must agree. */
static int parse2(const char *text, struct msc_sym *out, uint32_t cap, uint32_t *n)
{
	uint32_t counted = 0;
	int rc = symbols_parse(text, strlen(text), NULL, 0, &counted, why, sizeof(why));

	if (rc < 0)
		return rc;
	assert_true(counted <= cap);
	rc = symbols_parse(text, strlen(text), out, cap, n, why, sizeof(why));
	assert_int_equal(rc, 0);
	assert_int_equal(*n, counted);
	return rc;
}

static void test_good_map(void **state)
{
	(void)state;
	static const char map[] = "00100000 T _start\n"
				  "00100010 t helper\n"
				  "00100040 T cy_crit_hold\n"
				  "00100040 T alias_of_hold\n"
				  "00100080 T _raw_spin_lock_irqsave\n"
				  "\n"
				  "   \r\n"
				  "001000c0 r some_rodata\n"
				  "00100100 T flush_tlb_mm_range\n"
				  "00100100 t flush_alias\n"
				  "00100180 D data_after\n"
				  "00100200 B bss\n"
				  "0x00100300 T last_fn\n";
	struct msc_sym s[16];
	struct msc_symtab t;
	uint32_t n = 0;

	assert_int_equal(parse2(map, s, 16, &n), 0);
	assert_int_equal(n, 6);
	assert_int_equal(s[0].start, 0x100000);
	assert_int_equal(s[0].size, 0x10);
	assert_int_equal(s[0].critical, NC);
	assert_int_equal(s[1].size, 0x30); /* helper: to cy_crit_hold */
	assert_int_equal(s[2].start, 0x100040);
	assert_int_equal(s[2].size, 0x40);
	assert_int_equal(s[2].critical, 0); /* cy_crit_ prefix */
	assert_int_equal(s[3].critical, 1); /* spin_lock matches first */
	assert_int_equal(s[3].size, 0x40);  /* ends at the rodata symbol */
	assert_int_equal(s[4].start, 0x100100);
	assert_int_equal(s[4].size, 0x80);  /* ends at data_after */
	assert_int_equal(s[4].critical, 8); /* flush_tlb */
	assert_int_equal(s[5].start, 0x100300);
	assert_int_equal(s[5].size, 0); /* last: never matches */

	assert_int_equal(msc_symtab_init(&t, s, n), 0);
	assert_false(msc_is_critical(&t, 0x100000));
	assert_true(msc_is_critical(&t, 0x100040));
	assert_true(msc_is_critical(&t, 0x10007f));
	assert_true(msc_is_critical(&t, 0x100080));
	assert_false(msc_is_critical(&t, 0x1000c0)); /* rodata, not a function */
	assert_true(msc_is_critical(&t, 0x10017f));
	assert_false(msc_is_critical(&t, 0x100180));
	assert_false(msc_is_critical(&t, 0x100300));
}

static void test_alias_critical_later(void **state)
{
	(void)state;
	/* The critical name is the second at its address: still critical. */
	static const char map[] = "1000 T plain_name\n1000 T queued_spin_lock_slowpath\n1100 T x\n";
	struct msc_sym s[4];
	uint32_t n;

	assert_int_equal(parse2(map, s, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(s[0].critical, 1); /* spin_lock */
	assert_int_equal(s[0].size, 0x100);
}

static void test_names(void **state)
{
	uint16_t i;

	(void)state;
	assert_true(symbols_is_critical("cy_crit_x", &i));
	assert_int_equal(i, 0);
	assert_false(symbols_is_critical("my_cy_crit_x", NULL)); /* a prefix only */
	assert_true(symbols_is_critical("_raw_read_lock_bh", NULL));
	assert_true(symbols_is_critical("smp_call_function_many_cond", NULL));
	assert_true(symbols_is_critical("mutex_spin_on_owner", NULL));
	assert_false(symbols_is_critical("schedule", NULL));
	assert_false(symbols_is_critical("", NULL));
}

struct bad_case {
	const char *text;
	int rc;
	const char *why;
};

static void test_refusals(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{ "1000 T a\nhello world\n", -E_INVAL, "line 2: not 'ADDRESS TYPE NAME'" },
		{ "1000 T a\n0900 T b\n", -E_INVAL,
		  "line 2: address 0x900 below the previous 0x1000" },
		{ "1000 TT a\n", -E_INVAL, "line 1: the type is one letter" },
		{ "1000 T\n", -E_INVAL, "line 1: the type is one letter" },
		{ "1000 T  \n", -E_INVAL, "line 1: no name after the type" },
		{ "1000 T a b\n", -E_INVAL, "line 1: text after the name" },
		{ "11112222333344445 T a\n", -E_INVAL,
		  "line 1: address longer than 16 hex digits" },
		{ "1000 T a\xff\n", -E_INVAL, "line 1: the name has a byte 0xff" },
		{ "1000 D data\n2000 B bss\n", -E_RANGE, "no text symbols" },
		{ "", -E_RANGE, "no text symbols" },
		{ "0x T a\n", -E_INVAL, "line 1: not 'ADDRESS" },
		{ "1000\tT\ta\n2000 t b\n3000 ! c\n", -E_INVAL, "line 3: the type is one letter" },
	};
	uint32_t n = 7;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int rc = symbols_parse(cases[i].text, strlen(cases[i].text), NULL, 0, &n, why,
				       sizeof(why));
		if (rc != cases[i].rc || !strstr(why, cases[i].why))
			fail_msg("case %zu: rc %d why '%s', want %d '%s'", i, rc, why, cases[i].rc,
				 cases[i].why);
		assert_int_equal(n, 0);
	}
}

static void test_nul_and_long_lines(void **state)
{
	(void)state;
	static const char nul[] = "1000 T a\n2000 T b\0c\n";
	char longname[SYMBOLS_NAME_MAX + 20], longline[SYMBOLS_LINE_MAX + 20];
	uint32_t n;

	assert_int_equal(symbols_parse(nul, sizeof(nul) - 1, NULL, 0, &n, why, sizeof(why)),
			 -E_INVAL);
	assert_non_null(strstr(why, "line 2: a NUL byte"));
	/* NUL padding at the end of a module is not content. */
	static const char pad[] = "1000 T a\n2000 T b\n\0\0\0";
	assert_int_equal(symbols_parse(pad, sizeof(pad), NULL, 0, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 2);

	snprintf(longname, sizeof(longname), "1000 T %0*d", SYMBOLS_NAME_MAX, 7);
	assert_int_equal(symbols_parse(longname, strlen(longname), NULL, 0, &n, why, sizeof(why)),
			 -E_INVAL);
	assert_non_null(strstr(why, "line 1: name longer than 127 characters"));
	/* 127 characters is still a name. */
	snprintf(longname, sizeof(longname), "1000 T %0*d", SYMBOLS_NAME_MAX - 1, 7);
	assert_int_equal(symbols_parse(longname, strlen(longname), NULL, 0, &n, why, sizeof(why)),
			 0);
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	assert_int_equal(symbols_parse(longline, strlen(longline), NULL, 0, &n, why, sizeof(why)),
			 -E_INVAL);
	assert_non_null(strstr(why, "line 1: longer than 200 characters"));
	/* Unterminated last line, no text pointer with length 0. */
	assert_int_equal(symbols_parse("1000 T a", 8, NULL, 0, &n, why, sizeof(why)), 0);
	assert_int_equal(symbols_parse(NULL, 0, NULL, 0, &n, why, sizeof(why)), -E_RANGE);
	assert_int_equal(symbols_parse(NULL, 5, NULL, 0, &n, why, sizeof(why)), -E_INVAL);
}

static void test_too_many(void **state)
{
	(void)state;
	size_t cap = (size_t)(SYMBOLS_MAX + 2) * 24 + 1, len = 0;
	char *big = malloc(cap);
	struct msc_sym s[3];
	uint32_t n;

	assert_non_null(big);
	for (uint32_t i = 0; i <= SYMBOLS_MAX; i++)
		len += (size_t)snprintf(big + len, cap - len, "%08x T f%u\n", i * 16, i);
	assert_int_equal(symbols_parse(big, len, NULL, 0, &n, why, sizeof(why)), -E_RANGE);
	assert_non_null(strstr(why, "more than 131072 text symbols"));
	/* The caller's capacity bounds the fill pass too. */
	assert_int_equal(symbols_parse(big, len, s, 3, &n, why, sizeof(why)), -E_RANGE);
	assert_non_null(strstr(why, "line 4: more than 3 text symbols"));
	free(big);
}

/* Random lines and bytes: a defined answer, nothing read out of bounds. */
static void test_random_bytes(void **state)
{
	(void)state;
	static const char alphabet[] = "0123456789abcdefxTtDd \t\n\r_";
	struct msc_sym s[64];
	uint32_t n;

	srand(11);
	for (int round = 0; round < 3000; round++) {
		size_t len = (size_t)(rand() % 300);
		char *buf = malloc(len ? len : 1);
		assert_non_null(buf);
		for (size_t i = 0; i < len; i++)
			buf[i] = round % 3 ? alphabet[rand() % (sizeof(alphabet) - 1)] :
					     (char)rand();
		int rc = symbols_parse(buf, len, s, 64, &n, why, sizeof(why));
		assert_true(rc == 0 || rc == -E_INVAL || rc == -E_RANGE);
		if (rc == 0) {
			struct msc_symtab t;
			assert_int_equal(msc_symtab_init(&t, s, n), 0);
		} else {
			assert_true(why[0] != '\0');
		}
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_map),
		cmocka_unit_test(test_alias_critical_later),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_nul_and_long_lines),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_random_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
