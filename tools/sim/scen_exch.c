// SPDX-License-Identifier: MIT
/*
 * Scenario "exch": a legacy (not core-discovering) guest's P-state requests
 * become core exchanges (sched/cores.c). 4 cores: one fast (speed 150, 29 W
 * busy) and three slow (10 W). VM "legacy" (1 CPU-bound vCPU, power budget
 * 30 W) starts on a slow core; VM "other" (2 CPU-bound vCPUs) holds two slow
 * cores. At 1/3 of the run the legacy guest asks for P0: pstate_hint() says
 * FAST, power_exchange() gives its slow core for the free fast one within its
 * budget, and the vCPU moves there (MSG_MOVE). At 2/3 it asks for the lowest
 * P-state: SLOW, and it exchanges back. "other" has a 20 W power budget, all
 * of it used by its two cores; half-way its guest gives one core back on its
 * own (no exchange): the GPM calls power_release(), the core is free again
 * and the budget is credited its 10 W, and the guest offlines that vCPU
 * (MSG_BALLOON). Rows: the legacy VM's loops per second in each third,
 * exchanges done; other's loops per second before and after the release, its
 * budget's used watts before and after, releases done; cross-core writes.
 * Environment: host simulator.
 */
#include "tools/sim/scen.h"

static const uint32_t exch_speed[4] = { 150, 100, 100, 100 };

int scen_exch(struct ctx *c)
{
	struct vm_spec vms[2] = {
		{ .name = "legacy", .nvcpus = 1, .nthreads = 1, .prog = &prog_cpu, .power_w = 30 },
		{ .name = "other",
		  .nvcpus = 2,
		  .nthreads = 2,
		  .prog = &prog_cpu,
		  .pv = true,
		  .power_w = 20 },
	};
	struct machine m = { .ncores = 4,
			     .speed = exch_speed,
			     .q_ns = 100 * NS_PER_US,
			     .end_ns = 3 * NS_PER_S,
			     .seed = c->seed };
	struct hv_conf hv = { .name = "hetaware",
			      .queue = HVQ_FAIR,
			      .slice_ns = 30 * NS_PER_MS,
			      .hetaware = true,
			      .msg_wake = true,
			      .exch_up_at_ns = 1 * NS_PER_S,
			      .exch_down_at_ns = 2 * NS_PER_S,
			      .exch_vm = 0,
			      .release_at_ns = 3 * NS_PER_S / 2,
			      .release_vm = 1 };
	const struct vm_stats *st;
	struct sim s;

	sim_build(&s, &m, &hv, vms, 2, c->log);
	if (scen_run(&s) < 0)
		return -1;
	st = &s.vms[0].st;
	res_add(c->r, "exch", "hetaware", "legacy", "slow", "loops_per_s", (double)st->loops_up);
	res_add(c->r, "exch", "hetaware", "legacy", "P0", "loops_per_s",
		(double)(st->loops_down - st->loops_up));
	res_add(c->r, "exch", "hetaware", "legacy", "P3", "loops_per_s",
		(double)(st->loops - st->loops_down));
	res_add(c->r, "exch", "hetaware", "legacy", "-", "exchanges", st->exchanges);
	st = &s.vms[1].st;
	res_add(c->r, "exch", "hetaware", "other", "before-release", "loops_per_s",
		(double)st->loops_rel / 1.5);
	res_add(c->r, "exch", "hetaware", "other", "after-release", "loops_per_s",
		(double)(st->loops - st->loops_rel) / 1.5);
	res_add(c->r, "exch", "hetaware", "other", "before-release", "used_w", st->used_w_before);
	res_add(c->r, "exch", "hetaware", "other", "after-release", "used_w", st->used_w_after);
	res_add(c->r, "exch", "hetaware", "other", "-", "releases", st->released);
	res_add(c->r, "exch", "hetaware", "both", "-", "xcore_writes", (double)s.xwrites);
	sim_free(&s);
	return 0;
}
