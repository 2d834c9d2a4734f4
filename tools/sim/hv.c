// SPDX-License-Identifier: MIT
/*
 * Hypervisor scheduler model: per-core queues run by a sched_ops policy,
 * preemption with optional scheduler-activation notice (sched/irs.c),
 * pause-loop-exit yield, relaxed co-scheduling, idle stealing (baselines
 * only) and the micro-sliced pool (sched/microslice.c).
 * Environment: host simulator; every function runs "on" s->cur_core, and
 * every write goes through VH()/PH()/SC()/SV(), which count the ones that
 * touch another core's state (sim.h).
 */
#include <stdlib.h>

#include "tools/sim/sim.h"

static struct vcpu *vc_of(struct sched_vcpu *sv)
{
	return sv ? container_of(sv, struct vcpu, h.sv) : NULL;
}

static uint64_t now_us(const struct sim *s)
{
	return s->now / NS_PER_US;
}

/* Ask p's policy for the next vCPU and make it the running one. */
static void run_pick(struct sim *s, struct pcore *p)
{
	struct vcpu *prev = p->h.cur;
	struct vcpu *v;

	SC(s, p)->clock = s->now;
	v = vc_of(p->h.sc.ops->pick_next(SC(s, p)));
	s->decisions++;
	if (v && !v->h.sv.runnable)
		v = NULL;
	if (prev && prev != v && prev->h.st == VC_RUNNING && !prev->h.in_pool) {
		VH(s, prev)->st = VC_READY;
		VH(s, prev)->pcore = -1;
	}
	PH(s, p)->cur = v;
	if (v && v != prev) {
		struct vcpu_hv *h = VH(s, v);
		h->st = VC_RUNNING;
		h->pcore = (int32_t)p->id;
		h->slice_used = 0;
		irs_resumed(&h->irs);
		PH(s, p)->switches++;
		s->dispatches++;
	}
}

static void enqueue(struct sim *s, struct pcore *p, struct vcpu *v, bool wakeup)
{
	if (p->h.sc.ops->enqueue(SC(s, p), SV(s, v), wakeup) < 0) {
		fprintf(stderr, "sim: bug: core %u refused vCPU %u\n", p->id, v->gid);
		abort();
	}
}

static void wake_local(struct sim *s, struct pcore *p, struct vcpu *v)
{
	if (v->h.st != VC_BLOCKED || v->h.costop)
		return;
	VH(s, v)->st = VC_READY;
	enqueue(s, p, v, true);
}

/* A message to core `to`: handled at once if this core is `to`, else sent. */
static void post(struct sim *s, uint32_t to, uint32_t type, uint32_t a, uint32_t b)
{
	if (s->cur_core == (int32_t)to)
		hv_msg(s, &s->cores[to], &(struct msg){ type, to, a, b });
	else
		sim_send(s, to, type, a, b);
}

/*
 * Deliver a wake to v's home core: a message (Cypress: the home core alone
 * writes v, so a waker elsewhere never marks v) or, on the baselines, a
 * direct write to v and the home core's queue (counted when foreign).
 */
static void wake(struct sim *s, struct vcpu *v)
{
	struct pcore *home = &s->cores[v->h.home];

	if (!s->hv.msg_wake) {
		/* On its way back from the pool: the waker takes it for home. */
		if (v->h.owner == OWNER_TRANSIT && v->h.st == VC_BLOCKED)
			VH(s, v)->owner = home->id;
		wake_local(s, home, v);
		return;
	}
	post(s, home->id, MSG_WAKE, v->gid, 0);
}

static bool pool_active(const struct sim *s)
{
	return s->pool_size > 0;
}

/* Is p one of the pool's cores now (the last pool_size cores)? */
static bool in_pool_now(const struct sim *s, const struct pcore *p)
{
	return p->msc_slots && p->id + s->pool_size >= s->ncores;
}

void hv_kick(struct sim *s, struct vcpu *v, enum msc_trigger why)
{
	if (v->h.st == VC_BLOCKED && !v->h.costop) {
		wake(s, v);
		return;
	}
	if (v->h.st != VC_READY || v->h.in_pool || !pool_active(s))
		return;
	if (!msc_wants_pool(why, &s->syms, guest_ip(v)))
		return;
	post(s, (uint32_t)v->h.home, MSG_POOL, v->gid, 0);
}

