// SPDX-License-Identifier: MIT
/*
 * Virtual-runtime fair policy over the per-core runqueue.
 * Environment: freestanding hypervisor, owning core only, interrupts either
 * way (no locks, no allocation, integer arithmetic only); also built hosted
 * for unit tests and the simulator.
 *
 * Rules:
 *  - Each vCPU's vruntime advances by runtime * 1024 / weight, exactly: the
 *    division remainder is carried in vr_rem, so over time a vCPU's share is
 *    its weight over the total, with no rounding drift.
 *  - pick_next runs the runnable vCPU with the smallest vruntime; equal
 *    vruntimes take turns in FIFO order (runqueue tie-break).
 *  - The running vCPU is kept out of the heap; pick_next puts it back first,
 *    so it competes with its up-to-date vruntime.
 *  - min_vruntime follows the smallest vruntime among runnable vCPUs and never
 *    decreases.
 *  - A waking vCPU gets vruntime = max(own, min_vruntime - slice): a sleeper
 *    is favoured by at most one slice (of virtual time at the default weight),
 *    so it cannot starve the others by having banked its sleep. A vCPU
 *    enqueued without wakeup (new or moved here) starts at max(own,
 *    min_vruntime), with no bonus.
 *  - tick asks for a switch once the current vCPU has used a slice and
 *    someone else is waiting.
 */
#include "sched/ops.h"

#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

static struct sched_vcpu *entry_vcpu(struct runq_entry *e)
{
	return e ? container_of(e, struct sched_vcpu, rq) : NULL;
}

/* Raise min_vruntime to the smallest runnable vruntime, if there is one. */
static void update_min_vruntime(struct sched_core *c)
{
	struct sched_vcpu *head = entry_vcpu(runq_peek_min(&c->rq));
	bool have = false;
	uint64_t m = 0;

	if (c->curr && c->curr->runnable) {
		m = c->curr->vruntime;
		have = true;
	}
	if (head && (!have || head->vruntime < m)) {
		m = head->vruntime;
		have = true;
	}
	if (have && m > c->min_vruntime)
		c->min_vruntime = m;
}

static int fair_init(struct sched_core *c, struct runq_entry **storage, uint32_t cap,
		     uint64_t slice)
{
	if (!c || slice == 0) {
		kprintf("sched: fair init with %s, refused\n", c ? "zero slice" : "NULL core");
		return -E_INVAL;
	}
	memset(c, 0, sizeof(*c));
	if (runq_init(&c->rq, storage, cap) < 0)
		return -E_INVAL;
	c->ops = &sched_fair_ops;
	c->slice = slice;
	return 0;
}

void sched_fair_put_prev(struct sched_core *c)
{
	struct sched_vcpu *prev = c->curr;

	/* Cannot fail: enqueue keeps nr_runnable <= cap, and prev is counted. */
	if (prev && prev->runnable) {
		prev->rq.key = prev->vruntime;
		runq_push(&c->rq, &prev->rq);
	}
	c->curr = NULL;
}

static struct sched_vcpu *fair_pick_next(struct sched_core *c)
{
	sched_fair_put_prev(c);
	c->curr = entry_vcpu(runq_pop_min(&c->rq));
	c->slice_used = 0;
	update_min_vruntime(c);
	return c->curr;
}

static int fair_enqueue(struct sched_core *c, struct sched_vcpu *v, bool wakeup)
{
	uint64_t floor;

	if (!v) {
		kprintf("sched: fair enqueue of NULL vCPU, refused\n");
		return -E_INVAL;
	}
	if (v->weight == 0 || v->weight > SCHED_WEIGHT_MAX) {
		kprintf("sched: fair vCPU %u has weight %u (want 1..%u), refused\n", v->id,
			v->weight, SCHED_WEIGHT_MAX);
		return -E_INVAL;
	}
	if ((c->curr == v && v->runnable) || runq_contains(&c->rq, &v->rq)) {
		kprintf("sched: fair vCPU %u already runnable, refused\n", v->id);
		return -E_EXIST;
	}
	if (c->nr_runnable >= c->rq.cap) {
		kprintf("sched: fair runqueue full (%u vCPUs), vCPU %u refused\n", c->rq.cap,
			v->id);
		return -E_FULL;
	}
	if (wakeup)
		floor = c->min_vruntime > c->slice ? c->min_vruntime - c->slice : 0;
	else
		floor = c->min_vruntime;
	v->vruntime = MAX(v->vruntime, floor);
	if (v->vr_rem >= v->weight)
		v->vr_rem = 0; /* stale remainder from another weight */
	if (c->curr == v) {
		/* Blocked while current and woken before the next pick: it is still
		 * c->curr, and pick_next will put it into the heap. */
		v->runnable = true;
	} else {
		runq_entry_init(&v->rq, v->id, v->vruntime);
		runq_push(&c->rq, &v->rq);
		v->runnable = true;
	}
	c->nr_runnable++;
	update_min_vruntime(c);
	return 0;
}

static int fair_dequeue(struct sched_core *c, struct sched_vcpu *v)
{
	if (v && c->curr == v && v->runnable) {
		v->runnable = false;
	} else if (v && runq_contains(&c->rq, &v->rq)) {
		runq_remove(&c->rq, &v->rq);
		v->runnable = false;
	} else {
		kprintf("sched: fair dequeue of vCPU %u not runnable here, ignored\n",
			v ? v->id : UINT32_MAX);
		return -E_NOENT;
	}
	c->nr_runnable--;
	return 0;
}

static bool fair_tick(struct sched_core *c, uint64_t ran)
{
	struct sched_vcpu *v = c->curr;
	uint64_t w;

	if (!v || !v->runnable)
		return runq_count(&c->rq) > 0; /* idle or blocked: pick someone */
	w = v->weight;
	v->runtime += ran;
	/* runtime * 1024 / weight, split so ran * 1024 cannot overflow. */
	v->vruntime += (ran / w) * SCHED_WEIGHT_DEFAULT;
	v->vr_rem += (ran % w) * SCHED_WEIGHT_DEFAULT;
	v->vruntime += v->vr_rem / w;
	v->vr_rem %= w;
	c->slice_used += ran;
	update_min_vruntime(c);
	return c->slice_used >= c->slice && runq_count(&c->rq) > 0;
}

const struct sched_ops sched_fair_ops = {
	.name = "fair",
	.init = fair_init,
	.pick_next = fair_pick_next,
	.enqueue = fair_enqueue,
	.dequeue = fair_dequeue,
	.tick = fair_tick,
};
