/* SPDX-License-Identifier: MIT */
/*
 * Building one simulated machine and its VMs for a scenario, running it and
 * reading the figures out.
 * Environment: host simulator.
 */
#ifndef TOOLS_SIM_BUILD_H
#define TOOLS_SIM_BUILD_H

#include "tools/sim/sim.h"

#define CORE_STATIC_MW 2000u
#define CORE_DYN_MW    8000u
#define CORE_IDLE_MW   500u

/* One VM a scenario asks for. */
struct vm_spec {
	const char *name;
	uint32_t nvcpus, nthreads, weight;
	const struct program *prog;
	bool pv, hog, wants_fast;
	bool adapt_threads; /* a computational guest: threads = online vCPUs at start */
	uint32_t power_w;
	struct gpm_request req; /* Cypress constraints (vcpus is filled in) */
};

/* How long and how finely to run, and the machine's cores. */
struct machine {
	uint32_t ncores;
	uint32_t cores_per_socket;
	const uint32_t *speed; /* per core, NULL = all 100 */
	uint64_t q_ns, end_ns, seed;
};

/*
 * Set s up for machine m running vms[0..n) under hypervisor configuration hv
 * (calloc'd storage, freed by sim_free()). Cores default to slow class, speed
 * 100 and 10 W busy; a core with speed > 120 is classed fast. Busy power is
 * static (leakage, drawn whenever the core is on) plus dynamic power that
 * follows frequency cubed (P ~ f * V^2 with V ~ f):
 * mW = CORE_STATIC_MW + CORE_DYN_MW * (speed/100)^3; an idle core draws
 * CORE_STATIC_MW + CORE_IDLE_MW. The split (2 W static, 8 W dynamic at the
 * slowest speed, 0.5 W idle) is an assumption of the model, not a measurement.
 * log receives sched/ diagnostics and rejected requests.
 */
void sim_build(struct sim *s, const struct machine *m, const struct hv_conf *hv,
	       const struct vm_spec *vms, uint32_t n, FILE *log);

/* Useful work of VM i per simulated second, in loops (program iterations). */
double sim_loops_per_s(const struct sim *s, uint32_t i);

/* Summed statistics over every vCPU's IRS state machine. */
void sim_irs_totals(const struct sim *s, uint64_t *sent, uint64_t *forced);

#endif
