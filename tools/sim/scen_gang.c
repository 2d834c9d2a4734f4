// SPDX-License-Identifier: MIT
/*
 * Scenario "gang": VT-ASOS gang scheduling as a running policy. The irs
 * scenario's machine on Cypress's own per-core scheduling: a 4-vCPU
 * synchronising VM (4 threads) on 4 cores with 1, 2 or 4 single-vCPU CPU hogs
 * (hog j and vCPU j pinned to core j), wakes by message. Configurations:
 * cy-fair (sched/policy_fair.c on every core, as irs cy-fair) and cy-gang
 * (sched/policy_gang.c on every core; the VM asks for gang scheduling, and at
 * time 0 core 0, in the gang's LPM's role, sends every core of the gang the
 * same slot by message: 30 ms periods, the gang's share by weight on the most
 * loaded core, so 15 ms with equal weights). Workloads: spin (spin 0.2 ms at
 * a barrier, then block), spinbar (spin at the barrier until it opens, as
 * OpenMP's active wait does) and block (mutex and blocking barrier).
 * Rows: loops_per_s; slowdown (alone / with hogs); improve_pct (over cy-fair
 * with the same hogs); hog_pct (the hogs' mean share of a core); split_pct
 * (of the quanta in which some vCPU of the VM ran, those in which another
 * was runnable but waiting: VT-ASOS's "all at the same time or not at all"
 * is split_pct 0); outside_slot_q (cy-gang: quanta in which a gang vCPU ran
 * outside its slot, 0 by rule 2 of sched/policy_gang.c); xcore_writes. VT-ASOS gives no figure (its text argues
 * only that parallel guests need gang scheduling): no paper column.
 * Environment: host simulator.
 */
#include "tools/sim/scen.h"

static const char *const gang_cfg[] = { "cy-fair", "cy-gang" };

struct gang_out {
	double thr, hog_pct, split_pct, outside, xw;
};

static int gang_one(struct ctx *c, int cfg, const struct program *prog, uint32_t hogs,
		    struct gang_out *o)
{
	struct vm_spec vms[5] = { { .name = "par",
				    .nvcpus = 4,
				    .nthreads = 4,
				    .prog = prog,
				    .pv = true,
				    .req = { .gang = cfg == 1 } } };
	struct machine m = { .ncores = 4,
			     .q_ns = 10 * NS_PER_US,
			     .end_ns = (c->scale == SCALE_TEST ? 300 : 2000) * NS_PER_MS,
			     .seed = c->seed };
	uint32_t pin[8] = { 0, 1, 2, 3, 0, 1, 2, 3 };
	struct hv_conf hv = { .name = gang_cfg[cfg],
			      .queue = cfg == 1 ? HVQ_GANG : HVQ_FAIR,
			      .slice_ns = 30 * NS_PER_MS,
			      .pin = pin,
			      .msg_wake = true,
			      .gang_period_ns = 30 * NS_PER_MS,
			      .watch_split = true };
	struct sim s;
	double hog = 0;

	for (uint32_t j = 0; j < hogs; j++)
		vms[1 + j] = (struct vm_spec){
			.name = "hog", .nvcpus = 1, .nthreads = 1, .prog = &prog_cpu, .hog = true
		};
	sim_build(&s, &m, &hv, vms, 1 + hogs, c->log);
	if (scen_run(&s) < 0)
		return -1;
	o->thr = sim_loops_per_s(&s, 0);
	for (uint32_t j = 0; j < hogs; j++)
		hog += sim_loops_per_s(&s, 1 + j);
	/* A hog alone completes 1000 loops (1 ms each) per second. */
	o->hog_pct = hogs ? hog / hogs / 10 : 0;
	o->split_pct = s.vms[0].st.run_q ?
			       100.0 * (double)s.vms[0].st.split_q / (double)s.vms[0].st.run_q :
			       0;
	o->outside = (double)s.vms[0].st.outside_q;
	o->xw = (double)s.xwrites;
	fprintf(c->log, "gang: %s/%s hogs=%u: %.1f loops/s, hogs %.1f%% of a core, split %.1f%%\n",
		gang_cfg[cfg], prog->name, hogs, o->thr, o->hog_pct, o->split_pct);
	sim_free(&s);
	return 0;
}

int scen_gang(struct ctx *c)
{
	const struct program *progs[3] = { &prog_spin, &prog_spinbar, &prog_block };
	static const uint32_t hogs[3] = { 1, 2, 4 };

	for (int w = 0; w < 3; w++) {
		struct gang_out alone;
		if (gang_one(c, 0, progs[w], 0, &alone) < 0)
			return -1;
		for (int h = 0; h < 3; h++) {
			struct gang_out o[2];
			char x[8];
			snprintf(x, sizeof(x), "%u", hogs[h]);
			for (int cfg = 0; cfg < 2; cfg++)
				if (gang_one(c, cfg, progs[w], hogs[h], &o[cfg]) < 0)
					return -1;
			for (int cfg = 0; cfg < 2; cfg++) {
				const char *n = gang_cfg[cfg], *wl = progs[w]->name;
				res_add(c->r, "gang", n, wl, x, "loops_per_s", o[cfg].thr);
				res_add(c->r, "gang", n, wl, x, "slowdown",
					o[cfg].thr > 0 ? alone.thr / o[cfg].thr : 0);
				res_add(c->r, "gang", n, wl, x, "improve_pct",
					o[0].thr > 0 ? (o[cfg].thr / o[0].thr - 1) * 100 : 0);
				res_add(c->r, "gang", n, wl, x, "hog_pct", o[cfg].hog_pct);
				res_add(c->r, "gang", n, wl, x, "split_pct", o[cfg].split_pct);
				if (cfg == 1)
					res_add(c->r, "gang", n, wl, x, "outside_slot_q",
						o[cfg].outside);
				res_add(c->r, "gang", n, wl, x, "xcore_writes", o[cfg].xw);
			}
		}
	}
	return 0;
}
