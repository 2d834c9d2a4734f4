// SPDX-License-Identifier: MIT
/*
 * Unit tests for the micro-sliced core pool: critical-function lookup,
 * Algorithm 1 pool-size adaptation on constructed traces, urgent FIFO and
 * per-pool-core 0.1 ms slices.
 * Environment: hosted unit tests only (cmocka).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "lib/errno.h"
#include "sched/microslice.h"
#include "tests/unit/fake_console.h"

#define NC MSC_NOT_CRITICAL

/* ---- symbol table ------------------------------------------------------ */

static void test_sym_boundaries(void **state)
{
	(void)state;
	static const struct msc_sym syms[] = {
		{ 0xffffffff81000000ull, 0x100, NC },
		{ 0xffffffff81000100ull, 0x40, 3 },  /* adjacent, critical */
		{ 0xffffffff81000200ull, 0x10, NC }, /* gap before it */
		{ 0xffffffff81000300ull, 0x20, 0 },  /* critical index 0 */
	};
	struct msc_symtab t;

	console_capture_reset();
	assert_int_equal(msc_symtab_init(&t, syms, ARRAY_SIZE(syms)), 0);
	assert_int_equal(console_capture_lines(), 0);

	/* start, start+size-1 inside; start+size outside. */
	assert_int_equal(msc_critical_index(&t, 0xffffffff81000100ull), 3);
	assert_int_equal(msc_critical_index(&t, 0xffffffff8100013full), 3);
	assert_int_equal(msc_critical_index(&t, 0xffffffff81000140ull), -E_NOENT);
	assert_true(msc_is_critical(&t, 0xffffffff81000100ull));
	assert_false(msc_is_critical(&t, 0xffffffff810000ffull));
	assert_false(msc_is_critical(&t, 0xffffffff81000140ull));
	/* Critical index 0 is critical. */
	assert_int_equal(msc_critical_index(&t, 0xffffffff81000300ull), 0);
	assert_int_equal(msc_critical_index(&t, 0xffffffff8100031full), 0);
	assert_false(msc_is_critical(&t, 0xffffffff81000320ull));
	/* Before the first and far after the last symbol. */
	assert_false(msc_is_critical(&t, 0));
	assert_false(msc_is_critical(&t, 0xffffffff80ffffffull));
	assert_false(msc_is_critical(&t, UINT64_MAX));
	/* Non-critical function. */
	assert_int_equal(msc_critical_index(&t, 0xffffffff81000205ull), -E_NOENT);
}

static void test_sym_empty(void **state)
{
	(void)state;
	struct msc_symtab t;

	console_capture_reset();
	assert_int_equal(msc_symtab_init(&t, NULL, 0), 0);
	assert_false(msc_is_critical(&t, 0));
	assert_false(msc_is_critical(&t, 0xffffffff81000000ull));
	assert_int_equal(console_capture_lines(), 0);
}

static void test_sym_reject(void **state)
{
	(void)state;
	struct msc_symtab t;
	static const struct msc_sym unsorted[] = {
		{ 0x2000, 0x10, 1 },
		{ 0x1000, 0x10, 1 },
	};
	static const struct msc_sym overlap[] = {
		{ 0x1000, 0x10, NC },
		{ 0x2000, 0x101, 1 },
		{ 0x2100, 0x10, 1 },
	};
	static const struct msc_sym dup_start[] = {
		{ 0x1000, 0x10, 1 },
		{ 0x1000, 0x10, 2 },
	};
	static const struct msc_sym wrap[] = {
		{ 0xfffffffffffffff0ull, 0x10, 1 }, /* ends exactly at 2^64 */
	};

	console_capture_reset();
	assert_int_equal(msc_symtab_init(&t, unsorted, 2), -E_INVAL);
	assert_int_equal(console_capture_lines(), 1);
	assert_true(console_capture_has("msc: symbol 1 at 0x1000 is before"));
	assert_int_equal(t.n, 0);
	assert_false(msc_is_critical(&t, 0x1000));

	console_capture_reset();
	assert_int_equal(msc_symtab_init(&t, overlap, 3), -E_INVAL);
	assert_int_equal(console_capture_lines(), 1);
	assert_true(console_capture_has("symbol 2 at 0x2100 overlaps"));
	assert_true(console_capture_has("ends 0x2101"));

	console_capture_reset();
	assert_int_equal(msc_symtab_init(&t, dup_start, 2), -E_INVAL);
	assert_true(console_capture_has("overlaps symbol 0"));

	console_capture_reset();
	assert_int_equal(msc_symtab_init(&t, wrap, 1), -E_INVAL);
	assert_true(console_capture_has("past the address space"));

	console_capture_reset();
	assert_int_equal(msc_symtab_init(&t, NULL, 5), -E_INVAL);
	assert_true(console_capture_has("msc: symbol table of 5 entries"));
	assert_int_equal(console_capture_lines(), 1);
}

