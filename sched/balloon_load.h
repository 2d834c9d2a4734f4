/* SPDX-License-Identifier: MIT */
/*
 * Balloon targets that use the guests' load reports (VT-ASOS load reports
 * feeding VCPU-Bal): a VM that reported fewer runnable threads than its
 * share cannot use the rest, so it gets max(threads, vcpus_min) and the
 * other VMs share what it leaves.
 * Environment: freestanding hypervisor, any core, interrupts either way (pure
 * policy: no hardware access, no allocation); also built hosted for unit tests.
 */
#ifndef SCHED_BALLOON_LOAD_H
#define SCHED_BALLOON_LOAD_H

#include "sched/balloon.h"

/*
 * balloon_compute(vms, n, cores), then, while some VM i has 0 < load[i] <
 * target and max(load[i], vcpus_min) < its vcpus_max: that VM's vcpus_max
 * becomes max(load[i], vcpus_min) and the targets are computed again (at
 * most n rounds: each round lowers at least one limit for good). load[i] 0
 * means "no report". vcpus_max of the VMs it capped is left lowered (the
 * caller's copy). Returns balloon_compute()'s first result: 0, or -E_INVAL /
 * -E_RANGE with no target changed. A later round that fails (it cannot: the
 * limits only come down to vcpus_min) keeps the previous targets.
 */
int balloon_compute_loaded(struct balloon_vm *vms, const uint32_t *load, uint32_t n,
			   uint32_t cores);

#endif
