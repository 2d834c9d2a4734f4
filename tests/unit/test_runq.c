// SPDX-License-Identifier: MIT
/*
 * Unit tests for the per-core runqueue (random storms against a sorted
 * reference, FIFO ties, remove/update anywhere, errors, comparison counts) and
 * the noop and fair scheduling policies (2:1 weights, sleeper rule, errors).
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

#include "lib/errno.h"
#include "sched/ops.h"
#include "sched/runq.h"
#include "tests/unit/fake_console.h"

#define BIG 4096

static struct runq_entry ents[BIG];
static struct runq_entry *slots[BIG];
static struct runq q;

/* Small deterministic PRNG (xorshift64*), so every seed is reproducible. */
static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static unsigned ilog2(unsigned n)
{
	unsigned l = 0;

	while (n >>= 1)
		l++;
	return l;
}

/* Heap order and index bookkeeping: every invariant the heap relies on. */
static void check_heap(const struct runq *h)
{
	for (uint32_t i = 0; i < h->count; i++) {
		const struct runq_entry *e = h->heap[i];

		assert_int_equal(e->pos, i);
		if (i > 0) {
			const struct runq_entry *p = h->heap[(i - 1) / 2];

			assert_true(p->key < e->key || (p->key == e->key && p->seq < e->seq));
		}
	}
}

/* ---------------- reference model for the storms ---------------- */

struct ref {
	bool queued;
	uint64_t key;
	uint64_t order; /* our own FIFO counter, independent of the heap's seq */
};
static struct ref refs[BIG];

static int ref_cmp(const void *a, const void *b)
{
	const struct ref *x = &refs[*(const uint32_t *)a], *y = &refs[*(const uint32_t *)b];

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->order < y->order ? -1 : (x->order > y->order);
}

static int32_t ref_min(uint32_t n)
{
	int32_t best = -1;

	for (uint32_t i = 0; i < n; i++) {
		if (!refs[i].queued)
			continue;
		if (best < 0 || refs[i].key < refs[best].key ||
		    (refs[i].key == refs[best].key && refs[i].order < refs[best].order))
			best = (int32_t)i;
	}
	return best;
}

static void storm(uint64_t seed, uint32_t n, uint32_t cap, uint64_t keyspace, int ops)
{
	uint64_t order = 0;
	uint32_t queued = 0;

	rng_state = seed * 0x9e3779b97f4a7c15ULL + 1;
	assert_int_equal(runq_init(&q, slots, cap), 0);
	for (uint32_t i = 0; i < n; i++) {
		runq_entry_init(&ents[i], i, 0);
		refs[i].queued = false;
	}
	for (int op = 0; op < ops; op++) {
		uint32_t i = (uint32_t)(rnd() % n);
		uint64_t k = rnd() % keyspace;
		int r;

		switch (rnd() % 4) {
		case 0: /* push (a queued entry's key must not be touched) */
			if (!refs[i].queued)
				ents[i].key = k;
			r = runq_push(&q, &ents[i]);
			if (refs[i].queued) {
				assert_int_equal(r, -E_EXIST);
			} else if (queued == cap) {
				assert_int_equal(r, -E_FULL);
			} else {
				assert_int_equal(r, 0);
				refs[i] = (struct ref){ true, k, order++ };
				queued++;
			}
			break;
		case 1: { /* pop_min */
			int32_t want = ref_min(n);
			struct runq_entry *got = runq_pop_min(&q);

			if (want < 0) {
				assert_null(got);
			} else {
				assert_ptr_equal(got, &ents[want]);
				assert_int_equal(got->pos, RUNQ_NOT_QUEUED);
				refs[want].queued = false;
				queued--;
			}
			break;
		}
		case 2: /* remove anywhere */
			r = runq_remove(&q, &ents[i]);
			assert_int_equal(r, refs[i].queued ? 0 : -E_NOENT);
			if (refs[i].queued) {
				refs[i].queued = false;
				queued--;
			}
			break;
		default: /* update anywhere */
			r = runq_update(&q, &ents[i], k);
			assert_int_equal(r, refs[i].queued ? 0 : -E_NOENT);
			if (refs[i].queued) {
				refs[i].key = k;
				refs[i].order = order++;
			}
			break;
		}
		assert_int_equal(runq_count(&q), queued);
		check_heap(&q);
		for (uint32_t j = 0; j < n; j++)
			assert_int_equal(runq_contains(&q, &ents[j]), refs[j].queued);
	}
	/* Drain and compare with the sorted reference. */
	uint32_t ids[BIG], m = 0;

	for (uint32_t j = 0; j < n; j++)
		if (refs[j].queued)
			ids[m++] = j;
	qsort(ids, m, sizeof(ids[0]), ref_cmp);
	for (uint32_t j = 0; j < m; j++) {
		struct runq_entry *got = runq_pop_min(&q);

		assert_non_null(got);
		assert_int_equal(got->id, ids[j]);
		check_heap(&q);
	}
	assert_null(runq_pop_min(&q));
}

