// SPDX-License-Identifier: MIT
/*
 * Scenario "dyn": dynamic ballooning (VCPU-Bal §3: the balloon targets follow
 * the VMs' weights at run time). 12 cores, two 12-vCPU paravirtual VMs of 12
 * CPU-bound threads, equal weights, VCPU-Bal placement without LPM cores:
 * 6+6 vCPUs online, one core each. Half-way, the GPM raises vm2's weight to
 * 3: sched/balloon.c gives 3+9, balloon_commands() tells each guest
 * (MSG_BALLOON, which no other scenario sends), vm1 unplugs 3 vCPUs, and
 * vm2's 3 new vCPUs move to the freed cores before they come online. Rows:
 * vCPUs online before and after, and each VM's loops per second in each half.
 * Environment: host simulator.
 */
#include "tools/sim/scen.h"

int scen_dyn(struct ctx *c)
{
	struct vm_spec vms[2] = {
		{ .name = "vm1", .nvcpus = 12, .nthreads = 12, .prog = &prog_cpu, .pv = true },
		{ .name = "vm2", .nvcpus = 12, .nthreads = 12, .prog = &prog_cpu, .pv = true },
	};
	struct machine m = { .ncores = 12,
			     .q_ns = 10 * NS_PER_US,
			     .end_ns = (c->scale == SCALE_TEST ? 200 : 1000) * NS_PER_MS,
			     .seed = c->seed };
	struct hv_conf hv = hv_cypress_part(false);
	double half;
	struct sim s;

	hv.name = "balloon-dyn";
	hv.dyn_at_ns = m.end_ns / 2;
	hv.dyn_vm = 1;
	hv.dyn_weight = 3;
	sim_build(&s, &m, &hv, vms, 2, c->log);
	if (scen_run(&s) < 0)
		return -1;
	half = (double)(m.end_ns / 2) / NS_PER_S;
	for (uint32_t i = 0; i < 2; i++) {
		const struct vm *vm = &s.vms[i];
		uint32_t online = 0;
		for (uint32_t k = 0; k < vm->nvcpus; k++)
			online += vm->vcpus[k].h.st != VC_OFFLINE;
		res_add(c->r, "dyn", "balloon-dyn", vm->name, "before", "vcpus_online",
			vm->st.online_mid);
		res_add(c->r, "dyn", "balloon-dyn", vm->name, "after", "vcpus_online", online);
		res_add(c->r, "dyn", "balloon-dyn", vm->name, "before", "loops_per_s",
			(double)vm->st.loops_mid / half);
		res_add(c->r, "dyn", "balloon-dyn", vm->name, "after", "loops_per_s",
			(double)(vm->st.loops - vm->st.loops_mid) / half);
	}
	res_add(c->r, "dyn", "balloon-dyn", "both", "-", "xcore_writes", (double)s.xwrites);
	sim_free(&s);
	return 0;
}
