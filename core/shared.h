/* SPDX-License-Identifier: MIT */
/*
 * The shared area (guest ABI 1.3, CYPRESS_HC_SHARED_SET): a partition's
 * CY_SHARED_SIZE bytes of its own memory where the hypervisor publishes
 * what the guest would otherwise ask by hypercall (each vCPU's core, its
 * lease, the balloon target, SA state) and raises events. The guest only
 * reads it (and clears event bits), so nothing the hypervisor does depends
 * on what the guest wrote there: sequence numbers are kept in hypervisor
 * memory, and a guest that scribbles over the area only confuses itself.
 * Writers on several cores (a vCPU's core, the GPM) take the VM's short
 * shared_lock; events are atomic ORs into guest memory, as posted
 * interrupts are.
 * Environment: freestanding hypervisor, any core.
 */
#ifndef CORE_SHARED_H
#define CORE_SHARED_H

#include "core/vm.h"
#include "guest-abi/cypress.h"

/* SHARED_SET from vCPU v: 0, -E_INVAL (not 4 KiB aligned), -E_RANGE (outside its memory). */
int64_t shared_set(struct vcpu *v, uint64_t gpa);

/* The area of vm, or NULL (none registered). */
struct cy_shared *shared_of(struct vm *vm);

/* Rewrite v's record: its core now, its moves, its lease (v->vm's lock). Any core. */
void shared_vcpu_update(struct vcpu *v);

/* Partition-wide fields (balloon, SA) changed: rewrite the header. Any core. */
void shared_header_update(struct vm *vm);

/* v's record: an SA upcall waits for its ack (or not). v's owner core. */
void shared_sa_pending(struct vcpu *v, bool pending);

/*
 * Raise event bits CY_EV_* for vCPU `vcpu` of vm (or, with vcpu < 0, for
 * the partition, announced to vCPU 0), and post the CORE_NOTIFY vector to
 * that vCPU if one is set. Any core.
 */
void shared_event(struct vm *vm, int32_t vcpu, uint32_t bits);

#endif
