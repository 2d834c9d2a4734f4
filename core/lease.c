// SPDX-License-Identifier: MIT
/*
 * Fast-core leases (core/lease.h, docs/guest-abi.md "Fast-core leases").
 * Environment: freestanding hypervisor, cpu 0 only (GPM calls, the GPM's
 * timer, MSG_LEASE_BACK).
 *
 * Rules (what the code keeps true; the policy itself is sched/lease.h):
 *  1. The lease table holds every fast core of the plan; it is sorted before
 *     each use so that its first `ncores` are those a lease may use: held
 *     by a lease, or free in the plan. sched/lease.c's share cap thus counts
 *     the fast cores of the anonymous partition now.
 *  2. A granted core is also held in the plan (plan_lease_take) from the grant
 *     until the vCPU has left it (MSG_LEASE_BACK), so no partition gets it
 *     meanwhile. sched/lease.c frees its entry when the lease ends; the core
 *     is then "draining" here and not given to anyone until the vCPU is back.
 *  3. Each lease's own end is its request's term: the table's entry gets
 *     expires_us = now + term after sched/lease.c granted or renewed it (its
 *     own term_us is the fairness window, LEASE_WINDOW_US).
 *  4. A request refused because no core was free while the VM was under its
 *     share (sched/lease.c marks it "denied" at that time) is queued, one per
 *     vCPU, oldest first; any other refusal is the caller's answer.
 *  5. v->lease_cpu / v->lease_end_tsc are written here only, then
 *     shared_vcpu_update(v).
 */
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "core/control.h"
#include "core/gpm_timer.h"
#include "core/lease.h"
#include "core/lpm.h"
#include "core/msg.h"
#include "core/plan.h"
#include "core/shared.h"
#include "guest-abi/cypress.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "sched/lease.h"

#define LEASE_CORES_MAX 32
#define EXPIRE_BATCH	8

static struct lease_core lcores[LEASE_CORES_MAX];
static uint32_t nfast; /* fast cores in lcores[] */
static struct lease_table tab;
static uint64_t charge_mws[VM_MAX], held_us[VM_MAX];
static bool ready;

/* What this file adds to a core of the table, by table entry's cpu. */
static struct lease_ext {
	uint32_t cpu;
	int32_t slot;  /* the plan slot holding it, -1 none */
	bool draining; /* lease over, vCPU on its way back (rule 2) */
	bool expired;  /* ...because the term ran out: LEASE_ENDED on arrival */
	bool warned;   /* LEASE_ENDING sent for this term */
	struct vm *vm; /* lessee (held or draining) */
	uint32_t vcpu;
} ext[LEASE_CORES_MAX];

static struct lease_req {
	struct vm *vm;
	uint32_t vcpu, term_ms;
} queue[LEASE_QUEUE_MAX];
static uint32_t nqueued;

static struct lease_stat {
	const struct vm *vm; /* whose figures these are (vm ids are reused) */
	uint32_t granted, queued, expired;
} stat[VM_MAX];

static uint64_t now_us(void)
{
	uint64_t t = rdtsc();

	return tsc_khz ? t / tsc_khz * 1000 + t % tsc_khz * 1000 / tsc_khz : 0;
}

static struct lease_stat *stat_of(const struct vm *vm)
{
	struct lease_stat *s = &stat[vm->id];

	if (s->vm != vm) {
		memset(s, 0, sizeof(*s));
		s->vm = vm;
		charge_mws[vm->id] = held_us[vm->id] = 0;
	}
	return s;
}

static struct lease_ext *ext_of(uint32_t cpu)
{
	for (uint32_t i = 0; i < nfast; i++)
		if (ext[i].cpu == cpu)
			return &ext[i];
	return NULL;
}

/* The plan is made in partition_boot(), after registration: build the table then. */
static void ensure(void)
{
	uint32_t cpus[LEASE_CORES_MAX];
	struct cy_core_desc d;

	if (ready)
		return;
	ready = true;
	nfast = plan_fast_cores(cpus, LEASE_CORES_MAX);
	for (uint32_t i = 0; i < nfast; i++) {
		plan_core_desc(cpus[i], &d);
		lcores[i].core = cpus[i];
		lcores[i].watts = d.watts;
		ext[i] = (struct lease_ext){ .cpu = cpus[i], .slot = -1 };
	}
	lease_init(&tab, lcores, nfast, LEASE_WINDOW_US, charge_mws, held_us, VM_MAX);
}

