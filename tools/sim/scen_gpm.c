// SPDX-License-Identifier: MIT
/*
 * Scenario "gpm": the Global Partition Manager under load (sched/gpm.c).
 * 16 cores on 2 sockets; three partitions with an LPM core each, created in
 * this order: a (8 vCPUs, 8 CPU-bound threads, asks for 4 vCPUs at first),
 * c (4 vCPUs, I/O) and b (4 vCPUs in one affinity group that must share a
 * socket, blocking workload; socket 0 is full, so it lands on socket 1). At
 * 1/3 of the run c leaves: gpm_destroy(), its guest offlines every vCPU
 * (MSG_BALLOON 0) and its LPM core stops being one (MSG_LPM_OFF). At 1/2 the
 * GPM re-plans the live machine (gpm_replan(), in creation order from
 * scratch): b's group moves down into c's old cores (MSG_MOVE per vCPU) and
 * its LPM core moves into c's old LPM core (MSG_LPM_OFF to the old one,
 * MSG_LPM_ON to the new one) while b runs. At 2/3 a grows to 8 vCPUs:
 * gpm_resize() takes the freed cores, each new vCPU moves there (MSG_MOVE)
 * before it comes online (MSG_BALLOON 8). Rows: a's loops per second before
 * and after growing, b's before and after the re-plan, what the re-plan
 * moved, c's vCPUs online at the end, whether b's group is on one socket at
 * the end, cross-core writes.
 * Environment: host simulator.
 */
#include "tools/sim/scen.h"

int scen_gpm(struct ctx *c)
{
	struct vm_spec vms[3] = {
		{ .name = "a",
		  .nvcpus = 8,
		  .nthreads = 8,
		  .prog = &prog_cpu,
		  .pv = true,
		  .req = { .vcpus = 4 } },
		{ .name = "c", .nvcpus = 4, .nthreads = 4, .prog = &prog_io, .pv = true },
		{ .name = "b",
		  .nvcpus = 4,
		  .nthreads = 4,
		  .prog = &prog_block,
		  .pv = true,
		  .req = { .ngroups = 1,
			   .groups = { { .first = 0, .count = 4, .level = GPM_COLOC_SOCKET } } } },
	};
	struct machine m = { .ncores = 16,
			     .cores_per_socket = 8,
			     .q_ns = 10 * NS_PER_US,
			     .end_ns = (c->scale == SCALE_TEST ? 300 : 900) * NS_PER_MS,
			     .seed = c->seed };
	struct hv_conf hv = hv_cypress_part(true);
	double t_before, t_after, t_plan;
	uint32_t online = 0, sock = UINT32_MAX, one_socket = 1;
	struct sim s;

	hv.name = "cypress";
	hv.balloon = false;
	hv.gpm_destroy_at_ns = m.end_ns / 3 / NS_PER_MS * NS_PER_MS;
	hv.gpm_destroy_vm = 1;
	hv.gpm_replan_at_ns = m.end_ns / 2 / NS_PER_MS * NS_PER_MS;
	hv.gpm_grow_at_ns = m.end_ns * 2 / 3 / NS_PER_MS * NS_PER_MS;
	hv.gpm_grow_vm = 0;
	sim_build(&s, &m, &hv, vms, 3, c->log);
	if (scen_run(&s) < 0)
		return -1;
	t_before = (double)hv.gpm_grow_at_ns / NS_PER_S;
	t_plan = (double)hv.gpm_replan_at_ns / NS_PER_S;
	t_after = (double)(m.end_ns - hv.gpm_grow_at_ns) / NS_PER_S;
	for (uint32_t k = 0; k < s.vms[1].nvcpus; k++)
		online += s.vms[1].vcpus[k].h.st != VC_OFFLINE;
	for (uint32_t k = 0; k < s.vms[2].nvcpus; k++) {
		uint32_t so = s.cores[s.vms[2].vcpus[k].h.home].socket;
		one_socket &= sock == UINT32_MAX || so == sock;
		sock = so;
	}
	res_add(c->r, "gpm", "cypress", "a", "before", "loops_per_s",
		(double)s.vms[0].st.loops_mid / t_before);
	res_add(c->r, "gpm", "cypress", "a", "after", "loops_per_s",
		(double)(s.vms[0].st.loops - s.vms[0].st.loops_mid) / t_after);
	res_add(c->r, "gpm", "cypress", "c", "after", "vcpus_online", online);
	res_add(c->r, "gpm", "cypress", "b", "-", "group_one_socket", one_socket);
	res_add(c->r, "gpm", "cypress", "b", "-", "loops_per_s", sim_loops_per_s(&s, 2));
	res_add(c->r, "gpm", "cypress", "b", "before-replan", "loops_per_s",
		(double)s.vms[2].st.loops_replan / t_plan);
	res_add(c->r, "gpm", "cypress", "b", "after-replan", "loops_per_s",
		(double)(s.vms[2].st.loops - s.vms[2].st.loops_replan) /
			((double)m.end_ns / NS_PER_S - t_plan));
	res_add(c->r, "gpm", "cypress", "b", "-", "replan_moves", s.vms[2].st.replan_moves);
	res_add(c->r, "gpm", "cypress", "b", "-", "lpm_moves", s.vms[2].st.lpm_moves);
	res_add(c->r, "gpm", "cypress", "a", "-", "replan_moves", s.vms[0].st.replan_moves);
	res_add(c->r, "gpm", "cypress", "all", "-", "xcore_writes", (double)s.xwrites);
	cypress_report(&s, c->log);
	sim_free(&s);
	return 0;
}
