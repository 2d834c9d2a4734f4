// SPDX-License-Identifier: MIT
/*
 * Scenario "het": Cypress paper section 3.3. Four cores at 3.0/2.7/2.3/2.0
 * GHz, taskset 1 two CPU-bound tasks (sixtrack), taskset 2 two memory-bound
 * tasks (mcf), each taskset a 2-vCPU VM; schedulers Default (placement by
 * chance: the mean over all 24 placements of the 4 tasks on the 4 cores,
 * each equally likely, so no sample of seeds decides it), Basic (fair
 * by power: 3.0+2.0 GHz vs 2.7+2.3 GHz) and Het-aware (Cypress: taskset 1's
 * guest discovers core types and leases the fast cores, sched/lease.c;
 * taskset 2 gets slow cores under its power budget, sched/cores.c).
 * Environment: host simulator.
 */
#include "tools/sim/scen.h"

/* Speeds relative to 2.0 GHz. */
static const uint32_t het_speed[4] = { 150, 135, 115, 100 };

static const char *const het_cfg[] = { "default", "basic", "hetaware" };

/* The k-th (0..23) permutation of the 4 cores, by its factorial-base digits. */
static void nth_perm(uint32_t k, uint32_t pin[4])
{
	uint32_t left[4] = { 0, 1, 2, 3 }, n = 4;

	for (uint32_t i = 0, f = 6; i < 4; i++) {
		uint32_t d = k / f;
		pin[i] = left[d];
		for (uint32_t j = d; j + 1 < n; j++)
			left[j] = left[j + 1];
		n--;
		k %= f;
		f = n ? f / n : 1;
	}
}

static int het_one(struct ctx *c, int cfg, uint32_t perm, double ips[2], double epi[2], double *xw)
{
	struct vm_spec vms[2] = {
		{ .name = "sixtrack",
		  .nvcpus = 2,
		  .nthreads = 2,
		  .prog = &prog_cpu,
		  .pv = true,
		  .wants_fast = true },
		{ .name = "mcf", .nvcpus = 2, .nthreads = 2, .prog = &prog_mem, .pv = true },
	};
	struct machine m = { .ncores = 4,
			     .speed = het_speed,
			     .q_ns = 100 * NS_PER_US,
			     .end_ns = (c->scale == SCALE_TEST ? 1 : 4) * NS_PER_S,
			     .seed = c->seed };
	uint32_t pin[4];
	struct hv_conf hv = { .name = het_cfg[cfg], .queue = HVQ_FAIR, .slice_ns = 30 * NS_PER_MS };
	struct sim s;

	if (cfg == 0) {
		nth_perm(perm, pin);
		hv.pin = pin;
	} else if (cfg == 1) {
		static const uint32_t basic[4] = { 0, 3, 1, 2 };
		hv.pin = basic;
	} else {
		hv.hetaware = true;
	}
	sim_build(&s, &m, &hv, vms, 2, c->log);
	if (scen_run(&s) < 0)
		return -1;
	for (uint32_t i = 0; i < 2; i++) {
		const struct vm_stats *st = &s.vms[i].st;
		ips[i] = (double)st->insns * (double)NS_PER_S / (double)s.end;
		epi[i] = st->insns ? (double)st->energy_pj / (double)st->insns : 0;
	}
	*xw += (double)s.xwrites;
	if (cfg == 2)
		cypress_report(&s, c->log);
	sim_free(&s);
	return 0;
}

int scen_het(struct ctx *c)
{
	static const char *const wl[2] = { "cpu", "mem" };
	double ips[3][2] = { { 0 } }, epi[3][2] = { { 0 } }, maxi = 0, maxe = 0, xw[3] = { 0 };

	for (int cfg = 0; cfg < 3; cfg++) {
		int runs = cfg == 0 ? 24 : 1;
		for (int k = 0; k < runs; k++) {
			double i2[2], e2[2];
			if (het_one(c, cfg, (uint32_t)k, i2, e2, &xw[cfg]) < 0)
				return -1;
			for (int w = 0; w < 2; w++) {
				ips[cfg][w] += i2[w] / runs;
				epi[cfg][w] += e2[w] / runs;
			}
		}
		for (int w = 0; w < 2; w++) {
			maxi = ips[cfg][w] > maxi ? ips[cfg][w] : maxi;
			maxe = epi[cfg][w] > maxe ? epi[cfg][w] : maxe;
		}
	}
	for (int cfg = 0; cfg < 3; cfg++) {
		res_add(c->r, "het", het_cfg[cfg], "both", "-", "xcore_writes", xw[cfg]);
		for (int w = 0; w < 2; w++) {
			res_add(c->r, "het", het_cfg[cfg], wl[w], "-", "ips_norm",
				ips[cfg][w] / maxi);
			res_add(c->r, "het", het_cfg[cfg], wl[w], "-", "epi_norm",
				epi[cfg][w] / maxe);
			res_add(c->r, "het", het_cfg[cfg], wl[w], "-", "ips_vs_default",
				ips[cfg][w] / ips[0][w]);
			res_add(c->r, "het", het_cfg[cfg], wl[w], "-", "epi_vs_default",
				epi[cfg][w] / epi[0][w]);
		}
	}
	return 0;
}
