// SPDX-License-Identifier: MIT
/*
 * Baseline: a Xen-credit-like per-core policy behind the sched_ops interface,
 * so the simulator runs it exactly where it runs Cypress's sched/ policies.
 * Environment: host simulator only (a baseline, not Cypress policy).
 *
 * Model of Xen's credit scheduler (xen/common/sched/credit.c, described in
 * the VCPU-Bal and IRS papers): a 30 ms slice; priorities BOOST (just woke
 * with credit left) > UNDER (credit >= 0) > OVER; FIFO within a priority; a
 * waking BOOST vCPU preempts a running vCPU of lower priority; every 30 ms a
 * single accounting pass hands out credit by VM weight, touching every vCPU
 * wherever it is queued (the shared state Cypress avoids; counted as
 * cross-core writes). Idle cores steal from peers (hv.c, hv.steal).
 */
#include <string.h>

#include "lib/errno.h"
#include "tools/sim/sim.h"

#define BOOST_NS  (10 * NS_PER_MS) /* Xen drops BOOST at the next 10 ms tick */
#define PERIOD_NS (30 * NS_PER_MS)

static struct vcpu *vc(struct sched_vcpu *sv)
{
	return container_of(sv, struct vcpu, h.sv);
}

/*
 * The credit fields of v's hypervisor side. sched_ops callbacks get no sim
 * pointer; they run on the core that passed SC()/SV(), which checked that
 * core owns v (sim.h), so writing v's own credit state here is the owner's.
 */
static struct vcpu_hv *hv_of(struct sched_vcpu *sv)
{
	return (struct vcpu_hv *)&vc(sv)->h;
}

static uint64_t prio_hv(const struct vcpu_hv *h)
{
	return h->boost ? 0 : h->credit >= 0 ? 1 : 2;
}

static uint64_t prio(struct sched_vcpu *sv)
{
	return prio_hv(&vc(sv)->h);
}

static int cr_init(struct sched_core *c, struct runq_entry **storage, uint32_t cap, uint64_t slice)
{
	memset(c, 0, sizeof(*c));
	c->ops = &sim_credit_ops;
	c->slice = slice;
	return runq_init(&c->rq, storage, cap);
}

static struct sched_vcpu *cr_pick_next(struct sched_core *c)
{
	struct sched_vcpu *prev = c->curr;
	struct runq_entry *e;

	if (prev && prev->runnable) {
		hv_of(prev)->boost = false;
		/* A yield (PLE) also goes behind the next lower priority class, as
		 * credit1's __runq_insert puts a yielding vCPU behind one
		 * lower-priority vCPU; the next accounting restores its key. */
		runq_entry_init(&prev->rq, prev->id, prio(prev) + (vc(prev)->h.yielded ? 1 : 0));
		runq_push(&c->rq, &prev->rq); /* fresh sequence: behind its peers */
	}
	e = runq_pop_min(&c->rq);
	c->curr = e ? container_of(e, struct sched_vcpu, rq) : NULL;
	c->slice_used = 0;
	return c->curr;
}

static int cr_enqueue(struct sched_core *c, struct sched_vcpu *v, bool wakeup)
{
	if ((c->curr == v && v->runnable) || runq_contains(&c->rq, &v->rq))
		return -E_EXIST;
	if (c->nr_runnable >= c->rq.cap)
		return -E_FULL;
	hv_of(v)->boost = wakeup && vc(v)->h.credit >= 0;
	v->runnable = true;
	c->nr_runnable++;
	if (c->curr == v)
		return 0; /* blocked and woken before the next pick */
	runq_entry_init(&v->rq, v->id, prio(v));
	return runq_push(&c->rq, &v->rq);
}

static int cr_dequeue(struct sched_core *c, struct sched_vcpu *v)
{
	if (c->curr == v && v->runnable)
		v->runnable = false;
	else if (runq_contains(&c->rq, &v->rq) && runq_remove(&c->rq, &v->rq) == 0)
		v->runnable = false;
	else
		return -E_NOENT;
	c->nr_runnable--;
	return 0;
}

static bool cr_tick(struct sched_core *c, uint64_t ran)
{
	struct sched_vcpu *v = c->curr;
	struct runq_entry *head = runq_peek_min(&c->rq);

	if (!v || !v->runnable)
		return head != NULL;
	hv_of(v)->credit -= (int64_t)ran;
	v->runtime += ran;
	c->slice_used += ran;
	if (vc(v)->h.boost && c->slice_used >= BOOST_NS)
		hv_of(v)->boost = false;
	if (head && head->key < prio(v))
		return true; /* BOOST or UNDER waiting behind OVER or non-boosted */
	return c->slice_used >= c->slice && head;
}

const struct sched_ops sim_credit_ops = {
	.name = "credit",
	.init = cr_init,
	.pick_next = cr_pick_next,
	.enqueue = cr_enqueue,
	.dequeue = cr_dequeue,
	.tick = cr_tick,
};

void credit_account(struct sim *s)
{
	uint64_t sumw = 0, usable = 0;

	for (uint32_t c = 0; c < s->ncores; c++)
		usable += !s->cores[c].lpm;
	for (uint32_t i = 0; i < s->nvms; i++)
		sumw += s->vms[i].rejected ? 0 : s->vms[i].weight;
	if (!sumw)
		return;
	for (uint32_t i = 0; i < s->nvms; i++) {
		struct vm *vm = &s->vms[i];
		uint32_t online = 0;
		for (uint32_t k = 0; k < vm->nvcpus; k++)
			online += vm->vcpus[k].online;
		if (!online || vm->rejected)
			continue;
		int64_t share = (int64_t)(PERIOD_NS * usable * vm->weight / sumw / online);
		if (share > (int64_t)PERIOD_NS)
			share = PERIOD_NS;
		for (uint32_t k = 0; k < vm->nvcpus; k++) {
			struct vcpu *v = &vm->vcpus[k];
			struct pcore *home = &s->cores[v->h.home];
			/* One pass over every vCPU wherever it is queued: foreign
			 * writes to v and to its home core's queue, counted. Like
			 * credit1's runq sort, it also puts a vCPU that yielded
			 * (queued one class low) back in its own class. */
			VH(s, v)->credit = v->h.credit + share > share ? share :
									 v->h.credit + share;
			if (runq_contains(&home->h.sc.rq, &v->h.sv.rq) &&
			    v->h.sv.rq.key != prio_hv(&v->h))
				runq_update(&SC(s, home)->rq, &SV(s, v)->rq, prio_hv(&v->h));
		}
	}
}
