// SPDX-License-Identifier: MIT
/*
 * Unit tests for gang scheduling: the slot arithmetic (sched/gang.c) and the
 * gang policy (sched/policy_gang.c): the gang vCPU runs only in its slot and
 * first there, the others share the rest fairly, one gang vCPU per core, and
 * several cores given the same slot run their gang vCPUs together or not at all.
 * Environment: hosted unit tests only (cmocka).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/errno.h"
#include "sched/gang.h"
#include "sched/ops.h"
#include "tests/unit/fake_console.h"

#define CAP 8

/* One time-shared core under the gang policy. */
struct core {
	struct sched_core c;
	struct runq_entry *slots[CAP];
};

static void vcpu_init(struct sched_vcpu *v, uint32_t id, bool gang)
{
	memset(v, 0, sizeof(*v));
	v->id = id;
	v->weight = SCHED_WEIGHT_DEFAULT;
	v->gang = gang;
}

static void core_init(struct core *k, uint64_t period, uint64_t start, uint64_t len)
{
	struct gang_slot s = { .period = period, .start = start, .len = len };

	assert_int_equal(sched_gang_ops.init(&k->c, k->slots, CAP, 3), 0);
	assert_ptr_equal(k->c.ops, &sched_gang_ops);
	if (period)
		assert_int_equal(sched_gang_set_slot(&k->c, &s), 0);
}

/* The caller's per-decision step: set the clock, tick, pick if asked. */
static struct sched_vcpu *step(struct core *k, uint64_t now, uint64_t ran)
{
	k->c.clock = now;
	if (sched_gang_ops.tick(&k->c, ran) || !k->c.curr)
		sched_gang_ops.pick_next(&k->c);
	return k->c.curr;
}

static void test_slot_check(void **state)
{
	(void)state;
	console_capture_reset();
	assert_int_equal(gang_slot_check(NULL), -E_INVAL);
	assert_int_equal(gang_slot_check(&(struct gang_slot){ .period = 0 }), -E_INVAL);
	assert_int_equal(gang_slot_check(&(struct gang_slot){ .period = 5, .len = 6 }), -E_INVAL);
	assert_int_equal(console_capture_lines(), 3);
	assert_true(console_capture_has("gang: slot of 6 in a period of 5, refused"));
	console_capture_reset();
	assert_int_equal(gang_slot_check(&(struct gang_slot){ .period = 5, .len = 5 }), 0);
	assert_int_equal(gang_slot_check(&(struct gang_slot){ .period = 5, .len = 0 }), 0);
	assert_int_equal(console_capture_lines(), 0);
}

static void test_in_slot(void **state)
{
	struct gang_slot s = { .period = 10, .start = 100, .len = 4 };
	(void)state;

	assert_false(gang_in_slot(&s, 0));
	assert_false(gang_in_slot(&s, 99));
	assert_true(gang_in_slot(&s, 100));
	assert_true(gang_in_slot(&s, 103));
	assert_false(gang_in_slot(&s, 104));
	assert_false(gang_in_slot(&s, 109));
	assert_true(gang_in_slot(&s, 110));
	assert_true(gang_in_slot(&s, 100 + 10 * 1000000 + 3));
	s.len = 0;
	assert_false(gang_in_slot(&s, 100));
	s.len = 10;
	assert_false(gang_in_slot(&s, 99));
	assert_true(gang_in_slot(&s, 105));
	assert_true(gang_in_slot(&s, UINT64_MAX));
}

static void test_next_switch(void **state)
{
	struct gang_slot s = { .period = 10, .start = 100, .len = 4 };
	(void)state;

	assert_int_equal(gang_next_switch(&s, 0), 100);
	assert_int_equal(gang_next_switch(&s, 100), 104);
	assert_int_equal(gang_next_switch(&s, 103), 104);
	assert_int_equal(gang_next_switch(&s, 104), 110);
	assert_int_equal(gang_next_switch(&s, 109), 110);
	s.len = 0;
	assert_true(gang_next_switch(&s, 0) == GANG_NEVER);
	s.len = 10;
	assert_int_equal(gang_next_switch(&s, 5), 100);
	assert_true(gang_next_switch(&s, 100) == GANG_NEVER);
	/* Near the end of time the next switch would wrap: never. */
	s = (struct gang_slot){ .period = 10, .start = 0, .len = 4 };
	assert_true(gang_next_switch(&s, UINT64_MAX - 1) == GANG_NEVER);
}

