// SPDX-License-Identifier: MIT
/*
 * Scenario "own": the ownership check checks itself. A small Cypress machine
 * (16 cores, two 6-vCPU VMs in partitions) runs three times: untouched (0
 * cross-core writes), with one deliberate write by core 0 to a vCPU another
 * core owns, and with one sched/ callback by core 0 on another core's queue
 * (engine.c, fault()). Each faulty run must count exactly 1.
 * Environment: host simulator.
 */
#include "tools/sim/scen.h"

static const char *const own_cfg[] = { "clean", "vcpu-write", "sched-call" };

int scen_own(struct ctx *c)
{
	struct vm_spec vms[2] = {
		{ .name = "a", .nvcpus = 6, .nthreads = 6, .prog = &prog_block, .pv = true },
		{ .name = "b", .nvcpus = 6, .nthreads = 6, .prog = &prog_io, .pv = true },
	};
	struct machine m = {
		.ncores = 16, .q_ns = 10 * NS_PER_US, .end_ns = 20 * NS_PER_MS, .seed = c->seed
	};

	for (int k = 0; k < 3; k++) {
		struct hv_conf hv = hv_cypress_part(true);
		struct sim s;
		sim_build(&s, &m, &hv, vms, 2, c->log);
		s.xw_fault = k == 0 ? SIM_FAULT_NONE : k == 1 ? SIM_FAULT_VCPU : SIM_FAULT_SCHED;
		if (scen_run(&s) < 0)
			return -1;
		res_add(c->r, "own", own_cfg[k], "mix", "-", "xcore_writes", (double)s.xwrites);
		sim_free(&s);
	}
	return 0;
}
