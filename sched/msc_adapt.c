// SPDX-License-Identifier: MIT
/*
 * Micro-sliced pool size adaptation: Algorithm 1 of Ahn et al., "Flexible
 * Micro-sliced Cores" (Section 4.3, Section 5 "Tracking critical events"),
 * as a state machine driven by the caller's clock and event totals.
 * Environment: pure scheduling policy; freestanding hypervisor, the one core
 * that owns the pool decision, interrupts either way; also built hosted for
 * unit tests and the simulator.
 *
 * Reading of Algorithm 1 used here:
 *  - profileMode False (start, and after every decision): the procedure sets
 *    numuCores = 0, enters profile mode and re-arms for 10 ms (lines 2-7).
 *  - Each later run stores the last window's events in urEvents[numuCores]
 *    (line 11). With 0 cores: no events at all -> stay at 0 for a 1 s epoch
 *    (lines 14-20); otherwise go to 1 core, and keep profiling only if IPIs
 *    dominate, else keep 1 core for the epoch (lines 22-31). The dominance
 *    test is the pseudocode's literal one, IPIs > PLEs OR IPIs > IRQs.
 *  - With 1..limit-1 cores: add one core, profile again (lines 32-33).
 *  - At the limit: FindBestuCoreCnt picks the explored size (1..limit) whose
 *    window had the fewest IPI events ("we profile the number of IPI events
 *    ... select a configuration which generates the least number of
 *    yields", Section 5); ties go to fewer cores, leaving more normal cores.
 *    That size holds for a 1 s epoch (lines 34-37).
 */
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/types.h"
#include "sched/microslice.h"

void msc_adapt_init(struct msc_adapt *a, uint32_t limit, uint64_t now_us)
{
	if (limit > MSC_MAX_LIMIT) {
		kprintf("msc: pool limit %u above %u, using %u\n", limit, MSC_MAX_LIMIT,
			MSC_MAX_LIMIT);
		limit = MSC_MAX_LIMIT;
	}
	*a = (struct msc_adapt){
		.limit = limit,
		.current = 0,
		.profiling = false,
		.due_us = now_us,
	};
}

static uint64_t delta(uint64_t now, uint64_t then, bool *backwards)
{
	if (now < then) {
		*backwards = true;
		return 0;
	}
	return now - then;
}

static struct msc_events window_events(struct msc_adapt *a, const struct msc_events *t)
{
	bool back = false;
	struct msc_events w = {
		.ipi = delta(t->ipi, a->base.ipi, &back),
		.ple = delta(t->ple, a->base.ple, &back),
		.irq = delta(t->irq, a->base.irq, &back),
	};

	if (back)
		kprintf("msc: event totals went backwards, counted as 0\n");
	a->base = *t;
	return w;
}

/* FindBestuCoreCnt (Algorithm 1 line 35): fewest IPI events, fewest cores. */
static uint32_t find_best(const struct msc_adapt *a)
{
	uint32_t best = 1;

	for (uint32_t i = 2; i <= a->limit; i++)
		if (a->ur[i].ipi < a->ur[best].ipi)
			best = i;
	return best;
}

/* One run of procedure ADAPTIVEMICROSLICEDCORES; returns the next interval. */
static uint64_t adapt_run(struct msc_adapt *a, const struct msc_events *t)
{
	if (!a->profiling) {
		a->current = 0;
		a->profiling = true;
		a->base = *t;
		return MSC_PROFILE_US;
	}

	struct msc_events cur = window_events(a, t);
	a->ur[a->current] = cur;

	if (a->current == 0) {
		if (cur.ipi == 0 && cur.ple == 0 && cur.irq == 0) {
			a->profiling = false; /* not contended */
			return MSC_EPOCH_US;
		}
		if (a->limit == 0) { /* pool disabled: nothing to explore */
			a->profiling = false;
			return MSC_EPOCH_US;
		}
		a->current = 1;
		if (cur.ipi > cur.ple || cur.ipi > cur.irq)
			return MSC_PROFILE_US; /* IPI dominant: explore */
		a->profiling = false;	       /* PLE/IRQ: one core suffices */
		return MSC_EPOCH_US;
	}
	if (a->current < a->limit) {
		a->current++;
		return MSC_PROFILE_US;
	}
	a->current = find_best(a);
	a->profiling = false;
	return MSC_EPOCH_US;
}

uint32_t msc_adapt_tick(struct msc_adapt *a, uint64_t now_us, const struct msc_events *totals)
{
	if (now_us < a->due_us)
		return a->current;
	/* Re-arm from now, as SetTimer does when the procedure runs late. */
	a->due_us = now_us + adapt_run(a, totals);
	return a->current;
}