/* Property: the answer is constant on [now, next) and differs at next. */
static void test_next_switch_random(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	(void)state;

	for (int i = 0; i < 20000; i++) {
		struct gang_slot s;
		uint64_t now, next;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		s.period = 1 + x % 50;
		s.len = (x >> 8) % (s.period + 1);
		s.start = (x >> 16) % 100;
		now = (x >> 24) % 400;
		next = gang_next_switch(&s, now);
		if (next == GANG_NEVER) {
			for (uint64_t t = now; t < now + 2 * s.period; t++)
				assert_int_equal(gang_in_slot(&s, t), gang_in_slot(&s, now));
			continue;
		}
		assert_true(next > now);
		for (uint64_t t = now; t < next; t++)
			assert_int_equal(gang_in_slot(&s, t), gang_in_slot(&s, now));
		assert_int_not_equal(gang_in_slot(&s, next), gang_in_slot(&s, now));
	}
}

static void test_slot_len(void **state)
{
	(void)state;
	assert_int_equal(gang_slot_len(30, 1, 1), 15);
	assert_int_equal(gang_slot_len(30, 1, 2), 10);
	assert_int_equal(gang_slot_len(10, 1, 2), 3); /* rounded down */
	assert_int_equal(gang_slot_len(30, 1, 0), 30);
	assert_int_equal(gang_slot_len(30, 0, 5), 0);
	assert_int_equal(gang_slot_len(UINT64_MAX, 1, 1), UINT64_MAX / 2);
	assert_int_equal(gang_slot_len(UINT64_MAX, UINT32_MAX, UINT32_MAX), UINT64_MAX / 2);
	assert_true(gang_slot_len(UINT64_MAX, UINT32_MAX, 0) == UINT64_MAX);
	assert_int_equal(gang_slot_len(3000000000ull, 1024, 3072), 750000000ull);
}

/* Rules 2-4: the gang only in its slot and first there; the hog the rest. */
static void test_policy_slot(void **state)
{
	struct core k;
	struct sched_vcpu g, h;
	(void)state;

	vcpu_init(&g, 1, true);
	vcpu_init(&h, 2, false);
	core_init(&k, 10, 0, 4);
	assert_int_equal(sched_gang_ops.enqueue(&k.c, &h, true), 0);
	assert_int_equal(sched_gang_ops.enqueue(&k.c, &g, true), 0);
	assert_int_equal(k.c.nr_runnable, 2);
	assert_int_equal(runq_count(&k.c.rq), 1); /* the gang vCPU stays out of it */
	assert_ptr_equal(step(&k, 0, 0), &g);
	assert_ptr_equal(step(&k, 3, 1), &g);
	assert_int_equal(sched_gang_next_event(&k.c), 4);
	assert_ptr_equal(step(&k, 4, 1), &h); /* the slot ended */
	assert_int_equal(g.runtime, 2);
	for (uint64_t t = 5; t < 10; t++)
		assert_ptr_equal(step(&k, t, 1), &h);
	assert_ptr_equal(step(&k, 10, 1), &g); /* the next slot pre-empts the hog */
	assert_int_equal(h.runtime, 6);
	assert_int_equal(g.vruntime, 0); /* rule 5: no fair virtual time */
	/* Rule 4: the gang blocks inside its slot, the hog takes the time. */
	assert_int_equal(sched_gang_ops.dequeue(&k.c, &g), 0);
	assert_ptr_equal(step(&k, 11, 1), &h);
	/* Rule 3: it wakes inside its slot and goes first at once. */
	assert_int_equal(sched_gang_ops.enqueue(&k.c, &g, true), 0);
	assert_ptr_equal(step(&k, 12, 1), &g);
	assert_int_equal(h.runtime, 7);
	/* It wakes outside: it waits for the next slot. */
	assert_int_equal(sched_gang_ops.dequeue(&k.c, &g), 0);
	assert_ptr_equal(step(&k, 13, 1), &h);
	assert_ptr_equal(step(&k, 14, 1), &h);
	assert_int_equal(sched_gang_ops.enqueue(&k.c, &g, true), 0);
	assert_ptr_equal(step(&k, 15, 1), &h);
	assert_ptr_equal(step(&k, 20, 1), &g);
	assert_int_equal(k.c.nr_runnable, 2);
}

/* Without a slot the gang vCPU never runs; the fair vCPUs share the core. */
static void test_policy_no_slot(void **state)
{
	struct core k;
	struct sched_vcpu g, a, b;
	uint32_t ran_a = 0, ran_b = 0;
	(void)state;

	vcpu_init(&g, 1, true);
	vcpu_init(&a, 2, false);
	vcpu_init(&b, 3, false);
	core_init(&k, 0, 0, 0);
	assert_int_equal(sched_gang_ops.enqueue(&k.c, &g, true), 0);
	k.c.clock = 0;
	assert_null(sched_gang_ops.pick_next(&k.c)); /* idle, not the gang */
	assert_true(sched_gang_next_event(&k.c) == GANG_NEVER);
	assert_int_equal(sched_gang_ops.enqueue(&k.c, &a, false), 0);
	assert_int_equal(sched_gang_ops.enqueue(&k.c, &b, false), 0);
	for (uint64_t t = 0; t < 60; t++) {
		struct sched_vcpu *v = step(&k, t, 1);
		assert_ptr_not_equal(v, &g);
		ran_a += v == &a;
		ran_b += v == &b;
	}
	assert_int_equal(ran_a, 30);
	assert_int_equal(ran_b, 30);
}

