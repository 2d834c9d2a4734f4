// SPDX-License-Identifier: MIT
/*
 * Hypervisor scheduler model: per-core queues run by a sched_ops policy,
 * preemption with optional scheduler-activation notice (sched/irs.c),
 * pause-loop-exit yield, relaxed co-scheduling, idle stealing (baselines
 * only) and the micro-sliced pool (sched/microslice.c).
 * Environment: host simulator; every function runs "on" s->cur_core, and
 * writes to another core's state are counted by SIM_OWN().
 */
#include <stdlib.h>

#include "tools/sim/sim.h"

static struct vcpu *vc_of(struct sched_vcpu *sv)
{
	return sv ? container_of(sv, struct vcpu, sv) : NULL;
}

static uint64_t now_us(const struct sim *s)
{
	return s->now / NS_PER_US;
}

/* Ask p's policy for the next vCPU and make it the running one. */
static void run_pick(struct sim *s, struct pcore *p)
{
	struct vcpu *prev = p->cur;
	struct vcpu *v;

	SIM_OWN(s, p->id);
	v = vc_of(p->sc.ops->pick_next(&p->sc));
	s->decisions++;
	if (v && !v->sv.runnable)
		v = NULL;
	if (prev && prev != v && prev->st == VC_RUNNING && !prev->in_pool) {
		prev->st = VC_READY;
		prev->pcore = -1;
	}
	p->cur = v;
	if (v && v != prev) {
		v->st = VC_RUNNING;
		v->pcore = (int32_t)p->id;
		v->slice_used = 0;
		irs_resumed(&v->irs);
		p->switches++;
	}
}

static void enqueue(struct sim *s, struct pcore *p, struct vcpu *v, bool wakeup)
{
	SIM_OWN(s, p->id);
	if (p->sc.ops->enqueue(&p->sc, &v->sv, wakeup) < 0) {
		fprintf(stderr, "sim: bug: core %u refused vCPU %u\n", p->id, v->gid);
		abort();
	}
}

static void wake_local(struct sim *s, struct pcore *p, struct vcpu *v)
{
	v->wake_pending = false;
	if (v->st != VC_BLOCKED || v->costop)
		return;
	v->st = VC_READY;
	enqueue(s, p, v, true);
}

/* Deliver a wake to v's home core: a message (Cypress) or a direct write. */
static void wake(struct sim *s, struct vcpu *v)
{
	struct pcore *home = &s->cores[v->home];

	if (v->wake_pending)
		return;
	if (s->cur_core == (int32_t)home->id || !s->hv.msg_wake) {
		wake_local(s, home, v);
		return;
	}
	v->wake_pending = true;
	sim_send(s, home->id, MSG_WAKE, v->gid, 0);
}

/* A message to core `to`: handled at once if this core is `to`, else sent. */
static void post(struct sim *s, uint32_t to, uint32_t type, uint32_t a, uint32_t b)
{
	if (s->cur_core == (int32_t)to)
		hv_msg(s, &s->cores[to], &(struct msg){ type, to, a, b });
	else
		sim_send(s, to, type, a, b);
}

static bool pool_active(const struct sim *s)
{
	return s->pool_size > 0;
}

void hv_kick(struct sim *s, struct vcpu *v, enum msc_trigger why)
{
	if (v->st == VC_BLOCKED && !v->costop) {
		wake(s, v);
		return;
	}
	if (v->st != VC_READY || v->in_pool || !pool_active(s))
		return;
	if (!msc_wants_pool(why, &s->syms, guest_ip(v)))
		return;
	post(s, (uint32_t)v->home, MSG_POOL, v->gid, 0);
}

void hv_block(struct sim *s, struct vcpu *v)
{
	struct pcore *p = &s->cores[v->pcore];

	SIM_OWN(s, p->id);
	if (v->in_pool) {
		msc_core_release(&p->msc);
		v->in_pool = false;
	} else {
		p->sc.ops->dequeue(&p->sc, &v->sv);
	}
	v->st = VC_BLOCKED;
	v->pcore = -1;
	p->cur = NULL;
}

