// SPDX-License-Identifier: MIT
/*
 * Building a simulated machine and its VMs from a scenario's specs.
 * Environment: host simulator.
 */
#include <stdlib.h>
#include <string.h>

#include "tools/sim/build.h"

void sim_build(struct sim *s, const struct machine *m, const struct hv_conf *hv,
	       const struct vm_spec *vms, uint32_t n, FILE *log)
{
	memset(s, 0, sizeof(*s));
	s->seed = m->seed;
	s->q_ns = m->q_ns;
	s->end = m->end_ns;
	s->hv = *hv;
	s->log = log;
	s->ncores = m->ncores;
	s->cores = sim_zalloc(m->ncores, sizeof(*s->cores));
	for (uint32_t c = 0; c < m->ncores; c++) {
		struct pcore *p = &s->cores[c];
		uint64_t sp = m->speed ? m->speed[c] : 100;
		p->id = c;
		p->lpm_part = -1;
		p->speed = (uint32_t)sp;
		p->mw = (uint32_t)(CORE_STATIC_MW + CORE_DYN_MW * sp * sp * sp / 1000000);
		p->idle_mw = CORE_STATIC_MW + CORE_IDLE_MW;
		p->socket = m->cores_per_socket ? c / m->cores_per_socket : 0;
		p->cls = sp > 120 ? GPM_CLS_FAST : GPM_CLS_SLOW;
	}
	s->nvms = n;
	s->vms = sim_zalloc(n, sizeof(*s->vms));
	for (uint32_t i = 0; i < n; i++) {
		struct vm *vm = &s->vms[i];
		vm->name = vms[i].name;
		vm->nvcpus = vms[i].nvcpus;
		vm->nthreads = vms[i].nthreads;
		vm->weight = vms[i].weight ? vms[i].weight : 1;
		vm->pv = vms[i].pv;
		vm->hog = vms[i].hog;
		vm->adapt_threads = vms[i].adapt_threads;
		vm->wants_fast = vms[i].wants_fast;
		vm->power_w = vms[i].power_w;
		vm->req = vms[i].req;
		vm->vcpus = sim_zalloc(vm->nvcpus, sizeof(*vm->vcpus));
		vm->thr = sim_zalloc(vm->nthreads, sizeof(*vm->thr));
		for (uint32_t t = 0; t < vm->nthreads; t++)
			vm->thr[t].prog = vms[i].prog;
	}
}

double sim_loops_per_s(const struct sim *s, uint32_t i)
{
	return (double)s->vms[i].st.loops * (double)NS_PER_S / (double)s->end;
}

void sim_irs_totals(const struct sim *s, uint64_t *sent, uint64_t *forced)
{
	*sent = *forced = 0;
	for (uint32_t i = 0; i < s->nvcpus; i++) {
		*sent += s->vcpu[i]->h.irs.notifications;
		*forced += s->vcpu[i]->h.irs.forced;
	}
}
