// SPDX-License-Identifier: MIT
/*
 * Scenario "lease": two core-discovering VMs compete for the fast cores
 * (sched/lease.c: terms, fair share, renewal refused while another VM waits,
 * early release). 6 cores, 2 fast (3.0 GHz class) and 4 slow; VMs a and b,
 * 2 CPU-bound vCPUs each, both ask for fast cores. a asks first and gets
 * both; b is refused (no core free below its share) and waits, so a's
 * renewals are refused and its leases expire at the 1 s term. a made no
 * request within the last term, so it is not active and b's share is both
 * cores: whole terms rotate (b 1-2 s, a 2-3 s). At 2.5 s a stops wanting
 * fast cores and releases its leases early; b takes the freed cores.
 * Rows per VM: fast_share (its vCPU time on fast cores / all its vCPU time),
 * lease counts (granted, denied, expired, released), loops per second.
 * Environment: host simulator.
 */
#include "tools/sim/scen.h"

static const uint32_t lease_speed[6] = { 150, 150, 100, 100, 100, 100 };

int scen_lease(struct ctx *c)
{
	struct vm_spec vms[2] = {
		{ .name = "a",
		  .nvcpus = 2,
		  .nthreads = 2,
		  .prog = &prog_cpu,
		  .pv = true,
		  .wants_fast = true },
		{ .name = "b",
		  .nvcpus = 2,
		  .nthreads = 2,
		  .prog = &prog_cpu,
		  .pv = true,
		  .wants_fast = true },
	};
	struct machine m = { .ncores = 6,
			     .speed = lease_speed,
			     .q_ns = 100 * NS_PER_US,
			     .end_ns = 4 * NS_PER_S,
			     .seed = c->seed };
	struct hv_conf hv = { .name = "hetaware",
			      .queue = HVQ_FAIR,
			      .slice_ns = 30 * NS_PER_MS,
			      .hetaware = true,
			      .msg_wake = true,
			      .lease_drop_at_ns = 2500 * NS_PER_MS,
			      .lease_drop_vm = 0 };
	struct sim s;

	sim_build(&s, &m, &hv, vms, 2, c->log);
	if (scen_run(&s) < 0)
		return -1;
	for (uint32_t i = 0; i < 2; i++) {
		const struct vm_stats *st = &s.vms[i].st;
		uint64_t ran = 0;
		for (uint32_t k = 0; k < s.vms[i].nvcpus; k++)
			ran += s.vms[i].vcpus[k].h.ran;
		res_add(c->r, "lease", "hetaware", s.vms[i].name, "-", "fast_share",
			ran ? (double)st->fast_ns / (double)ran : 0);
		res_add(c->r, "lease", "hetaware", s.vms[i].name, "-", "granted",
			st->lease_granted);
		res_add(c->r, "lease", "hetaware", s.vms[i].name, "-", "denied", st->lease_denied);
		res_add(c->r, "lease", "hetaware", s.vms[i].name, "-", "expired",
			st->lease_expired);
		res_add(c->r, "lease", "hetaware", s.vms[i].name, "-", "released",
			st->lease_released);
		res_add(c->r, "lease", "hetaware", s.vms[i].name, "-", "loops_per_s",
			sim_loops_per_s(&s, i));
	}
	res_add(c->r, "lease", "hetaware", "both", "-", "xcore_writes", (double)s.xwrites);
	cypress_report(&s, c->log);
	sim_free(&s);
	return 0;
}
