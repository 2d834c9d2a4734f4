// SPDX-License-Identifier: MIT
/*
 * Unit tests for the core inventory and power budgets: hybrid discovery,
 * manifest overrides and their diagnostics, grants and releases against the
 * budget, exchange 80 W -> 2 x 40 W and back, all-or-nothing failures, random
 * operation storms checked against the invariants, and P-state hints.
 * Environment: hosted unit tests only (cmocka).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/errno.h"
#include "sched/cores.h"
#include "tests/unit/fake_console.h"

static struct core_info cores[32];
static struct core_inventory inv;

static void snapshot_eq(const struct core_info *a, const struct core_info *b, uint32_t n)
{
	assert_memory_equal(a, b, n * sizeof(*a));
}

static void test_hybrid_mapping(void **state)
{
	(void)state;
	const uint8_t types[5] = { CORES_HYBRID_CORE, CORES_HYBRID_ATOM, 0, 0x7f,
				   CORES_HYBRID_CORE };

	memset(cores, 0xa5, sizeof(cores));
	console_capture_reset();
	cores_from_hybrid(&inv, cores, 5, types);
	assert_ptr_equal(inv.cores, cores);
	assert_int_equal(inv.n, 5);
	for (uint32_t i = 0; i < 5; i++) {
		assert_int_equal(cores[i].id, i);
		assert_int_equal(cores[i].owner, CORE_FREE);
	}
	assert_int_equal(cores[0].cls, CORE_FAST);
	assert_int_equal(cores[0].speed_pct, CORES_FAST_SPEED);
	assert_int_equal(cores[0].watts, CORES_FAST_WATTS);
	assert_int_equal(cores[4].cls, CORE_FAST);
	for (uint32_t i = 1; i < 4; i++) {
		assert_int_equal(cores[i].cls, CORE_SLOW);
		assert_int_equal(cores[i].speed_pct, 100);
		assert_int_equal(cores[i].watts, 10);
	}
	/* Only the reserved type 0x7f is worth a line; 0 means "not hybrid". */
	assert_int_equal(console_capture_lines(), 1);
	assert_true(console_capture_has("cores: core 3 has unknown hybrid type 0x7f"));
}

static void test_hybrid_null_and_empty(void **state)
{
	(void)state;
	console_capture_reset();
	cores_from_hybrid(&inv, cores, 3, NULL);
	assert_int_equal(inv.n, 3);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(cores[i].cls, CORE_SLOW);
	assert_int_equal(console_capture_lines(), 0);

	cores_from_hybrid(&inv, NULL, 4, NULL);
	assert_int_equal(inv.n, 0);
	assert_int_equal(console_capture_lines(), 1);
	assert_true(console_capture_has("cores: 4 cores but no storage"));

	console_capture_reset();
	cores_from_hybrid(&inv, NULL, 0, NULL);
	assert_int_equal(inv.n, 0);
	assert_int_equal(console_capture_lines(), 0);
}