static void test_storms(void **state)
{
	(void)state;
	console_capture_reset();
	for (uint64_t seed = 1; seed <= 300; seed++) {
		/* Few keys = many ties; small cap = frequent -E_FULL. */
		storm(seed, 24, 16, (seed % 3 == 0) ? 3 : 1000, 400);
	}
	for (uint64_t seed = 1; seed <= 10; seed++)
		storm(seed, 300, 256, 50, 3000);
}

static void test_fifo_ties(void **state)
{
	(void)state;
	assert_int_equal(runq_init(&q, slots, 32), 0);
	for (uint32_t i = 0; i < 20; i++) {
		runq_entry_init(&ents[i], i, 7);
		assert_int_equal(runq_push(&q, &ents[i]), 0);
	}
	/* Re-keying to the same key sends an entry to the back of its tie. */
	assert_int_equal(runq_update(&q, &ents[0], 7), 0);
	assert_int_equal(runq_update(&q, &ents[5], 7), 0);
	for (uint32_t i = 1; i < 20; i++) {
		if (i == 5)
			continue;
		assert_int_equal(runq_pop_min(&q)->id, i);
	}
	assert_int_equal(runq_pop_min(&q)->id, 0);
	assert_int_equal(runq_pop_min(&q)->id, 5);
	assert_null(runq_pop_min(&q));
}

static void test_remove_update_anywhere(void **state)
{
	(void)state;
	assert_int_equal(runq_init(&q, slots, 32), 0);
	for (uint32_t i = 0; i < 15; i++) {
		runq_entry_init(&ents[i], i, 100 + 10 * i);
		assert_int_equal(runq_push(&q, &ents[i]), 0);
	}
	/* Remove the root, a leaf, and an inner node. */
	assert_int_equal(runq_remove(&q, &ents[0]), 0);
	assert_int_equal(runq_remove(&q, q.heap[q.count - 1]), 0);
	assert_int_equal(runq_remove(&q, q.heap[1]), 0);
	check_heap(&q);
	assert_int_equal(runq_count(&q), 12);
	/* Move a deep entry to the front and the front to the back. */
	struct runq_entry *front = runq_peek_min(&q);

	struct runq_entry *deep = q.heap[q.count - 1];

	assert_int_equal(runq_update(&q, deep, 1), 0);
	assert_ptr_equal(runq_peek_min(&q), deep);
	assert_int_equal(runq_update(&q, front, 10000), 0);
	check_heap(&q);
	/* Sorted order afterwards, with the re-keyed ones in their new places. */
	uint64_t last = 0;
	struct runq_entry *e = NULL;

	while ((e = runq_pop_min(&q)) != NULL) {
		assert_true(e->key >= last);
		last = e->key;
	}
	assert_ptr_equal(front->key, 10000);
	assert_int_equal(last, 10000);
	/* A removed entry can be pushed again. */
	assert_int_equal(runq_push(&q, &ents[0]), 0);
	assert_ptr_equal(runq_pop_min(&q), &ents[0]);
}

