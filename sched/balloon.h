/* SPDX-License-Identifier: MIT */
/*
 * vCPU ballooning targets: how many vCPUs each VM should keep online so that
 * every online vCPU can own a physical core (VCPU-Bal, Song et al.,
 * "Schedule Processes, not VCPUs", seeds/002: N_pCPU = W_vm * T_pCPU / sum(W)).
 * Environment: freestanding hypervisor, any core, interrupts either way (pure
 * policy: no hardware access, no allocation, caller owns all storage); also
 * built hosted for unit tests and the simulator.
 *
 * The paper's formula gives fractions; cores are whole. balloon_compute()
 * turns the weighted shares into integers that add up exactly, using the
 * largest-remainder method, while honouring each VM's [vcpus_min, vcpus_max]:
 * a VM whose share falls outside its limits is pinned to the limit and the
 * rest is shared again among the others, until nothing moves.
 */
#ifndef SCHED_BALLOON_H
#define SCHED_BALLOON_H

#include "lib/types.h"

struct balloon_vm {
	uint32_t weight;    /* relative share, >= 1 */
	uint32_t vcpus_max; /* vCPUs the VM was built with */
	uint32_t vcpus_min; /* never balloon below this, >= 1 */
	uint32_t target;    /* out: vCPUs the VM should have online */
	uint32_t online;    /* vCPUs the guest currently has online */
};

/* One command to a guest: online (+) or offline (-) this many vCPUs. */
struct balloon_cmd {
	uint32_t vm;   /* index into the vms array */
	int32_t delta; /* target - online; never 0 */
};

/*
 * Fill vms[i].target for every VM so that the targets add up to exactly
 * min(cores_available, sum of vcpus_max), each lies in [vcpus_min, vcpus_max],
 * and each is as close as possible to weight * cores / sum(weight): the ideal
 * (fractional) shares are found by pinning VMs that fall outside their limits
 * and re-sharing the rest, then rounded by largest remainder (ties go to the
 * lower index). A VM with a higher weight and the same limits never gets
 * fewer cores than one with a lower weight. Deterministic; integer math only.
 *
 * Preconditions: vms points to n entries (n >= 1); targets are not read.
 * Returns 0 on success. -E_INVAL if n == 0, vms is NULL, or some VM has
 * weight 0, vcpus_min 0 or vcpus_min > vcpus_max (one "balloon: " line names
 * the VM). -E_RANGE if the sum of vcpus_min exceeds cores_available (one
 * "balloon: " line). On any error no target is changed.
 */
int balloon_compute(struct balloon_vm *vms, uint32_t n, uint32_t cores_available);

/*
 * Write the commands that move each guest from vms[i].online to
 * vms[i].target: one per VM whose target differs, offlining commands first
 * (in VM order), then onlining commands (in VM order), so cores are given up
 * before they are handed out. A delta beyond int32_t is saturated (the guest
 * is asked again on the next round).
 *
 * Preconditions: vms points to n entries with target filled (normally by
 * balloon_compute()); out points to max entries (may be NULL if max == 0).
 * Returns the number of commands written. If more than max are needed, the
 * first max are written and one "balloon: " line says how many were dropped.
 */
uint32_t balloon_commands(const struct balloon_vm *vms, uint32_t n, struct balloon_cmd *out,
			  uint32_t max);

#endif
