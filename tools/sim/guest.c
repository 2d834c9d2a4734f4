// SPDX-License-Identifier: MIT
/*
 * Guest kernel model: threads running programs on vCPUs, a per-vCPU runqueue
 * with idle stealing and wake-to-idle placement (like Linux's
 * select_idle_sibling), locks, barriers, TLB shootdowns, I/O, the IRS
 * scheduler-activation receiver and migrator, and the VCPU-Bal balloon module.
 * Environment: host simulator, called for the vCPU running on core p.
 *
 * A vCPU the hypervisor preempts simply stops: its current thread stays on
 * it, which is what makes lock-holder and lock-waiter preemption hurt. A
 * paravirtual guest told by an SA upcall moves that thread to a sibling first.
 */
#include "tools/sim/sim.h"

#define GUEST_SLICE_NS	(4 * NS_PER_MS) /* guest round-robin among threads on a vCPU */
#define TLB_ACK_NS	(1 * NS_PER_US) /* handling a shootdown IPI */
#define IRQ_NS		(2 * NS_PER_US) /* handling a device IRQ */
#define SA_NS		(2 * NS_PER_US) /* SA upcall: deschedule, migrate, ack */
#define MEM_SPEED_SHARE 20u		/* percent of a speed-up memory-bound code sees */

void tfifo_push(struct vm *vm, struct tfifo *f, int32_t t)
{
	vm->thr[t].next = -1;
	if (f->tail >= 0)
		vm->thr[f->tail].next = t;
	else
		f->head = t;
	f->tail = t;
	f->n++;
}

int32_t tfifo_pop(struct vm *vm, struct tfifo *f)
{
	int32_t t = f->head;

	if (t < 0)
		return -1;
	f->head = vm->thr[t].next;
	if (f->head < 0)
		f->tail = -1;
	f->n--;
	return t;
}

static void tfifo_init(struct tfifo *f)
{
	f->head = f->tail = -1;
	f->n = 0;
}

/* Load of a vCPU as the guest sees it: its running thread plus its queue. */
static uint32_t vload(const struct vcpu *u)
{
	return u->rq.n + (u->cur >= 0);
}

/* The least loaded online vCPU other than `not`, preferring idle ones. */
static struct vcpu *least_loaded(struct vm *vm, const struct vcpu * not )
{
	struct vcpu *best = NULL;

	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		struct vcpu *u = &vm->vcpus[i];
		if (!u->online || u == not )
			continue;
		if (!best || vload(u) < vload(best))
			best = u;
	}
	return best;
}

/* Make thread t runnable; the guest picks its vCPU and kicks a halted one. */
static void make_ready(struct sim *s, struct thread *t)
{
	struct vm *vm = t->vm;
	struct vcpu *u = &vm->vcpus[t->vcpu];

	if (!u->online || vload(u) > 0) {
		struct vcpu *idle = least_loaded(vm, NULL);
		if (idle && (!u->online || vload(idle) == 0))
			u = idle;
	}
	t->vcpu = (int32_t)u->idx;
	t->st = T_READY;
	tfifo_push(vm, &u->rq, (int32_t)t->id);
	if (u->h.st == VC_BLOCKED)
		hv_kick(s, u, MSC_TRIG_IPI);
}

static void advance(struct thread *t)
{
	t->pc++;
	if (t->pc == t->prog->n) {
		t->pc = 0;
		t->loops++;
		t->vm->st.loops++;
	}
	t->started = false;
	t->spun = 0;
}

void guest_init_vm(struct sim *s, struct vm *vm)
{
	(void)s;
	/* VCPU-Bal section 3: computational applications spawn as many threads
	 * as there are CPUs when they start. */
	if (vm->adapt_threads && vm->balloon_target < vm->nthreads)
		vm->nthreads = vm->balloon_target;
	tfifo_init(&vm->bar_wait);
	for (uint32_t l = 0; l < SIM_LOCKS; l++) {
		vm->lock[l].holder = -1;
		tfifo_init(&vm->lock[l].waiters);
	}
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		v->online = i < vm->balloon_target;
		v->cur = -1;
		tfifo_init(&v->rq);
		tfifo_init(&v->irqq);
	}
	for (uint32_t i = 0; i < vm->nthreads; i++) {
		struct thread *t = &vm->thr[i];
		t->id = i;
		t->vm = vm;
		t->st = T_READY;
		t->vcpu = (int32_t)(i % vm->balloon_target);
		tfifo_push(vm, &vm->vcpus[t->vcpu].rq, (int32_t)i);
	}
}