/* Rule 1 and the errors. */
static void test_policy_errors(void **state)
{
	struct core k;
	struct sched_core fair;
	struct runq_entry *slots[CAP];
	struct sched_vcpu g1, g2;
	struct gang_slot bad = { .period = 4, .len = 5 }, ok = { .period = 4, .len = 2 };
	(void)state;

	vcpu_init(&g1, 1, true);
	vcpu_init(&g2, 2, true);
	core_init(&k, 4, 0, 1);
	console_capture_reset();
	assert_int_equal(sched_gang_ops.enqueue(&k.c, &g1, true), 0);
	assert_int_equal(sched_gang_ops.enqueue(&k.c, &g1, true), -E_EXIST);
	assert_int_equal(sched_gang_ops.enqueue(&k.c, &g2, true), -E_BUSY);
	assert_true(console_capture_has("core already runs gang vCPU 1, gang vCPU 2 refused"));
	assert_int_equal(sched_gang_ops.dequeue(&k.c, &g2), -E_NOENT);
	assert_int_equal(console_capture_lines(), 3);
	assert_int_equal(k.c.nr_runnable, 1);
	/* Once g1 is gone, g2 may be the gang vCPU. */
	assert_int_equal(sched_gang_ops.dequeue(&k.c, &g1), 0);
	assert_int_equal(sched_gang_ops.enqueue(&k.c, &g2, true), 0);
	/* A bad slot changes nothing; a fair core takes no slot. */
	console_capture_reset();
	assert_int_equal(sched_gang_set_slot(&k.c, &bad), -E_INVAL);
	assert_int_equal(k.c.slot.len, 1);
	assert_int_equal(sched_gang_set_slot(NULL, &ok), -E_INVAL);
	assert_int_equal(sched_fair_ops.init(&fair, slots, CAP, 3), 0);
	assert_int_equal(sched_gang_set_slot(&fair, &ok), -E_INVAL);
	assert_int_equal(console_capture_lines(), 3);
	assert_true(sched_gang_next_event(&fair) == GANG_NEVER);
}

/*
 * Several cores, each with one gang vCPU and one or two fair vCPUs, all given
 * the same slot: at every step, after each core's own decision, either every
 * runnable gang vCPU is running or none is (VT-ASOS: together or not at all),
 * and none runs outside the slot. Gang vCPUs block and wake at random.
 */
#define NCORES 6
static void test_policy_together(void **state)
{
	static struct core k[NCORES];
	static struct sched_vcpu g[NCORES], f[NCORES][2];
	uint64_t x = 12345, ran_g = 0, ran_f = 0, slot_steps = 0;
	(void)state;

	for (uint32_t i = 0; i < NCORES; i++) {
		core_init(&k[i], 30, 7, 12);
		vcpu_init(&g[i], i, true);
		assert_int_equal(sched_gang_ops.enqueue(&k[i].c, &g[i], true), 0);
		for (uint32_t j = 0; j < 1 + i % 2; j++) {
			vcpu_init(&f[i][j], 100 + 2 * i + j, false);
			assert_int_equal(sched_gang_ops.enqueue(&k[i].c, &f[i][j], false), 0);
		}
	}
	for (uint64_t t = 0; t < 3000; t++) {
		uint32_t running = 0, runnable = 0;
		bool in = gang_in_slot(&k[0].c.slot, t);
		for (uint32_t i = 0; i < NCORES; i++) {
			struct sched_vcpu *cur;
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			if (x % 17 == 0) {
				if (g[i].runnable)
					assert_int_equal(sched_gang_ops.dequeue(&k[i].c, &g[i]), 0);
				else
					assert_int_equal(
						sched_gang_ops.enqueue(&k[i].c, &g[i], true), 0);
			}
			cur = step(&k[i], t, 1);
			assert_non_null(cur); /* a fair vCPU is always runnable: no idling */
			running += cur == &g[i];
			runnable += g[i].runnable;
			ran_g += cur == &g[i];
			ran_f += cur != &g[i];
		}
		if (in) {
			assert_int_equal(running, runnable);
			slot_steps++;
		} else {
			assert_int_equal(running, 0);
		}
	}
	assert_true(slot_steps == 1200 || slot_steps == 1212); /* 12 of every 30 from t = 7 */
	assert_true(ran_g > 0 && ran_f > ran_g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_check),	cmocka_unit_test(test_in_slot),
		cmocka_unit_test(test_next_switch),	cmocka_unit_test(test_next_switch_random),
		cmocka_unit_test(test_slot_len),	cmocka_unit_test(test_policy_slot),
		cmocka_unit_test(test_policy_no_slot),	cmocka_unit_test(test_policy_errors),
		cmocka_unit_test(test_policy_together),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
