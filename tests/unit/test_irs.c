// SPDX-License-Identifier: MIT
/*
 * Unit tests for IRS (scheduler-activation upcall before preemption): every
 * transition, the hard limit under random timings, no double notification,
 * late and bogus acks, unregistered vCPUs and counter consistency.
 * Environment: hosted unit tests only (cmocka).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/errno.h"
#include "sched/irs.h"
#include "tests/unit/fake_console.h"

/* notifications == acks + forced + the one still pending, after every call. */
static void assert_consistent(const struct irs_vcpu *v)
{
	uint64_t pending = v->state == IRS_NOTIFIED ? 1 : 0;

	assert_int_equal(v->notifications, v->acks_block + v->acks_yield + v->forced + pending);
	if (!v->registered)
		assert_int_equal(v->notifications, 0);
}

static void assert_counters(const struct irs_vcpu *v, uint64_t notif, uint64_t blk, uint64_t yld,
			    uint64_t forced, uint64_t supp)
{
	assert_int_equal(v->notifications, notif);
	assert_int_equal(v->acks_block, blk);
	assert_int_equal(v->acks_yield, yld);
	assert_int_equal(v->forced, forced);
	assert_int_equal(v->suppressed, supp);
	assert_consistent(v);
}

static void test_init(void **state)
{
	struct irs_vcpu v;
	(void)state;

	memset(&v, 0xa5, sizeof(v));
	console_capture_reset();
	irs_init(&v, true, 100);
	assert_true(v.registered);
	assert_int_equal(v.state, IRS_RUNNING);
	assert_int_equal(v.limit, 100);
	assert_int_equal(v.notified_at, 0);
	assert_counters(&v, 0, 0, 0, 0, 0);
	assert_int_equal(irs_deadline(&v), IRS_NO_DEADLINE);
	assert_int_equal(console_capture_lines(), 0);
}

static void test_zero_limit_disables(void **state)
{
	struct irs_vcpu v;
	(void)state;

	console_capture_reset();
	irs_init(&v, true, 0);
	assert_false(v.registered);
	assert_int_equal(console_capture_lines(), 1);
	assert_true(console_capture_has("irs: registered vCPU with zero ack limit"));
	assert_int_equal(irs_want_preempt(&v, 5), IRS_PREEMPT_NOW);
	assert_counters(&v, 0, 0, 0, 0, 0);
}

static void test_unregistered(void **state)
{
	struct irs_vcpu v;
	(void)state;

	console_capture_reset();
	irs_init(&v, false, 1000);
	for (int round = 0; round < 5; round++) {
		assert_int_equal(irs_want_preempt(&v, 10 + (uint64_t)round), IRS_PREEMPT_NOW);
		assert_int_equal(v.state, IRS_PREEMPTED);
		assert_int_equal(irs_want_preempt(&v, 11 + (uint64_t)round), IRS_PREEMPT_NOW);
		assert_int_equal(irs_deadline(&v), IRS_NO_DEADLINE);
		irs_resumed(&v);
		assert_int_equal(v.state, IRS_RUNNING);
	}
	assert_counters(&v, 0, 0, 0, 0, 0);
	/* The guest cannot ack what was never sent. */
	assert_int_equal(irs_ack(&v, true, 20), -E_INVAL);
	assert_true(console_capture_has("irs: block ack while running, ignored"));
	assert_int_equal(console_capture_lines(), 1);
	assert_counters(&v, 0, 0, 0, 0, 0);
}

static void test_notify_then_ack_block(void **state)
{
	struct irs_vcpu v;
	(void)state;

	console_capture_reset();
	irs_init(&v, true, 50);
	assert_int_equal(irs_want_preempt(&v, 1000), IRS_SEND_NOTIFICATION);
	assert_int_equal(v.state, IRS_NOTIFIED);
	assert_int_equal(v.notified_at, 1000);
	assert_int_equal(irs_deadline(&v), 1050);
	assert_counters(&v, 1, 0, 0, 0, 0);

	assert_int_equal(irs_ack(&v, true, 1049), 0);
	assert_int_equal(v.state, IRS_ACKED_BLOCK);
	assert_int_equal(irs_deadline(&v), IRS_NO_DEADLINE);
	assert_counters(&v, 1, 1, 0, 0, 0);

	assert_int_equal(irs_want_preempt(&v, 1049), IRS_PREEMPT_NOW);
	assert_int_equal(v.state, IRS_PREEMPTED);
	assert_counters(&v, 1, 1, 0, 0, 0);
	irs_resumed(&v);
	assert_int_equal(v.state, IRS_RUNNING);
	assert_int_equal(console_capture_lines(), 0);
}