static void test_errors(void **state)
{
	struct runq_entry *tiny[2];
	struct runq other;

	(void)state;
	console_capture_reset();
	assert_int_equal(runq_init(&q, slots, 0), -E_INVAL);
	assert_true(console_capture_has("runq: init with bad capacity"));
	assert_int_equal(runq_init(&q, NULL, 4), -E_INVAL);
	assert_int_equal(runq_init(NULL, slots, 4), -E_INVAL);
	assert_int_equal(console_capture_lines(), 3);

	assert_int_equal(runq_init(&q, tiny, 2), 0);
	for (uint32_t i = 0; i < 3; i++)
		runq_entry_init(&ents[i], i, i);
	assert_int_equal(runq_push(&q, &ents[0]), 0);
	console_capture_reset();
	assert_int_equal(runq_push(&q, &ents[0]), -E_EXIST);
	assert_true(console_capture_has("runq: push of entry 0 already queued"));
	assert_int_equal(runq_push(&q, &ents[1]), 0);
	assert_int_equal(runq_push(&q, &ents[2]), -E_FULL);
	assert_true(console_capture_has("runq: push of entry 2 into full queue (cap 2)"));
	assert_int_equal(runq_count(&q), 2);
	check_heap(&q);

	/* Not-queued entries, including one whose stale pos points into the heap. */
	console_capture_reset();
	assert_int_equal(runq_remove(&q, &ents[2]), -E_NOENT);
	assert_true(console_capture_has("runq: remove of entry 2 not in queue"));
	ents[2].pos = 0;
	assert_int_equal(runq_update(&q, &ents[2], 5), -E_NOENT);
	assert_true(console_capture_has("runq: update of entry 2 not in queue"));
	assert_int_equal(runq_push(&q, NULL), -E_INVAL);
	assert_int_equal(runq_remove(NULL, &ents[0]), -E_INVAL);
	assert_int_equal(runq_update(&q, NULL, 1), -E_INVAL);
	assert_int_equal(console_capture_lines(), 5);
	assert_null(runq_pop_min(NULL));
	assert_null(runq_peek_min(NULL));

	/* An entry queued in another runqueue is not in this one. */
	assert_int_equal(runq_init(&other, slots, 4), 0);
	assert_false(runq_contains(&other, &ents[0]));
	assert_int_equal(runq_remove(&other, &ents[0]), -E_NOENT);
	assert_int_equal(runq_count(&q), 2);
}

/* Worst comparisons for one pick (pop_min) and one push at n entries. */
static void measure(uint32_t n, uint64_t *worst_pop, uint64_t *worst_push)
{
	rng_state = 0x1234567ULL + n;
	assert_int_equal(runq_init(&q, slots, n), 0);
	*worst_pop = *worst_push = 0;
	for (uint32_t i = 0; i < n; i++) {
		runq_entry_init(&ents[i], i, rnd() % (4ULL * n));
		q.cmps = 0;
		assert_int_equal(runq_push(&q, &ents[i]), 0);
		if (q.cmps > *worst_push)
			*worst_push = q.cmps;
	}
	/* Pick at full size, then keep the queue full by re-pushing each pick
	 * with a larger key (the scheduler's steady state). */
	for (uint32_t r = 0; r < 2 * n; r++) {
		q.cmps = 0;
		struct runq_entry *e = runq_pop_min(&q);

		assert_non_null(e);
		if (q.cmps > *worst_pop)
			*worst_pop = q.cmps;
		e->key += rnd() % (4ULL * n);
		assert_int_equal(runq_push(&q, e), 0);
	}
	check_heap(&q);
}

static void test_comparison_bound(void **state)
{
	static const uint32_t sizes[] = { 16, 256, 4096 };

	(void)state;
	for (unsigned s = 0; s < 3; s++) {
		uint64_t pop, push;
		unsigned lg = ilog2(sizes[s]);

		measure(sizes[s], &pop, &push);
		printf("runq: n=%u log2=%u worst pick (pop_min) %llu comparisons, worst push %llu\n",
		       sizes[s], lg, (unsigned long long)pop, (unsigned long long)push);
		/* Sift-down: two comparisons per level below the root. */
		assert_true(pop <= 2ULL * lg);
		assert_true(pop >= lg); /* it really walked the tree */
		assert_true(push <= lg);
	}
	/* Peeking is free. */
	q.cmps = 0;
	assert_non_null(runq_peek_min(&q));
	assert_int_equal(q.cmps, 0);
}

/* ---------------- policies ---------------- */

static struct sched_core core;
static struct sched_vcpu vc[8];

static void vcpu_setup(struct sched_vcpu *v, uint32_t id, uint32_t weight)
{
	memset(v, 0, sizeof(*v));
	v->id = id;
	v->weight = weight;
}