static void test_sym_zero_size(void **state)
{
	(void)state;
	/* Zero-size alias at the start of a function, then the function. */
	static const struct msc_sym syms[] = {
		{ 0x1000, 0, 7 },
		{ 0x1000, 0x20, 2 },
		{ 0x1020, 0, 9 },
		{ 0x1030, 0x10, NC },
	};
	struct msc_symtab t;

	assert_int_equal(msc_symtab_init(&t, syms, ARRAY_SIZE(syms)), 0);
	assert_int_equal(msc_critical_index(&t, 0x1000), 2);
	assert_int_equal(msc_critical_index(&t, 0x101f), 2);
	assert_int_equal(msc_critical_index(&t, 0x1020), -E_NOENT);
	assert_int_equal(msc_critical_index(&t, 0x1035), -E_NOENT);
}

#define RAND_SYMS 3000

static uint64_t rnd_state = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
	/* xorshift64: deterministic, so a failure reproduces. */
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static int linear_lookup(const struct msc_sym *s, uint32_t n, uint64_t ip)
{
	for (uint32_t i = 0; i < n; i++)
		if (ip >= s[i].start && ip - s[i].start < s[i].size)
			return s[i].critical == NC ? -E_NOENT : s[i].critical;
	return -E_NOENT;
}

static void test_sym_random(void **state)
{
	(void)state;
	static struct msc_sym syms[RAND_SYMS];
	uint64_t addr = 0xffffffff81000000ull;
	struct msc_symtab t;
	uint32_t hits = 0;

	for (uint32_t i = 0; i < RAND_SYMS; i++) {
		addr += rnd() % 3 == 0 ? rnd() % 64 : 0; /* gaps, sometimes */
		syms[i].start = addr;
		syms[i].size = rnd() % 9 == 0 ? 0 : (uint32_t)(1 + rnd() % 300);
		syms[i].critical = rnd() % 4 == 0 ? (uint16_t)(rnd() % 40) : NC;
		addr += syms[i].size;
	}
	assert_int_equal(msc_symtab_init(&t, syms, RAND_SYMS), 0);

	uint64_t lo = syms[0].start - 100, span = addr + 100 - lo;
	for (int k = 0; k < 100000; k++) {
		uint64_t ip;
		uint32_t j = (uint32_t)(rnd() % RAND_SYMS);

		switch (k % 4) {
		case 0:
			ip = syms[j].start;
			break;
		case 1:
			ip = syms[j].start + syms[j].size - 1;
			break;
		case 2:
			ip = syms[j].start + syms[j].size;
			break;
		default:
			ip = lo + rnd() % span;
			break;
		}
		int want = linear_lookup(syms, RAND_SYMS, ip);
		assert_int_equal(msc_critical_index(&t, ip), want);
		hits += want >= 0;
	}
	/* The comparison must have exercised both outcomes. */
	assert_true(hits > 1000);
	assert_true(hits < 90000);
}

/* ---- Algorithm 1 ------------------------------------------------------- */

/* Events per millisecond a workload produces with a given pool size. */
struct trace {
	struct msc_events per_ms[MSC_MAX_LIMIT + 1];
};

struct sim {
	struct msc_adapt a;
	struct msc_events tot;
	uint64_t now;
	uint32_t size;
};

static void sim_init(struct sim *s, uint32_t limit)
{
	*s = (struct sim){ .now = 5000 };
	msc_adapt_init(&s->a, limit, s->now);
	s->size = msc_adapt_tick(&s->a, s->now, &s->tot);
}

/*
 * Advance ms milliseconds, ticking every 1 ms; the pool size in force during
 * each millisecond decides how many events it produces.
 */
