// SPDX-License-Identifier: MIT
/*
 * Unit tests for balloon targets with load reports (sched/balloon_load.c):
 * no report changes nothing; a VM with fewer threads than its share gets
 * max(threads, vcpus_min) and the others share the rest; a report at or
 * above the share changes nothing; several reports at once; errors pass
 * through with the targets unchanged.
 * Environment: hosted unit tests only (cmocka).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/errno.h"
#include "sched/balloon_load.h"
#include "tests/unit/fake_console.h"

static struct balloon_vm vms[4];

static void set(uint32_t i, uint32_t w, uint32_t min, uint32_t max)
{
	vms[i] = (struct balloon_vm){ .weight = w, .vcpus_min = min, .vcpus_max = max };
}

static void expect(uint32_t n, const uint32_t *want)
{
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(vms[i].target, want[i]);
}

static void test_no_reports(void **state)
{
	(void)state;
	static const uint32_t none[2] = { 0, 0 }, want[2] = { 3, 3 };
	set(0, 1, 1, 4);
	set(1, 1, 1, 4);
	assert_int_equal(balloon_compute_loaded(vms, none, 2, 6), 0);
	expect(2, want);
	set(0, 1, 1, 4);
	set(1, 1, 1, 4);
	assert_int_equal(balloon_compute_loaded(vms, NULL, 2, 6), 0);
	expect(2, want);
}

/* The balloon suite's case: A alone, 5 cores, reports 1 thread, vcpus_min 2. */
static void test_alone_below_min(void **state)
{
	(void)state;
	static const uint32_t load[1] = { 1 }, want[1] = { 2 };
	set(0, 1, 2, 4);
	assert_int_equal(balloon_compute_loaded(vms, load, 1, 5), 0);
	expect(1, want);
}

/* 8 cores, 3 equal VMs of 4 vCPUs: 3/3/2; the first has 1 thread: 1, then 4/3. */
static void test_rest_goes_to_others(void **state)
{
	(void)state;
	static const uint32_t none[3] = { 0 }, load[3] = { 1, 0, 0 };
	static const uint32_t before[3] = { 3, 3, 2 }, after[3] = { 1, 4, 3 };
	for (uint32_t i = 0; i < 3; i++)
		set(i, 1, 1, 4);
	assert_int_equal(balloon_compute_loaded(vms, none, 3, 8), 0);
	expect(3, before);
	for (uint32_t i = 0; i < 3; i++)
		set(i, 1, 1, 4);
	assert_int_equal(balloon_compute_loaded(vms, load, 3, 8), 0);
	expect(3, after);
	assert_int_equal(vms[0].vcpus_max, 1); /* its cap stays in the caller's copy */
}

/* A report at or above the share, or above the vCPUs, changes nothing. */
static void test_enough_threads(void **state)
{
	(void)state;
	static const uint32_t load[2] = { 3, 64 }, want[2] = { 3, 3 };
	set(0, 1, 1, 4);
	set(1, 1, 1, 4);
	assert_int_equal(balloon_compute_loaded(vms, load, 2, 6), 0);
	expect(2, want);
}

/* Two reports: weights 1:1:2 on 8 cores (2/2/4); 1 and 1 thread: 1/1/4 (capped at max). */
static void test_two_reports(void **state)
{
	(void)state;
	static const uint32_t load[3] = { 1, 1, 0 }, want[3] = { 1, 1, 4 };
	set(0, 1, 1, 4);
	set(1, 1, 1, 4);
	set(2, 2, 1, 4);
	assert_int_equal(balloon_compute_loaded(vms, load, 3, 8), 0);
	expect(3, want);
}

/* A lowered VM frees a core that goes to the other one's share by weight. */
static void test_redistribution_by_weight(void **state)
{
	(void)state;
	static const uint32_t load[3] = { 0, 0, 2 }, want[3] = { 2, 4, 2 };
	/* 8 cores, weights 1:2:1, max 8 each: 2/4/2; the third reports 2: no change. */
	set(0, 1, 1, 8);
	set(1, 2, 1, 8);
	set(2, 1, 1, 8);
	assert_int_equal(balloon_compute_loaded(vms, load, 3, 8), 0);
	expect(3, want);
	/* It reports 1: 1, and the 7 others go 1:2 (7/3 and 14/3: 2 and 5). */
	static const uint32_t load1[3] = { 0, 0, 1 }, want1[3] = { 2, 5, 1 };
	set(0, 1, 1, 8);
	set(1, 2, 1, 8);
	set(2, 1, 1, 8);
	assert_int_equal(balloon_compute_loaded(vms, load1, 3, 8), 0);
	expect(3, want1);
}

static void test_errors_pass_through(void **state)
{
	(void)state;
	static const uint32_t load[2] = { 1, 1 };
	set(0, 1, 3, 4);
	set(1, 1, 3, 4);
	vms[0].target = vms[1].target = 77;
	console_capture_reset();
	assert_int_equal(balloon_compute_loaded(vms, load, 2, 5), -E_RANGE);
	assert_int_equal(vms[0].target, 77);
	assert_int_equal(vms[1].target, 77);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_reports),
		cmocka_unit_test(test_alone_below_min),
		cmocka_unit_test(test_rest_goes_to_others),
		cmocka_unit_test(test_enough_threads),
		cmocka_unit_test(test_two_reports),
		cmocka_unit_test(test_redistribution_by_weight),
		cmocka_unit_test(test_errors_pass_through),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