/* Rule 1: usable cores first; the rest (owned by partitions, draining) after. */
static void sync(void)
{
	struct lease_core tmp[LEASE_CORES_MAX];
	uint32_t n = 0;

	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i < nfast; i++) {
			const struct lease_ext *e = ext_of(lcores[i].core);
			bool use = lcores[i].owner_vm >= 0 ||
				   (!e->draining && plan_lease_free(lcores[i].core));
			if (use == (pass == 0))
				tmp[n++] = lcores[i];
		}
	uint32_t usable = 0;
	for (uint32_t i = 0; i < nfast; i++) {
		lcores[i] = tmp[i];
		const struct lease_ext *e = ext_of(lcores[i].core);
		usable += lcores[i].owner_vm >= 0 ||
			  (!e->draining && plan_lease_free(lcores[i].core));
	}
	tab.ncores = usable;
}

static struct lease_core *held_by(const struct vm *vm, uint32_t vcpu)
{
	for (uint32_t i = 0; i < nfast; i++)
		if (lcores[i].owner_vm == (int32_t)vm->id && lcores[i].vcpu == vcpu)
			return &lcores[i];
	return NULL;
}

static int32_t queued_at(const struct vm *vm, uint32_t vcpu)
{
	for (uint32_t k = 0; k < nqueued; k++)
		if (queue[k].vm == vm && queue[k].vcpu == vcpu)
			return (int32_t)k;
	return -1;
}

static void unqueue(uint32_t k)
{
	memmove(&queue[k], &queue[k + 1], (nqueued - k - 1) * sizeof(queue[0]));
	nqueued--;
}

static void publish(struct vcpu *v, uint32_t cpu, uint64_t end_tsc)
{
	__atomic_store_n(&v->lease_end_tsc, end_tsc, __ATOMIC_RELEASE);
	__atomic_store_n(&v->lease_cpu, cpu, __ATOMIC_RELEASE);
	shared_vcpu_update(v);
}

static uint32_t min_watts(void)
{
	uint32_t w = UINT32_MAX;

	for (uint32_t i = 0; i < nfast; i++)
		w = MIN(w, lcores[i].watts);
	return w == UINT32_MAX ? 0 : w;
}

#define QUEUE_ME 1 /* try_grant(): no core free, the request waits (rule 4) */

/* Ask sched/lease.c for a core for (vm, vcpu) now; grant it for term_ms. */
static int try_grant(struct vm *vm, uint32_t vcpu, uint32_t term_ms, uint64_t now)
{
	uint32_t cpu = NO_CPU;
	int32_t slot;

	if (!plan_lease_fits(vm->gpm_part, min_watts()))
		return -E_RANGE;
	sync();
	int rc = lease_request(&tab, vm->id, vcpu, now, &cpu);
	if (rc == -E_BUSY) {
		for (uint32_t k = 0; k < LEASE_RECENT_MAX; k++)
			if (tab.recent[k].vm == (int32_t)vm->id && tab.recent[k].denied &&
			    tab.recent[k].denied_us == now)
				return QUEUE_ME;
		return -E_BUSY; /* its fair share */
	}
	if (rc < 0)
		return rc;
	rc = plan_lease_take(cpu, vm->gpm_part, vm->id, &slot);
	if (rc < 0) {
		lease_release(&tab, vm->id, vcpu, now); /* nothing held: nothing charged */
		return rc;
	}
	struct lease_core *c = held_by(vm, vcpu);
	c->expires_us = now + term_ms * 1000ULL; /* rule 3 */
	struct lease_ext *e = ext_of(cpu);
	*e = (struct lease_ext){ .cpu = cpu, .slot = slot, .vm = vm, .vcpu = vcpu };
	stat_of(vm)->granted++;
	publish(vm->vcpu[vcpu], cpu, rdtsc() + tsc_from_us(term_ms * 1000ULL));
	msg_send_sure(lpm_cpu(vm->lpm), MSG_LPM_LEASE, (uint64_t)(uintptr_t)vm->lpm, vcpu, cpu);
	kprintf("lease: vm %s vcpu %u gets cpu %u for %u ms\n", vm->name, vcpu, cpu, term_ms);
	gpm_timer_kick();
	return 0;
}