static void test_override(void **state)
{
	(void)state;
	struct core_info before[4];
	struct power_budget b = { 100, 0 };

	cores_from_hybrid(&inv, cores, 4, NULL);
	console_capture_reset();
	assert_int_equal(cores_override(&inv, 2, CORE_ACCEL, 350, 75), 0);
	assert_int_equal(cores[2].cls, CORE_ACCEL);
	assert_int_equal(cores[2].speed_pct, 350);
	assert_int_equal(cores[2].watts, 75);
	assert_int_equal(console_capture_lines(), 0);

	memcpy(before, cores, sizeof(before));
	struct {
		uint32_t core;
		int cls;
		uint32_t speed, watts;
		int err;
		const char *msg;
	} bad[] = {
		{ 4, CORE_FAST, 200, 40, -E_INVAL, "override of core 4, only 4 cores" },
		{ UINT32_MAX, CORE_FAST, 200, 40, -E_INVAL, "only 4 cores" },
		{ 1, 3, 200, 40, -E_INVAL, "unknown class 3" },
		{ 1, -1, 200, 40, -E_INVAL, "unknown class -1" },
		{ 1, CORE_FAST, 0, 40, -E_INVAL, "must be non-zero" },
		{ 1, CORE_FAST, 200, 0, -E_INVAL, "must be non-zero" },
		{ 1, CORE_FAST, CORES_SPEED_MAX + 1, 40, -E_RANGE, "out of range" },
		{ 1, CORE_FAST, 200, CORES_WATTS_MAX + 1, -E_RANGE, "out of range" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		console_capture_reset();
		assert_int_equal(cores_override(&inv, bad[i].core, (enum core_class)bad[i].cls,
						bad[i].speed, bad[i].watts),
				 bad[i].err);
		assert_int_equal(console_capture_lines(), 1);
		assert_true(console_capture_has(bad[i].msg));
		assert_true(console_capture_has("cores: "));
		snapshot_eq(before, cores, 4);
	}
	/* Limits themselves are fine. */
	assert_int_equal(cores_override(&inv, 1, CORE_FAST, CORES_SPEED_MAX, CORES_WATTS_MAX), 0);

	/* An owned core keeps its watts: the budget was charged with them. */
	assert_int_equal(power_grant(&inv, &b, 7, 0), 0);
	memcpy(before, cores, sizeof(before));
	console_capture_reset();
	assert_int_equal(cores_override(&inv, 0, CORE_FAST, 200, 80), -E_BUSY);
	assert_int_equal(console_capture_lines(), 1);
	assert_true(console_capture_has("owned by partition 7"));
	snapshot_eq(before, cores, 4);

	/* Partition 0 is a partition like any other. */
	struct power_budget b0 = { 100, 0 };
	assert_int_equal(power_grant(&inv, &b0, 0, 2), 0);
	console_capture_reset();
	assert_int_equal(cores_override(&inv, 2, CORE_SLOW, 100, 10), -E_BUSY);
	assert_true(console_capture_has("owned by partition 0"));

	/* A pool core may be overridden and stays in the pool. */
	cores[3].owner = CORE_POOL;
	assert_int_equal(cores_override(&inv, 3, CORE_FAST, 250, 60), 0);
	assert_int_equal(cores[3].owner, CORE_POOL);
}

static void test_grant_budget(void **state)
{
	(void)state;
	const uint8_t types[4] = { CORES_HYBRID_CORE, CORES_HYBRID_ATOM, CORES_HYBRID_ATOM,
				   CORES_HYBRID_ATOM };
	struct power_budget b = { 55, 0 }, other = { 100, 0 };

	cores_from_hybrid(&inv, cores, 4, types);
	console_capture_reset();
	assert_int_equal(power_grant(&inv, &b, 1, 0), 0); /* 40 W */
	assert_int_equal(b.used_w, 40);
	assert_int_equal(cores[0].owner, 1);
	assert_int_equal(power_grant(&inv, &b, 1, 1), 0); /* 10 W -> 50 */
	assert_int_equal(b.used_w, 50);
	assert_int_equal(console_capture_lines(), 0);

	/* 60 > 55: refused, nothing changed. */
	assert_int_equal(power_grant(&inv, &b, 1, 2), -E_RANGE);
	assert_int_equal(b.used_w, 50);
	assert_int_equal(cores[2].owner, CORE_FREE);
	assert_int_equal(console_capture_lines(), 1);
	assert_true(console_capture_has("budget 55 W, 50 W used"));

	/* Exactly at budget is allowed. */
	b.budget_w = 60;
	assert_int_equal(power_grant(&inv, &b, 1, 2), 0);
	assert_int_equal(b.used_w, 60);

	/* Not free: owned by someone, or in the fast pool. */
	console_capture_reset();
	assert_int_equal(power_grant(&inv, &other, 2, 0), -E_BUSY);
	assert_true(console_capture_has("core not free (owner 1)"));
	cores[3].owner = CORE_POOL;
	assert_int_equal(power_grant(&inv, &other, 2, 3), -E_BUSY);
	assert_int_equal(other.used_w, 0);
	assert_int_equal(console_capture_lines(), 2);
	cores[3].owner = CORE_FREE;

	/* Bad arguments. */
	console_capture_reset();
	assert_int_equal(power_grant(&inv, &other, 2, 4), -E_INVAL);
	assert_int_equal(power_grant(&inv, &other, (uint32_t)INT32_MAX + 1, 3), -E_INVAL);
	struct power_budget broken = { 10, 20 };
	assert_int_equal(power_grant(&inv, &broken, 2, 3), -E_INVAL);
	assert_int_equal(console_capture_lines(), 3);
	assert_true(console_capture_has("only 4 cores"));
	assert_true(console_capture_has("id too large"));
	assert_true(console_capture_has("budget inconsistent"));
	assert_int_equal(cores[3].owner, CORE_FREE);
	assert_int_equal(broken.used_w, 20);
}

static void test_release(void **state)
{
	(void)state;
	struct power_budget b = { 100, 0 }, wrong = { 100, 5 };

	cores_from_hybrid(&inv, cores, 3, NULL);
	assert_int_equal(power_grant(&inv, &b, 4, 1), 0);
	console_capture_reset();
	assert_int_equal(power_release(&inv, &b, 5, 1), -E_PERM);
	assert_int_equal(power_release(&inv, &b, 4, 0), -E_PERM);
	assert_int_equal(power_release(&inv, &b, 4, 3), -E_INVAL);
	assert_int_equal(power_release(&inv, &wrong, 4, 1), -E_INVAL);
	assert_int_equal(console_capture_lines(), 4);
	assert_true(console_capture_has("owned by 4"));
	assert_true(console_capture_has("owned by -1"));
	assert_true(console_capture_has("budget shows 5 W used"));
	assert_int_equal(cores[1].owner, 4);
	assert_int_equal(wrong.used_w, 5);

	console_capture_reset();
	assert_int_equal(power_release(&inv, &b, 4, 1), 0);
	assert_int_equal(cores[1].owner, CORE_FREE);
	assert_int_equal(b.used_w, 0);
	assert_int_equal(console_capture_lines(), 0);
	/* Twice is an error. */
	assert_int_equal(power_release(&inv, &b, 4, 1), -E_PERM);
}

/* The paper's example: cores 0 and 1 draw 80 W (fast), 2..5 draw 40 W (slow). */
static void setup_paper(void)
{
	cores_from_hybrid(&inv, cores, 6, NULL);
	cores_override(&inv, 0, CORE_FAST, 300, 80);
	cores_override(&inv, 1, CORE_FAST, 300, 80);
	for (uint32_t i = 2; i < 6; i++)
		cores_override(&inv, i, CORE_SLOW, 100, 40);
	console_capture_reset();
}

static void test_exchange_paper_and_back(void **state)
{
	(void)state;
	struct power_budget b = { 80, 0 };
	uint32_t got[4] = { 99, 99, 99, 99 };

	setup_paper();
	assert_int_equal(power_grant(&inv, &b, 3, 1), 0);
	assert_int_equal(b.used_w, 80);

	/* One 80 W core for two 40 W cores: budget stays full, not exceeded. */
	assert_int_equal(power_exchange(&inv, &b, 3, 1, 2, CORE_SLOW, got), 0);
	assert_int_equal(got[0], 2);
	assert_int_equal(got[1], 3);
	assert_int_equal(got[2], 99);
	assert_int_equal(cores[1].owner, CORE_FREE);
	assert_int_equal(cores[2].owner, 3);
	assert_int_equal(cores[3].owner, 3);
	assert_int_equal(b.used_w, 80);

	/* One 40 W core alone cannot buy an 80 W core back: 40 + 0 unused < 80. */
	assert_int_equal(power_exchange(&inv, &b, 3, 2, 1, CORE_FAST, got), -E_RANGE);
	assert_true(console_capture_has("need 80 W, 40 W available"));
	assert_int_equal(cores[2].owner, 3);
	assert_int_equal(b.used_w, 80);

	/* And back: both 40 W cores for one 80 W core. */
	console_capture_reset();
	const uint32_t give[2] = { 3, 2 };
	assert_int_equal(power_exchange_many(&inv, &b, 3, give, 2, 1, CORE_FAST, got), 0);
	assert_int_equal(got[0], 0); /* cheapest tie broken by lowest id */
	assert_int_equal(cores[0].owner, 3);
	assert_int_equal(cores[2].owner, CORE_FREE);
	assert_int_equal(cores[3].owner, CORE_FREE);
	assert_int_equal(b.used_w, 80);
	assert_int_equal(console_capture_lines(), 0);
}

static void test_exchange_uses_unused_budget_and_cheapest(void **state)
{
	(void)state;
	struct power_budget b = { 120, 0 };
	uint32_t got[3];

	setup_paper();
	cores_override(&inv, 4, CORE_SLOW, 100, 20);
	assert_int_equal(power_grant(&inv, &b, 0, 0), 0); /* 80 of 120 */
	/* Three slow cores: cheapest are 4 (20 W), 2 (40), 3 (40) = 100 <= 80 + 40. */
	assert_int_equal(power_exchange(&inv, &b, 0, 0, 3, CORE_SLOW, got), 0);
	assert_int_equal(got[0], 4);
	assert_int_equal(got[1], 2);
	assert_int_equal(got[2], 3);
	assert_int_equal(b.used_w, 100);
	assert_int_equal(cores[5].owner, CORE_FREE);
	assert_int_equal(cores[0].owner, CORE_FREE);
}

static void test_exchange_all_or_nothing(void **state)
{
	(void)state;
	struct power_budget b = { 80, 0 }, other = { 200, 0 };
	struct core_info before[6];
	uint32_t got[CORES_EXCHANGE_MAX + 1];
	uint32_t got_before[CORES_EXCHANGE_MAX + 1];

	setup_paper();
	assert_int_equal(power_grant(&inv, &b, 1, 0), 0);
	assert_int_equal(power_grant(&inv, &other, 2, 2), 0);
	assert_int_equal(power_grant(&inv, &other, 2, 3), 0);
	memcpy(before, cores, sizeof(before));
	memset(got, 0x5a, sizeof(got));
	memcpy(got_before, got, sizeof(got));
	console_capture_reset();

	const uint32_t dup[2] = { 0, 0 };
	const uint32_t mixed[2] = { 0, 2 };
	struct {
		int rc;
		const char *msg;
	} cases[] = {
		/* only 2 slow cores free (4, 5) */
		{ power_exchange(&inv, &b, 1, 0, 3, CORE_SLOW, got), "fewer than 3 free slow" },
		/* 3 x 40 W = 120 W > 80 W */
		{ power_exchange(&inv, &other, 2, 2, 3, CORE_SLOW, got), "fewer than 3" },
		{ power_exchange(&inv, &b, 1, 0, 1, CORE_ACCEL, got), "free accel cores" },
		{ power_exchange(&inv, &b, 1, 2, 1, CORE_SLOW, got), "core 2 owned by 2" },
		{ power_exchange(&inv, &b, 1, 5, 1, CORE_SLOW, got), "core 5 owned by -1" },
		{ power_exchange(&inv, &b, 1, 6, 1, CORE_SLOW, got), "core 6 not in inventory" },
		{ power_exchange_many(&inv, &b, 1, dup, 2, 1, CORE_SLOW, got), "given twice" },
		{ power_exchange_many(&inv, &b, 1, mixed, 2, 1, CORE_SLOW, got), "owned by 2" },
		{ power_exchange(&inv, &b, 1, 0, 0, CORE_SLOW, got), "want 0 cores" },
		{ power_exchange(&inv, &b, 1, 0, CORES_EXCHANGE_MAX + 1, CORE_SLOW, got),
		  "want 65 cores" },
		{ power_exchange(&inv, &b, 1, 0, 1, (enum core_class)7, got), "class 7" },
		{ power_exchange(&inv, &b, 1, 0, 1, CORE_SLOW, NULL), "arrays non-NULL" },
		{ power_exchange_many(&inv, &b, 1, NULL, 1, 1, CORE_SLOW, got), "arrays" },
		{ power_exchange_many(&inv, &b, 1, mixed, 0, 1, CORE_SLOW, got), "give 0" },
		{ power_exchange(&inv, &b, (uint32_t)INT32_MAX + 1, 0, 1, CORE_SLOW, got),
		  "id too large" },
	};
	/* Each refusal printed exactly one line. */
	assert_int_equal(console_capture_lines(), (int)ARRAY_SIZE(cases));
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_true(cases[i].rc < 0);
		if (!console_capture_has(cases[i].msg))
			fail_msg("case %zu: no line containing \"%s\" in:\n%s", i, cases[i].msg,
				 console_capture());
	}
	assert_int_equal(cases[0].rc, -E_NOENT);
	assert_int_equal(cases[2].rc, -E_NOENT);
	assert_int_equal(cases[3].rc, -E_PERM);
	assert_int_equal(cases[5].rc, -E_INVAL);
	assert_int_equal(cases[6].rc, -E_INVAL);
	snapshot_eq(before, cores, 6);
	assert_memory_equal(got, got_before, sizeof(got));
	assert_int_equal(b.used_w, 80);
	assert_int_equal(other.used_w, 80);

	/* Budget refusal: 2 slow free (80 W) for a 40 W core with 120 W unused fits... */
	other.budget_w = 80; /* ...but not with 0 W unused: 80 > 40. */
	console_capture_reset();
	assert_int_equal(power_exchange(&inv, &other, 2, 2, 2, CORE_SLOW, got), -E_RANGE);
	assert_int_equal(console_capture_lines(), 1);
	snapshot_eq(before, cores, 6);
	assert_int_equal(other.used_w, 80);

	/* A budget that does not match the given cores is refused. */
	struct power_budget wrong = { 80, 10 };
	console_capture_reset();
	assert_int_equal(power_exchange(&inv, &wrong, 1, 0, 1, CORE_SLOW, got), -E_INVAL);
	assert_true(console_capture_has("budget shows 10 W used"));
	snapshot_eq(before, cores, 6);
	assert_int_equal(wrong.used_w, 10);
}

