/* SPDX-License-Identifier: MIT */
/*
 * IRS: warn a guest with a scheduler-activation (SA) upcall before its vCPU
 * is preempted, and wait for its ack only up to a hard limit.
 * Environment: freestanding hypervisor, the core that runs the vCPU only
 * (no shared state, no locks), interrupts either way; also built hosted for
 * unit tests and the simulator.
 *
 * Policy (Zhao et al., "Scheduler Activations for Interference-Resilient SMP
 * Virtual Machine Scheduling", Middleware 2017, seeds/003, section 3.1 and
 * Algorithm 1): when the hypervisor decides to preempt a running vCPU of a
 * partition that registered for notifications, it first sends an SA upcall.
 * The guest deschedules the thread running on that vCPU (so another vCPU can
 * pick it up) and returns control with "block" or "yield". The preemption is
 * delayed until that ack. Section 4.1 warns that a rogue guest may never ack, so
 * the delay is cut off at a hard limit: preemption then happens anyway and is
 * counted as forced. A vCPU with a notification pending is never notified
 * again (the paper's sa_pending flag); repeated requests only count as
 * suppressed.
 *
 * State machine (one per vCPU):
 *
 *   RUNNING --want_preempt, registered--> NOTIFIED      (SEND_NOTIFICATION)
 *   RUNNING --want_preempt, unregistered--> PREEMPTED   (PREEMPT_NOW)
 *   NOTIFIED --want_preempt, before limit--> NOTIFIED   (WAIT, suppressed++)
 *   NOTIFIED --want_preempt, at/after limit--> PREEMPTED (PREEMPT_NOW, forced++)
 *   NOTIFIED --ack before limit--> ACKED_BLOCK / ACKED_YIELD
 *   NOTIFIED --ack at/after limit--> PREEMPTED          (forced++, -E_TIMEOUT)
 *   ACKED_* --want_preempt--> PREEMPTED                 (PREEMPT_NOW)
 *   PREEMPTED --want_preempt--> PREEMPTED               (PREEMPT_NOW, no count)
 *   any but NOTIFIED --resumed--> RUNNING
 *
 * Invariant kept by every call: notifications == acks_block + acks_yield +
 * forced + (state == IRS_NOTIFIED ? 1 : 0).
 *
 * Time is whatever monotonic unit the caller uses (TSC ticks or
 * microseconds); `now`, `notified_at` and `limit` must all use the same one.
 */
#ifndef SCHED_IRS_H
#define SCHED_IRS_H

#include "lib/types.h"

enum irs_state {
	IRS_RUNNING,	 /* running, no notification outstanding */
	IRS_NOTIFIED,	 /* SA upcall sent, waiting for the guest's ack */
	IRS_ACKED_BLOCK, /* guest acked: vCPU has nothing to run (block it) */
	IRS_ACKED_YIELD, /* guest acked: vCPU still runnable (requeue it) */
	IRS_PREEMPTED,	 /* descheduled; waits for irs_resumed() */
};

struct irs_vcpu {
	bool registered; /* partition asked for SA notifications */
	enum irs_state state;
	uint64_t notified_at;	/* time of the last SA upcall */
	uint64_t limit;		/* hard limit on waiting for an ack */
	uint64_t notifications; /* SA upcalls sent */
	uint64_t acks_block;	/* acks with block, in time */
	uint64_t acks_yield;	/* acks with yield, in time */
	uint64_t forced;	/* cut off at the limit (no ack, or a late one) */
	uint64_t suppressed;	/* preemption asked again while a notification was pending */
};

enum irs_decision {
	IRS_PREEMPT_NOW,       /* deschedule the vCPU now */
	IRS_WAIT,	       /* keep running it; re-check at irs_deadline() */
	IRS_SEND_NOTIFICATION, /* inject the SA upcall, then re-check at irs_deadline() */
};

/* irs_deadline() when nothing is pending: no timer needs arming. */
#define IRS_NO_DEADLINE UINT64_MAX

/*
 * Set up v as RUNNING with all counters zero. registered says whether the
 * partition asked for SA notifications; limit is the hard limit on waiting
 * for an ack. A registered vCPU with limit 0 could never be given time to
 * ack, so it is treated as unregistered and one "irs: " line says so.
 * Precondition: v is not NULL; called by the owning core before any other
 * irs_* call on v.
 */
void irs_init(struct irs_vcpu *v, bool registered, uint64_t limit);

/*
 * The scheduler wants v's core at time now; say what to do (see the state
 * machine above). Never returns IRS_WAIT once now - notified_at >= limit, so
 * a preemption is never delayed past notified_at + limit when the caller
 * re-checks at irs_deadline(). A clock that went backwards (now earlier than
 * notified_at) is a caller bug: the vCPU is preempted at once, counted as
 * forced, and one "irs: " line is printed.
 * Precondition: v was set up by irs_init(); called by the owning core only.
 */
enum irs_decision irs_want_preempt(struct irs_vcpu *v, uint64_t now);

/*
 * The guest acked the SA upcall at time now, with block (true) or yield.
 * Returns 0 for an ack in time (state ACKED_BLOCK/ACKED_YIELD, the matching
 * counter bumped); the caller then preempts the vCPU. An ack at or after
 * notified_at + limit is late: the hypervisor had the right to preempt
 * already, so it counts as forced, not as an ack, the state becomes
 * PREEMPTED and -E_TIMEOUT is returned (the caller still preempts). An ack
 * in any state other than NOTIFIED (never notified, already preempted,
 * acked twice) returns -E_INVAL with state and counters unchanged and prints
 * one "irs: " line.
 * Precondition: v was set up by irs_init(); called by the owning core only.
 */
int irs_ack(struct irs_vcpu *v, bool block, uint64_t now);

/*
 * v runs again: back to RUNNING, ready for the next notification. If a
 * notification is still pending (the scheduler dropped its preemption before
 * the ack), the state stays NOTIFIED: the guest will still ack, and sending
 * a second upcall would break the no-double-notification rule.
 * Precondition: v was set up by irs_init(); called by the owning core only.
 */
void irs_resumed(struct irs_vcpu *v);

/*
 * When the hypervisor must re-check a pending notification
 * (notified_at + limit, saturating at IRS_NO_DEADLINE), for arming the
 * preemption timer. Returns IRS_NO_DEADLINE when v is not NOTIFIED.
 * Precondition: v was set up by irs_init().
 */
uint64_t irs_deadline(const struct irs_vcpu *v);

#endif