static void test_noop(void **state)
{
	(void)state;
	console_capture_reset();
	assert_int_equal(sched_noop_ops.init(&core, NULL, 0, 0), 0);
	assert_string_equal(core.ops->name, "noop");
	assert_null(core.ops->pick_next(&core));
	vcpu_setup(&vc[0], 0, SCHED_WEIGHT_DEFAULT);
	vcpu_setup(&vc[1], 1, SCHED_WEIGHT_DEFAULT);
	assert_int_equal(core.ops->enqueue(&core, &vc[0], false), 0);
	assert_int_equal(core.ops->enqueue(&core, &vc[0], true), -E_EXIST);
	assert_int_equal(core.ops->enqueue(&core, &vc[1], false), -E_BUSY);
	assert_true(console_capture_has("sched: noop core already runs vCPU 0, vCPU 1 refused"));
	for (int t = 0; t < 1000; t++) {
		assert_false(core.ops->tick(&core, 10));
		assert_ptr_equal(core.ops->pick_next(&core), &vc[0]);
	}
	assert_int_equal(vc[0].runtime, 10000);
	assert_int_equal(core.ops->dequeue(&core, &vc[1]), -E_NOENT);
	assert_int_equal(core.ops->dequeue(&core, &vc[0]), 0);
	assert_null(core.ops->pick_next(&core));
	assert_false(core.ops->tick(&core, 10));
	assert_int_equal(core.ops->enqueue(&core, &vc[1], true), 0);
	assert_ptr_equal(core.ops->pick_next(&core), &vc[1]);
}

/* Run the core for ticks ticks of 1 unit each, switching when tick asks. */
static void run_ticks(int ticks, uint64_t ran)
{
	if (!core.curr || !core.curr->runnable)
		core.ops->pick_next(&core);
	for (int t = 0; t < ticks; t++) {
		if (core.ops->tick(&core, ran))
			core.ops->pick_next(&core);
	}
}

static void fair_setup(uint64_t slice)
{
	assert_int_equal(sched_fair_ops.init(&core, slots, 8, slice), 0);
	assert_string_equal(core.ops->name, "fair");
}

static void check_ratio(uint64_t slice, uint64_t ran)
{
	fair_setup(slice);
	vcpu_setup(&vc[0], 0, 2048);
	vcpu_setup(&vc[1], 1, 1024);
	assert_int_equal(core.ops->enqueue(&core, &vc[0], false), 0);
	assert_int_equal(core.ops->enqueue(&core, &vc[1], false), 0);
	run_ticks(10000, ran);
	uint64_t a = vc[0].runtime, b = vc[1].runtime;

	assert_int_equal(a + b, 10000 * ran);
	/* a / b within 2 +- 1%: |100 a - 200 b| <= 2 b */
	uint64_t lhs = 100 * a, rhs = 200 * b;

	assert_true((lhs > rhs ? lhs - rhs : rhs - lhs) <= 2 * b);
}

static void test_fair_ratio(void **state)
{
	(void)state;
	check_ratio(1, 1);	 /* switch every tick */
	check_ratio(3, 1);	 /* three-tick slices */
	check_ratio(1000, 1000); /* e.g. 1 us ticks of ns, 1 us slice */
}

static void test_fair_exact_vruntime(void **state)
{
	(void)state;
	fair_setup(100);
	vcpu_setup(&vc[0], 0, 3);
	assert_int_equal(core.ops->enqueue(&core, &vc[0], false), 0);
	assert_ptr_equal(core.ops->pick_next(&core), &vc[0]);
	/* 7 units at weight 3: 7 * 1024 / 3 = 2389.33; the remainder is carried. */
	for (int i = 0; i < 7; i++)
		core.ops->tick(&core, 1);
	assert_int_equal(vc[0].vruntime, 2389);
	core.ops->tick(&core, 2);
	assert_int_equal(vc[0].vruntime, 9 * 1024 / 3);
	assert_int_equal(vc[0].vr_rem, 0);
	/* Huge runtimes do not overflow the * 1024 step. */
	core.ops->tick(&core, (1ULL << 60) * 3);
	assert_int_equal(vc[0].vruntime, 3072 + (1ULL << 60) * 1024);
}

