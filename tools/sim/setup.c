// SPDX-License-Identifier: MIT
/*
 * Setting a run up: global vCPU and thread indices, placement (Cypress's GPM
 * and leases, a pin table, or round-robin), each core's queue policy, the
 * micro-sliced pool and the guest symbol table, then the first wake-ups.
 * Environment: host simulator, before the clock starts (s->cur_core = -1).
 */
#include <stdlib.h>

#include "tools/sim/sim.h"

/* The guest's critical kernel functions (micro-sliced paper, Table 3). */
static const struct msc_sym guest_syms[] = {
	{ SYM_USER, SYM_SIZE, MSC_NOT_CRITICAL }, /* user code */
	{ SYM_IDLE, SYM_SIZE, MSC_NOT_CRITICAL }, /* default_idle */
	{ SYM_SPIN, SYM_SIZE, 0 },		  /* _raw_spin_lock and held section */
	{ SYM_TLB, SYM_SIZE, 1 },		  /* flush_tlb_others */
	{ SYM_IRQ, SYM_SIZE, 2 },		  /* do_IRQ */
};

static void index_vcpus(struct sim *s)
{
	uint32_t nv = 0, nt = 0;

	for (uint32_t i = 0; i < s->nvms; i++) {
		nv += s->vms[i].nvcpus;
		nt += s->vms[i].nthreads;
	}
	s->nvcpus = nv;
	s->nthr_total = nt;
	s->vcpu = sim_zalloc(nv, sizeof(*s->vcpu));
	s->io_thr = sim_zalloc(nt, sizeof(*s->io_thr));
	s->io_ent = sim_zalloc(nt, sizeof(*s->io_ent));
	s->io_store = sim_zalloc(nt, sizeof(*s->io_store));
	runq_init(&s->io, s->io_store, nt ? nt : 1);
	nv = nt = 0;
	for (uint32_t i = 0; i < s->nvms; i++) {
		struct vm *vm = &s->vms[i];
		uint64_t w = (uint64_t)SCHED_WEIGHT_DEFAULT * vm->weight;
		vm->id = i;
		vm->part = -1;
		for (uint32_t k = 0; k < vm->nvcpus; k++) {
			struct vcpu *v = &vm->vcpus[k];
			v->gid = nv;
			v->idx = k;
			v->vm = vm;
			struct vcpu_hv *h = VH(s, v); /* set-up: cur_core -1, clock stopped */
			h->st = VC_BLOCKED;
			h->pcore = -1;
			h->home = -1;
			h->owner = -1;
			h->sv.id = nv;
			h->sv.weight = (uint32_t)(w > SCHED_WEIGHT_MAX ? SCHED_WEIGHT_MAX : w);
			h->sv.gang = vm->req.gang;
			irs_init(&h->irs, s->hv.irs && vm->pv, s->hv.irs_limit_ns / NS_PER_US);
			s->vcpu[nv++] = v;
		}
		for (uint32_t t = 0; t < vm->nthreads; t++) {
			vm->thr[t].gidx = nt;
			s->io_thr[nt++] = &vm->thr[t];
		}
	}
}

static void place(struct sim *s)
{
	uint32_t usable = 0, k = 0;

	if (s->hv.partition || s->hv.hetaware) {
		cypress_place(s);
		return;
	}
	for (uint32_t c = 0; c < s->ncores; c++)
		usable += !s->cores[c].lpm;
	/* A static micro-sliced pool (the last cores) runs no normal vCPUs. */
	if (!s->hv.msc_adaptive && s->hv.msc_static < usable)
		usable -= s->hv.msc_static;
	for (uint32_t i = 0; i < s->nvms; i++) {
		struct vm *vm = &s->vms[i];
		vm->balloon_target = vm->nvcpus;
		for (uint32_t j = 0; j < vm->nvcpus; j++, k++)
			VH(s, &vm->vcpus[j])->home =
				(int32_t)(s->hv.pin ? s->hv.pin[k] : k % usable);
	}
}

static const struct sched_ops *policy(const struct sim *s, uint32_t homed)
{
	switch (s->hv.queue) {
	case HVQ_CREDIT:
		return &sim_credit_ops;
	case HVQ_NOOP:
		return homed <= 1 ? &sched_noop_ops : &sched_fair_ops;
	case HVQ_GANG:
		return &sched_gang_ops;
	case HVQ_FAIR:
	default:
		return &sched_fair_ops;
	}
}

static void init_cores(struct sim *s)
{
	uint32_t *homed = sim_zalloc(s->ncores, sizeof(uint32_t));
	uint32_t limit = s->hv.msc_static;

	for (uint32_t i = 0; i < s->nvcpus; i++)
		if (s->vcpu[i]->h.home >= 0)
			homed[s->vcpu[i]->h.home]++;
	for (uint32_t c = 0; c < s->ncores; c++) {
		struct pcore *p = &s->cores[c];
		p->id = c;
		p->rq_store = sim_zalloc(s->nvcpus, sizeof(*p->rq_store));
		policy(s, homed[c])->init(SC(s, p), p->rq_store, s->nvcpus, s->hv.slice_ns);
		if (c + limit >= s->ncores && limit) {
			p->msc_slots = sim_zalloc(s->nvcpus, sizeof(uint32_t));
			msc_core_init(&PH(s, p)->msc, p->msc_slots, s->nvcpus);
		}
	}
	free(homed);
	msc_symtab_init(&s->syms, guest_syms, ARRAY_SIZE(guest_syms));
	if (s->hv.msc_adaptive)
		msc_adapt_init(&s->adapt, limit, 0);
	s->pool_size = s->hv.msc_adaptive ? 0 : limit;
}

/*
 * First wake-ups in a seeded random order: machines never start every core's
 * queue in the same phase, and a fixed order would gang-schedule by accident.
 */
static void start(struct sim *s)
{
	struct vcpu **order = sim_zalloc(s->nvcpus, sizeof(*order));

	for (uint32_t i = 0; i < s->nvcpus; i++)
		order[i] = s->vcpu[i];
	for (uint32_t i = s->nvcpus; i > 1; i--) {
		uint32_t j = (uint32_t)(sim_rand(s) % i);
		struct vcpu *t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	for (uint32_t i = 0; i < s->nvcpus; i++)
		if (order[i]->h.st == VC_BLOCKED && guest_wants_cpu(order[i]))
			hv_kick(s, order[i], MSC_TRIG_IPI);
	free(order);
}

int hv_init(struct sim *s)
{
	s->rng = s->seed;
	s->cur_core = -1;
	index_vcpus(s);
	place(s);
	init_cores(s);
	for (uint32_t i = 0; i < s->nvms; i++) {
		struct vm *vm = &s->vms[i];
		if (vm->rejected) {
			for (uint32_t k = 0; k < vm->nvcpus; k++)
				VH(s, &vm->vcpus[k])->st = VC_OFFLINE;
			continue;
		}
		guest_init_vm(s, vm);
		for (uint32_t k = 0; k < vm->nvcpus; k++) {
			struct vcpu_hv *h = VH(s, &vm->vcpus[k]);
			if (h->home < 0)
				h->home = 0;
			h->owner = h->home; /* each vCPU starts owned by its home core */
			vm->vcpus[k].home0 = h->home;
			if (!vm->vcpus[k].online)
				h->st = VC_OFFLINE;
		}
	}
	start(s);
	return 0;
}
