// SPDX-License-Identifier: MIT
/*
 * Unit tests for vCPU ballooning targets (sched/balloon.c): the VCPU-Bal
 * paper's examples, largest-remainder exactness, limits and redistribution,
 * random-configuration properties, error lines and command generation.
 * Environment: hosted unit tests only (cmocka).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/errno.h"
#include "sched/balloon.h"
#include "tests/unit/fake_console.h"

#define MAXN 64

static void set_vm(struct balloon_vm *v, uint32_t w, uint32_t min, uint32_t max)
{
	v->weight = w;
	v->vcpus_min = min;
	v->vcpus_max = max;
	v->target = 0xdead;
	v->online = 0;
}

/* Run balloon_compute on n VMs with the given weights, limits 1..max, expect targets. */
static void expect_targets(const uint32_t *w, const uint32_t *max, uint32_t n, uint32_t cores,
			   const uint32_t *want)
{
	struct balloon_vm vms[MAXN];

	for (uint32_t i = 0; i < n; i++)
		set_vm(&vms[i], w[i], 1, max[i]);
	console_capture_reset();
	assert_int_equal(balloon_compute(vms, n, cores), 0);
	assert_int_equal(console_capture_lines(), 0);
	for (uint32_t i = 0; i < n; i++) {
		if (vms[i].target != want[i])
			fail_msg("VM %u: target %u, want %u", i, vms[i].target, want[i]);
	}
}

static void test_paper_examples(void **state)
{
	(void)state;
	/* Seeds/002 section 3: two VMs of equal weight on 12 pCPUs get 6 each. */
	expect_targets((uint32_t[]){ 256, 256 }, (uint32_t[]){ 12, 12 }, 2, 12,
		       (uint32_t[]){ 6, 6 });
	/* Weights 512 and 256 on 12 pCPUs: 8 and 4. */
	expect_targets((uint32_t[]){ 512, 256 }, (uint32_t[]){ 12, 12 }, 2, 12,
		       (uint32_t[]){ 8, 4 });
	expect_targets((uint32_t[]){ 2, 1 }, (uint32_t[]){ 12, 12 }, 2, 12, (uint32_t[]){ 8, 4 });
}

static void test_largest_remainder(void **state)
{
	(void)state;
	/* 10/3 = 3.33 each: one spare core, tie -> lowest index. */
	expect_targets((uint32_t[]){ 1, 1, 1 }, (uint32_t[]){ 10, 10, 10 }, 3, 10,
		       (uint32_t[]){ 4, 3, 3 });
	expect_targets((uint32_t[]){ 1, 1, 1 }, (uint32_t[]){ 11, 11, 11 }, 3, 11,
		       (uint32_t[]){ 4, 4, 3 });
	/* 5,3,2 of 7: 3.5, 2.1, 1.4 -> floors 3,2,1 and the spare goes to the .5 */
	expect_targets((uint32_t[]){ 5, 3, 2 }, (uint32_t[]){ 7, 7, 7 }, 3, 7,
		       (uint32_t[]){ 4, 2, 1 });
	/* Largest remainder, not lowest index: 1,1,2 of 10 -> 2.5, 2.5, 5 -> 3,2,5 */
	expect_targets((uint32_t[]){ 1, 1, 2 }, (uint32_t[]){ 10, 10, 10 }, 3, 10,
		       (uint32_t[]){ 3, 2, 5 });
	/* 1,3 of 3 -> 0.75, 2.25; min 1 pins VM 0 at 1, VM 1 gets 2. */
	expect_targets((uint32_t[]){ 1, 3 }, (uint32_t[]){ 3, 3 }, 2, 3, (uint32_t[]){ 1, 2 });
	/* Single VM takes everything it can. */
	expect_targets((uint32_t[]){ 7 }, (uint32_t[]){ 100 }, 1, 40, (uint32_t[]){ 40 });
}