static void test_notify_then_ack_yield(void **state)
{
	struct irs_vcpu v;
	(void)state;

	irs_init(&v, true, 50);
	assert_int_equal(irs_want_preempt(&v, 0), IRS_SEND_NOTIFICATION);
	assert_int_equal(irs_ack(&v, false, 0), 0);
	assert_int_equal(v.state, IRS_ACKED_YIELD);
	assert_counters(&v, 1, 0, 1, 0, 0);
	assert_int_equal(irs_want_preempt(&v, 3), IRS_PREEMPT_NOW);
	irs_resumed(&v);
	/* A second round notifies again once the first was settled. */
	assert_int_equal(irs_want_preempt(&v, 200), IRS_SEND_NOTIFICATION);
	assert_int_equal(v.notified_at, 200);
	assert_counters(&v, 2, 0, 1, 0, 0);
}

static void test_no_double_notification(void **state)
{
	struct irs_vcpu v;
	(void)state;

	irs_init(&v, true, 100);
	assert_int_equal(irs_want_preempt(&v, 500), IRS_SEND_NOTIFICATION);
	for (uint64_t t = 500; t < 600; t++)
		assert_int_equal(irs_want_preempt(&v, t), IRS_WAIT);
	assert_counters(&v, 1, 0, 0, 0, 100);
	assert_int_equal(v.notified_at, 500); /* not restarted by the repeats */
	/* Resuming while pending keeps the pending flag: still no second upcall. */
	irs_resumed(&v);
	assert_int_equal(v.state, IRS_NOTIFIED);
	assert_int_equal(irs_want_preempt(&v, 599), IRS_WAIT);
	assert_counters(&v, 1, 0, 0, 0, 101);
	assert_int_equal(irs_want_preempt(&v, 600), IRS_PREEMPT_NOW);
	assert_counters(&v, 1, 0, 0, 1, 101);
}

static void test_forced_at_limit(void **state)
{
	struct irs_vcpu v;
	(void)state;

	console_capture_reset();
	irs_init(&v, true, 30);
	assert_int_equal(irs_want_preempt(&v, 70), IRS_SEND_NOTIFICATION);
	assert_int_equal(irs_want_preempt(&v, 99), IRS_WAIT);
	assert_int_equal(irs_want_preempt(&v, 100), IRS_PREEMPT_NOW);
	assert_int_equal(v.state, IRS_PREEMPTED);
	assert_counters(&v, 1, 0, 0, 1, 1);
	/* Asked again while already preempted: same answer, nothing counted. */
	assert_int_equal(irs_want_preempt(&v, 500), IRS_PREEMPT_NOW);
	assert_counters(&v, 1, 0, 0, 1, 1);
	/* The guest's ack arriving after the forced cut-off is refused. */
	assert_int_equal(irs_ack(&v, false, 501), -E_INVAL);
	assert_true(console_capture_has("irs: yield ack while preempted, ignored"));
	assert_counters(&v, 1, 0, 0, 1, 1);
	assert_int_equal(console_capture_lines(), 1);
}

static void test_late_ack(void **state)
{
	struct irs_vcpu v;
	(void)state;

	console_capture_reset();
	irs_init(&v, true, 10);
	assert_int_equal(irs_want_preempt(&v, 100), IRS_SEND_NOTIFICATION);
	/* Exactly at the limit is already late. */
	assert_int_equal(irs_ack(&v, true, 110), -E_TIMEOUT);
	assert_int_equal(v.state, IRS_PREEMPTED);
	assert_counters(&v, 1, 0, 0, 1, 0);
	assert_int_equal(irs_want_preempt(&v, 111), IRS_PREEMPT_NOW);
	assert_counters(&v, 1, 0, 0, 1, 0);
	assert_int_equal(console_capture_lines(), 0);

	irs_resumed(&v);
	assert_int_equal(irs_want_preempt(&v, 200), IRS_SEND_NOTIFICATION);
	assert_int_equal(irs_ack(&v, false, 10000), -E_TIMEOUT);
	assert_counters(&v, 2, 0, 0, 2, 0);
}