/*
 * v (running on this core) halts. A pool core gives v back to its home core
 * by a handoff message: v's next wake is the home core's business.
 */
static void block_on(struct sim *s, struct vcpu *v, enum vc_state st)
{
	struct pcore *p = &s->cores[v->h.pcore];
	struct vcpu_hv *h = VH(s, v);

	if (h->in_pool) {
		msc_core_release(&PH(s, p)->msc);
		h->in_pool = false;
	} else {
		p->h.sc.ops->dequeue(SC(s, p), SV(s, v));
	}
	h->st = st;
	h->pcore = -1;
	PH(s, p)->cur = NULL;
	if (h->home != (int32_t)p->id) {
		vc_release(s, v);
		post(s, (uint32_t)h->home, MSG_RETURN, v->gid, 0);
	}
}

void hv_block(struct sim *s, struct vcpu *v)
{
	block_on(s, v, VC_BLOCKED);
}

void hv_offline(struct sim *s, struct vcpu *v)
{
	block_on(s, v, VC_OFFLINE);
}

/* Bring a ballooned-out vCPU back: its home core flips it and wakes it. */
void hv_online(struct sim *s, struct vcpu *v)
{
	if (v->h.st != VC_OFFLINE)
		return;
	if (s->hv.msg_wake) {
		post(s, (uint32_t)v->h.home, MSG_ONLINE, v->gid, 0);
		return;
	}
	VH(s, v)->st = VC_BLOCKED;
	wake(s, v);
}

void hv_ple(struct sim *s, struct vcpu *v)
{
	struct pcore *p = &s->cores[v->h.pcore];
	struct vm *vm = v->vm;

	if (pool_active(s)) {
		/* Preempted siblings inside critical code go to the pool. */
		for (uint32_t i = 0; i < vm->nvcpus; i++)
			if (&vm->vcpus[i] != v)
				hv_kick(s, &vm->vcpus[i], MSC_TRIG_PLE);
	}
	if (s->hv.ple && !v->h.in_pool) {
		/* Yield as Xen's credit does: behind its peers and one lower class. */
		VH(s, v)->yielded = true;
		run_pick(s, p);
		VH(s, v)->yielded = false;
		if (p->h.cur == v)
			vm->st.ple_self++;
	}
}

void hv_sa_ack(struct sim *s, struct vcpu *v, bool block)
{
	struct pcore *p = &s->cores[v->h.pcore];

	irs_ack(&VH(s, v)->irs, block, now_us(s));
	if (block)
		hv_block(s, v);
	else if (!v->h.in_pool)
		run_pick(s, p);
}

/* Steal a queued vCPU from the first peer that has one (shared balancing). */
static void steal(struct sim *s, struct pcore *p)
{
	for (uint32_t k = 1; k < s->ncores; k++) {
		struct pcore *q = &s->cores[(p->id + k) % s->ncores];
		struct runq_entry *e;
		struct vcpu *v;
		if (q->lpm || in_pool_now(s, q) || runq_count(&q->h.sc.rq) == 0)
			continue;
		e = runq_peek_min(&q->h.sc.rq);
		v = vc_of(container_of(e, struct sched_vcpu, rq));
		if (v->h.in_pool || v->h.costop)
			continue;
		/* Shared balancing: writes q's queue and q's vCPU (both counted). */
		q->h.sc.ops->dequeue(SC(s, q), SV(s, v));
		VH(s, v)->home = (int32_t)p->id;
		VH(s, v)->owner = (int32_t)p->id;
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
		if (u != v && u->h.st == VC_READY && !u->h.costop &&
		    v->h.ran > u->h.ran + s->hv.skew_ns)
			return true;
	}
	return false;
}

