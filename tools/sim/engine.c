// SPDX-License-Identifier: MIT
/*
 * The simulator's clock: per-quantum message delivery, scheduling, guest
 * execution and accounting, plus the seeded random source, the message
 * mailboxes and the I/O completion queue.
 * Environment: host simulator, single-threaded; the same seed and scenario
 * always give the same run.
 */
#include <stdlib.h>

#include "tools/sim/sim.h"

uint64_t sim_rand(struct sim *s)
{
	/* splitmix64: tiny, well-mixed, and fixed by the seed. */
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void *sim_zalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fprintf(stderr, "sim: out of memory\n");
		exit(2);
	}
	return p;
}

void sim_send(struct sim *s, uint32_t to, uint32_t type, uint32_t a, uint32_t b)
{
	struct pcore *p = &s->cores[to];

	if (p->ninbox == p->capinbox) {
		p->capinbox = p->capinbox ? p->capinbox * 2 : 16;
		p->inbox = realloc(p->inbox, p->capinbox * sizeof(*p->inbox));
		if (!p->inbox) {
			fprintf(stderr, "sim: out of memory\n");
			exit(2);
		}
	}
	p->inbox[p->ninbox++] =
		(struct msg){ type, s->cur_core < 0 ? to : (uint32_t)s->cur_core, a, b };
	/* A message from the simulator itself (a device, set-up) is not cross-core. */
	if (s->cur_core >= 0 && (uint32_t)s->cur_core != to)
		s->msgs++;
}

void sim_io_start(struct sim *s, struct thread *t, uint64_t due)
{
	runq_entry_init(&s->io_ent[t->gidx], t->gidx, due);
	runq_push(&s->io, &s->io_ent[t->gidx]);
}

/*
 * Handle p's inbox. The buffer is detached first, so messages sent to p while
 * handling go to a fresh inbox for the next quantum; the detached buffer is
 * given back when none came, so the steady state allocates nothing.
 */
static void deliver(struct sim *s, struct pcore *p)
{
	struct msg *m = p->inbox;
	uint32_t n = p->ninbox, cap = p->capinbox;

	if (!n)
		return;
	p->inbox = NULL;
	p->ninbox = p->capinbox = 0;
	PH(s, p)->msgs_in += n;
	for (uint32_t i = 0; i < n; i++)
		hv_msg(s, p, &m[i]);
	if (p->inbox) {
		free(m);
		return;
	}
	p->inbox = m;
	p->capinbox = cap;
}

static void account(struct sim *s, struct pcore *p)
{
	struct vcpu *v = p->h.cur;
	uint64_t pj = (uint64_t)p->mw * s->q_ns;

	if (!v) {
		PH(s, p)->idle += s->q_ns;
		PH(s, p)->energy_pj += (uint64_t)p->idle_mw * s->q_ns;
		return;
	}
	PH(s, p)->busy += s->q_ns;
	PH(s, p)->energy_pj += pj;
	VH(s, v)->ran += s->q_ns;
	if (p->cls == GPM_CLS_FAST)
		v->vm->st.fast_ns += s->q_ns; /* the observer's */
	v->vm->st.energy_pj += pj;
}

/*
 * The observer (reads only): for each VM of several vCPUs, was some vCPU
 * running this quantum, and was another one runnable but not running? A gang
 * scheduler keeps the second count near 0 (together or not at all). Also
 * counted: quanta in which a gang vCPU ran outside its core's slot.
 */
static void watch_split(struct sim *s)
{
	for (uint32_t i = 0; i < s->nvms; i++) {
		struct vm *vm = &s->vms[i];
		uint32_t run = 0, ready = 0;
		if (vm->nvcpus < 2 || vm->hog)
			continue;
		for (uint32_t k = 0; k < vm->nvcpus; k++) {
			const struct vcpu *v = &vm->vcpus[k];
			run += v->h.st == VC_RUNNING;
			ready += v->h.st == VC_READY;
			if (v->h.st == VC_RUNNING && v->h.sv.gang &&
			    !gang_in_slot(&s->cores[v->h.pcore].h.sc.slot, s->now))
				vm->st.outside_q++;
		}
		vm->st.run_q += run > 0;
		vm->st.split_q += run > 0 && ready > 0;
	}
}