/* Work done in `ns` on a core of speed `speed` for op kind k (speed-100 ns). */
static uint64_t rate(uint8_t k, uint32_t speed)
{
	if (k == OP_MEM)
		return 100 + (uint64_t)(speed > 100 ? speed - 100 : 0) * MEM_SPEED_SHARE / 100;
	return speed;
}

/* Compute for at most budget ns; returns ns used, true in *fin when left hits 0. */
static uint64_t compute(struct vm *vm, struct thread *t, uint8_t k, uint32_t speed, uint64_t budget,
			bool *fin)
{
	uint64_t r = rate(k, speed);
	uint64_t can = budget * r / 100;
	uint64_t used, done;

	if (t->left <= can) {
		done = t->left;
		used = (t->left * 100 + r - 1) / r;
		if (used > budget)
			used = budget;
		*fin = true;
	} else {
		done = can;
		used = budget;
		*fin = false;
	}
	t->left -= done;
	vm->st.work += done;
	/* Instructions: CPU-bound code retires in proportion to its time at speed;
	 * memory-bound code stalls, so both count as the work they complete. */
	vm->st.insns += done;
	return used;
}

static uint64_t spin(struct sim *s, struct vcpu *v, struct thread *t, uint64_t budget)
{
	t->spun += budget;
	v->vm->st.spin += budget;
	v->spin_run += budget;
	if (s->hv.ple_window_ns && v->spin_run >= s->hv.ple_window_ns) {
		v->spin_run = 0;
		PH(s, &s->cores[s->cur_core])->ev.ple++;
		v->vm->st.ple++;
		hv_ple(s, v);
	}
	return budget;
}

static void release(struct sim *s, struct vm *vm, struct thread *t, const struct op *o)
{
	struct vlock *l = &vm->lock[o->obj];
	int32_t w = o->kind == OP_MUTEX ? tfifo_pop(vm, &l->waiters) : -1;

	l->holder = w;
	if (w >= 0) {
		struct thread *wt = &vm->thr[w];
		wt->started = true;
		wt->left = wt->prog->ops[wt->pc].ns;
		make_ready(s, wt);
	}
	(void)t;
}

static void block_current(struct vcpu *v, struct thread *t)
{
	t->st = T_BLOCKED;
	v->cur = -1;
	v->gslice = 0;
}

/* Barrier arrival; returns true if t passed it (it was the last). */
static bool barrier_arrive(struct sim *s, struct vm *vm, struct thread *t)
{
	t->left = vm->bar_gen; /* the generation it waits to see pass */
	if (++vm->bar_arrived < vm->nthreads)
		return false;
	vm->bar_arrived = 0;
	vm->bar_gen++;
	for (int32_t w; (w = tfifo_pop(vm, &vm->bar_wait)) >= 0;) {
		advance(&vm->thr[w]);
		make_ready(s, &vm->thr[w]);
	}
	return true;
}

/* Send shootdown IPIs to every busy sibling; returns how many must ack. */
static uint32_t tlb_send(struct sim *s, struct vcpu *v, struct thread *t)
{
	struct vm *vm = v->vm;
	uint32_t n = 0;

	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		struct vcpu *u = &vm->vcpus[i];
		/* Lazy TLB: idle vCPUs flush when they next switch, no IPI. */
		if (u == v || !u->online || vload(u) == 0 || u->pend_tlb == ARRAY_SIZE(u->tlb_from))
			continue;
		u->tlb_from[u->pend_tlb++] = (int32_t)t->id;
		n++;
		PH(s, &s->cores[s->cur_core])->ev.ipi++;
		if (u->h.st != VC_RUNNING)
			hv_kick(s, u, MSC_TRIG_IPI);
	}
	return n;
}

