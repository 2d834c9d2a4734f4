/* SPDX-License-Identifier: MIT */
/*
 * Fast-core leases (guest ABI 1.3, hypercalls 18-20) and the core exchange
 * (hypercall 21), as the GPM runs them: the policy is sched/lease.c and
 * sched/cores.c; this is the machinery around it (the plan's cores, the
 * LPM's moves, queued requests, terms on the GPM's timer, events in the
 * shared area). docs/guest-abi.md documents the calls.
 * Environment: freestanding hypervisor, cpu 0 (the GPM) only.
 */
#ifndef CORE_LEASE_H
#define CORE_LEASE_H

#include "core/vm.h"

#define LEASE_TERM_MIN_MS 1
#define LEASE_TERM_MAX_MS 60000
/* The fairness window of sched/lease.c (its "term"): a VM that asked within
 * it counts as active, and one refused for want of a core within it is waiting. */
#define LEASE_WINDOW_US 1000000ULL
#define LEASE_QUEUE_MAX 64 /* queued requests, machine-wide */

/* Register the hypercalls, messages and the timer. Boot core, before SMP. */
void lease_register(void);

/*
 * vm ended and none of its vCPUs runs: its leases end (charged up to now),
 * its cores go back to the anonymous partition and its queued requests go.
 * Before plan_release() of its slot.
 */
void lease_vm_ended(struct vm *vm);

/* The end-of-run line "summary: vm NAME: leases ..." (only if it ever asked). */
void lease_report(const struct vm *vm);

/* CORE_EXCHANGE (core/exchange.c): registered by lease_register(). */
void exchange_register(void);

/* vm ended: an exchange of its under way no longer holds others back. */
void exchange_vm_ended(struct vm *vm);

#endif
