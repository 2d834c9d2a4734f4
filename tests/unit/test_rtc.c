// SPDX-License-Identifier: MIT
/*
 * Unit tests for the CMOS clock model (arch/x86/vdev/rtc.c): calendar
 * conversions both ways, the clock registers in BCD and binary, 24- and
 * 12-hour, the time advancing with the TSC, UIP never set, register D valid,
 * SET freezing the registers and the written time taking effect when SET
 * clears, and the CMOS bytes stored.
 * Environment: hosted unit tests only (cmocka, built with ASan/UBSan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "arch/x86/vdev/rtc.h"

#define HZ 1000000ull /* a 1 MHz TSC */

static struct rtc r;

static uint8_t rd(uint8_t reg, uint64_t tsc)
{
	rtc_write(&r, RTC_PORT_INDEX, reg, tsc);
	return rtc_read(&r, RTC_PORT_DATA, tsc);
}

static void wr(uint8_t reg, uint8_t v, uint64_t tsc)
{
	rtc_write(&r, RTC_PORT_INDEX, reg, tsc);
	rtc_write(&r, RTC_PORT_DATA, v, tsc);
}

static void test_calendar(void **state)
{
	struct rtc_time tm;

	(void)state;
	rtc_from_unix(0, &tm);
	assert_int_equal(tm.year, 1970);
	assert_int_equal(tm.mon, 1);
	assert_int_equal(tm.mday, 1);
	assert_int_equal(tm.wday, 4);  /* Thursday */
	rtc_from_unix(951782400, &tm); /* 2000-02-29, a leap day of a century year */
	assert_int_equal(tm.year, 2000);
	assert_int_equal(tm.mon, 2);
	assert_int_equal(tm.mday, 29);
	assert_int_equal(tm.wday, 2);	/* Tuesday */
	rtc_from_unix(1796355296, &tm); /* 2026-12-04 03:34:56 */
	assert_int_equal(tm.year, 2026);
	assert_int_equal(tm.mon, 12);
	assert_int_equal(tm.mday, 4);
	assert_int_equal(tm.hour, 3);
	assert_int_equal(tm.min, 34);
	assert_int_equal(tm.sec, 56);
	assert_int_equal(rtc_to_unix(&tm), 1796355296);
	for (uint64_t t = 0; t < 4102444800ull; t += 86400ull * 37 + 12345) {
		rtc_from_unix(t, &tm);
		assert_int_equal(rtc_to_unix(&tm), t);
	}
	struct rtc_time bad = { 2023, 2, 29, 0, 0, 0, 0 }; /* not a leap year */
	assert_int_equal(rtc_to_unix(&bad), UINT64_MAX);
	bad = (struct rtc_time){ 1969, 12, 31, 0, 0, 0, 0 };
	assert_int_equal(rtc_to_unix(&bad), UINT64_MAX);
	bad = (struct rtc_time){ 2024, 13, 1, 0, 0, 0, 0 };
	assert_int_equal(rtc_to_unix(&bad), UINT64_MAX);
}

static void test_registers(void **state)
{
	(void)state;
	rtc_init(&r, 1796355296, 5000, HZ);	/* 2026-12-04 03:34:56, a Friday */
	assert_int_equal(rd(0x00, 5000), 0x56); /* BCD */
	assert_int_equal(rd(0x02, 5000), 0x34);
	assert_int_equal(rd(0x04, 5000), 0x03);
	assert_int_equal(rd(0x06, 5000), 0x06); /* Friday: 1 = Sunday */
	assert_int_equal(rd(0x07, 5000), 0x04);
	assert_int_equal(rd(0x08, 5000), 0x12);
	assert_int_equal(rd(0x09, 5000), 0x26);
	assert_int_equal(rd(RTC_CENTURY, 5000), 0x20);
	assert_int_equal(rd(0x0a, 5000) & 0x80, 0); /* never mid-update */
	assert_int_equal(rd(0x0d, 5000), 0x80);	    /* valid */
	assert_int_equal(rd(0x0c, 5000), 0);
	/* 10 s of TSC later */
	assert_int_equal(rd(0x00, 5000 + 10 * HZ), 0x06);
	assert_int_equal(rd(0x02, 5000 + 10 * HZ), 0x35);
	/* binary, 12-hour: 15:00 reads 3 PM */
	wr(0x0b, 0x04, 0);
	assert_int_equal(rd(0x00, 5000), 56);
	assert_int_equal(rd(0x09, 5000), 26);
	rtc_init(&r, 1796355296 + 12 * 3600, 0, HZ);
	wr(0x0b, 0x04, 0);
	assert_int_equal(rd(0x04, 0), 0x80 | 3);
	rtc_init(&r, 1796342400, 0, HZ); /* midnight reads 12 AM */
	wr(0x0b, 0x00, 0);
	assert_int_equal(rd(0x04, 0), 0x12);
	/* the index port reads all ones; NMI-disable bit 7 is ignored */
	assert_int_equal(rtc_read(&r, RTC_PORT_INDEX, 0), 0xff);
	rtc_write(&r, RTC_PORT_INDEX, 0x80 | 0x0d, 0);
	assert_int_equal(rtc_read(&r, RTC_PORT_DATA, 0), 0x80);
	/* CMOS bytes are stored; C and D ignore writes */
	wr(0x40, 0xa5, 0);
	assert_int_equal(rd(0x40, 0), 0xa5);
	wr(0x0d, 0, 0);
	assert_int_equal(rd(0x0d, 0), 0x80);
}

static void test_set(void **state)
{
	(void)state;
	rtc_init(&r, 1796355296, 0, HZ);
	wr(0x0b, 0x02 | 0x80, 0); /* SET: frozen at 03:34:56 */
	assert_int_equal(rd(0x00, 30 * HZ), 0x56);
	wr(0x09, 0x30, 30 * HZ); /* the year 2030 */
	wr(0x04, 0x10, 30 * HZ); /* 10 h */
	assert_int_equal(rd(0x09, 30 * HZ), 0x30);
	wr(0x0b, 0x02, 30 * HZ); /* SET cleared: 2030-12-04 10:34:56 from now */
	assert_int_equal(rd(0x09, 30 * HZ), 0x30);
	assert_int_equal(rd(0x04, 30 * HZ), 0x10);
	assert_int_equal(rd(0x00, 30 * HZ), 0x56);
	assert_int_equal(rd(0x00, 35 * HZ), 0x01); /* and it runs on */
	/* an invalid date written under SET leaves the clock as it was */
	wr(0x0b, 0x82, 35 * HZ);
	wr(0x08, 0x13, 35 * HZ); /* month 13 */
	wr(0x0b, 0x02, 35 * HZ);
	assert_int_equal(rd(0x09, 35 * HZ), 0x30);
	assert_int_equal(rd(0x08, 35 * HZ), 0x12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_registers),
		cmocka_unit_test(test_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