/* Run t's current op for at most budget ns; returns ns used. */
static uint64_t step(struct sim *s, struct vcpu *v, struct pcore *p, struct thread *t,
		     uint64_t budget)
{
	struct vm *vm = v->vm;
	const struct op *o = &t->prog->ops[t->pc];
	bool fin = false;
	uint64_t used;

	switch (o->kind) {
	case OP_CPU:
	case OP_MEM:
		if (!t->started) {
			t->started = true;
			t->left = o->ns;
		}
		used = compute(vm, t, o->kind, p->speed, budget, &fin);
		if (fin)
			advance(t);
		v->spin_run = 0;
		return used;
	case OP_SPIN:
	case OP_KSPIN:
	case OP_MUTEX:
		if (!t->started) {
			struct vlock *l = &vm->lock[o->obj];
			if (l->holder >= 0 && l->holder != (int32_t)t->id) {
				if (o->kind != OP_MUTEX)
					return spin(s, v, t, budget);
				tfifo_push(vm, &l->waiters, (int32_t)t->id);
				block_current(v, t);
				return 0;
			}
			l->holder = (int32_t)t->id;
			t->started = true;
			t->left = o->ns;
		}
		v->spin_run = 0;
		used = compute(vm, t, OP_CPU, p->speed, budget, &fin);
		if (fin) {
			release(s, vm, t, o);
			advance(t);
		}
		return used;
	case OP_BARRIER:
		if (!t->started) {
			t->started = true;
			if (barrier_arrive(s, vm, t)) {
				advance(t);
				return 0;
			}
		}
		if (vm->bar_gen != t->left) {
			advance(t);
			return 0;
		}
		if (!t->prog->spin_barrier ||
		    (t->prog->barrier_spin_ns && t->spun >= t->prog->barrier_spin_ns)) {
			tfifo_push(vm, &vm->bar_wait, (int32_t)t->id);
			block_current(v, t);
			return 0;
		}
		return spin(s, v, t, budget);
	case OP_TLB:
		if (!t->started) {
			t->started = true;
			t->tlb_wait = tlb_send(s, v, t);
		}
		if (t->tlb_wait == 0) {
			advance(t);
			return 0;
		}
		return spin(s, v, t, budget);
	case OP_IO:
	default:
		t->started = true;
		block_current(v, t);
		sim_io_start(s, t, s->now + o->ns);
		return 0;
	}
}

/*
 * The device's completion interrupt is routed to the home core of the vCPU
 * that handles it (posted-interrupt style): that core runs this handler.
 */
void guest_io_done(struct sim *s, struct thread *t)
{
	struct vm *vm = t->vm;
	struct vcpu *u = &vm->vcpus[t->vcpu];
	int32_t was = s->cur_core;

	if (!u->online)
		u = least_loaded(vm, NULL);
	if (!u)
		return; /* the VM has left: nobody takes the interrupt */
	s->cur_core = u->h.home;
	tfifo_push(vm, &u->irqq, (int32_t)t->id);
	PH(s, &s->cores[u->h.home])->ev.irq++;
	if (u->h.st != VC_RUNNING)
		hv_kick(s, u, MSC_TRIG_VIRQ);
	s->cur_core = was;
}

/* True while t must not be descheduled by the guest (kernel critical code). */
static bool in_critical(const struct vcpu *v)
{
	const struct thread *t;

	if (v->in_irq)
		return true;
	if (v->cur < 0)
		return false;
	t = &v->vm->thr[v->cur];
	switch (t->prog->ops[t->pc].kind) {
	case OP_KSPIN:
		return true;
	case OP_TLB:
		return t->started;
	default:
		return false;
	}
}

/* IRS receiver and migrator: returns true if the vCPU was handed back. */
static bool handle_sa(struct sim *s, struct vcpu *v)
{
	struct vm *vm = v->vm;

	if (in_critical(v))
		return false; /* non-preemptible: ack once out of it (or be forced) */
	v->pend_sa = false;
	if (v->cur >= 0) {
		struct thread *t = &vm->thr[v->cur];
		struct vcpu *to = least_loaded(vm, v);
		v->cur = -1;
		v->gslice = 0;
		if (to) {
			t->vcpu = (int32_t)to->idx;
			t->st = T_READY;
			tfifo_push(vm, &to->rq, (int32_t)t->id);
			if (to->h.st == VC_BLOCKED)
				hv_kick(s, to, MSC_TRIG_IPI);
		} else {
			tfifo_push(vm, &v->rq, (int32_t)t->id);
		}
	}
	vm->st.sa_acked++;
	hv_sa_ack(s, v, v->rq.n == 0);
	return true;
}

/* Interrupts before threads; returns ns used. */
static uint64_t interrupts(struct sim *s, struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint64_t used = 0;

	while (v->pend_tlb) {
		int32_t from = v->tlb_from[--v->pend_tlb];
		if (vm->thr[from].tlb_wait)
			vm->thr[from].tlb_wait--;
		used += TLB_ACK_NS;
		v->in_irq = true;
	}
	for (int32_t w; (w = tfifo_pop(vm, &v->irqq)) >= 0;) {
		struct thread *t = &vm->thr[w];
		advance(t);
		make_ready(s, t);
		used += IRQ_NS;
		v->in_irq = true;
	}
	return used;
}

