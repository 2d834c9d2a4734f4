/* SPDX-License-Identifier: MIT */
/*
 * Hypercall dispatch (guest ABI in guest-abi/cypress.h, docs/guest-abi.md):
 * a table of {handler, permission}; empty slots answer CY_ENOSYS.
 * Environment: VMX root, the calling vCPU's core, interrupts off.
 */
#ifndef CORE_HYPERCALL_H
#define CORE_HYPERCALL_H

#include "core/vm.h"

/* Decoded arguments; handlers never see raw guest registers. */
struct hc_args {
	uint32_t nr;
	uint64_t a1, a2, a3;
};

/* Result of a dispatched call. */
struct hc_result {
	int64_t ret; /* goes to the guest's EAX */
	bool stop;   /* the VM ended during the call (exit hypercall) */
	int sched;   /* VMEXIT_RESUME, or YIELD/BLOCK: the core decides next (SA_ACK) */
};

/* Run hypercall `a` for vCPU `v`. */
struct hc_result hypercall_dispatch(struct vcpu *v, const struct hc_args *a);

#endif