/* ---- property test: random grants, releases and exchanges ---- */

#define P_CORES 24
#define P_PARTS 5

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rng >> 33) % n;
}

static void check_invariants(const struct power_budget *b, uint32_t seed)
{
	uint32_t sum[P_PARTS] = { 0 };

	for (uint32_t i = 0; i < P_CORES; i++) {
		int32_t o = cores[i].owner;

		if (o == CORE_FREE)
			continue;
		if (o < 0 || o >= P_PARTS)
			fail_msg("seed %u: core %u has owner %d", seed, i, o);
		sum[o] += cores[i].watts;
	}
	for (uint32_t p = 0; p < P_PARTS; p++) {
		if (sum[p] != b[p].used_w)
			fail_msg("seed %u: partition %u owns %u W, budget says %u", seed, p, sum[p],
				 b[p].used_w);
		if (b[p].used_w > b[p].budget_w)
			fail_msg("seed %u: partition %u over budget", seed, p);
	}
}

static void test_property_random(void **state)
{
	(void)state;
	uint32_t ok_grant = 0, ok_rel = 0, ok_exch = 0, refused = 0;

	for (uint32_t seed = 1; seed <= 300; seed++) {
		struct power_budget b[P_PARTS];
		uint8_t types[P_CORES];

		rng = seed;
		for (uint32_t i = 0; i < P_CORES; i++)
			types[i] = rnd(3) == 0 ? CORES_HYBRID_CORE : CORES_HYBRID_ATOM;
		cores_from_hybrid(&inv, cores, P_CORES, types);
		for (uint32_t i = 0; i < P_CORES; i++)
			if (rnd(4) == 0)
				cores_override(&inv, i, (enum core_class)rnd(3), 50 + rnd(400),
					       5 + rnd(90));
		for (uint32_t p = 0; p < P_PARTS; p++)
			b[p] = (struct power_budget){ 40 + rnd(200), 0 };

		for (uint32_t step = 0; step < 400; step++) {
			uint32_t p = rnd(P_PARTS), c = rnd(P_CORES + 1), got[4];
			struct core_info before[P_CORES];
			struct power_budget bb = b[p];
			int rc;

			memcpy(before, cores, sizeof(before));
			console_capture_reset();
			switch (rnd(4)) {
			case 0:
				rc = power_grant(&inv, &b[p], p, c);
				ok_grant += rc == 0;
				break;
			case 1:
				rc = power_release(&inv, &b[p], p, c);
				ok_rel += rc == 0;
				break;
			case 2:
				rc = power_exchange(&inv, &b[p], p, c, 1 + rnd(4),
						    (enum core_class)rnd(3), got);
				ok_exch += rc == 0;
				break;
			default: {
				uint32_t give[3] = { rnd(P_CORES), rnd(P_CORES), rnd(P_CORES) };
				rc = power_exchange_many(&inv, &b[p], p, give, 1 + rnd(3),
							 1 + rnd(2), (enum core_class)rnd(3), got);
				ok_exch += rc == 0;
				break;
			}
			}
			if (rc != 0) {
				refused++;
				assert_int_equal(console_capture_lines(), 1);
				snapshot_eq(before, cores, P_CORES);
				assert_memory_equal(&bb, &b[p], sizeof(bb));
			} else {
				assert_int_equal(console_capture_lines(), 0);
			}
			check_invariants(b, seed);
		}
	}
	/* The storm really exercised every path. */
	assert_true(ok_grant > 1000);
	assert_true(ok_rel > 500);
	assert_true(ok_exch > 200);
	assert_true(refused > 1000);
}