static void sim_run(struct sim *s, const struct trace *tr, uint32_t ms)
{
	for (uint32_t i = 0; i < ms; i++) {
		const struct msc_events *e = &tr->per_ms[s->size];

		s->tot.ipi += e->ipi;
		s->tot.ple += e->ple;
		s->tot.irq += e->irq;
		s->now += 1000;
		s->size = msc_adapt_tick(&s->a, s->now, &s->tot);
	}
}

static void test_adapt_idle(void **state)
{
	(void)state;
	/* Section 4.3: no contention -> no pool cores until the next turn. */
	static const struct trace idle = { { { 0, 0, 0 } } };
	struct sim s;

	sim_init(&s, 6);
	assert_int_equal(s.size, 0);
	assert_true(s.a.profiling);
	sim_run(&s, &idle, 10); /* profile window ends */
	assert_int_equal(s.size, 0);
	assert_false(s.a.profiling);
	assert_int_equal(s.a.due_us, s.now + MSC_EPOCH_US);
	sim_run(&s, &idle, 3000);
	assert_int_equal(s.size, 0);
}

static void test_adapt_ple_and_irq(void **state)
{
	(void)state;
	/*
	 * Sections 4.3 and 6.2: spinlock (PLE) or IRQ dominated loads get a
	 * single core after one 10 ms window, held for the 1 s epoch, then
	 * profiling restarts at 0 cores.
	 */
	static const struct trace ple = { { [0] = { 0, 50, 2 }, [1] = { 0, 5, 2 } } };
	static const struct trace irq = { { [0] = { 1, 4, 30 }, [1] = { 1, 1, 3 } } };
	const struct trace *traces[] = { &ple, &irq };

	for (unsigned i = 0; i < ARRAY_SIZE(traces); i++) {
		struct sim s;

		sim_init(&s, 6);
		sim_run(&s, traces[i], 9);
		assert_int_equal(s.size, 0);
		sim_run(&s, traces[i], 1);
		assert_int_equal(s.size, 1);
		assert_false(s.a.profiling);
		sim_run(&s, traces[i], 999);
		assert_int_equal(s.size, 1);
		sim_run(&s, traces[i], 1); /* epoch over: profile from 0 */
		assert_int_equal(s.size, 0);
		assert_true(s.a.profiling);
		sim_run(&s, traces[i], 10);
		assert_int_equal(s.size, 1);
	}
}

static void test_adapt_ipi_tlb(void **state)
{
	(void)state;
	/*
	 * Section 6.2: TLB-shootdown (IPI) heavy dedup/vips do best with
	 * three pool cores of a limit of six. IPI yields per ms by pool size
	 * fall until 3 cores, then rise as normal cores get scarce.
	 */
	static const struct trace tlb = { {
		[0] = { 100, 3, 3 },
		[1] = { 80, 3, 3 },
		[2] = { 40, 3, 3 },
		[3] = { 10, 3, 3 },
		[4] = { 15, 3, 3 },
		[5] = { 20, 3, 3 },
		[6] = { 18, 3, 3 },
	} };
	struct sim s;

	sim_init(&s, 6);
	/* Explore 0,1,..,6 cores, one 10 ms window each (lines 22-33). */
	for (uint32_t k = 0; k <= 6; k++) {
		assert_int_equal(s.size, k);
		assert_true(s.a.profiling);
		sim_run(&s, &tlb, 10);
	}
	assert_int_equal(s.size, 3); /* FindBestuCoreCnt */
	assert_false(s.a.profiling);
	assert_int_equal(s.a.ur[3].ipi, 100);
	assert_int_equal(s.a.ur[0].ipi, 1000);
	sim_run(&s, &tlb, 999);
	assert_int_equal(s.size, 3);
	sim_run(&s, &tlb, 1);
	assert_int_equal(s.size, 0); /* next profiling turn */
}

