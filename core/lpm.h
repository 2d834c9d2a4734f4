/* SPDX-License-Identifier: MIT */
/*
 * Local Partition Manager: one per partition, on a core of its own
 * (`lpm = dedicated`) or with other LPMs on cpu 0 (`lpm = shared`). It
 * owns its partition's local decisions: which vCPU lives on which of the
 * partition's cores, moving vCPUs between them (the guest's VCPU_MOVE
 * requests, a resize from the GPM), and it tells the GPM when a request
 * is done. It talks to the GPM and to its vCPU cores only by messages;
 * its state (struct lpm) is written only on its own core.
 * Environment: freestanding hypervisor; lpm_create() on the GPM core,
 * the handlers on the LPM's core, lpm_moved() on a vCPU core.
 */
#ifndef CORE_LPM_H
#define CORE_LPM_H

#include "core/vm.h"

#define LPM_MAX_CORES VM_MAX_VCPUS /* vCPU cores a partition may have */

/* A change of cores and vCPUs (MSG_LPM_RESIZE), filled by the GPM. */
struct lpm_resize {
	uint32_t ncores;
	uint32_t cores[LPM_MAX_CORES]; /* the new vCPU cores, cpu order */
	uint32_t nvcpus;	       /* new vCPU count (vm->vcpu[] already holds them) */
	uint64_t done_arg;	       /* returned in MSG_GPM_DONE when every move finished */
	uint16_t done_msg;	       /* the message that returns it; 0 = MSG_GPM_DONE */
};

/*
 * Set up the LPM of vm on cpu `cpu` with vCPU cores cores[0..ncores) and
 * vCPU i first placed on place[i]. GPM core; the LPM starts when its core
 * handles MSG_LPM_START. NULL when out of memory.
 */
struct lpm *lpm_create(struct vm *vm, uint32_t cpu, const uint32_t *cores, uint32_t ncores,
		       const uint32_t *place);

/* Free it. GPM core, once the VM was released and no message can name it. */
void lpm_free(struct lpm *l);

/* Its vCPU cores now (at most LPM_MAX_CORES), into cores[]; returns how many.
 * GPM core: reads the LPM's set as it was last given (for accel resizes). */
uint32_t lpm_cores(const struct lpm *l, uint32_t *cores);

/* The cpu the LPM runs on. */
uint32_t lpm_cpu(const struct lpm *l);

/* Placement by the partition's LPM, as the GPM planned it: where vCPU i starts. */
uint32_t lpm_initial_core(const struct lpm *l, uint32_t vcpu);

/* On a vCPU core: v now lives on `cpu` (NO_CPU: a move was called off). */
void lpm_moved(struct vcpu *v, uint32_t cpu);

/*
 * A guest's request to move vCPU `vcpu` of its own VM to its k-th core.
 * On the calling vCPU's core. 0 (the LPM has it), -E_NOENT (no such vCPU),
 * -E_RANGE (no k-th core), -E_BUSY (a move of that vCPU is under way).
 */
int lpm_request_move(struct vm *vm, uint32_t vcpu, uint32_t k);

/* The ping (MSG_PING) came back to cpu 0: it was sent at TSC t0 (core/partition.c). */
void lpm_pong(uint64_t t0);

/*
 * A DVFS request from vCPU v's guest (IA32_PERF_CTL target ratio): above
 * the base ratio it asks its LPM for one of the partition's fast cores, at
 * or below it for a slow one; the LPM moves it there if the partition has
 * such a core (the least loaded), else nothing happens. v's core.
 */
void lpm_dvfs_hint(struct vcpu *v, uint32_t ratio);

/* The ratio IA32_PERF_STATUS shows for v: base on slow cores, twice it on fast. */
uint32_t lpm_perf_ratio(const struct vcpu *v);

/*
 * Leases (core/lease.c, MSG_LPM_LEASE): a leased vCPU goes to its leased core
 * and stays there (no VCPU_MOVE, DVFS hint or resize moves it) until the GPM
 * ends the lease; then the LPM moves it to the least loaded slow core of the
 * partition (any of its cores if it has no slow one) and, once it arrived,
 * answers MSG_LEASE_BACK to the GPM, which frees the core.
 */

/* Register the LPM messages. Boot core, before SMP. */
void lpm_register(void);

#endif