/* Next thread for an idle vCPU: its own queue, else steal from the busiest. */
static int32_t pick(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct vcpu *busiest = NULL;
	int32_t t = tfifo_pop(vm, &v->rq);

	if (t >= 0)
		return t;
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		struct vcpu *u = &vm->vcpus[i];
		if (u != v && u->rq.n && (!busiest || u->rq.n > busiest->rq.n))
			busiest = u;
	}
	return busiest ? tfifo_pop(vm, &busiest->rq) : -1;
}

void guest_run(struct sim *s, struct vcpu *v, struct pcore *p, uint64_t ns)
{
	struct vm *vm = v->vm;
	uint64_t budget = ns, used;

	if (!v->online) {
		hv_offline(s, v);
		return;
	}
	v->in_irq = false;
	used = interrupts(s, v);
	budget = used >= budget ? 0 : budget - used;
	v->in_irq = false;
	if (v->pend_sa && handle_sa(s, v))
		return;
	while (budget > 0 && v->h.st == VC_RUNNING && v->h.pcore == (int32_t)p->id) {
		struct thread *t;
		if (v->cur < 0) {
			v->cur = pick(v);
			if (v->cur < 0) {
				hv_block(s, v);
				return;
			}
			vm->thr[v->cur].vcpu = (int32_t)v->idx;
			vm->thr[v->cur].st = T_RUNNING;
			v->gslice = 0;
		}
		t = &vm->thr[v->cur];
		used = step(s, v, p, t, budget);
		budget -= used;
		v->gslice += used;
		if (v->cur >= 0 && v->gslice >= GUEST_SLICE_NS && v->rq.n && !in_critical(v)) {
			t->st = T_READY;
			tfifo_push(vm, &v->rq, v->cur);
			v->cur = -1;
		}
		if (v->pend_sa && handle_sa(s, v))
			return;
	}
}

void guest_set_online(struct sim *s, struct vm *vm, uint32_t target)
{
	for (uint32_t i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		bool want = i < target;
		if (want == v->online)
			continue;
		v->online = want;
		if (want) {
			hv_online(s, v);
			continue;
		}
		if (target == 0) {
			/* The VM leaves: its threads stop where they are. */
			v->cur = -1;
			tfifo_init(&v->rq);
			tfifo_init(&v->irqq);
			v->pend_tlb = 0;
			if (v->h.st == VC_BLOCKED)
				hv_kick(s, v, MSC_TRIG_IPI);
			continue;
		}
		/* Hot-unplug: its threads move to the online vCPUs. */
		if (v->cur >= 0) {
			tfifo_push(vm, &v->rq, v->cur);
			v->cur = -1;
		}
		for (int32_t t; (t = tfifo_pop(vm, &v->rq)) >= 0;) {
			vm->thr[t].vcpu = (int32_t)least_loaded(vm, v)->idx;
			make_ready(s, &vm->thr[t]);
		}
		for (int32_t t; (t = tfifo_pop(vm, &v->irqq)) >= 0;) {
			struct vcpu *to = least_loaded(vm, v);
			tfifo_push(vm, &to->irqq, t);
			if (to->h.st != VC_RUNNING)
				hv_kick(s, to, MSC_TRIG_VIRQ);
		}
		while (v->pend_tlb) {
			int32_t from = v->tlb_from[--v->pend_tlb];
			if (vm->thr[from].tlb_wait)
				vm->thr[from].tlb_wait--;
		}
		/* The vCPU unplugs itself when it next runs. */
		if (v->h.st == VC_BLOCKED)
			hv_kick(s, v, MSC_TRIG_IPI);
	}
	vm->balloon_target = target;
}

uint64_t guest_ip(const struct vcpu *v)
{
	const struct thread *t;

	if (v->in_irq || v->irqq.n)
		return SYM_IRQ + 0x10;
	if (v->cur < 0)
		return SYM_IDLE + 0x10;
	t = &v->vm->thr[v->cur];
	switch (t->prog->ops[t->pc].kind) {
	case OP_KSPIN:
		return SYM_SPIN + 0x10;
	case OP_TLB:
		return t->started ? SYM_TLB + 0x10 : SYM_USER + 0x10;
	default:
		return SYM_USER + 0x10;
	}
}

bool guest_wants_cpu(const struct vcpu *v)
{
	return v->online && (v->cur >= 0 || v->rq.n || v->irqq.n || v->pend_tlb);
}
