// SPDX-License-Identifier: MIT
/*
 * IRS: scheduler-activation upcall before preemption, bounded by a hard limit.
 * Environment: freestanding hypervisor, the core that runs the vCPU only,
 * interrupts either way; also built hosted for unit tests and the simulator.
 */
#include "sched/irs.h"

#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

static const char *state_name(enum irs_state s)
{
	switch (s) {
	case IRS_RUNNING:
		return "running";
	case IRS_NOTIFIED:
		return "notified";
	case IRS_ACKED_BLOCK:
		return "acked-block";
	case IRS_ACKED_YIELD:
		return "acked-yield";
	case IRS_PREEMPTED:
		return "preempted";
	}
	return "corrupt";
}

void irs_init(struct irs_vcpu *v, bool registered, uint64_t limit)
{
	memset(v, 0, sizeof(*v));
	v->state = IRS_RUNNING;
	v->limit = limit;
	/*
	 * With a zero limit the guest could never ack in time: every upcall
	 * would only cost an interrupt and end as a forced preemption.
	 */
	if (registered && limit == 0) {
		kprintf("irs: registered vCPU with zero ack limit, notifications disabled\n");
		registered = false;
	}
	v->registered = registered;
}

/*
 * True once the hard limit has run out. Written as a subtraction so a
 * notified_at + limit that would overflow cannot wrap into a short wait.
 * A clock that went backwards is reported and treated as expired, so a
 * caller bug can only shorten the delay, never stretch it.
 */
static bool limit_expired(const struct irs_vcpu *v, uint64_t now, const char *what)
{
	if (now < v->notified_at) {
		kprintf("irs: %s at %llu is before the notification at %llu, preempting\n", what,
			(unsigned long long)now, (unsigned long long)v->notified_at);
		return true;
	}
	return now - v->notified_at >= v->limit;
}

enum irs_decision irs_want_preempt(struct irs_vcpu *v, uint64_t now)
{
	switch (v->state) {
	case IRS_RUNNING:
		if (!v->registered) {
			v->state = IRS_PREEMPTED;
			return IRS_PREEMPT_NOW;
		}
		/* Algorithm 1, lines 4-7: upcall, set sa_pending, delay. */
		v->state = IRS_NOTIFIED;
		v->notified_at = now;
		v->notifications++;
		return IRS_SEND_NOTIFICATION;
	case IRS_NOTIFIED:
		if (limit_expired(v, now, "preemption check")) {
			v->state = IRS_PREEMPTED;
			v->forced++;
			return IRS_PREEMPT_NOW;
		}
		/* sa_pending is set: never a second upcall (section 3.1). */
		v->suppressed++;
		return IRS_WAIT;
	case IRS_ACKED_BLOCK:
	case IRS_ACKED_YIELD:
		v->state = IRS_PREEMPTED;
		return IRS_PREEMPT_NOW;
	case IRS_PREEMPTED:
		return IRS_PREEMPT_NOW;
	}
	/* Corrupt state: preempting is the one answer that bounds the delay. */
	kprintf("irs: vCPU in unknown state %d, preempting\n", (int)v->state);
	v->state = IRS_PREEMPTED;
	return IRS_PREEMPT_NOW;
}

int irs_ack(struct irs_vcpu *v, bool block, uint64_t now)
{
	if (v->state != IRS_NOTIFIED) {
		kprintf("irs: %s ack while %s, ignored\n", block ? "block" : "yield",
			state_name(v->state));
		return -E_INVAL;
	}
	/*
	 * A late ack: the hypervisor was entitled to preempt at the limit, so
	 * this is a forced preemption that the guest merely noticed; counting
	 * it as an ack would hide a guest that is too slow.
	 */
	if (limit_expired(v, now, "ack")) {
		v->state = IRS_PREEMPTED;
		v->forced++;
		return -E_TIMEOUT;
	}
	if (block) {
		v->state = IRS_ACKED_BLOCK;
		v->acks_block++;
	} else {
		v->state = IRS_ACKED_YIELD;
		v->acks_yield++;
	}
	return 0;
}

void irs_resumed(struct irs_vcpu *v)
{
	/* sa_pending is cleared only by the guest's ack (section 3.1). */
	if (v->state == IRS_NOTIFIED)
		return;
	v->state = IRS_RUNNING;
}

uint64_t irs_deadline(const struct irs_vcpu *v)
{
	if (v->state != IRS_NOTIFIED)
		return IRS_NO_DEADLINE;
	if (v->limit > IRS_NO_DEADLINE - v->notified_at)
		return IRS_NO_DEADLINE;
	return v->notified_at + v->limit;
}
