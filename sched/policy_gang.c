// SPDX-License-Identifier: MIT
/*
 * Gang policy: the fair policy for a time-shared core, plus one gang vCPU
 * that runs only inside its gang's time slot (sched/gang.h).
 * Environment: freestanding hypervisor, owning core only, interrupts either
 * way (no locks, no allocation); also built hosted for unit tests and the
 * simulator.
 *
 * VT-ASOS: a gang's vCPUs run at the same time or not at all. Every core that
 * runs one of them gets the same slot from the gang's Local Partition Manager
 * (by message) and follows it against the common clock, so they start and stop
 * together and no core ever touches another's state.
 *
 * Rules (the whole policy, so callers and tests can rely on them):
 *  1. A vCPU with gang set is this core's gang vCPU while it is runnable; it is
 *     kept out of the fair runqueue. A second runnable gang vCPU on the same
 *     core is refused (-E_BUSY, one line): one gang row per core.
 *  2. The gang vCPU runs only while gang_in_slot(&c->slot, c->clock). Before a
 *     slot is installed (len 0) it never runs.
 *  3. Inside the slot a runnable gang vCPU goes first: pick_next returns it,
 *     and tick asks for a pick as soon as it is runnable and not running (it
 *     woke, or the slot began), so it never waits behind a fair slice.
 *  4. Outside the slot, or while the gang vCPU is blocked, every other vCPU is
 *     scheduled exactly as sched_fair_ops does (the core stays work
 *     conserving: a blocked gang member's slot time goes to the others).
 *  5. tick charges the gang vCPU's runtime only (it does not take part in the
 *     fair virtual time) and asks for a pick when its slot has ended.
 */
#include "sched/ops.h"

#include "lib/errno.h"
#include "lib/printf.h"

/* Should the gang vCPU run now (rules 2 and 3)? */
static bool gang_due(const struct sched_core *c)
{
	return c->gang && c->gang->runnable && gang_in_slot(&c->slot, c->clock);
}

static int gang_init(struct sched_core *c, struct runq_entry **storage, uint32_t cap,
		     uint64_t slice)
{
	int rc = sched_fair_ops.init(c, storage, cap, slice);

	if (rc < 0)
		return rc;
	c->ops = &sched_gang_ops; /* the slot stays zero: the gang waits for one */
	return 0;
}

static struct sched_vcpu *gang_pick_next(struct sched_core *c)
{
	if (gang_due(c)) {
		if (c->curr != c->gang) {
			sched_fair_put_prev(c);
			c->curr = c->gang;
			c->slice_used = 0;
		}
		return c->curr;
	}
	/* The gang vCPU (running or not) must not enter the fair runqueue. */
	if (c->curr && c->curr->gang)
		c->curr = NULL;
	return sched_fair_ops.pick_next(c);
}

static int gang_enqueue(struct sched_core *c, struct sched_vcpu *v, bool wakeup)
{
	if (!v || !v->gang)
		return sched_fair_ops.enqueue(c, v, wakeup);
	if (c->gang == v) {
		kprintf("sched: gang vCPU %u already runnable, refused\n", v->id);
		return -E_EXIST;
	}
	if (c->gang) {
		kprintf("sched: core already runs gang vCPU %u, gang vCPU %u refused\n",
			c->gang->id, v->id);
		return -E_BUSY;
	}
	if (c->nr_runnable >= c->rq.cap) {
		kprintf("sched: gang core full (%u vCPUs), vCPU %u refused\n", c->rq.cap, v->id);
		return -E_FULL;
	}
	c->gang = v;
	v->runnable = true;
	c->nr_runnable++;
	return 0;
}

static int gang_dequeue(struct sched_core *c, struct sched_vcpu *v)
{
	if (!v || !v->gang)
		return sched_fair_ops.dequeue(c, v);
	if (c->gang != v) {
		kprintf("sched: gang dequeue of vCPU %u not runnable here, ignored\n", v->id);
		return -E_NOENT;
	}
	/* It may stay c->curr until the next pick, like a blocked fair vCPU. */
	v->runnable = false;
	c->gang = NULL;
	c->nr_runnable--;
	return 0;
}

static bool gang_tick(struct sched_core *c, uint64_t ran)
{
	bool fair;

	if (c->curr && c->curr == c->gang) {
		c->curr->runtime += ran;
		return !gang_in_slot(&c->slot, c->clock);
	}
	if (c->curr && c->curr->gang) /* a blocked gang vCPU: nothing to charge */
		return gang_due(c) || runq_count(&c->rq) > 0;
	fair = sched_fair_ops.tick(c, ran);
	return fair || gang_due(c);
}

int sched_gang_set_slot(struct sched_core *c, const struct gang_slot *slot)
{
	if (!c || c->ops != &sched_gang_ops) {
		kprintf("sched: gang slot for a core %s, refused\n",
			c ? "under another policy" : "that is NULL");
		return -E_INVAL;
	}
	if (gang_slot_check(slot) < 0)
		return -E_INVAL;
	c->slot = *slot;
	return 0;
}

uint64_t sched_gang_next_event(const struct sched_core *c)
{
	if (!c || c->ops != &sched_gang_ops || !c->gang)
		return GANG_NEVER;
	return gang_next_switch(&c->slot, c->clock);
}

const struct sched_ops sched_gang_ops = {
	.name = "gang",
	.init = gang_init,
	.pick_next = gang_pick_next,
	.enqueue = gang_enqueue,
	.dequeue = gang_dequeue,
	.tick = gang_tick,
};