static void test_limits_redistribute(void **state)
{
	struct balloon_vm v[4];

	(void)state;
	/* VM 0 can use only 2 of its 6: the other 4 go to VM 1. */
	expect_targets((uint32_t[]){ 1, 1 }, (uint32_t[]){ 2, 12 }, 2, 12, (uint32_t[]){ 2, 10 });
	/* Capping cascades: 8 cores, weights 4:2:1:1, max 2,2,8,8 -> 2,2,2,2. */
	expect_targets((uint32_t[]){ 4, 2, 1, 1 }, (uint32_t[]){ 2, 2, 8, 8 }, 4, 8,
		       (uint32_t[]){ 2, 2, 2, 2 });
	/* More cores than anyone can use: everyone at max, the rest stay idle. */
	expect_targets((uint32_t[]){ 9, 1 }, (uint32_t[]){ 3, 2 }, 2, 100, (uint32_t[]){ 3, 2 });

	/* Minimums: 100:1:1 on 10 with min 2 each -> 6,2,2 (9.8 would starve the others). */
	set_vm(&v[0], 100, 2, 10);
	set_vm(&v[1], 1, 2, 10);
	set_vm(&v[2], 1, 2, 10);
	assert_int_equal(balloon_compute(v, 3, 10), 0);
	assert_int_equal(v[0].target, 6);
	assert_int_equal(v[1].target, 2);
	assert_int_equal(v[2].target, 2);

	/* Both directions at once: VM 0 over its max, VM 2 under its min. */
	set_vm(&v[0], 10, 1, 3);
	set_vm(&v[1], 5, 1, 20);
	set_vm(&v[2], 1, 4, 20);
	assert_int_equal(balloon_compute(v, 3, 16), 0);
	/* 0 pinned at 3, 2 pinned at 4, 9 left for VM 1. */
	assert_int_equal(v[0].target, 3);
	assert_int_equal(v[1].target, 9);
	assert_int_equal(v[2].target, 4);

	/* Sum of minimums exactly equals the cores: everyone at min. */
	set_vm(&v[0], 1000, 3, 8);
	set_vm(&v[1], 1, 2, 8);
	assert_int_equal(balloon_compute(v, 2, 5), 0);
	assert_int_equal(v[0].target, 3);
	assert_int_equal(v[1].target, 2);
}

static void test_huge_values(void **state)
{
	struct balloon_vm v[3];

	(void)state;
	/* Products near 2^64 must not overflow: equal huge weights share exactly. */
	set_vm(&v[0], UINT32_MAX, 1, UINT32_MAX);
	set_vm(&v[1], UINT32_MAX, 1, UINT32_MAX);
	set_vm(&v[2], UINT32_MAX, 1, UINT32_MAX);
	assert_int_equal(balloon_compute(v, 3, UINT32_MAX), 0);
	assert_int_equal(v[0].target, 1431655765u);
	assert_int_equal(v[1].target, 1431655765u);
	assert_int_equal(v[2].target, 1431655765u);

	set_vm(&v[0], UINT32_MAX, 1, UINT32_MAX);
	set_vm(&v[1], 1, 1, UINT32_MAX);
	assert_int_equal(balloon_compute(v, 2, UINT32_MAX - 1), 0);
	assert_int_equal((uint64_t)v[0].target + v[1].target, UINT32_MAX - 1);
	assert_int_equal(v[1].target, 1);

	/* Sum of maximums beyond 32 bits, cores fewer. */
	set_vm(&v[0], 3, 1, UINT32_MAX);
	set_vm(&v[1], 1, 1, UINT32_MAX);
	assert_int_equal(balloon_compute(v, 2, 4000000000u), 0);
	assert_int_equal(v[0].target, 3000000000u);
	assert_int_equal(v[1].target, 1000000000u);
}

/* ---- random-configuration properties ---- */

static uint64_t rng;

static uint32_t rnd(uint32_t lo, uint32_t hi)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return lo + (uint32_t)(rng % ((uint64_t)hi - lo + 1));
}

/* The ideal share of VM i by bisection on the water-filling rate (test only, long double). */
static void ideal_shares(const struct balloon_vm *v, uint32_t n, uint64_t T, long double *q)
{
	long double lo = 0, hi = 0;

	for (uint32_t i = 0; i < n; i++) {
		long double r = (long double)v[i].vcpus_max / v[i].weight;
		hi = r > hi ? r : hi;
	}
	for (int it = 0; it < 200; it++) {
		long double mid = (lo + hi) / 2, s = 0;

		for (uint32_t i = 0; i < n; i++) {
			long double x = v[i].weight * mid;
			x = x < v[i].vcpus_min ? v[i].vcpus_min : x;
			x = x > v[i].vcpus_max ? v[i].vcpus_max : x;
			s += x;
		}
		if (s < (long double)T)
			lo = mid;
		else
			hi = mid;
	}
	for (uint32_t i = 0; i < n; i++) {
		long double x = v[i].weight * hi;
		x = x < v[i].vcpus_min ? v[i].vcpus_min : x;
		x = x > v[i].vcpus_max ? v[i].vcpus_max : x;
		q[i] = x;
	}
}