/* The oldest queued requests that can be granted now are (rule 4). */
static void serve_queue(uint64_t now)
{
	for (uint32_t k = 0; k < nqueued;) {
		struct lease_req r = queue[k];
		if (vm_ended(r.vm)) {
			unqueue(k);
			continue;
		}
		int rc = try_grant(r.vm, r.vcpu, r.term_ms, now);
		if (rc == 0) {
			unqueue(k);
			shared_event(r.vm, (int32_t)r.vcpu, CY_EV_LEASE_GRANTED);
			continue;
		}
		if (rc == QUEUE_ME)
			break; /* nothing free: the older ones wait first */
		/* Over its share or its budget now: it keeps its place. */
		k++;
	}
}

/* A lease is over (sched/lease.c freed its entry): the vCPU goes home. */
static void lease_over(uint32_t cpu, bool expired)
{
	struct lease_ext *e = ext_of(cpu);
	struct vm *vm = e->vm;

	e->draining = true;
	e->expired = expired;
	publish(vm->vcpu[e->vcpu], NO_CPU, 0);
	if (expired)
		stat_of(vm)->expired++;
	kprintf("lease: vm %s vcpu %u: cpu %u %s\n", vm->name, e->vcpu, cpu,
		expired ? "term over" : "released");
	msg_send_sure(lpm_cpu(vm->lpm), MSG_LPM_LEASE, (uint64_t)(uintptr_t)vm->lpm, e->vcpu,
		      NO_CPU);
}

/* The core goes back to the anonymous partition (rule 2). */
static void give_back(struct lease_ext *e)
{
	plan_lease_give(e->slot);
	*e = (struct lease_ext){ .cpu = e->cpu, .slot = -1 };
}

static void back_handler(const struct mbox_msg *m)
{
	uint32_t id = (uint32_t)m->arg[0], vcpu = (uint32_t)m->arg[1];

	for (uint32_t i = 0; i < nfast; i++) {
		struct lease_ext *e = &ext[i];
		if (!e->draining || e->vm->id != id || e->vcpu != vcpu)
			continue;
		struct vm *vm = e->vm;
		bool expired = e->expired;
		give_back(e);
		if (expired)
			shared_event(vm, (int32_t)vcpu, CY_EV_LEASE_ENDED);
		break;
	}
	serve_queue(now_us());
}

/* The GPM's timer: warnings, ends of terms, the queue (cores may have freed). */
static uint64_t lease_timer(uint64_t now_tsc)
{
	struct lease_event ev[EXPIRE_BATCH];
	uint64_t now, next = 0;
	uint32_t n;

	(void)now_tsc;
	if (!ready)
		return 0;
	now = now_us();
	for (uint32_t i = 0; i < nfast; i++) {
		struct lease_core *c = &lcores[i];
		struct lease_ext *e = ext_of(c->core);
		if (c->owner_vm >= 0 && !e->warned &&
		    now + CY_LEASE_WARN_MS * 1000ULL >= c->expires_us && now < c->expires_us) {
			e->warned = true;
			shared_event(e->vm, (int32_t)e->vcpu, CY_EV_LEASE_ENDING);
		}
	}
	while ((n = lease_expire(&tab, now, ev, EXPIRE_BATCH)) > 0)
		for (uint32_t k = 0; k < n; k++)
			lease_over(ev[k].core, true);
	if (nqueued)
		serve_queue(now);
	for (uint32_t i = 0; i < nfast; i++) {
		const struct lease_core *c = &lcores[i];
		if (c->owner_vm < 0)
			continue;
		uint64_t warn = c->expires_us > CY_LEASE_WARN_MS * 1000ULL ?
					c->expires_us - CY_LEASE_WARN_MS * 1000ULL :
					0;
		uint64_t at = ext_of(c->core)->warned ? c->expires_us : warn;
		if (!next || at < next)
			next = at;
	}
	/* Queued requests wait for a core the plan may free: look every window. */
	if (nqueued && (!next || now + LEASE_WINDOW_US < next))
		next = now + LEASE_WINDOW_US;
	return next ? tsc_from_us(next + 1) : 0;
}

/* Checks common to the three calls: 0, or the answer. */
static int check(const struct vm *vm, uint64_t vcpu, uint64_t term_ms, bool has_term)
{
	if (vcpu >= __atomic_load_n(&vm->nvcpus, __ATOMIC_ACQUIRE))
		return -E_NOENT;
	if (has_term && (term_ms < LEASE_TERM_MIN_MS || term_ms > LEASE_TERM_MAX_MS))
		return -E_RANGE;
	if (vm->accel || vm->gpm_part < 0 || vm_ended(vm))
		return -E_INVAL;
	ensure();
	return 0;
}

