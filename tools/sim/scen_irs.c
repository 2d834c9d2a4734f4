// SPDX-License-Identifier: MIT
/*
 * Scenario "irs": Zhao et al. A 4-vCPU paravirtual VM (4 threads) on 4 cores
 * with 1, 2 or 4 single-vCPU CPU hogs sharing them (hog j and vCPU j pinned
 * to core j), blocking and spinning workloads. Configurations: vanilla
 * (credit), ple (pause-loop exits yield the spinning vCPU as Xen's credit
 * does: behind its peers and the next lower priority class), costop (a
 * threshold co-stop: a vCPU more than 3 ms ahead of a preempted sibling is
 * stopped until the sibling catches up; VMware's relaxed co-scheduling also
 * swaps leader and laggard, which this baseline does not, so it is named for
 * what it does) and irs (an SA upcall before each preemption, sched/irs.c,
 * the guest migrates the thread away; hard limit 1 ms). For ple,
 * ple_gave_way_pct is the share of PLE yields that ran another vCPU.
 * cy-fair and cy-irs run the same machine on Cypress's own per-core
 * scheduling instead of the credit baseline: sched/policy_fair.c on every
 * core, wakes by message, no stealing; cy-irs adds IRS (sched/irs.c) there,
 * and improve_vs_cy_fair_pct is its gain over cy-fair.
 * slowdown = throughput alone / throughput with hogs; improve_pct is the
 * throughput gain over vanilla with the same hogs.
 * Environment: host simulator.
 */
#include "tools/sim/scen.h"

static const char *const irs_cfg[] = { "vanilla", "ple", "costop", "irs", "cy-fair", "cy-irs" };
#define NCFG 6

static double irs_one(struct ctx *c, int cfg, const struct program *prog, uint32_t hogs, double *xw,
		      double *gave_way)
{
	struct vm_spec vms[5] = {
		{ .name = "par", .nvcpus = 4, .nthreads = 4, .prog = prog, .pv = true }
	};
	struct machine m = { .ncores = 4,
			     .q_ns = 10 * NS_PER_US,
			     .end_ns = (c->scale == SCALE_TEST ? 300 : 2000) * NS_PER_MS,
			     .seed = c->seed };
	uint32_t pin[8] = { 0, 1, 2, 3, 0, 1, 2, 3 };
	struct hv_conf hv = hv_credit();
	struct sim s;
	uint64_t sent, forced;
	double thr;

	for (uint32_t j = 0; j < hogs; j++)
		vms[1 + j] = (struct vm_spec){
			.name = "hog", .nvcpus = 1, .nthreads = 1, .prog = &prog_cpu, .hog = true
		};
	if (cfg >= 4) {
		hv.queue = HVQ_FAIR;
		hv.boost = false;
		hv.msg_wake = true;
	}
	hv.pin = pin;
	hv.steal = false;
	hv.name = irs_cfg[cfg];
	hv.ple = cfg == 1;
	hv.ple_window_ns = cfg == 1 ? 50 * NS_PER_US : 0;
	hv.cosched = cfg == 2;
	hv.skew_ns = 3 * NS_PER_MS;
	hv.irs = cfg == 3 || cfg == 5;
	hv.irs_limit_ns = NS_PER_MS;
	sim_build(&s, &m, &hv, vms, 1 + hogs, c->log);
	if (scen_run(&s) < 0)
		return -1;
	thr = sim_loops_per_s(&s, 0);
	*xw = (double)s.xwrites;
	*gave_way = s.vms[0].st.ple ? 100.0 * (double)(s.vms[0].st.ple - s.vms[0].st.ple_self) /
					      (double)s.vms[0].st.ple :
				      0;
	sim_irs_totals(&s, &sent, &forced);
	fprintf(c->log,
		"irs: %s/%s hogs=%u: %.1f loops/s, %llu PLE exits, %llu SA upcalls, %llu cut off at the hard limit\n",
		irs_cfg[cfg], prog->name, hogs, thr, (unsigned long long)s.vms[0].st.ple,
		(unsigned long long)sent, (unsigned long long)forced);
	sim_free(&s);
	return thr;
}

int scen_irs(struct ctx *c)
{
	const struct program *progs[2] = { &prog_spin, &prog_block };
	static const uint32_t hogs[3] = { 1, 2, 4 };

	for (int w = 0; w < 2; w++) {
		double xw[NCFG];
		double gw[NCFG];
		double alone = irs_one(c, 0, progs[w], 0, xw, gw);
		if (alone < 0)
			return -1;
		for (int h = 0; h < 3; h++) {
			char x[8];
			double thr[NCFG];
			snprintf(x, sizeof(x), "%u", hogs[h]);
			for (int cfg = 0; cfg < NCFG; cfg++) {
				thr[cfg] = irs_one(c, cfg, progs[w], hogs[h], &xw[cfg], &gw[cfg]);
				if (thr[cfg] < 0)
					return -1;
			}
			for (int cfg = 0; cfg < NCFG; cfg++) {
				res_add(c->r, "irs", irs_cfg[cfg], progs[w]->name, x, "slowdown",
					thr[cfg] > 0 ? alone / thr[cfg] : 0);
				res_add(c->r, "irs", irs_cfg[cfg], progs[w]->name, x, "improve_pct",
					thr[0] > 0 ? (thr[cfg] / thr[0] - 1) * 100 : 0);
				res_add(c->r, "irs", irs_cfg[cfg], progs[w]->name, x,
					"xcore_writes", xw[cfg]);
				if (cfg == 5)
					res_add(c->r, "irs", "cy-irs", progs[w]->name, x,
						"improve_vs_cy_fair_pct",
						thr[4] > 0 ? (thr[5] / thr[4] - 1) * 100 : 0);
				if (cfg == 1)
					res_add(c->r, "irs", "ple", progs[w]->name, x,
						"ple_gave_way_pct", gw[1]);
			}
		}
	}
	return 0;
}
