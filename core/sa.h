/* SPDX-License-Identifier: MIT */
/*
 * Scheduler activations on real VMX (guest ABI 1.3, hypercalls 25-26; IRS,
 * seeds/003): before a vCPU of a partition that registered an upcall
 * vector is preempted (its slice ends on a shared core, or it must move
 * to another core), its core injects the upcall and lets it run on, up to
 * the hard limit, so the guest can move the thread running there to
 * another vCPU and acknowledge with SA_ACK (yield or block). The VMX-
 * preemption timer is armed for the limit, so a guest that never answers
 * loses its core exactly there, every time. The policy is sched/irs.c; all
 * state is the vCPU's, kept by its owner core.
 * Environment: freestanding hypervisor, VMX root, the vCPU's owner core
 * (sa_register: the caller's core).
 */
#ifndef CORE_SA_H
#define CORE_SA_H

#include "arch/x86/pcpu.h"
#include "arch/x86/vmx/vmexit.h"
#include "core/vm.h"

#define SA_LIMIT_MIN_US 10    /* shorter than an exit round trip in an emulator */
#define SA_LIMIT_MAX_US 10000 /* the longest another vCPU may be kept waiting */

/* SA_REGISTER: 0, -E_INVAL (vector 1-31 or > 255), -E_RANGE (limit outside the bounds). */
int64_t sa_register(struct vcpu *v, uint64_t vector, uint64_t limit_us);

/* SA_ACK: 0 (the caller then yields or blocks: *sched = VMEXIT_YIELD/BLOCK), -E_INVAL. */
int64_t sa_ack(struct vcpu *v, uint64_t how, int *sched);

/*
 * v's slice ended (p->slice_end passed) inside vcpu_enter: VMEXIT_YIELD to
 * give the core up now, VMEXIT_RESUME when an upcall went in (or one is
 * pending within its limit) and v runs on until the ack or the limit.
 */
int sa_preempt(struct vcpu *v, struct pcpu *p);

/* v is about to be entered from the core's loop (a new turn). */
void sa_turn_slow(struct vcpu *v);
static inline void sa_turn(struct vcpu *v)
{
	/* Inline: every turn of every vCPU passes here, few have upcalls. */
	if (__builtin_expect(v->irs.state != IRS_RUNNING, 0))
		sa_turn_slow(v);
}

/* v left the guest with `r` (VMEXIT_*): a HLT while notified counts as a block ack. */
void sa_left_slow(struct vcpu *v);
static inline void sa_left(struct vcpu *v, int r)
{
	if (__builtin_expect(v->irs.state == IRS_NOTIFIED, 0) && r == VMEXIT_BLOCK)
		sa_left_slow(v);
}

/* The end-of-run summary line of vm, if it registered. cpu 0, nothing runs. */
void sa_report(const struct vm *vm);

#endif
