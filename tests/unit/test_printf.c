// SPDX-License-Identifier: MIT
/*
 * kvsnprintf against the C library's snprintf on the same formats: both
 * must produce the same text and the same return value.
 * Environment: hosted unit test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/printf.h"

/* Deliberately odd formats: the point is matching libc on them. */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-overflow"

#define SAME(...)                                              \
	do {                                                   \
		char a[256], b[256];                           \
		int na = ksnprintf(a, sizeof(a), __VA_ARGS__); \
		int nb = snprintf(b, sizeof(b), __VA_ARGS__);  \
		assert_string_equal(a, b);                     \
		assert_int_equal(na, nb);                      \
	} while (0)

static void test_integers(void **state)
{
	(void)state;
	SAME("%d %i %u", 0, -1, 4000000000U);
	SAME("%d", -2147483647 - 1);
	SAME("%lld %llu", -9223372036854775807LL - 1, 18446744073709551615ULL);
	SAME("%ld %lu %lx", -5L, 5UL, 0xdeadbeefUL);
	SAME("%zu %zx %td", (size_t)12345, (size_t)0xabc, (ptrdiff_t)-7);
	SAME("%hhu %hhd %hu %hd", 300, 200, 70000, 40000);
	SAME("%x %X %o %#x %#X %#o", 255, 255, 8, 255, 255, 8);
	SAME("%#x %#o", 0, 0);
}

static void test_width_precision(void **state)
{
	(void)state;
	SAME("[%5d] [%-5d] [%05d] [%+d] [% d]", 42, 42, 42, 42, 42);
	SAME("[%05d] [%-05d] [%+05d]", -42, -42, 42);
	SAME("[%.3d] [%8.3d] [%-8.3d] [%08.3d]", 7, 7, 7, 7);
	SAME("[%.0d] [%.0x] [%5.0d]", 0, 0, 0);
	SAME("[%016llx] [%#018llx]", 0x1234ULL, 0x1234ULL);
	SAME("[%*d] [%-*d] [%.*d]", 6, 1, 6, 1, 4, 1);
	SAME("[%*d]", -6, 1);
}

static void test_strings_chars(void **state)
{
	(void)state;
	SAME("[%s] [%10s] [%-10s] [%.2s] [%10.2s]", "abc", "abc", "abc", "abc", "abc");
	SAME("[%c] [%3c] [%-3c] [%%]", 'x', 'y', 'z');
	SAME("%s", "");
	SAME("%p", (void *)0x1000);
}

static void test_truncation(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'X', sizeof(buf));
	int n = ksnprintf(buf, sizeof(buf), "%s", "hello world");
	assert_int_equal(n, 11);
	assert_string_equal(buf, "hello w");
	n = ksnprintf(buf, 1, "abc");
	assert_int_equal(n, 3);
	assert_int_equal(buf[0], '\0');
	/* size 0: nothing written, length still returned */
	buf[0] = 'Q';
	n = ksnprintf(buf, 0, "abcd");
	assert_int_equal(n, 4);
	assert_int_equal(buf[0], 'Q');
}

static void test_odd_formats(void **state)
{
	char buf[32];

	(void)state;
	/* A trailing lone '%' prints nothing; unknown conversions print as is. */
	ksnprintf(buf, sizeof(buf), "50%");
	assert_string_equal(buf, "50");
	ksnprintf(buf, sizeof(buf), "%q");
	assert_string_equal(buf, "%q");
	ksnprintf(buf, sizeof(buf), "%s", (char *)NULL);
	assert_string_equal(buf, "(null)");
	/* Huge widths are clamped, not overflowed. */
	int n = ksnprintf(buf, sizeof(buf), "%999999999d", 1);
	assert_true(n > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),      cmocka_unit_test(test_width_precision),
		cmocka_unit_test(test_strings_chars), cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_odd_formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
