// SPDX-License-Identifier: MIT
/*
 * Balloon targets with load reports (sched/balloon_load.h).
 * Environment: freestanding hypervisor, any core (pure policy); also built
 * hosted for unit tests.
 */
#include "sched/balloon_load.h"

int balloon_compute_loaded(struct balloon_vm *vms, const uint32_t *load, uint32_t n, uint32_t cores)
{
	int rc = balloon_compute(vms, n, cores);

	if (rc < 0 || !load)
		return rc;
	for (uint32_t round = 0; round < n; round++) {
		bool changed = false;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t cap = load[i] > vms[i].vcpus_min ? load[i] : vms[i].vcpus_min;
			if (load[i] && load[i] < vms[i].target && cap < vms[i].vcpus_max) {
				vms[i].vcpus_max = cap;
				changed = true;
			}
		}
		if (!changed || balloon_compute(vms, n, cores) < 0)
			break;
	}
	return 0;
}