static void test_fair_sleeper(void **state)
{
	(void)state;
	fair_setup(4);
	for (uint32_t i = 0; i < 3; i++)
		vcpu_setup(&vc[i], i, SCHED_WEIGHT_DEFAULT);
	assert_int_equal(core.ops->enqueue(&core, &vc[0], false), 0);
	assert_int_equal(core.ops->enqueue(&core, &vc[1], false), 0);
	assert_int_equal(core.ops->enqueue(&core, &vc[2], false), 0);
	run_ticks(30, 1);
	/* vCPU 2 sleeps (blocks while current if it is) while 0 and 1 run on. */
	assert_int_equal(core.ops->dequeue(&core, &vc[2]), 0);
	assert_int_equal(core.ops->dequeue(&core, &vc[2]), -E_NOENT);
	run_ticks(10000, 1);
	assert_true(core.min_vruntime > 10000 / 2); /* weight 1024: 1 vruntime per unit */
	uint64_t r0 = vc[0].runtime, r1 = vc[1].runtime, r2 = vc[2].runtime;

	/* Wake: placed one slice behind the pack, not at its old low vruntime. */
	assert_int_equal(core.ops->enqueue(&core, &vc[2], true), 0);
	assert_true(vc[2].vruntime >= core.min_vruntime - 4);
	assert_true(vc[2].vruntime < core.min_vruntime);
	/* Over the next 300 ticks everyone gets about a third; the sleeper's
	 * bonus is bounded by one slice plus a turn. */
	run_ticks(300, 1);
	uint64_t d0 = vc[0].runtime - r0, d1 = vc[1].runtime - r1, d2 = vc[2].runtime - r2;

	assert_int_equal(d0 + d1 + d2, 300);
	assert_true(d0 >= 90 && d1 >= 90);
	assert_true(d2 <= 100 + 4 + 4);
	/* Without the rule it would have run ~10000 ticks alone; check the
	 * longest stretch any vCPU ran after the wake stays one slice. */
	struct sched_vcpu *last = NULL;
	int stretch = 0, worst = 0;

	for (int t = 0; t < 200; t++) {
		if (core.ops->tick(&core, 1))
			core.ops->pick_next(&core);
		stretch = (core.curr == last) ? stretch + 1 : 1;
		last = core.curr;
		worst = stretch > worst ? stretch : worst;
	}
	assert_true(worst <= 4);
}

static void test_fair_errors(void **state)
{
	(void)state;
	console_capture_reset();
	assert_int_equal(sched_fair_ops.init(&core, slots, 8, 0), -E_INVAL);
	assert_true(console_capture_has("sched: fair init with zero slice"));
	assert_int_equal(sched_fair_ops.init(&core, slots, 0, 1), -E_INVAL);
	assert_true(console_capture_has("runq: init with bad capacity"));
	assert_int_equal(sched_fair_ops.init(&core, slots, 2, 1), 0);
	console_capture_reset();
	vcpu_setup(&vc[0], 0, 0);
	assert_int_equal(core.ops->enqueue(&core, &vc[0], false), -E_INVAL);
	assert_true(console_capture_has("sched: fair vCPU 0 has weight 0"));
	vc[0].weight = SCHED_WEIGHT_MAX + 1;
	assert_int_equal(core.ops->enqueue(&core, &vc[0], false), -E_INVAL);
	for (uint32_t i = 0; i < 3; i++)
		vcpu_setup(&vc[i], i, 100);
	assert_int_equal(core.ops->enqueue(&core, &vc[0], false), 0);
	assert_int_equal(core.ops->enqueue(&core, &vc[0], false), -E_EXIST);
	assert_ptr_equal(core.ops->pick_next(&core), &vc[0]);
	assert_int_equal(core.ops->enqueue(&core, &vc[0], true), -E_EXIST); /* current */
	assert_int_equal(core.ops->enqueue(&core, &vc[1], false), 0);
	/* Two runnable (one running) fill cap 2, so pick_next's put-back fits. */
	assert_int_equal(core.ops->enqueue(&core, &vc[2], false), -E_FULL);
	assert_true(console_capture_has("sched: fair runqueue full (2 vCPUs), vCPU 2 refused"));
	assert_int_equal(core.ops->dequeue(&core, &vc[2]), -E_NOENT);
	assert_true(console_capture_has("sched: fair dequeue of vCPU 2 not runnable here"));
	assert_int_equal(core.ops->dequeue(&core, NULL), -E_NOENT);
	/* Idle core: pick returns NULL, tick asks for nothing. */
	assert_int_equal(core.ops->dequeue(&core, &vc[0]), 0);
	assert_int_equal(core.ops->dequeue(&core, &vc[1]), 0);
	assert_null(core.ops->pick_next(&core));
	assert_false(core.ops->tick(&core, 5));
	assert_int_equal(core.nr_runnable, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_storms),
		cmocka_unit_test(test_fifo_ties),
		cmocka_unit_test(test_remove_update_anywhere),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_comparison_bound),
		cmocka_unit_test(test_noop),
		cmocka_unit_test(test_fair_ratio),
		cmocka_unit_test(test_fair_exact_vruntime),
		cmocka_unit_test(test_fair_sleeper),
		cmocka_unit_test(test_fair_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