/* Micro-sliced pool core; returns true if it is running a pool vCPU. */
static bool pool_schedule(struct sim *s, struct pcore *p)
{
	struct msc_pick pk;
	struct vcpu *cur = p->h.cur, *run;

	if (!p->msc_slots)
		return false;
	msc_core_tick(&PH(s, p)->msc, now_us(s), &pk);
	if (pk.give_back != MSC_NO_VCPU) {
		/* Its slice ended: the pool core hands it back to its home core. */
		struct vcpu *u = s->vcpu[pk.give_back];
		if (cur == u)
			PH(s, p)->cur = cur = NULL;
		VH(s, u)->in_pool = false;
		if (u->h.st == VC_RUNNING) {
			VH(s, u)->st = VC_READY;
			VH(s, u)->pcore = -1;
		}
		if (u->h.home != (int32_t)p->id) {
			vc_release(s, u);
			post(s, (uint32_t)u->h.home, MSG_RETURN, u->gid, 0);
		} else if (u->h.st == VC_READY) {
			enqueue(s, p, u, false);
		}
	}
	if (pk.run == MSC_NO_VCPU)
		return false;
	run = s->vcpu[pk.run];
	if (cur && cur != run && !cur->h.in_pool) {
		/* The normal vCPU stays its policy's current one; it resumes later. */
		VH(s, cur)->st = VC_READY;
		VH(s, cur)->pcore = -1;
	}
	if (cur != run) {
		s->decisions++;
		s->dispatches++;
	}
	PH(s, p)->cur = run;
	VH(s, run)->st = VC_RUNNING;
	VH(s, run)->pcore = (int32_t)p->id;
	return true;
}

/*
 * A gang core whose only runnable vCPU is the gang's, outside its slot: the
 * core sleeps until its timer (sched_gang_next_event) instead of deciding.
 */
static bool gang_waits(const struct sim *s, const struct pcore *p)
{
	const struct sched_core *c = &p->h.sc;

	return c->ops == &sched_gang_ops && runq_count(&c->rq) == 0 && c->gang &&
	       !gang_in_slot(&c->slot, s->now);
}