static int64_t lease_request_call(struct vm *vm, uint64_t vcpu, uint64_t term, uint64_t a3,
				  void *buf, uint64_t done_arg)
{
	(void)a3, (void)buf, (void)done_arg;
	int rc = check(vm, vcpu, term, true);
	if (rc)
		return rc;
	uint32_t i = (uint32_t)vcpu;
	if (held_by(vm, i) || queued_at(vm, i) >= 0)
		return -E_EXIST;
	if (__atomic_load_n(&vm->vcpu[i]->state, __ATOMIC_ACQUIRE) != VCPU_RUNNING)
		return -E_BUSY; /* not started (or offline): nothing to run fast */
	if (!nfast)
		return -E_NOENT;
	rc = try_grant(vm, i, (uint32_t)term, now_us());
	if (rc == 0)
		return CY_LEASE_GRANTED;
	if (rc != QUEUE_ME)
		return rc;
	if (nqueued == LEASE_QUEUE_MAX)
		return -E_FULL;
	queue[nqueued++] = (struct lease_req){ vm, i, (uint32_t)term };
	stat_of(vm)->queued++;
	gpm_timer_kick();
	return CY_LEASE_QUEUED;
}

static int64_t lease_renew_call(struct vm *vm, uint64_t vcpu, uint64_t term, uint64_t a3, void *buf,
				uint64_t done_arg)
{
	(void)a3, (void)buf, (void)done_arg;
	int rc = check(vm, vcpu, term, true);
	if (rc)
		return rc;
	uint64_t now = now_us();
	rc = lease_renew(&tab, vm->id, (uint32_t)vcpu, now);
	if (rc < 0)
		return rc;
	struct lease_core *c = held_by(vm, (uint32_t)vcpu);
	c->expires_us = now + term * 1000; /* rule 3 */
	ext_of(c->core)->warned = false;
	publish(vm->vcpu[vcpu], c->core, rdtsc() + tsc_from_us(term * 1000));
	gpm_timer_kick();
	return 0;
}

static int64_t lease_release_call(struct vm *vm, uint64_t vcpu, uint64_t a2, uint64_t a3, void *buf,
				  uint64_t done_arg)
{
	(void)a2, (void)a3, (void)buf, (void)done_arg;
	int rc = check(vm, vcpu, 0, false);
	if (rc)
		return rc;
	int32_t k = queued_at(vm, (uint32_t)vcpu);
	if (k >= 0) {
		unqueue((uint32_t)k); /* withdrawn */
		return 0;
	}
	struct lease_core *c = held_by(vm, (uint32_t)vcpu);
	if (!c)
		return -E_NOENT;
	uint32_t cpu = c->core;
	lease_release(&tab, vm->id, (uint32_t)vcpu, now_us());
	lease_over(cpu, false);
	return 0;
}

void lease_vm_ended(struct vm *vm)
{
	exchange_vm_ended(vm);
	if (!ready)
		return;
	for (uint32_t k = 0; k < nqueued;)
		if (queue[k].vm == vm)
			unqueue(k);
		else
			k++;
	uint64_t now = now_us();
	for (uint32_t i = 0; i < nfast; i++) {
		struct lease_ext *e = &ext[i];
		if (e->vm != vm)
			continue;
		if (!e->draining) {
			lease_release(&tab, vm->id, e->vcpu, now);
			struct vcpu *v = vm->vcpu[e->vcpu];
			__atomic_store_n(&v->lease_cpu, NO_CPU, __ATOMIC_RELEASE);
			__atomic_store_n(&v->lease_end_tsc, 0, __ATOMIC_RELEASE);
		}
		give_back(e); /* none of its vCPUs runs: the core is free now */
	}
	serve_queue(now);
}

void lease_report(const struct vm *vm)
{
	const struct lease_stat *s = &stat[vm->id];

	if (s->vm != vm || (!s->granted && !s->queued))
		return;
	kprintf("summary: vm %s: leases %u granted, %u queued, %u expired, charged %llu mWs\n",
		vm->name, s->granted, s->queued, s->expired,
		(unsigned long long)charge_mws[vm->id]);
}

void lease_register(void)
{
	control_ext_register(CYPRESS_HC_LEASE_REQUEST, lease_request_call, 0);
	control_ext_register(CYPRESS_HC_LEASE_RENEW, lease_renew_call, 0);
	control_ext_register(CYPRESS_HC_LEASE_RELEASE, lease_release_call, 0);
	msg_register(MSG_LEASE_BACK, back_handler);
	gpm_timer_register(lease_timer);
	exchange_register();
}