#ifdef SIM_CHECK
/*
 * Checking build: sched/ writes every vCPU in a core's queue through that
 * core's SC(), so each queued or current vCPU must be owned by the core,
 * or sched/ could write a vCPU that another core owns unseen.
 */
static void check_queues(struct sim *s)
{
	for (uint32_t c = 0; c < s->ncores; c++) {
		const struct sched_core *sc = &s->cores[c].h.sc;
		for (uint32_t i = 0; i <= sc->rq.count; i++) {
			const struct sched_vcpu *sv =
				i < sc->rq.count ?
					container_of(sc->rq.heap[i], struct sched_vcpu, rq) :
					sc->curr;
			const struct vcpu *v;
			if (!sv || !sv->runnable)
				continue; /* a blocked curr is only read by sched/ */
			v = container_of(sv, struct vcpu, h.sv);
			if (v->h.owner != (int32_t)c) {
				fprintf(stderr, "sim: vCPU %u is in core %u's queue, owner %d\n",
					v->gid, c, v->h.owner);
				abort();
			}
		}
	}
}
#endif

/*
 * Test hook (scenario "own"): at mid-run, core 0 makes one write to a vCPU
 * another core owns (SIM_FAULT_VCPU), or calls a sched/ callback on another
 * core's queue (SIM_FAULT_SCHED), so a test can check the count is exactly 1.
 */
static void fault(struct sim *s)
{
	for (uint32_t i = 0; i < s->nvcpus; i++) {
		struct vcpu *v = s->vcpu[i];
		struct pcore *q;
		if (v->h.owner <= 0)
			continue;
		q = &s->cores[v->h.owner];
		if (s->xw_fault == SIM_FAULT_VCPU)
			VH(s, v)->slice_used = v->h.slice_used;
		else
			q->h.sc.ops->tick(SC(s, q), 0);
		fprintf(s->log, "sim: test fault: core 0 wrote %s of core %u\n",
			s->xw_fault == SIM_FAULT_VCPU ? "a vCPU" : "the sched/ queue", q->id);
		return;
	}
}

int sim_run(struct sim *s)
{
	if (hv_init(s) < 0)
		return -1;
	s->running = true;
	for (s->now = 0; s->now < s->end; s->now += s->q_ns) {
		struct runq_entry *e;
		s->cur_core = -1;
		while ((e = runq_peek_min(&s->io)) && e->key <= s->now) {
			runq_pop_min(&s->io);
			guest_io_done(s, s->io_thr[e->id]);
		}
		for (uint32_t c = 0; c < s->ncores; c++) {
			s->cur_core = (int32_t)c;
			deliver(s, &s->cores[c]);
		}
		for (uint32_t c = 0; c < s->ncores; c++) {
			s->cur_core = (int32_t)c;
			hv_schedule(s, &s->cores[c]);
			if (s->xw_fault && c == 0 && s->now == s->end / 2 / s->q_ns * s->q_ns)
				fault(s);
		}
		if (s->hv.watch_split)
			watch_split(s); /* what the cores decided to run this quantum */
		for (uint32_t c = 0; c < s->ncores; c++) {
			struct pcore *p = &s->cores[c];
			s->cur_core = (int32_t)c;
			if (p->h.cur)
				guest_run(s, p->h.cur, p, s->q_ns);
			account(s, p);
		}
#ifdef SIM_CHECK
		check_queues(s);
#endif
		if (s->now % NS_PER_MS == 0) {
			s->cur_core = (int32_t)s->gpm_core;
			hv_periodic(s);
		}
	}
	s->cur_core = -1;
	s->running = false;
	return 0;
}

void sim_free(struct sim *s)
{
	for (uint32_t c = 0; c < s->ncores; c++) {
		free(s->cores[c].inbox);
		free(s->cores[c].rq_store);
		free(s->cores[c].msc_slots);
	}
	for (uint32_t i = 0; i < s->nvms; i++) {
		free(s->vms[i].vcpus);
		free(s->vms[i].thr);
	}
	free(s->cores);
	free(s->vms);
	free(s->vcpu);
	free(s->io_store);
	free(s->io_ent);
	free(s->io_thr);
	cypress_free(s);
}