static void test_adapt_literal_or(void **state)
{
	(void)state;
	/*
	 * Algorithm 1 lines 23-24 test IPIs > PLEs OR IPIs > IRQs: IPIs
	 * beating IRQs alone starts exploration even when PLEs lead.
	 */
	static const struct trace t = {
		{ [0] = { 5, 10, 1 }, [1] = { 5, 10, 1 }, [2] = { 5, 10, 1 } }
	};
	struct sim s;

	sim_init(&s, 2);
	sim_run(&s, &t, 10);
	assert_int_equal(s.size, 1);
	assert_true(s.a.profiling);
	sim_run(&s, &t, 10);
	assert_int_equal(s.size, 2);
	sim_run(&s, &t, 10);
	/* Ties between 1 and 2 cores go to fewer cores. */
	assert_int_equal(s.size, 1);
	assert_false(s.a.profiling);
}

static void test_adapt_limits(void **state)
{
	(void)state;
	static const struct trace ipi = { { [0] = { 9, 0, 0 }, [1] = { 4, 0, 0 } } };
	struct sim s;

	/* limit 0: never leaves 0. */
	sim_init(&s, 0);
	sim_run(&s, &ipi, 2000);
	assert_int_equal(s.size, 0);

	/* limit 1: explore 1 and keep it. */
	sim_init(&s, 1);
	sim_run(&s, &ipi, 10);
	assert_int_equal(s.size, 1);
	assert_true(s.a.profiling);
	sim_run(&s, &ipi, 10);
	assert_int_equal(s.size, 1);
	assert_false(s.a.profiling);

	console_capture_reset();
	sim_init(&s, 100);
	assert_int_equal(s.a.limit, MSC_MAX_LIMIT);
	assert_int_equal(console_capture_lines(), 1);
	assert_true(console_capture_has("msc: pool limit 100 above 16"));
}

static void test_adapt_clock_and_counters(void **state)
{
	(void)state;
	struct msc_adapt a;
	struct msc_events tot = { 10, 10, 10 };

	msc_adapt_init(&a, 4, 1000);
	/* Not due yet: nothing happens. */
	assert_int_equal(msc_adapt_tick(&a, 999, &tot), 0);
	assert_false(a.profiling);
	assert_int_equal(msc_adapt_tick(&a, 1000, &tot), 0);
	assert_true(a.profiling);
	/* Time going backwards changes nothing. */
	assert_int_equal(msc_adapt_tick(&a, 10, &tot), 0);
	assert_true(a.profiling);
	assert_int_equal(a.due_us, 1000 + MSC_PROFILE_US);

	/* Totals going backwards count as no events, with one line. */
	struct msc_events back = { 5, 5, 5 };
	console_capture_reset();
	assert_int_equal(msc_adapt_tick(&a, 1000 + MSC_PROFILE_US, &back), 0);
	assert_int_equal(console_capture_lines(), 1);
	assert_true(console_capture_has("msc: event totals went backwards"));
	assert_false(a.profiling);

	/* A late tick runs the procedure once and re-arms from now. */
	uint64_t late = 1000 + MSC_PROFILE_US + 5 * MSC_EPOCH_US;
	assert_int_equal(msc_adapt_tick(&a, late, &back), 0);
	assert_true(a.profiling);
	assert_int_equal(a.due_us, late + MSC_PROFILE_US);
}

/* ---- queue and pool core ----------------------------------------------- */

static void test_queue(void **state)
{
	(void)state;
	uint32_t slots[3];
	struct msc_queue q;

	console_capture_reset();
	assert_int_equal(msc_queue_init(&q, NULL, 3), -E_INVAL);
	assert_int_equal(msc_queue_init(&q, slots, 0), -E_INVAL);
	assert_int_equal(console_capture_lines(), 2);
	assert_true(console_capture_has("msc: urgent queue needs storage"));

	assert_int_equal(msc_queue_init(&q, slots, 3), 0);
	assert_int_equal(msc_queue_pop(&q), MSC_NO_VCPU);
	assert_int_equal(msc_queue_push(&q, MSC_NO_VCPU), -E_INVAL);
	assert_int_equal(msc_queue_push(&q, 7), 0);
	assert_int_equal(msc_queue_push(&q, 7), -E_EXIST);
	assert_int_equal(msc_queue_push(&q, 2), 0);
	assert_int_equal(msc_queue_push(&q, 9), 0);
	assert_int_equal(msc_queue_push(&q, 4), -E_FULL);
	assert_int_equal(msc_queue_push(&q, 2), -E_EXIST); /* dup wins */
	assert_true(msc_queue_contains(&q, 9));
	assert_int_equal(msc_queue_pop(&q), 7);
	assert_false(msc_queue_contains(&q, 7));
	assert_int_equal(msc_queue_push(&q, 7), 0); /* may requeue after */
	/* Wrap around many times, order kept. */
	uint32_t expect = 2;
	uint32_t order[] = { 2, 9, 7 };
	for (uint32_t i = 0; i < 30; i++) {
		uint32_t v = msc_queue_pop(&q);

		assert_int_equal(v, i < 3 ? order[i] : expect);
		expect = 100 + i;
		assert_int_equal(msc_queue_push(&q, 100 + i), 0);
		if (i >= 2) {
			/* Keep just one entry so the next pop is 100+i. */
			while (q.len > 1)
				(void)msc_queue_pop(&q);
		}
	}
	assert_int_equal(q.len, 1);
}

