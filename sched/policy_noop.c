// SPDX-License-Identifier: MIT
/*
 * No-op scheduling policy for partitioned cores: one vCPU owns the core.
 * Environment: freestanding hypervisor, owning core only, interrupts either
 * way; also built hosted for unit tests.
 *
 * Partitioned cores never time-share, so there is nothing to decide: the one
 * runnable vCPU runs until it is dequeued, and tick never asks for a switch.
 */
#include "sched/ops.h"

#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

static int noop_init(struct sched_core *c, struct runq_entry **storage, uint32_t cap,
		     uint64_t slice)
{
	(void)storage;
	(void)cap;
	(void)slice;
	if (!c) {
		kprintf("sched: noop init with NULL core, refused\n");
		return -E_INVAL;
	}
	memset(c, 0, sizeof(*c));
	c->ops = &sched_noop_ops;
	return 0;
}

static struct sched_vcpu *noop_pick_next(struct sched_core *c)
{
	return c->curr;
}

static int noop_enqueue(struct sched_core *c, struct sched_vcpu *v, bool wakeup)
{
	(void)wakeup;
	if (!v) {
		kprintf("sched: noop enqueue of NULL vCPU, refused\n");
		return -E_INVAL;
	}
	if (c->curr == v)
		return -E_EXIST;
	if (c->curr) {
		kprintf("sched: noop core already runs vCPU %u, vCPU %u refused\n", c->curr->id,
			v->id);
		return -E_BUSY;
	}
	v->runnable = true;
	c->curr = v;
	c->nr_runnable = 1;
	return 0;
}

static int noop_dequeue(struct sched_core *c, struct sched_vcpu *v)
{
	if (!v || c->curr != v) {
		kprintf("sched: noop dequeue of vCPU %u not on this core, ignored\n",
			v ? v->id : UINT32_MAX);
		return -E_NOENT;
	}
	v->runnable = false;
	c->curr = NULL;
	c->nr_runnable = 0;
	return 0;
}

static bool noop_tick(struct sched_core *c, uint64_t ran)
{
	if (c->curr)
		c->curr->runtime += ran;
	return false;
}

const struct sched_ops sched_noop_ops = {
	.name = "noop",
	.init = noop_init,
	.pick_next = noop_pick_next,
	.enqueue = noop_enqueue,
	.dequeue = noop_dequeue,
	.tick = noop_tick,
};
