// SPDX-License-Identifier: MIT
/*
 * The micro-sliced core pool (core/pool.h): reserving the cores, Algorithm 1
 * on the GPM's timer, the triggers, and the trips of urgent vCPUs.
 * Environment: freestanding hypervisor; pool_start, the timer and the
 * report on the GPM core (cpu 0); the hooks on the vCPU's owner core,
 * interrupts off.
 *
 * Rules (each a fact to check against the code):
 *  1. Only partitions with a symbol table use the pool; events of every
 *     partition count for Algorithm 1 (system-wide, as in the paper).
 *  2. A vCPU is sent only by its owner core, only once it has run, only
 *     while it waits (runnable, not running: wait_since != 0) on a
 *     time-shared core that is not a pool core, only with no move pending
 *     (migrate_to) and no trip under way.
 *  3. One trip = one turn on the pool core: a 0.1 ms slice (MSC_SLICE_US) or
 *     less if it halts or exits otherwise; then it goes home.
 *  4. Another core asks the owner by MSG_POOL_RESCUE, at most one request
 *     in flight per vCPU (pool_asked); the owner checks everything again.
 *  5. Counters are statistics: atomic adds, read by cpu 0 at the end.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "arch/x86/vmx/vmexit.h"
#include "core/msg.h"
#include "core/gpm_timer.h"
#include "core/plan.h"
#include "core/pool.h"
#include "core/symbols.h"
#include "core/vcore.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "mm/heap.h"
#include "sched/microslice.h"

static uint32_t pool_cpus[MSC_MAX_LIMIT]; /* written once by pool_start() */
static uint32_t pool_n;
static uint32_t pool_active; /* atomic: Algorithm 1's numuCores, written by cpu 0 */
static uint64_t slice_ticks, period_ticks;

/* cpu 0 only. */
static struct msc_adapt adapt;
static bool adapt_started;
static uint32_t active_max, active_changes;
#define POOL_CHANGES_SHOWN 4 /* size changes printed as they happen */

static struct {
	uint64_t ev_ipi, ev_ple, ev_irq; /* Algorithm 1's inputs */
	uint64_t rescues[POOL_TRIGS];	 /* arrivals on a pool core, by trigger */
	uint64_t back;			 /* trips that ended at home */
	uint64_t no_core;		 /* urgent, but no pool core active */
	uint64_t forwarded;		 /* LPM moves passed on to a visited pool core */
	uint64_t cancelled;		 /* pool moves an LPM move replaced before they ran */
	uint64_t lat_ticks, lat_n, lat_max;
} st;