static void test_core_slices(void **state)
{
	(void)state;
	uint32_t slots[4];
	struct msc_core c;
	struct msc_pick p;

	assert_int_equal(msc_core_init(&c, slots, 4), 0);
	msc_core_tick(&c, 0, &p);
	assert_int_equal(p.run, MSC_NO_VCPU);
	assert_int_equal(p.give_back, MSC_NO_VCPU);

	assert_int_equal(msc_core_push(&c, 10), 0);
	assert_int_equal(msc_core_push(&c, 11), 0);
	msc_core_tick(&c, 1000, &p);
	assert_int_equal(p.run, 10);
	assert_int_equal(p.slice_end_us, 1000 + MSC_SLICE_US);
	/* The running vCPU is not queued again while it runs. */
	assert_int_equal(msc_core_push(&c, 10), -E_EXIST);
	msc_core_tick(&c, 1099, &p);
	assert_int_equal(p.run, 10);
	assert_int_equal(p.give_back, MSC_NO_VCPU);
	/* Slice over: 10 goes back, 11 runs, 10 is not re-queued. */
	msc_core_tick(&c, 1100, &p);
	assert_int_equal(p.give_back, 10);
	assert_int_equal(p.run, 11);
	assert_int_equal(p.slice_end_us, 1200);
	assert_false(msc_queue_contains(&c.q, 10));
	/* Early release: next tick picks the next one without give_back. */
	assert_int_equal(msc_core_push(&c, 12), 0);
	assert_int_equal(msc_core_release(&c), 11);
	assert_int_equal(msc_core_release(&c), MSC_NO_VCPU);
	msc_core_tick(&c, 1150, &p);
	assert_int_equal(p.give_back, MSC_NO_VCPU);
	assert_int_equal(p.run, 12);
	assert_int_equal(p.slice_end_us, 1250);
	msc_core_tick(&c, 1300, &p);
	assert_int_equal(p.give_back, 12);
	assert_int_equal(p.run, MSC_NO_VCPU);
}

static void test_triggers(void **state)
{
	(void)state;
	static const struct msc_sym syms[] = { { 0x1000, 0x100, 0 } };
	struct msc_symtab t;

	assert_int_equal(msc_symtab_init(&t, syms, 1), 0);
	assert_true(msc_wants_pool(MSC_TRIG_PLE, &t, 0x1080));
	assert_false(msc_wants_pool(MSC_TRIG_PLE, &t, 0x1100));
	assert_true(msc_wants_pool(MSC_TRIG_IPI, &t, 0x5000));
	assert_true(msc_wants_pool(MSC_TRIG_VIRQ, &t, 0x5000));
	console_capture_reset();
	assert_false(msc_wants_pool((enum msc_trigger)42, &t, 0x1080));
	assert_true(console_capture_has("msc: unknown trigger 42"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sym_boundaries),
		cmocka_unit_test(test_sym_empty),
		cmocka_unit_test(test_sym_reject),
		cmocka_unit_test(test_sym_zero_size),
		cmocka_unit_test(test_sym_random),
		cmocka_unit_test(test_adapt_idle),
		cmocka_unit_test(test_adapt_ple_and_irq),
		cmocka_unit_test(test_adapt_ipi_tlb),
		cmocka_unit_test(test_adapt_literal_or),
		cmocka_unit_test(test_adapt_limits),
		cmocka_unit_test(test_adapt_clock_and_counters),
		cmocka_unit_test(test_queue),
		cmocka_unit_test(test_core_slices),
		cmocka_unit_test(test_triggers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
