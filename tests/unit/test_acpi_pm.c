// SPDX-License-Identifier: MIT
/*
 * The ACPI PM1a registers and PM timer model: the timer's rate, its 24-bit
 * wrap, no overflow after years of TSC, monotonic reads; register reads by
 * every size; soft-off only for SLP_EN with the \_S5 type.
 * Environment: hosted unit test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/vdev/acpi_pm.h"

#define HZ 2000000000ull /* a 2 GHz TSC */

static void test_timer_rate_and_wrap(void **state)
{
	struct acpi_pm pm;

	(void)state;
	acpi_pm_init(&pm, 1000, HZ);
	assert_int_equal(acpi_pm_timer(&pm, 0), 0); /* before tsc0 */
	assert_int_equal(acpi_pm_timer(&pm, 1000), 0);
	/* 1 ms = 3579.545 ticks -> 3579. */
	assert_int_equal(acpi_pm_timer(&pm, 1000 + HZ / 1000), 3579);
	/* 1 s = 3579545 ticks, below 2^24. */
	assert_int_equal(acpi_pm_timer(&pm, 1000 + HZ), 3579545);
	/* 5 s = 17897725 ticks, wrapped to 24 bits. */
	assert_int_equal(acpi_pm_timer(&pm, 1000 + 5 * HZ), 17897725u & 0xffffff);
	/* Ten years of TSC: no overflow, exact. */
	uint64_t s = 10ull * 365 * 24 * 3600;
	assert_int_equal(acpi_pm_timer(&pm, 1000 + s * HZ + HZ / 2),
			 (uint32_t)((s * 3579545ull + 3579545ull / 2) & 0xffffff));
	/* Monotonic (modulo the wrap) step by step. */
	uint32_t last = 0;
	for (uint64_t t = 1000; t < 1000 + HZ / 10; t += 9973) {
		uint32_t v = acpi_pm_timer(&pm, t);
		assert_true(v >= last);
		last = v;
	}
	assert_true(last > 350000); /* 0.1 s went by */
}

static void test_registers(void **state)
{
	struct acpi_pm pm;

	(void)state;
	acpi_pm_init(&pm, 0, HZ);
	assert_int_equal(acpi_pm_read(&pm, 0, 2, 0), 0); /* PM1_STS */
	assert_int_equal(acpi_pm_read(&pm, 4, 2, 0), 1); /* SCI_EN */
	assert_int_equal(acpi_pm_read(&pm, 0, 4, 0), 0); /* STS + EN */
	assert_int_equal(acpi_pm_write(&pm, 2, 2, 0x0121), ACPI_PM_NOTHING);
	assert_int_equal(acpi_pm_read(&pm, 2, 2, 0), 0x0121);
	assert_int_equal(acpi_pm_read(&pm, 3, 1, 0), 0x01);
	assert_int_equal(acpi_pm_read(&pm, 0, 4, 0), 0x01210000);
	assert_int_equal(acpi_pm_write(&pm, 0, 2, 0xffff), ACPI_PM_NOTHING); /* W1C: nothing */
	assert_int_equal(acpi_pm_read(&pm, 0, 2, 0), 0);
	/* SLP_TYP 3 without SLP_EN reads back; GBL_RLS does not. */
	assert_int_equal(acpi_pm_write(&pm, 4, 2, (3 << 10) | 4), ACPI_PM_NOTHING);
	assert_int_equal(acpi_pm_read(&pm, 4, 2, 0), (3 << 10) | 1);
	/* SLP_EN with another type: ignored, SLP_EN reads 0. */
	assert_int_equal(acpi_pm_write(&pm, 4, 2, (1 << 13) | (1 << 10)), ACPI_PM_NOTHING);
	assert_int_equal(acpi_pm_read(&pm, 4, 2, 0), (1 << 10) | 1);
	/* Soft-off by a 16-bit write and by a write of the high byte alone. */
	assert_int_equal(acpi_pm_write(&pm, 4, 2, (1 << 13) | (5 << 10)), ACPI_PM_SOFT_OFF);
	acpi_pm_init(&pm, 0, HZ);
	assert_int_equal(acpi_pm_write(&pm, 5, 1, ((1 << 13) | (5 << 10)) >> 8), ACPI_PM_SOFT_OFF);
	/* The timer through the port: 32-bit read, byte reads, writes ignored. */
	acpi_pm_init(&pm, 0, HZ);
	assert_int_equal(acpi_pm_read(&pm, 8, 4, HZ), 3579545);
	assert_int_equal(acpi_pm_read(&pm, 8, 1, HZ), 3579545 & 0xff);
	assert_int_equal(acpi_pm_read(&pm, 11, 1, HZ), 0); /* 24 bits */
	assert_int_equal(acpi_pm_write(&pm, 8, 4, 0x12345678), ACPI_PM_NOTHING);
	assert_int_equal(acpi_pm_read(&pm, 8, 4, HZ), 3579545);
	/* Past the block. */
	assert_int_equal(acpi_pm_read(&pm, 10, 4, 0), 0xffff0000);
	assert_int_equal(acpi_pm_read(&pm, 6, 2, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_rate_and_wrap),
		cmocka_unit_test(test_registers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