static void add(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static uint64_t get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

bool pool_is_core(uint32_t cpu)
{
	for (uint32_t i = 0; i < pool_n; i++)
		if (pool_cpus[i] == cpu)
			return true;
	return false;
}

/* ---- symbol tables ---- */

int pool_symbols_load(struct vm *vm, const char *name, const char *text, size_t len)
{
	char why[160];
	uint32_t n = 0, got = 0, crit = 0;
	int rc = symbols_parse(text, len, NULL, 0, &n, why, sizeof(why));

	if (rc < 0) {
		kprintf("partition '%s' refused: its symbols '%s': %s\n", vm->name, name, why);
		return rc;
	}
	struct msc_symtab *t = kmalloc(sizeof(*t) + (size_t)n * sizeof(struct msc_sym));
	if (!t) {
		kprintf("partition '%s' refused: no memory for %u symbols of '%s'\n", vm->name, n,
			name);
		return -E_NOMEM;
	}
	struct msc_sym *syms = (struct msc_sym *)(t + 1);
	rc = symbols_parse(text, len, syms, n, &got, why, sizeof(why));
	if (rc == 0)
		rc = msc_symtab_init(t, syms, got);
	if (rc < 0) {
		kprintf("partition '%s' refused: its symbols '%s': %s\n", vm->name, name,
			why[0] ? why : "not a valid table");
		kfree(t);
		return rc;
	}
	for (uint32_t i = 0; i < got; i++)
		crit += syms[i].critical != MSC_NOT_CRITICAL;
	vm->symtab = t;
	kprintf("partition '%s': symbols '%s': %u functions, %u critical\n", vm->name, name, got,
		crit);
	return 0;
}

void pool_symbols_free(struct vm *vm)
{
	kfree(vm->symtab);
	vm->symtab = NULL;
}

/* ---- sending a vCPU (its owner core) ---- */

/* The least loaded active pool core, or NO_CPU when none is active. */
static uint32_t pick(void)
{
	uint32_t n = __atomic_load_n(&pool_active, __ATOMIC_ACQUIRE), best = NO_CPU, bn = 0;

	for (uint32_t i = 0; i < n && i < pool_n; i++) {
		uint32_t h = vcore_hosted(pool_cpus[i]);
		if (best == NO_CPU || h < bn) {
			best = pool_cpus[i];
			bn = h;
		}
	}
	return best;
}

/* Rule 2; true if v will leave for the pool at the core's next service(). */
static bool send(struct vcpu *v, uint32_t why, uint64_t t0)
{
	uint32_t me = this_cpu_id();

	/* Started and run once: an AP released by a STARTUP IPI starts at home. */
	if (__atomic_load_n(&v->pcpu, __ATOMIC_ACQUIRE) != me || vm_ended(v->vm) ||
	    v->state != VCPU_RUNNING || !v->vmcs_pa || !v->wait_since || v->migrate_to != NO_CPU ||
	    __atomic_load_n(&v->pool_home, __ATOMIC_ACQUIRE) != NO_CPU || !this_cpu()->timeshared ||
	    pool_is_core(me))
		return false;
	uint32_t to = pick();
	if (to == NO_CPU) {
		add(&st.no_core, 1);
		return false;
	}
	v->migrate_to = to;
	v->pool_go = POOL_GO_OUT;
	v->pool_why = (uint8_t)why;
	v->pool_t0 = t0;
	return true;
}

void pool_preempted_slow(struct vcpu *v)
{
	if (v->vm->symtab && msc_is_critical(v->vm->symtab, v->last_rip))
		send(v, POOL_TRIG_PREEMPT, rdtsc());
}

/* MSG_POOL_RESCUE on the vCPU's core: rule 4. */
static void rescue_handler(const struct mbox_msg *m)
{
	struct vcpu *v = (struct vcpu *)(uintptr_t)m->arg[0];
	uint32_t why = (uint32_t)m->arg[1];

	__atomic_store_n(&v->pool_asked, 0, __ATOMIC_RELEASE);
	if (__atomic_load_n(&v->pcpu, __ATOMIC_ACQUIRE) != this_cpu_id() || !v->vm->symtab)
		return;
	if (why == POOL_TRIG_PLE && !msc_wants_pool(MSC_TRIG_PLE, v->vm->symtab, v->last_rip))
		return; /* it ran on meanwhile and left the critical function */
	if (send(v, why, m->arg[2]))
		pcpu_resched(this_cpu()); /* the vCPU in the guest now yields: service() sends it */
}

int pool_pause_loop(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint32_t me = this_cpu_id(), n = __atomic_load_n(&vm->nvcpus, __ATOMIC_ACQUIRE);
	uint64_t now = rdtsc();

	add(&st.ev_ple, 1);
	for (uint32_t i = 0; vm->symtab && pool_n && i < n; i++) {
		struct vcpu *w = vm->vcpu[i];
		/* Hints read without a lock (rule 4: the owner checks again). */
		if (!w || w == v || !__atomic_load_n(&w->wait_since, __ATOMIC_RELAXED) ||
		    __atomic_load_n(&w->pool_home, __ATOMIC_RELAXED) != NO_CPU ||
		    !msc_wants_pool(MSC_TRIG_PLE, vm->symtab,
				    __atomic_load_n(&w->last_rip, __ATOMIC_RELAXED)))
			continue;
		uint32_t cpu = __atomic_load_n(&w->pcpu, __ATOMIC_ACQUIRE), idle = 0;
		if (cpu == me) {
			send(w, POOL_TRIG_PLE, now); /* goes after this turn (we yield) */
			continue;
		}
		if (!__atomic_compare_exchange_n(&w->pool_asked, &idle, 1, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			continue;
		if (msg_send(cpu, MSG_POOL_RESCUE, (uint64_t)(uintptr_t)w, POOL_TRIG_PLE, now) < 0)
			__atomic_store_n(&w->pool_asked, 0, __ATOMIC_RELEASE);
	}
	/* The spinner gives way on a shared core (the paper's yield on PLE). */
	return this_cpu()->timeshared ? VMEXIT_YIELD : VMEXIT_RESUME;
}

void pool_posted(struct vcpu *v, uint32_t why)
{
	if (!v->wait_since || !this_cpu()->timeshared)
		return; /* running, blocked, or alone: not waiting behind another vCPU */
	add(why == POOL_TRIG_IPI ? &st.ev_ipi : &st.ev_irq, 1);
	if (v->vm->symtab && pool_n &&
	    msc_wants_pool(why == POOL_TRIG_IPI ? MSC_TRIG_IPI : MSC_TRIG_VIRQ, v->vm->symtab,
			   v->last_rip) &&
	    send(v, why, rdtsc()))
		pcpu_resched(this_cpu());
}

/* ---- the trip ---- */

static bool visiting(const struct vcpu *v)
{
	uint32_t home = __atomic_load_n(&v->pool_home, __ATOMIC_ACQUIRE);

	return home != NO_CPU && home != this_cpu_id();
}

void pool_turn_begin_slow(struct vcpu *v, struct pcpu *p)
{
	if (!visiting(v))
		return;
	uint64_t now = rdtsc();
	p->slice_end = now + slice_ticks; /* rule 3, even alone on the pool core */
	if (v->pool_t0) {
		uint64_t lat = now > v->pool_t0 ? now - v->pool_t0 : 0;
		add(&st.lat_ticks, lat);
		add(&st.lat_n, 1);
		uint64_t max = get(&st.lat_max);
		while (lat > max &&
		       !__atomic_compare_exchange_n(&st.lat_max, &max, lat, false, __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED))
			;
		v->pool_t0 = 0;
	}
}

void pool_turn_end_slow(struct vcpu *v, int r)
{
	if (!visiting(v) || r == VMEXIT_STOP || vm_ended(v->vm) || v->migrate_to != NO_CPU)
		return; /* a move its LPM asked for meanwhile takes it on instead */
	v->migrate_to = __atomic_load_n(&v->pool_home, __ATOMIC_ACQUIRE);
	v->pool_go = POOL_GO_HOME;
}

uint64_t pool_adopt_kind(struct vcpu *v)
{
	uint8_t go = v->pool_go;

	v->pool_go = POOL_GO_NONE;
	if (go == POOL_GO_OUT) {
		/* Before the hand-over (a release store of pcpu follows): whoever
		 * sees the new owner sees the trip. */
		__atomic_store_n(&v->pool_home, this_cpu_id(), __ATOMIC_RELEASE);
		return VCORE_ADOPT_POOL;
	}
	return go == POOL_GO_HOME ? VCORE_ADOPT_HOME : VCORE_ADOPT_MOVED;
}

bool pool_adopted(struct vcpu *v, uint64_t kind)
{
	if (kind == VCORE_ADOPT_POOL) {
		add(&st.rescues[v->pool_why < POOL_TRIGS ? v->pool_why : 0], 1);
		return true;
	}
	if (kind == VCORE_ADOPT_HOME) {
		__atomic_store_n(&v->pool_home, NO_CPU, __ATOMIC_RELEASE);
		/* Not a migration figure: its first turn here waits behind the
		 * core's other vCPUs (the sched: migration line measures moves). */
		v->mig_tsc = 0;
		add(&st.back, 1);
		return true;
	}
	/* A move of its LPM's ended a trip early: it is home wherever it lands. */
	if (__atomic_load_n(&v->pool_home, __ATOMIC_ACQUIRE) != NO_CPU)
		__atomic_store_n(&v->pool_home, NO_CPU, __ATOMIC_RELEASE);
	return false;
}

bool pool_cancel(struct vcpu *v)
{
	if (v->pool_go == POOL_GO_NONE)
		return false;
	v->pool_go = POOL_GO_NONE;
	v->pool_t0 = 0;
	add(&st.cancelled, 1);
	return true;
}

bool pool_forward(struct vcpu *v, uint32_t to)
{
	uint32_t o = __atomic_load_n(&v->pcpu, __ATOMIC_ACQUIRE);

	if (__atomic_load_n(&v->pool_home, __ATOMIC_ACQUIRE) == NO_CPU || o == this_cpu_id() ||
	    o == NO_CPU)
		return false;
	msg_send_sure(o, MSG_VCPU_MIGRATE, (uint64_t)(uintptr_t)v, to, 0);
	add(&st.forwarded, 1);
	return true;
}

/* ---- the GPM's part: reserving, Algorithm 1, the report ---- */

/* Algorithm 1 from the first urgent event on (before it there is nothing
 * to decide, and the first 10 ms window would be empty). */
static uint64_t pool_timer(uint64_t now)
{
	if (!pool_n)
		return 0;
	struct msc_events t = { get(&st.ev_ipi), get(&st.ev_ple), get(&st.ev_irq) };
	uint64_t now_us = now * 1000 / tsc_khz;
	if (!adapt_started) {
		if (!t.ipi && !t.ple && !t.irq)
			return now + period_ticks;
		msc_adapt_init(&adapt, pool_n, now_us);
		adapt_started = true;
	}
	uint32_t cur = msc_adapt_tick(&adapt, now_us, &t);
	cur = cur < pool_n ? cur : pool_n;
	if (cur != __atomic_load_n(&pool_active, __ATOMIC_RELAXED)) {
		__atomic_store_n(&pool_active, cur, __ATOMIC_RELEASE);
		active_changes++;
		active_max = cur > active_max ? cur : active_max;
		/* Profiling returns to 0 cores every epoch (1 s): the first few
		 * changes are news, the rest only counted (the end line). */
		if (active_changes <= POOL_CHANGES_SHOWN)
			kprintf("pool: %u of %u cores active (events ipi %llu ple %llu irq %llu)%s\n",
				cur, pool_n, (unsigned long long)t.ipi, (unsigned long long)t.ple,
				(unsigned long long)t.irq,
				active_changes == POOL_CHANGES_SHOWN ?
					"; further changes counted only" :
					"");
	}
	uint64_t due = (adapt.due_us + 1) * tsc_khz / 1000;
	return due > now ? due : now + 1;
}

void pool_start(const struct manifest_machine *mm)
{
	uint64_t mask[MANIFEST_MASK_WORDS] = { 0 };
	char cpus[64];

	if (!mm->pool)
		return;
	slice_ticks = tsc_from_us(MSC_SLICE_US);
	period_ticks = tsc_from_us(MSC_PROFILE_US);
	pool_n = plan_pool_reserve(mm->pool, pool_cpus);
	if (!pool_n) {
		kprintf("pool: no free core for the micro-sliced pool (asked for %u); no pool\n",
			mm->pool);
		return;
	}
	for (uint32_t i = 0; i < pool_n; i++)
		mask[pool_cpus[i] / 64] |= 1ULL << (pool_cpus[i] % 64);
	manifest_format_cpus(mask, cpus, sizeof(cpus));
	kprintf("pool: %u micro-sliced core%s reserved (cpus %s, asked for %u), %u us slices, "
		"sized by Algorithm 1\n",
		pool_n, pool_n == 1 ? "" : "s", cpus, mm->pool, MSC_SLICE_US);
	gpm_timer_kick();
}

void pool_report(void)
{
	uint64_t r[POOL_TRIGS], total = 0, n = get(&st.lat_n);

	if (!pool_n)
		return;
	for (uint32_t i = 0; i < POOL_TRIGS; i++)
		total += r[i] = get(&st.rescues[i]);
	kprintf("pool: %u cores active of %u (at most %u, %u changes), rescues %llu (ple %llu, "
		"ipi %llu, irq %llu, preempt %llu), mean rescue latency %llu ticks\n",
		__atomic_load_n(&pool_active, __ATOMIC_RELAXED), pool_n, active_max, active_changes,
		(unsigned long long)total, (unsigned long long)r[POOL_TRIG_PLE],
		(unsigned long long)r[POOL_TRIG_IPI], (unsigned long long)r[POOL_TRIG_IRQ],
		(unsigned long long)r[POOL_TRIG_PREEMPT],
		(unsigned long long)(n ? get(&st.lat_ticks) / n : 0));
	kprintf("pool: events ipi %llu ple %llu irq %llu; %llu trips back home; %llu urgent vcpus "
		"found no active pool core; longest rescue %llu ticks\n",
		(unsigned long long)get(&st.ev_ipi), (unsigned long long)get(&st.ev_ple),
		(unsigned long long)get(&st.ev_irq), (unsigned long long)get(&st.back),
		(unsigned long long)get(&st.no_core), (unsigned long long)get(&st.lat_max));
	kprintf("pool: lpm moves: %llu passed on to a vcpu away on the pool, %llu replaced a "
		"pending pool move\n",
		(unsigned long long)get(&st.forwarded), (unsigned long long)get(&st.cancelled));
	if (n)
		kprintf("bench: pool rescue latency %llu ticks\n",
			(unsigned long long)(get(&st.lat_ticks) / n));
}

void pool_register(void)
{
	msg_register(MSG_POOL_RESCUE, rescue_handler);
	gpm_timer_register(pool_timer);
}