static void test_double_ack(void **state)
{
	struct irs_vcpu v;
	(void)state;

	console_capture_reset();
	irs_init(&v, true, 10);
	assert_int_equal(irs_want_preempt(&v, 0), IRS_SEND_NOTIFICATION);
	assert_int_equal(irs_ack(&v, true, 1), 0);
	assert_int_equal(irs_ack(&v, false, 2), -E_INVAL);
	assert_int_equal(v.state, IRS_ACKED_BLOCK);
	assert_counters(&v, 1, 1, 0, 0, 0);
	assert_true(console_capture_has("irs: yield ack while acked-block, ignored"));
	assert_int_equal(console_capture_lines(), 1);
}

static void test_clock_backwards(void **state)
{
	struct irs_vcpu v;
	(void)state;

	console_capture_reset();
	irs_init(&v, true, 1000);
	assert_int_equal(irs_want_preempt(&v, 5000), IRS_SEND_NOTIFICATION);
	assert_int_equal(irs_want_preempt(&v, 4999), IRS_PREEMPT_NOW);
	assert_counters(&v, 1, 0, 0, 1, 0);
	assert_int_equal(console_capture_lines(), 1);
	assert_true(console_capture_has("irs: preemption check at 4999 is before the notification "
					"at 5000, preempting"));

	irs_resumed(&v);
	console_capture_reset();
	assert_int_equal(irs_want_preempt(&v, 8000), IRS_SEND_NOTIFICATION);
	assert_int_equal(irs_ack(&v, true, 7000), -E_TIMEOUT);
	assert_counters(&v, 2, 0, 0, 2, 0);
	assert_true(console_capture_has("irs: ack at 7000 is before the notification at 8000"));
	assert_int_equal(console_capture_lines(), 1);
}

static void test_deadline_saturates(void **state)
{
	struct irs_vcpu v;
	(void)state;

	irs_init(&v, true, UINT64_MAX - 5);
	assert_int_equal(irs_want_preempt(&v, 100), IRS_SEND_NOTIFICATION);
	assert_int_equal(irs_deadline(&v), IRS_NO_DEADLINE);
	/* No wrap into a short wait. */
	assert_int_equal(irs_want_preempt(&v, 200), IRS_WAIT);
	assert_int_equal(irs_want_preempt(&v, UINT64_MAX), IRS_WAIT);

	irs_init(&v, true, 10);
	assert_int_equal(irs_want_preempt(&v, UINT64_MAX - 3), IRS_SEND_NOTIFICATION);
	assert_int_equal(irs_deadline(&v), IRS_NO_DEADLINE);
	assert_int_equal(irs_want_preempt(&v, UINT64_MAX), IRS_WAIT);
	assert_counters(&v, 1, 0, 0, 0, 1);
}

static void test_corrupt_state(void **state)
{
	struct irs_vcpu v;
	(void)state;

	irs_init(&v, true, 10);
	v.state = (enum irs_state)42;
	console_capture_reset();
	assert_int_equal(irs_want_preempt(&v, 1), IRS_PREEMPT_NOW);
	assert_int_equal(v.state, IRS_PREEMPTED);
	assert_true(console_capture_has("irs: vCPU in unknown state 42, preempting"));
	v.state = (enum irs_state)42;
	assert_int_equal(irs_ack(&v, true, 2), -E_INVAL);
	assert_true(console_capture_has("ack while corrupt, ignored"));
	assert_int_equal(console_capture_lines(), 2);
}

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
	/* xorshift64: deterministic, so a failure reproduces. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/*
 * "An SA ack that never comes is cut off at the hard limit every time":
 * random limits, notification times and re-check times; the caller checks at
 * random moments and always at irs_deadline(), as its timer would. The
 * preemption is never delayed past notified_at + limit and, without an ack,
 * never happens before it.
 */