void hv_offline(struct sim *s, struct vcpu *v)
{
	hv_block(s, v);
	v->st = VC_OFFLINE;
}

void hv_online(struct sim *s, struct vcpu *v)
{
	if (v->st != VC_OFFLINE)
		return;
	v->st = VC_BLOCKED;
	wake(s, v);
}

void hv_ple(struct sim *s, struct vcpu *v)
{
	struct pcore *p = &s->cores[v->pcore];
	struct vm *vm = v->vm;

	if (pool_active(s)) {
		/* Preempted siblings inside critical code go to the pool. */
		for (uint32_t i = 0; i < vm->nvcpus; i++)
			if (&vm->vcpus[i] != v)
				hv_kick(s, &vm->vcpus[i], MSC_TRIG_PLE);
	}
	if (s->hv.ple && !v->in_pool)
		run_pick(s, p); /* yield: the policy puts it behind the others */
}

void hv_sa_ack(struct sim *s, struct vcpu *v, bool block)
{
	struct pcore *p = &s->cores[v->pcore];

	irs_ack(&v->irs, block, now_us(s));
	if (block)
		hv_block(s, v);
	else if (!v->in_pool)
		run_pick(s, p);
}

/* Steal a queued vCPU from the first peer that has one (shared balancing). */
static void steal(struct sim *s, struct pcore *p)
{
	for (uint32_t k = 1; k < s->ncores; k++) {
		struct pcore *q = &s->cores[(p->id + k) % s->ncores];
		struct runq_entry *e;
		struct vcpu *v;
		if (q->lpm || runq_count(&q->sc.rq) == 0)
			continue;
		e = runq_peek_min(&q->sc.rq);
		v = vc_of(container_of(e, struct sched_vcpu, rq));
		if (v->in_pool || v->costop)
			continue;
		SIM_OWN(s, q->id);
		q->sc.ops->dequeue(&q->sc, &v->sv);
		v->home = (int32_t)p->id;
		enqueue(s, p, v, false);
		return;
	}
}

/* Relaxed co-scheduling: is v too far ahead of a sibling that wants to run? */
static bool costop_needed(const struct sim *s, const struct vcpu *v)
{
	const struct vm *vm = v->vm;

	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		const struct vcpu *u = &vm->vcpus[i];
		if (u != v && u->st == VC_READY && !u->costop && v->ran > u->ran + s->hv.skew_ns)
			return true;
	}
	return false;
}

/* Micro-sliced pool core; returns true if it is running a pool vCPU. */
static bool pool_schedule(struct sim *s, struct pcore *p)
{
	struct msc_pick pk;

	if (!p->msc_slots)
		return false;
	msc_core_tick(&p->msc, now_us(s), &pk);
	if (pk.give_back != MSC_NO_VCPU) {
		struct vcpu *u = s->vcpu[pk.give_back];
		if (p->cur == u)
			p->cur = NULL;
		u->in_pool = false;
		if (u->st == VC_RUNNING) {
			u->st = VC_READY;
			u->pcore = -1;
			post(s, (uint32_t)u->home, MSG_RETURN, u->gid, 0);
		}
	}
	if (pk.run == MSC_NO_VCPU)
		return false;
	if (p->cur && p->cur != s->vcpu[pk.run] && !p->cur->in_pool) {
		/* The normal vCPU stays its policy's current one; it resumes later. */
		p->cur->st = VC_READY;
		p->cur->pcore = -1;
	}
	p->cur = s->vcpu[pk.run];
	p->cur->st = VC_RUNNING;
	p->cur->pcore = (int32_t)p->id;
	return true;
}

