// SPDX-License-Identifier: MIT
/*
 * Scenario "scale": the same workload mix at 64..4096 cores, Cypress (GPM
 * partitions with LPM cores, ballooned to one vCPU per core, wakes by
 * message) against the credit baseline (shared balancing). 16-vCPU VMs
 * cycle through the spin, block, lock, tlb, io and cpu programs; there are
 * twice as many vCPUs as cores. Reports useful work per core, cross-core
 * messages per core per simulated second, writes to another core's state
 * outside messages, and scheduling decisions per core per second.
 * Scenario "reject": requests the GPM cannot meet are refused with a defined
 * error, reported, and the partitions that fit run untouched.
 * Environment: host simulator.
 */
#include <stdlib.h>

#include "tools/sim/scen.h"

#define VM_VCPUS 16

static const struct program *const mix[] = { &prog_spin, &prog_block, &prog_klock,
					     &prog_tlb,	 &prog_io,    &prog_cpu };

static int scale_one(struct ctx *c, uint32_t ncores, bool cypress)
{
	uint32_t nvms = ncores * 2 / VM_VCPUS;
	struct vm_spec *vms = calloc(nvms, sizeof(*vms));
	struct machine m = { .ncores = ncores,
			     .cores_per_socket = 16,
			     .q_ns = 10 * NS_PER_US,
			     .end_ns = (c->scale == SCALE_FULL ? 200 : 50) * NS_PER_MS,
			     .seed = c->seed };
	struct hv_conf hv = cypress ? hv_cypress_part(true) : hv_credit();
	const char *cfg = cypress ? "cypress" : "credit";
	char x[16];
	double secs = (double)m.end_ns / NS_PER_S, work = 0;
	struct sim s;

	if (!vms)
		return -1;
	for (uint32_t i = 0; i < nvms; i++)
		vms[i] = (struct vm_spec){ .name = mix[i % ARRAY_SIZE(mix)]->name,
					   .nvcpus = VM_VCPUS,
					   .nthreads = VM_VCPUS,
					   .prog = mix[i % ARRAY_SIZE(mix)],
					   .pv = true,
					   .req = { .colocate = GPM_COLOC_SOCKET } };
	sim_build(&s, &m, &hv, vms, nvms, c->log);
	if (scen_run(&s) < 0) {
		free(vms);
		return -1;
	}
	uint32_t lpm = 0;
	for (uint32_t i = 0; i < nvms; i++)
		work += (double)s.vms[i].st.work;
	for (uint32_t k = 0; k < ncores; k++)
		lpm += s.cores[k].lpm;
	snprintf(x, sizeof(x), "%u", ncores);
	res_add(c->r, "scale", cfg, "mix", x, "throughput_per_core",
		work / NS_PER_MS / ncores / secs);
	res_add(c->r, "scale", cfg, "mix", x, "throughput_per_vcpu_core",
		work / NS_PER_MS / (ncores - lpm) / secs);
	res_add(c->r, "scale", cfg, "mix", x, "msgs_per_core_s", (double)s.msgs / ncores / secs);
	res_add(c->r, "scale", cfg, "mix", x, "xcore_writes", (double)s.xwrites);
	res_add(c->r, "scale", cfg, "mix", x, "decisions_per_core_s",
		(double)s.decisions / ncores / secs);
	res_add(c->r, "scale", cfg, "mix", x, "dispatches_per_core_s",
		(double)s.dispatches / ncores / secs);
	res_add(c->r, "scale", cfg, "mix", x, "rejected", s.rejected);
	sim_free(&s);
	free(vms);
	return 0;
}

int scen_scale(struct ctx *c)
{
	static const uint32_t sizes[] = { 64, 256, 1024, 4096 };
	uint32_t n = c->scale == SCALE_TEST ? 2 : ARRAY_SIZE(sizes);

	for (uint32_t i = 0; i < n; i++)
		for (int cy = 1; cy >= 0; cy--)
			if (scale_one(c, sizes[i], cy) < 0)
				return -1;
	return 0;
}

int scen_reject(struct ctx *c)
{
	struct vm_spec vms[] = {
		{ .name = "ok", .nvcpus = 4, .nthreads = 4, .prog = &prog_cpu, .pv = true },
		{ .name = "too-many", .nvcpus = 32, .nthreads = 4, .prog = &prog_cpu },
		{ .name = "budget-low",
		  .nvcpus = 2,
		  .nthreads = 2,
		  .prog = &prog_cpu,
		  .power_w = 5 },
		{ .name = "gang+shared",
		  .nvcpus = 2,
		  .nthreads = 2,
		  .prog = &prog_cpu,
		  .req = { .gang = true, .share_core = true } },
		{ .name = "ok-too", .nvcpus = 3, .nthreads = 3, .prog = &prog_cpu, .pv = true },
	};
	struct machine m = {
		.ncores = 16, .q_ns = 100 * NS_PER_US, .end_ns = 100 * NS_PER_MS, .seed = c->seed
	};
	struct hv_conf hv = hv_cypress_part(true);
	struct sim s;

	hv.balloon = false; /* ask for exactly what each guest wants */
	sim_build(&s, &m, &hv, vms, ARRAY_SIZE(vms), c->log);
	if (scen_run(&s) < 0)
		return -1;
	res_add(c->r, "reject", "all", "cpu", "-", "xcore_writes", (double)s.xwrites);
	for (uint32_t i = 0; i < s.nvms; i++) {
		res_add(c->r, "reject", s.vms[i].name, "cpu", "-", "rejected", s.vms[i].rejected);
		res_add(c->r, "reject", s.vms[i].name, "cpu", "-", "loops_per_s",
			sim_loops_per_s(&s, i));
	}
	cypress_report(&s, c->log);
	sim_free(&s);
	return 0;
}