static void test_property_hard_limit(void **state)
{
	struct irs_vcpu v;
	uint64_t expect_forced = 0, expect_block = 0, expect_yield = 0;
	(void)state;

	console_capture_reset();
	irs_init(&v, true, 1 + rnd_below(1000));
	for (int round = 0; round < 20000; round++) {
		uint64_t limit = 1 + rnd_below(round % 3 ? 1000 : 100000000ull);
		uint64_t start = rnd_below(1ull << 62);
		/* 0: no ack, 1: ack in time, 2: late ack (only seen if it lands on the deadline). */
		int ack_kind = (int)rnd_below(3);
		bool acked_in_time = false;
		uint64_t ack_at;
		uint64_t now = start, preempted_at = 0;
		bool preempted = false;

		irs_init(&v, true, limit);
		/* Carry the totals across rounds so consistency is checked on big numbers. */
		v.notifications = expect_block + expect_yield + expect_forced;
		v.acks_block = expect_block;
		v.acks_yield = expect_yield;
		v.forced = expect_forced;
		assert_int_equal(irs_want_preempt(&v, now), IRS_SEND_NOTIFICATION);
		assert_int_equal(irs_deadline(&v), start + limit);
		ack_at = ack_kind == 1 ? start + rnd_below(limit) : start + limit + rnd_below(2);

		while (!preempted) {
			uint64_t next = now + 1 + rnd_below(limit / 4 + 1);

			if (next > start + limit)
				next = start + limit; /* the timer armed at irs_deadline() fires */
			if (ack_kind && ack_at <= next && ack_at >= now) {
				bool block = rnd() & 1;
				int r = irs_ack(&v, block, ack_at);

				if (ack_at < start + limit) {
					assert_int_equal(r, 0);
					assert_int_equal(v.state,
							 block ? IRS_ACKED_BLOCK : IRS_ACKED_YIELD);
					acked_in_time = true;
					if (block)
						expect_block++;
					else
						expect_yield++;
				} else {
					assert_int_equal(r, -E_TIMEOUT);
				}
				ack_kind = 0;
				assert_consistent(&v);
			}
			now = next;
			switch (irs_want_preempt(&v, now)) {
			case IRS_WAIT:
				assert_true(now < start + limit);
				break;
			case IRS_PREEMPT_NOW:
				preempted = true;
				preempted_at = now;
				break;
			case IRS_SEND_NOTIFICATION:
				fail_msg("second notification at %llu", (unsigned long long)now);
			}
			assert_consistent(&v);
		}
		/* Never delayed beyond the limit... */
		assert_true(preempted_at <= start + limit);
		if (!acked_in_time) {
			/* ...and without an ack in time, never before it. */
			assert_int_equal(preempted_at, start + limit);
			expect_forced++;
		}
		assert_int_equal(v.state, IRS_PREEMPTED);
		assert_int_equal(v.acks_block, expect_block);
		assert_int_equal(v.acks_yield, expect_yield);
		assert_int_equal(v.forced, expect_forced);
		assert_consistent(&v);
	}
	/* Every round ended in exactly one way. */
	assert_int_equal(expect_block + expect_yield + expect_forced, 20000);
	assert_true(expect_forced > 5000 && expect_block > 1000 && expect_yield > 1000);
	assert_int_equal(console_capture_lines(), 0);
}

/*
 * A guest that acks late (the timer is slower than the guest's own ack):
 * the late ack is forced, never counted as an ack, whatever the timing.
 */
static void test_property_late_ack(void **state)
{
	struct irs_vcpu v;
	(void)state;

	irs_init(&v, true, 1);
	for (uint64_t i = 0; i < 5000; i++) {
		uint64_t limit = 1 + rnd_below(1000000);
		uint64_t start = rnd_below(1ull << 62);
		uint64_t late = start + limit + rnd_below(3 * limit);
		uint64_t forced = v.forced, blk = v.acks_block, yld = v.acks_yield;

		v.limit = limit;
		irs_resumed(&v);
		assert_int_equal(irs_want_preempt(&v, start), IRS_SEND_NOTIFICATION);
		assert_int_equal(irs_ack(&v, rnd() & 1, late), -E_TIMEOUT);
		assert_int_equal(v.forced, forced + 1);
		assert_int_equal(v.acks_block, blk);
		assert_int_equal(v.acks_yield, yld);
		assert_int_equal(irs_want_preempt(&v, late), IRS_PREEMPT_NOW);
		assert_int_equal(v.forced, forced + 1);
		assert_consistent(&v);
	}
	assert_counters(&v, 5000, 0, 0, 5000, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_zero_limit_disables),
		cmocka_unit_test(test_unregistered),
		cmocka_unit_test(test_notify_then_ack_block),
		cmocka_unit_test(test_notify_then_ack_yield),
		cmocka_unit_test(test_no_double_notification),
		cmocka_unit_test(test_forced_at_limit),
		cmocka_unit_test(test_late_ack),
		cmocka_unit_test(test_double_ack),
		cmocka_unit_test(test_clock_backwards),
		cmocka_unit_test(test_deadline_saturates),
		cmocka_unit_test(test_corrupt_state),
		cmocka_unit_test(test_property_hard_limit),
		cmocka_unit_test(test_property_late_ack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