static void test_pstate_hint(void **state)
{
	(void)state;
	console_capture_reset();
	/* max 0: one P-state, nothing to learn. */
	assert_int_equal(pstate_hint(0, 0), PSTATE_HINT_NONE);
	/* max 1: P0 fast, P1 slow. */
	assert_int_equal(pstate_hint(0, 1), PSTATE_HINT_FAST);
	assert_int_equal(pstate_hint(1, 1), PSTATE_HINT_SLOW);
	/* max 2: the middle stays. */
	assert_int_equal(pstate_hint(1, 2), PSTATE_HINT_NONE);
	/* max 8: P0..P2 fast, P3..P5 none, P6..P8 slow. */
	const enum pstate_hint want8[9] = { PSTATE_HINT_FAST, PSTATE_HINT_FAST, PSTATE_HINT_FAST,
					    PSTATE_HINT_NONE, PSTATE_HINT_NONE, PSTATE_HINT_NONE,
					    PSTATE_HINT_SLOW, PSTATE_HINT_SLOW, PSTATE_HINT_SLOW };
	for (uint32_t r = 0; r <= 8; r++)
		assert_int_equal(pstate_hint(r, 8), want8[r]);
	/* Huge tables do not overflow. */
	assert_int_equal(pstate_hint(0, UINT32_MAX), PSTATE_HINT_FAST);
	assert_int_equal(pstate_hint(UINT32_MAX, UINT32_MAX), PSTATE_HINT_SLOW);
	assert_int_equal(pstate_hint(UINT32_MAX / 2, UINT32_MAX), PSTATE_HINT_NONE);
	assert_int_equal(console_capture_lines(), 0);

	/* Beyond the table: one line, no hint. */
	assert_int_equal(pstate_hint(9, 8), PSTATE_HINT_NONE);
	assert_int_equal(pstate_hint(1, 0), PSTATE_HINT_NONE);
	assert_int_equal(console_capture_lines(), 2);
	assert_true(console_capture_has("cores: P-state request P9 beyond the lowest P8"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hybrid_mapping),
		cmocka_unit_test(test_hybrid_null_and_empty),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_grant_budget),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_exchange_paper_and_back),
		cmocka_unit_test(test_exchange_uses_unused_budget_and_cheapest),
		cmocka_unit_test(test_exchange_all_or_nothing),
		cmocka_unit_test(test_property_random),
		cmocka_unit_test(test_pstate_hint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