void hv_schedule(struct sim *s, struct pcore *p)
{
	struct vcpu *v;

	if (p->lpm) {
		cypress_lpm(s, p);
		return;
	}
	if (pool_schedule(s, p))
		return;
	v = p->h.cur;
	if (!v) {
		/*
		 * Resume the policy's current vCPU (a pool slice displaced it, or
		 * it woke on a partitioned core). Choosing it is a decision even
		 * though pick_next is not called: count it. A gang core always
		 * asks its policy: the slot decides whether its vCPU may run.
		 */
		struct vcpu *c = vc_of(p->h.sc.curr);
		if (c && c->h.sv.runnable && c->h.st == VC_READY && !c->h.in_pool &&
		    p->h.sc.ops != &sched_gang_ops) {
			struct vcpu_hv *h = VH(s, c);
			s->decisions++;
			s->dispatches++;
			h->st = VC_RUNNING;
			h->pcore = (int32_t)p->id;
			PH(s, p)->cur = c;
			return;
		}
		if (p->h.sc.nr_runnable == 0 && s->hv.steal && !in_pool_now(s, p))
			steal(s, p);
		if (p->h.sc.nr_runnable && !gang_waits(s, p))
			run_pick(s, p);
		return;
	}
	if (s->hv.cosched && costop_needed(s, v)) {
		VH(s, v)->costop = true;
		hv_block(s, v);
		if (p->h.sc.nr_runnable)
			run_pick(s, p);
		return;
	}
	SC(s, p)->clock = s->now;
	if (!p->h.sc.ops->tick(SC(s, p), s->q_ns))
		return;
	if (s->hv.irs && v->vm->pv) {
		switch (irs_want_preempt(&VH(s, v)->irs, now_us(s))) {
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

/* Handle m again at this core's next quantum (the vCPU is still in transit). */
static void defer(struct sim *s, struct pcore *p, const struct msg *m)
{
	sim_send(s, p->id, m->type, m->a, m->b);
}

void hv_msg(struct sim *s, struct pcore *p, const struct msg *m)
{
	struct vcpu *v = m->a < s->nvcpus ? s->vcpu[m->a] : NULL;

	switch (m->type) {
	case MSG_WAKE:
		if (v->h.home != (int32_t)p->id) { /* re-homed meanwhile: forward */
			sim_send(s, (uint32_t)v->h.home, MSG_WAKE, v->gid, m->b);
			break;
		}
		if (v->h.owner != (int32_t)p->id) {
			/* Blocked in the pool and on its way back: wake it once here. */
			if (v->h.owner == OWNER_TRANSIT)
				defer(s, p, m);
			break; /* running or queued in the pool: nothing to wake */
		}
		if (m->b)
			VH(s, v)->costop = false;
		wake_local(s, p, v);
		break;
	case MSG_ONLINE:
		if (v->h.home != (int32_t)p->id) { /* re-homed meanwhile: forward */
			sim_send(s, (uint32_t)v->h.home, MSG_ONLINE, v->gid, 0);
			break;
		}
		if (v->h.owner != (int32_t)p->id) {
			defer(s, p, m);
			break;
		}
		if (v->h.st == VC_OFFLINE) {
			VH(s, v)->st = VC_BLOCKED;
			wake_local(s, p, v);
		}
		break;
	case MSG_POOL: {
		uint32_t n = s->pool_size, to;
		/* The pool may have shrunk (Algorithm 1) since the request was sent. */
		if (n == 0 || v->h.owner != (int32_t)p->id || v->h.st != VC_READY || v->h.in_pool ||
		    vc_of(p->h.sc.curr) == v || !v->h.sv.runnable)
			break;
		p->h.sc.ops->dequeue(SC(s, p), SV(s, v));
		VH(s, v)->in_pool = true;
		v->vm->st.pool_moves++;
		to = s->ncores - 1 - (PH(s, p)->pool_rr++ % n);
		if (to != p->id)
			vc_release(s, v);
		post(s, to, MSG_POOL_RUN, v->gid, 0);
		break;
	}
	case MSG_POOL_RUN:
		vc_claim(s, v);
		if (msc_core_push(&PH(s, p)->msc, v->gid) == 0)
			break;
		VH(s, v)->in_pool = false;
		if (v->h.home != (int32_t)p->id) {
			vc_release(s, v);
			post(s, (uint32_t)v->h.home, MSG_RETURN, v->gid, 0);
		} else {
			enqueue(s, p, v, false);
		}
		break;
	case MSG_RETURN:
		/* Stale: a baseline's direct wake took v back and sent it to the
		 * pool again before this return arrived. */
		if (v->h.in_pool)
			break;
		vc_claim(s, v);
		VH(s, v)->in_pool = false;
		if (v->h.st == VC_READY && !v->h.sv.runnable) /* a baseline's wake may be first */
			enqueue(s, p, v, false);
		break;
	case MSG_BALLOON:
		guest_set_online(s, &s->vms[m->a], m->b);
		break;
	case MSG_MOVE: {
		/* Re-home v to core m->b (its lease ended): leave this core first. */
		struct vcpu_hv *h;
		if (v->h.home != (int32_t)p->id)
			break; /* already moved (stolen) */
		if (v->h.owner != (int32_t)p->id || v->h.in_pool) {
			defer(s, p, m); /* in the pool (even this core's): after it returns */
			break;
		}
		h = VH(s, v);
		if (p->h.cur == v)
			PH(s, p)->cur = NULL;
		if ((h->st == VC_READY || h->st == VC_RUNNING) && !h->in_pool) {
			p->h.sc.ops->dequeue(SC(s, p), SV(s, v));
			h->st = VC_READY;
			h->pcore = -1;
		}
		/* sched/ must not keep v as its current vCPU: pick another now. */
		if (p->h.sc.curr == &v->h.sv)
			run_pick(s, p);
		h->home = (int32_t)m->b;
		vc_release(s, v);
		sim_send(s, m->b, MSG_RETURN, v->gid, 0);
		break;
	}
	case MSG_LOAD:
		cypress_load(s, m->a, m->b);
		break;
	case MSG_LPM_OFF:
		p->lpm = false; /* this core's own configuration */
		p->lpm_part = -1;
		break;
	case MSG_LPM_ON:
		p->lpm = true; /* its vCPUs were moved off first (gpm_repack) */
		p->lpm_fresh = true;
		p->lpm_part = (int32_t)m->a;
		break;
	case MSG_GANG: {
		const struct gang_slot sl = { .period = s->hv.gang_period_ns,
					      .start = (uint64_t)m->a * NS_PER_US,
					      .len = (uint64_t)m->b * NS_PER_US };
		sched_gang_set_slot(SC(s, p), &sl);
		break;
	}
	default:
		break;
	}
}

/* Co-start: a stopped vCPU whose siblings caught up may run again. */
static void costart(struct sim *s)
{
	for (uint32_t i = 0; i < s->nvcpus; i++) {
		struct vcpu *v = s->vcpu[i];
		if (v->h.costop && !costop_needed(s, v))
			post(s, (uint32_t)v->h.home, MSG_WAKE, v->gid, 1);
	}
}

/*
 * On the coordinating core, in the gang's LPM's role: one slot for every core
 * that runs a gang vCPU, starting 1 ms from now (after every message has
 * arrived), the gang's share by weight on the most loaded of those cores
 * (reads of the placement this core made; the slots go out as messages).
 */
static void gang_plan(struct sim *s)
{
	uint32_t *gang_w = sim_zalloc(s->ncores, sizeof(uint32_t));
	uint32_t *other_w = sim_zalloc(s->ncores, sizeof(uint32_t));
	uint32_t gw = 0, ow = 0;
	uint64_t len, start = s->now + NS_PER_MS;

	for (uint32_t i = 0; i < s->nvcpus; i++) {
		const struct vcpu *v = s->vcpu[i];
		if (v->h.home < 0 || v->h.st == VC_OFFLINE)
			continue;
		if (v->h.sv.gang)
			gang_w[v->h.home] += v->h.sv.weight;
		else
			other_w[v->h.home] += v->h.sv.weight;
	}
	for (uint32_t c = 0; c < s->ncores; c++)
		if (gang_w[c]) {
			gw = MAX(gw, gang_w[c]);
			ow = MAX(ow, other_w[c]);
		}
	len = gang_slot_len(s->hv.gang_period_ns, gw, ow);
	for (uint32_t c = 0; c < s->ncores; c++)
		if (gang_w[c])
			post(s, c, MSG_GANG, (uint32_t)(start / NS_PER_US),
			     (uint32_t)(len / NS_PER_US));
	fprintf(s->log, "sim: gang: slot %llu of every %llu us from %llu us\n",
		(unsigned long long)(len / NS_PER_US),
		(unsigned long long)(s->hv.gang_period_ns / NS_PER_US),
		(unsigned long long)(start / NS_PER_US));
	free(gang_w);
	free(other_w);
}

/* Algorithm 1 reads every core's trigger counters (reads, no writes). */
static void adapt_pool(struct sim *s)
{
	struct msc_events tot = { 0 };

	for (uint32_t c = 0; c < s->ncores; c++) {
		tot.ipi += s->cores[c].h.ev.ipi;
		tot.ple += s->cores[c].h.ev.ple;
		tot.irq += s->cores[c].h.ev.irq;
	}
	uint32_t old = s->pool_size, rr = 0;

	sim_own(s, (int32_t)s->gpm_core);
	s->pool_size = msc_adapt_tick(&s->adapt, now_us(s), &tot);
	if (s->pool_size < old) {
		/* The pool shrank: the cores it gives back get their vCPUs back. */
		for (uint32_t i = 0; i < s->nvcpus; i++) {
			const struct vcpu *v = s->vcpu[i];
			uint32_t h0 = (uint32_t)v->home0;
			if (v->home0 < 0 || v->h.home == v->home0 || h0 + old < s->ncores ||
			    h0 + s->pool_size >= s->ncores || v->h.st == VC_OFFLINE)
				continue;
			sim_send(s, (uint32_t)v->h.home, MSG_MOVE, v->gid, h0);
		}
		return;
	}
	if (s->pool_size == old || s->pool_size >= s->ncores)
		return;
	/* The pool grew: its new cores hand their normal vCPUs to the others. */
	for (uint32_t i = 0; i < s->nvcpus; i++) {
		const struct vcpu *v = s->vcpu[i];
		uint32_t h = (uint32_t)v->h.home, keep = s->ncores - s->pool_size;
		if (v->h.home < 0 || h < keep || h + old >= s->ncores || v->h.st == VC_OFFLINE)
			continue;
		sim_send(s, h, MSG_MOVE, v->gid, rr++ % keep);
	}
}

void hv_periodic(struct sim *s)
{
	if (s->hv.queue == HVQ_GANG && s->now == 0)
		gang_plan(s);
	if (s->hv.cosched)
		costart(s);
	if (s->hv.queue == HVQ_CREDIT && s->now % (30 * NS_PER_MS) == 0)
		credit_account(s);
	if (s->hv.msc_adaptive && s->now % (MSC_PROFILE_US * NS_PER_US) == 0)
		adapt_pool(s);
	if (s->hv.partition || s->hv.hetaware)
		cypress_periodic(s);
}
