// SPDX-License-Identifier: MIT
/*
 * Scenario "msc": Ahn et al., flexible micro-sliced cores. 12 cores, VM1 (12
 * vCPUs) runs a lock-heavy, TLB-shootdown-heavy, I/O or purely CPU-bound
 * workload against VM2 (12 vCPUs, CPU-bound co-runner), equal weights (the
 * paper's 2:1 is the overcommit ratio, not a weight), on the credit baseline
 * with pause-loop exits yielding (as Xen does; also a pool trigger). Pool
 * cores run no normal vCPUs: the static pool's cores get none at placement,
 * and when Algorithm 1 grows the pool the vCPUs homed there move off
 * (MSG_MOVE), as the paper migrates a normal core into the pool.
 * cy-static0 and cy-adaptive run the same on Cypress's per-core scheduling
 * (sched/policy_fair.c per core, wakes by message, no stealing): the pool
 * inside Cypress, its vCPUs handed between cores by message only;
 * cy-adaptive's speedup is over cy-static0. The pool (sched/microslice.c) has 0..6 static
 * cores, or Algorithm 1 picks 0..6 (sched/msc_adapt.c). speedup is VM1's
 * throughput over static0; corunner_norm is VM2's over static0; "best" is the
 * static size with the best speedup.
 * Environment: host simulator.
 */
#include "tools/sim/scen.h"

static int msc_one(struct ctx *c, const struct program *prog, uint32_t pool, bool adaptive, bool cy,
		   double thr[4])
{
	struct vm_spec vms[2] = {
		{ .name = "vm1", .nvcpus = 12, .nthreads = 12, .prog = prog, .weight = 1 },
		{ .name = "corunner", .nvcpus = 12, .nthreads = 12, .prog = &prog_cpu, .weight = 1 },
	};
	struct machine m = { .ncores = 12,
			     .q_ns = 5 * NS_PER_US,
			     .end_ns = (c->scale == SCALE_TEST ? 200 : 1000) * NS_PER_MS,
			     .seed = c->seed };
	struct hv_conf hv = hv_credit();
	struct sim s;

	if (cy) {
		/* Cypress's own per-core scheduling: fair policy, wakes by message. */
		hv.name = "cypress";
		hv.queue = HVQ_FAIR;
		hv.boost = false;
		hv.steal = false;
		hv.msg_wake = true;
	}
	hv.ple = true;
	hv.ple_window_ns = 20 * NS_PER_US;
	hv.msc_static = pool;
	hv.msc_adaptive = adaptive;
	sim_build(&s, &m, &hv, vms, 2, c->log);
	if (scen_run(&s) < 0)
		return -1;
	thr[0] = sim_loops_per_s(&s, 0);
	thr[1] = sim_loops_per_s(&s, 1);
	thr[2] = (double)s.xwrites;
	thr[3] = (double)s.vms[0].st.pool_moves;
	fprintf(c->log, "msc: %s %s pool %u%s: vm1 %.1f loops/s, co-runner %.1f\n",
		cy ? "cypress" : "credit", prog->name, pool, adaptive ? " adaptive" : "", thr[0],
		thr[1]);
	if (adaptive)
		fprintf(c->log,
			"msc: %s adaptive: pool %u cores at the end, %llu moves to the pool\n",
			prog->name, s.pool_size, (unsigned long long)s.vms[0].st.pool_moves);
	sim_free(&s);
	return 0;
}

int scen_msc(struct ctx *c)
{
	const struct program *progs[4] = { &prog_klock, &prog_tlb, &prog_io, &prog_cpu };
	uint32_t maxpool = c->scale == SCALE_TEST ? 2 : 6;

	for (int w = 0; w < 4; w++) {
		double base[4], thr[4], best = 0, bestc = 0;
		const char *wl = progs[w]->name;
		if (msc_one(c, progs[w], 0, false, false, base) < 0)
			return -1;
		for (uint32_t k = 0; k <= maxpool; k++) {
			char cfg[16];
			if (k && msc_one(c, progs[w], k, false, false, thr) < 0)
				return -1;
			if (!k)
				thr[0] = base[0], thr[1] = base[1], thr[2] = base[2];
			snprintf(cfg, sizeof(cfg), "static%u", k);
			res_add(c->r, "msc", cfg, wl, "-", "speedup",
				base[0] ? thr[0] / base[0] : 0);
			res_add(c->r, "msc", cfg, wl, "-", "corunner_norm",
				base[1] ? thr[1] / base[1] : 0);
			res_add(c->r, "msc", cfg, wl, "-", "xcore_writes", thr[2]);
			if (!k || thr[0] / base[0] > best) {
				best = thr[0] / base[0];
				bestc = thr[1] / base[1];
			}
		}
		res_add(c->r, "msc", "best", wl, "-", "speedup", best);
		res_add(c->r, "msc", "best", wl, "-", "corunner_norm", bestc);
		if (msc_one(c, progs[w], maxpool, true, false, thr) < 0)
			return -1;
		res_add(c->r, "msc", "adaptive", wl, "-", "speedup",
			base[0] ? thr[0] / base[0] : 0);
		res_add(c->r, "msc", "adaptive", wl, "-", "corunner_norm",
			base[1] ? thr[1] / base[1] : 0);
		res_add(c->r, "msc", "adaptive", wl, "-", "xcore_writes", thr[2]);
		res_add(c->r, "msc", "adaptive", wl, "-", "pool_moves", thr[3]);
		/* The pool inside Cypress's per-core scheduling: vs Cypress without it. */
		if (msc_one(c, progs[w], 0, false, true, base) < 0 ||
		    msc_one(c, progs[w], maxpool, true, true, thr) < 0)
			return -1;
		res_add(c->r, "msc", "cy-static0", wl, "-", "xcore_writes", base[2]);
		res_add(c->r, "msc", "cy-adaptive", wl, "-", "speedup",
			base[0] ? thr[0] / base[0] : 0);
		res_add(c->r, "msc", "cy-adaptive", wl, "-", "corunner_norm",
			base[1] ? thr[1] / base[1] : 0);
		res_add(c->r, "msc", "cy-adaptive", wl, "-", "xcore_writes", thr[2]);
	}
	return 0;
}