static void check_config(struct balloon_vm *v, uint32_t n, uint32_t cores, bool small)
{
	struct balloon_vm again[MAXN];
	long double q[MAXN];
	uint64_t sum = 0, sum_max = 0, sum_min = 0;

	for (uint32_t i = 0; i < n; i++) {
		sum_max += v[i].vcpus_max;
		sum_min += v[i].vcpus_min;
	}
	assert_true(sum_min <= cores);
	console_capture_reset();
	assert_int_equal(balloon_compute(v, n, cores), 0);
	assert_int_equal(console_capture_lines(), 0);

	uint64_t T = sum_max < cores ? sum_max : cores;

	for (uint32_t i = 0; i < n; i++) {
		if (v[i].target < v[i].vcpus_min || v[i].target > v[i].vcpus_max)
			fail_msg("VM %u target %u outside [%u,%u]", i, v[i].target, v[i].vcpus_min,
				 v[i].vcpus_max);
		sum += v[i].target;
	}
	if (sum != T)
		fail_msg("targets add to %llu, want %llu", (unsigned long long)sum,
			 (unsigned long long)T);

	/* Same limits, higher weight: never fewer cores. */
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t j = 0; j < n; j++)
			if (v[i].vcpus_min == v[j].vcpus_min && v[i].vcpus_max == v[j].vcpus_max &&
			    v[i].weight > v[j].weight && v[i].target < v[j].target)
				fail_msg("VM %u (w %u) got %u < VM %u (w %u) got %u", i,
					 v[i].weight, v[i].target, j, v[j].weight, v[j].target);

	/* Deterministic, and independent of whatever target held before. */
	memcpy(again, v, n * sizeof(*v));
	for (uint32_t i = 0; i < n; i++)
		again[i].target = rnd(0, UINT32_MAX);
	assert_int_equal(balloon_compute(again, n, cores), 0);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(again[i].target, v[i].target);

	/* Each target is the floor or ceiling of the ideal (clamped) share. */
	if (small) {
		ideal_shares(v, n, T, q);
		for (uint32_t i = 0; i < n; i++) {
			long double d = (long double)v[i].target - q[i];
			if (d <= -1.0L - 1e-9L || d >= 1.0L + 1e-9L)
				fail_msg("VM %u target %u but ideal share %.6Lf", i, v[i].target,
					 q[i]);
		}
	}
}

static void test_random_properties(void **state)
{
	static const uint64_t seeds[] = { 1, 0x9e3779b97f4a7c15ull, 42, 0xdeadbeefcafef00dull };
	struct balloon_vm v[MAXN];

	(void)state;
	for (size_t s = 0; s < ARRAY_SIZE(seeds); s++) {
		rng = seeds[s];
		for (int iter = 0; iter < 10000; iter++) {
			uint32_t n = rnd(1, iter % 10 == 0 ? MAXN : 8);
			bool small = iter % 7 != 0;
			uint64_t smin = 0, smax = 0;

			for (uint32_t i = 0; i < n; i++) {
				uint32_t w = small ? rnd(1, iter % 3 ? 1000 : 4) :
						     rnd(1, UINT32_MAX);
				uint32_t mn = small ? rnd(1, 4) : rnd(1, 1000000);
				uint32_t mx = small ? rnd(mn, mn + 12) : rnd(mn, UINT32_MAX / MAXN);

				set_vm(&v[i], w, mn, mx);
				smin += mn;
				smax += mx;
			}
			uint64_t hi = smax + 8 > UINT32_MAX ? UINT32_MAX : smax + 8;
			uint32_t cores = rnd((uint32_t)smin, (uint32_t)hi);
			check_config(v, n, cores, small);
		}
	}
}