void hv_schedule(struct sim *s, struct pcore *p)
{
	struct vcpu *v;

	if (p->lpm)
		return;
	if (pool_schedule(s, p))
		return;
	v = p->cur;
	if (!v) {
		/* Resume the policy's current vCPU if a pool slice displaced it. */
		struct vcpu *c = vc_of(p->sc.curr);
		if (c && c->sv.runnable && c->st == VC_READY && !c->in_pool) {
			c->st = VC_RUNNING;
			c->pcore = (int32_t)p->id;
			p->cur = c;
			return;
		}
		if (p->sc.nr_runnable == 0 && s->hv.steal)
			steal(s, p);
		if (p->sc.nr_runnable)
			run_pick(s, p);
		return;
	}
	SIM_OWN(s, p->id);
	if (s->hv.cosched && costop_needed(s, v)) {
		v->costop = true;
		hv_block(s, v);
		if (p->sc.nr_runnable)
			run_pick(s, p);
		return;
	}
	if (!p->sc.ops->tick(&p->sc, s->q_ns))
		return;
	if (s->hv.irs && v->vm->pv) {
		switch (irs_want_preempt(&v->irs, now_us(s))) {
		case IRS_SEND_NOTIFICATION:
			v->pend_sa = true;
			v->vm->st.sa_sent++;
			return;
		case IRS_WAIT:
			return;
		case IRS_PREEMPT_NOW:
			v->pend_sa = false;
			break;
		}
	}
	run_pick(s, p);
}

void hv_msg(struct sim *s, struct pcore *p, const struct msg *m)
{
	struct vcpu *v = m->a < s->nvcpus ? s->vcpu[m->a] : NULL;

	switch (m->type) {
	case MSG_WAKE:
		if (v->home != (int32_t)p->id) { /* re-homed meanwhile: forward */
			sim_send(s, (uint32_t)v->home, MSG_WAKE, v->gid, m->b);
			break;
		}
		v->costop = m->b ? false : v->costop;
		wake_local(s, p, v);
		break;
	case MSG_POOL: {
		uint32_t n = s->pool_size, to;
		/* The pool may have shrunk (Algorithm 1) since the request was sent. */
		if (n == 0 || v->st != VC_READY || v->in_pool || vc_of(p->sc.curr) == v ||
		    !v->sv.runnable)
			break;
		p->sc.ops->dequeue(&p->sc, &v->sv);
		v->in_pool = true;
		v->vm->st.pool_moves++;
		to = s->ncores - 1 - (s->pool_rr++ % n);
		post(s, to, MSG_POOL_RUN, v->gid, 0);
		break;
	}
	case MSG_POOL_RUN:
		if (msc_core_push(&p->msc, v->gid) == 0)
			break;
		post(s, (uint32_t)v->home, MSG_RETURN, v->gid, 0);
		break;
	case MSG_RETURN:
		v->in_pool = false;
		if (v->st == VC_READY)
			enqueue(s, p, v, false);
		break;
	case MSG_BALLOON:
		guest_set_online(s, &s->vms[m->a], m->b);
		break;
	case MSG_MOVE:
		/* Re-home v to core m->b (its lease ended): leave this core first. */
		if (p->cur == v)
			p->cur = NULL;
		if ((v->st == VC_READY || v->st == VC_RUNNING) && !v->in_pool) {
			p->sc.ops->dequeue(&p->sc, &v->sv);
			v->st = VC_READY;
			v->pcore = -1;
			v->home = (int32_t)m->b;
			sim_send(s, m->b, MSG_RETURN, v->gid, 0);
		} else {
			v->home = (int32_t)m->b;
		}
		break;
	case MSG_LOAD:
		cypress_load(s, m->a, m->b);
		break;
	default:
		break;
	}
}

/* Co-start: a stopped vCPU whose siblings caught up may run again. */
static void costart(struct sim *s)
{
	for (uint32_t i = 0; i < s->nvcpus; i++) {
		struct vcpu *v = s->vcpu[i];
		if (v->costop && !costop_needed(s, v))
			post(s, (uint32_t)v->home, MSG_WAKE, v->gid, 1);
	}
}

void hv_periodic(struct sim *s)
{
	if (s->hv.cosched)
		costart(s);
	if (s->hv.queue == HVQ_CREDIT && s->now % (30 * NS_PER_MS) == 0)
		credit_account(s);
	if (s->hv.msc_adaptive && s->now % (MSC_PROFILE_US * NS_PER_US) == 0)
		s->pool_size = msc_adapt_tick(&s->adapt, now_us(s), &s->ev);
	if (s->hv.partition || s->hv.hetaware)
		cypress_periodic(s);
}
