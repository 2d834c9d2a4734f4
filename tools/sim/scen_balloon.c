// SPDX-License-Identifier: MIT
/*
 * Scenario "balloon": VCPU-Bal (Song et al.). 12 cores, two 12-vCPU VMs of
 * equal weight running 12 threads each, spinning and blocking workloads.
 * Configurations: credit (Xen-credit-like time sharing of 24 vCPUs), cfs
 * (CFS-like: per-core virtual-runtime queues, sched/policy_fair.c, 4 ms slice,
 * idle stealing), pinned
 * (vCPU k of each VM pinned to core k, time-shared), balloon (sched/balloon.c
 * targets 6+6, each online vCPU owns a core) and cypress (the whole design:
 * GPM partitions with a dedicated LPM core each, so 5+5 vCPU cores + 2 LPM).
 * time_norm is execution time normalized to credit (inverse throughput).
 * Environment: host simulator.
 */
#include "tools/sim/scen.h"

static const char *const bal_cfg[] = { "credit", "cfs", "pinned", "balloon", "cypress" };
#define NCFG 5

static double bal_one(struct ctx *c, int cfg, const struct program *prog, double *xw)
{
	struct vm_spec vms[2] = {
		{ .name = "vm1",
		  .nvcpus = 12,
		  .nthreads = 12,
		  .prog = prog,
		  .pv = true,
		  .adapt_threads = true },
		{ .name = "vm2",
		  .nvcpus = 12,
		  .nthreads = 12,
		  .prog = prog,
		  .pv = true,
		  .adapt_threads = true },
	};
	struct machine m = { .ncores = 12,
			     .q_ns = 10 * NS_PER_US,
			     .end_ns = (c->scale == SCALE_TEST ? 300 : 2000) * NS_PER_MS,
			     .seed = c->seed };
	uint32_t pin[24];
	struct hv_conf hv = hv_credit();
	struct sim s;
	double thr;

	if (cfg == 1) {
		hv.queue = HVQ_FAIR;
		hv.slice_ns = 4 * NS_PER_MS;
		hv.boost = false;
	} else if (cfg == 2) {
		for (uint32_t i = 0; i < 24; i++)
			pin[i] = i % 12;
		hv.pin = pin;
		hv.steal = false;
	} else if (cfg >= 3) {
		hv = hv_cypress_part(cfg == 4);
	}
	hv.name = bal_cfg[cfg];
	sim_build(&s, &m, &hv, vms, 2, c->log);
	if (scen_run(&s) < 0)
		return -1;
	thr = sim_loops_per_s(&s, 0) + sim_loops_per_s(&s, 1);
	*xw = (double)s.xwrites;
	if (cfg == 4)
		cypress_report(&s, c->log);
	fprintf(c->log, "balloon: %s/%s: %.1f loops/s, vm1 %u vCPUs online, xcore writes %llu\n",
		bal_cfg[cfg], prog->name, thr, s.vms[0].balloon_target,
		(unsigned long long)s.xwrites);
	sim_free(&s);
	return thr;
}

int scen_balloon(struct ctx *c)
{
	const struct program *progs[2] = { &prog_spin, &prog_block };

	for (int w = 0; w < 2; w++) {
		double thr[NCFG], xw[NCFG];
		for (int cfg = 0; cfg < NCFG; cfg++) {
			thr[cfg] = bal_one(c, cfg, progs[w], &xw[cfg]);
			if (thr[cfg] < 0)
				return -1;
		}
		for (int cfg = 0; cfg < NCFG; cfg++) {
			res_add(c->r, "balloon", bal_cfg[cfg], progs[w]->name, "-", "time_norm",
				thr[cfg] > 0 ? thr[0] / thr[cfg] : 0);
			res_add(c->r, "balloon", bal_cfg[cfg], progs[w]->name, "-", "loops_per_s",
				thr[cfg]);
			res_add(c->r, "balloon", bal_cfg[cfg], progs[w]->name, "-", "xcore_writes",
				xw[cfg]);
		}
	}
	return 0;
}