static void test_errors(void **state)
{
	struct balloon_vm v[3];

	(void)state;
	set_vm(&v[0], 1, 1, 4);
	set_vm(&v[1], 0, 1, 4);
	set_vm(&v[2], 1, 1, 4);
	console_capture_reset();
	assert_int_equal(balloon_compute(v, 3, 12), -E_INVAL);
	assert_int_equal(console_capture_lines(), 1);
	assert_true(console_capture_has("balloon: VM 1 has weight 0"));
	for (int i = 0; i < 3; i++)
		assert_int_equal(v[i].target, 0xdead);

	set_vm(&v[1], 1, 5, 4);
	console_capture_reset();
	assert_int_equal(balloon_compute(v, 3, 12), -E_INVAL);
	assert_int_equal(console_capture_lines(), 1);
	assert_true(console_capture_has("balloon: VM 1 has weight 1, vcpus_min 5, vcpus_max 4"));
	assert_int_equal(v[0].target, 0xdead);

	set_vm(&v[1], 1, 0, 4);
	console_capture_reset();
	assert_int_equal(balloon_compute(v, 3, 12), -E_INVAL);
	assert_true(console_capture_has("balloon: VM 1 has weight 1, vcpus_min 0"));

	console_capture_reset();
	assert_int_equal(balloon_compute(v, 0, 12), -E_INVAL);
	assert_int_equal(console_capture_lines(), 1);
	assert_true(console_capture_has("balloon: no VMs given"));
	console_capture_reset();
	assert_int_equal(balloon_compute(NULL, 3, 12), -E_INVAL);
	assert_int_equal(console_capture_lines(), 1);

	/* Minimums that cannot be met. */
	set_vm(&v[0], 1, 3, 4);
	set_vm(&v[1], 1, 3, 4);
	set_vm(&v[2], 1, 3, 4);
	console_capture_reset();
	assert_int_equal(balloon_compute(v, 3, 8), -E_RANGE);
	assert_int_equal(console_capture_lines(), 1);
	assert_true(console_capture_has(
		"balloon: VMs need at least 9 vCPUs but only 8 cores are available"));
	for (int i = 0; i < 3; i++)
		assert_int_equal(v[i].target, 0xdead);

	/* Zero cores. */
	console_capture_reset();
	assert_int_equal(balloon_compute(v, 1, 0), -E_RANGE);
	assert_int_equal(console_capture_lines(), 1);
}

static void test_commands(void **state)
{
	struct balloon_vm v[5];
	struct balloon_cmd out[5];

	(void)state;
	/* Guests start at their max (12 each); after ballooning to 8+4 one command each. */
	set_vm(&v[0], 2, 1, 12);
	set_vm(&v[1], 1, 1, 12);
	v[0].online = 12;
	v[1].online = 12;
	assert_int_equal(balloon_compute(v, 2, 12), 0);
	assert_int_equal(balloon_commands(v, 2, out, 5), 2);
	assert_int_equal(out[0].vm, 0);
	assert_int_equal(out[0].delta, -4);
	assert_int_equal(out[1].vm, 1);
	assert_int_equal(out[1].delta, -8);

	/* Already at target: nothing to say. */
	v[0].online = 8;
	v[1].online = 4;
	console_capture_reset();
	assert_int_equal(balloon_commands(v, 2, out, 5), 0);
	assert_int_equal(console_capture_lines(), 0);

	/* Offlines come before onlines, each in VM order. */
	const uint32_t tgt[5] = { 5, 2, 3, 1, 7 }, onl[5] = { 3, 4, 3, 6, 1 };
	for (int i = 0; i < 5; i++) {
		v[i].target = tgt[i];
		v[i].online = onl[i];
	}
	memset(out, 0xff, sizeof(out));
	assert_int_equal(balloon_commands(v, 5, out, 5), 4);
	assert_int_equal(out[0].vm, 1);
	assert_int_equal(out[0].delta, -2);
	assert_int_equal(out[1].vm, 3);
	assert_int_equal(out[1].delta, -5);
	assert_int_equal(out[2].vm, 0);
	assert_int_equal(out[2].delta, 2);
	assert_int_equal(out[3].vm, 4);
	assert_int_equal(out[3].delta, 6);
	assert_int_equal(out[4].vm, 0xffffffffu); /* untouched */

	/* Too small a buffer: first ones written, one line about the rest. */
	console_capture_reset();
	assert_int_equal(balloon_commands(v, 5, out, 1), 1);
	assert_int_equal(out[0].vm, 1);
	assert_int_equal(console_capture_lines(), 1);
	assert_true(
		console_capture_has("balloon: command buffer holds 1, 3 more command(s) dropped"));
	console_capture_reset();
	assert_int_equal(balloon_commands(v, 5, NULL, 0), 0);
	assert_int_equal(console_capture_lines(), 1);
	assert_int_equal(balloon_commands(NULL, 5, out, 5), 0);

	/* Deltas beyond int32 saturate. */
	v[0].target = UINT32_MAX;
	v[0].online = 0;
	v[1].target = 0;
	v[1].online = UINT32_MAX;
	assert_int_equal(balloon_commands(v, 2, out, 5), 2);
	assert_int_equal(out[0].vm, 1);
	assert_int_equal(out[0].delta, INT32_MIN);
	assert_int_equal(out[1].delta, INT32_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paper_examples),
		cmocka_unit_test(test_largest_remainder),
		cmocka_unit_test(test_limits_redistribute),
		cmocka_unit_test(test_huge_values),
		cmocka_unit_test(test_random_properties),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_commands),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
